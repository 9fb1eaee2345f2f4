"""The database (every runbook): `platform:postgres` (`config.PostgresConfig`), its roles, database,
schema and grants (`postgres.PostgresDatabase`), and the scheduled backup and drill machines
(`backup_job.DatabaseBackupJob`)."""
