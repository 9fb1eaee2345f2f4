"""The platform, in the order of the runbooks: config, keys, backups, secrets, delivery.

Each capability is wired only when the stack file declares its section; an absent one registers nothing.
"""

import functools

import pulumi
import pulumi_aws as aws

from components.backup_access import BackupAccess, BackupAccessArgs
from components.backups import BackupStorage, BackupStorageArgs
from components.fly import FlyApi, FlyApiArgs
from components.keys import KmsKeys, KmsKeysArgs
from components.loader import load_stack
from components.secrets import FLY, VERCEL, SecretsInventory, SecretsInventoryArgs
from components.vercel import VercelFrontend, VercelFrontendArgs

# 1. Stack config: every bad key is reported here, before any resource is registered.
loaded = load_stack()
cfg = loaded.config


@functools.cache
def account_id() -> pulumi.Output[str]:
    """Asked only by stacks with AWS resources: a Vercel-only product needs no AWS credentials."""
    return aws.get_caller_identity_output().account_id


# 2. Keys (runbook 003).
keys = None
if cfg.keys is not None:
    keys = KmsKeys(
        "keys",
        KmsKeysArgs(
            app=cfg.app,
            environment=cfg.env,
            region=cfg.aws_region,
            account_id=account_id(),
            keys=cfg.keys,
            tags=cfg.tags(),
            protect=cfg.protected,
        ),
    )
    pulumi.export("kmsKeyArns", keys.key_arns)
    pulumi.export("kmsKeyAliases", keys.alias_names)

# 3. Backups (runbooks 000, 002): the bucket, and who may write and read it.
if cfg.backups is not None:
    backup_key_arn = keys.keys[cfg.backups.kms_key].arn if keys and cfg.backups.encryption == "aws:kms" else None
    backups = BackupStorage(
        "backups",
        BackupStorageArgs(
            backups=cfg.backups,
            region=cfg.aws_region,
            account_id=account_id(),
            tags=cfg.tags(),
            protect=cfg.protected,
            kms_key_arn=backup_key_arn,
        ),
    )
    access = BackupAccess(
        "backup-access",
        BackupAccessArgs(
            app=cfg.app,
            environment=cfg.env,
            account_id=account_id(),
            bucket_arn=backups.primary.bucket.arn,
            prefix=cfg.backups.prefix,
            writer=cfg.backups.writer,
            reader=cfg.backups.reader,
            tags=cfg.tags(),
            kms_key_arn=backup_key_arn,
        ),
    )
    pulumi.export("backupBucket", backups.primary.bucket.bucket)
    pulumi.export("backupBucketArn", backups.primary.bucket.arn)
    pulumi.export("accessLogBucket", backups.logs.bucket.bucket)
    pulumi.export("replicaBucket", backups.replica.bucket.bucket if backups.replica else None)
    pulumi.export("replicaBucketArn", backups.replica.bucket.arn if backups.replica else None)
    pulumi.export("backupWriterRoleArn", access.writer.arn)
    pulumi.export("backupReaderRoleArn", access.reader.arn)

# 4. Secrets (runbooks 000, 001, 002, 004): one inventory feeds every consumer.
secrets = None
if cfg.secrets is not None:
    secrets = SecretsInventory(
        "secrets", SecretsInventoryArgs(secrets=cfg.secrets, provided=loaded.provided, today=loaded.today)
    )
    pulumi.export("secretGenerations", secrets.generations)

# 5. Delivery: Vercel frontend, Fly.io API.
if cfg.vercel is not None:
    frontend = VercelFrontend(
        "frontend",
        VercelFrontendArgs(
            vercel=cfg.vercel,
            protect=cfg.protected,
            secret_env=secrets.for_vercel() if secrets else [],
            served=secrets.served(VERCEL) if secrets else {},
        ),
    )
    pulumi.export("vercelProject", frontend.project_name)
    pulumi.export("vercelDomains", frontend.domain_names)
    pulumi.export("maintenanceMode", frontend.maintenance_mode)
    pulumi.export("vercelEnvFingerprint", frontend.env_fingerprint)
    if frontend.deploy_hook_url is not None:
        pulumi.export("vercelDeployHookUrl", frontend.deploy_hook_url)

if cfg.fly is not None:
    api = FlyApi(
        "api",
        FlyApiArgs(
            fly=cfg.fly,
            protect=cfg.protected,
            secret_env=secrets.for_consumer(FLY) if secrets else {},
            served=secrets.served(FLY) if secrets else {},
        ),
    )
    pulumi.export("flyApp", api.app.name)
    pulumi.export("flyAppUrl", api.url)
    pulumi.export("flyMachines", api.machine_counts)
