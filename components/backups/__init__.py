"""Backups (runbooks 000, 002): `platform:backups` (`config.BackupsConfig`), the buckets
(`storage.BackupStorage`, `hardened_bucket.HardenedBucket`) and who may write and read them
(`access.BackupAccess`). The jobs that run against them live in `jobs/`, which ships in its own image
without the Pulumi SDK."""
