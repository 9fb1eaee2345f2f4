"""Secrets (runbooks 000-004): `platform:secrets` (`config.SecretsConfig`) and the inventory that
generates, rotates and delivers them (`inventory.SecretsInventory`)."""
