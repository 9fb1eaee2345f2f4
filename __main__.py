"""The platform, in the order of the runbooks: config, data protection, secrets, delivery."""

import pulumi
import pulumi_aws as aws

from components.backup_access import BackupAccess, BackupAccessArgs
from components.backups import BackupStorage, BackupStorageArgs
from components.fly import FlyApi, FlyApiArgs
from components.keys import KmsKeys, KmsKeysArgs
from components.loader import load_stack
from components.secrets import SecretsInventory, SecretsInventoryArgs
from components.vercel import VercelFrontend, VercelFrontendArgs

# 1. Stack config: every bad key is reported here, before any resource is registered.
loaded = load_stack()
cfg = loaded.config
account_id = aws.get_caller_identity_output().account_id

# 2. Keys (runbook 003) and backups (runbooks 000, 002).
keys = KmsKeys(
    "keys",
    KmsKeysArgs(cfg.app, cfg.environment, cfg.aws_region, account_id, cfg.keys, cfg.tags(), cfg.protect),
)
backup_key_arn = keys.keys[cfg.backups.kms_key].arn if cfg.backups.encryption == "aws:kms" else None
backups = BackupStorage(
    "backups",
    BackupStorageArgs(cfg.backups, cfg.aws_region, account_id, cfg.tags(), cfg.protect, backup_key_arn),
)
access = BackupAccess(
    "backup-access",
    BackupAccessArgs(
        cfg.app,
        cfg.environment,
        account_id,
        backups.primary.bucket.arn,
        cfg.backups.prefix,
        cfg.backups.writer,
        cfg.backups.reader,
        cfg.tags(),
        backup_key_arn,
    ),
)

# 3. Secrets (runbooks 000, 001, 002, 004): one inventory feeds every consumer.
secrets = SecretsInventory("secrets", SecretsInventoryArgs(cfg.secrets, loaded.provided, loaded.today))

# 4. Delivery: Vercel frontend, Fly.io API.
frontend = VercelFrontend("frontend", VercelFrontendArgs(cfg.vercel, cfg.protect, secret_env=secrets.for_vercel()))
api = FlyApi(
    "api",
    FlyApiArgs(cfg.fly, cfg.protect, secrets.for_consumer("fly"), secret_generations=secrets.generations_for("fly")),
)

# What an operator or auditor looks up; no secret value is exported.
pulumi.export("backupBucket", backups.primary.bucket.bucket)
pulumi.export("backupBucketArn", backups.primary.bucket.arn)
pulumi.export("accessLogBucket", backups.logs.bucket.bucket)
pulumi.export("replicaBucket", backups.replica.bucket.bucket if backups.replica else None)
pulumi.export("replicaBucketArn", backups.replica.bucket.arn if backups.replica else None)
pulumi.export("kmsKeyArns", {purpose: key.arn for purpose, key in keys.keys.items()})
pulumi.export("kmsKeyAliases", {purpose: alias.name for purpose, alias in keys.aliases.items()})
pulumi.export("backupWriterRoleArn", access.writer.arn)
pulumi.export("backupReaderRoleArn", access.reader.arn)
pulumi.export("secretGenerations", secrets.generations)
pulumi.export("vercelProject", cfg.vercel.project_name)
pulumi.export("vercelDomains", list(cfg.vercel.domains))
pulumi.export("maintenanceMode", cfg.vercel.maintenance_mode)
pulumi.export("flyApp", api.app.name)
pulumi.export("flyAppUrl", f"https://{cfg.fly.app}.fly.dev")
pulumi.export("flyMachines", {region: count for region, count in sorted(cfg.fly.regions.items())})
