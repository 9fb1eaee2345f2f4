"""Keys (runbook 003): `platform:keys` (`config.KeysConfig`) and one rotated KMS key per purpose
(`kms_keys.KmsKeys`)."""
