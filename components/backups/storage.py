"""The PostgreSQL backup bucket of runbooks 000 and 002: versioned, AES-256, 30 days, logged, replicated in prod."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.backups.config import DRILL_RECORD_DAYS, DRILLS, BackupsConfig
from components.backups.hardened_bucket import HardenedBucket, HardenedBucketArgs, ObjectLockArgs
from components.backups.lifecycle import AccessLogArgs, access_logs, expiry_rule
from components.shared.policies import Statement, document, service_trust
from components.shared.roles import bounded


@dataclass(frozen=True, kw_only=True)
class BackupStorageArgs:
    backups: BackupsConfig
    region: str
    account_id: pulumi.Input[str]
    tags: dict[str, str]
    protect: bool
    kms_key_arn: pulumi.Input[str] | None = None
    # Who may read backup objects: the reader role(s); the replication role and the config's break-glass
    # role are added here. Everyone else, ReadOnlyAccess included, is denied.
    readers: Sequence[pulumi.Input[str]] = ()
    replica_kms_key_arn: pulumi.Input[str] | None = None  # the replica region's key, for aws:kms backups


def backup_lifecycle(cfg: BackupsConfig) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """Backups under their prefix for the retention; the drills' records for longer, since the audit's
    quarterly-drill control looks back past any retention of backups."""
    return [
        expiry_rule("expire-backups", cfg.retention_days, cfg.noncurrent_version_days, cfg.transition, cfg.prefix),
        expiry_rule("expire-drill-records", DRILL_RECORD_DAYS, cfg.noncurrent_version_days, prefix=DRILLS),
    ]


def replication_policy(source_arn: str, replica_arn: str, source_key: str = "", replica_key: str = "") -> str:
    """With aws:kms backups, S3 decrypts each version with the source key and encrypts its copy with the
    replica's (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html)."""
    keys: list[Statement] = []
    if source_key and replica_key:
        keys = [
            {"Sid": "DecryptSourceVersions", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": source_key},
            {
                "Sid": "EncryptReplicas",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                "Resource": replica_key,
            },
        ]
    return document(
        [
            {
                "Sid": "ReadReplicationConfig",
                "Effect": "Allow",
                "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                "Resource": source_arn,
            },
            {
                "Sid": "ReadSourceVersions",
                "Effect": "Allow",
                "Action": [
                    "s3:GetObjectLegalHold",
                    "s3:GetObjectRetention",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionTagging",
                ],
                "Resource": f"{source_arn}/*",
            },
            {
                "Sid": "WriteReplicas",
                "Effect": "Allow",
                "Action": ["s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"],
                "Resource": f"{replica_arn}/*",
            },
            *keys,
        ]
    )


class BackupStorage(pulumi.ComponentResource):
    """Where the nightly `pg_dump` of runbooks 000 and 002 lands.

    Creates the primary backup bucket (a HardenedBucket with the retention lifecycle and, where the
    environment locks, object lock), an access-log bucket beside it, and, where replication is on, a
    replica bucket in the second region with its own access logs, the replication role and rule.
    """

    def __init__(self, name: str, args: BackupStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:backups:BackupStorage", name, None, opts)
        cfg = args.backups
        lock = ObjectLockArgs(mode=cfg.object_lock.mode, days=cfg.object_lock_days) if cfg.locked else None
        backup_tags = {**args.tags, "purpose": "postgres-backups"}
        readers = [*args.readers, *([cfg.break_glass_role_arn] if cfg.break_glass_role_arn else [])]
        replication_role = self._replication_role(name, args) if cfg.replicated else None

        self.primary = HardenedBucket(
            name,
            HardenedBucketArgs(
                tags=backup_tags,
                protect=args.protect,
                lifecycle_rules=backup_lifecycle(cfg),
                sse_algorithm=cfg.encryption or "AES256",
                kms_key_arn=args.kms_key_arn,
                object_lock=lock,
                object_readers=[*readers, *([replication_role.arn] if replication_role else [])],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.logs = access_logs(f"{name}-access-logs", self.primary, self._log_args(args), region=None, parent=self)
        # Object events go to EventBridge, where the freshness alarm counts a stored backup even when
        # the job could not publish its metric (components/alerting/operations_alarms.py).
        aws.s3.BucketNotification(
            f"{name}-eventbridge",
            bucket=self.primary.bucket.id,
            eventbridge=True,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.replica: HardenedBucket | None = None
        if cfg.replicated:
            assert cfg.replication.region is not None  # the config model requires it
            self.replica = HardenedBucket(
                f"{name}-replica",
                HardenedBucketArgs(
                    tags={**backup_tags, "replica-of": args.region},
                    protect=args.protect,
                    lifecycle_rules=backup_lifecycle(cfg),
                    region=cfg.replication.region,
                    object_lock=lock,
                    object_readers=readers,
                    sse_algorithm=cfg.encryption or "AES256",
                    kms_key_arn=args.replica_kms_key_arn,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            access_logs(
                f"{name}-replica-access-logs",
                self.replica,
                self._log_args(args),
                region=cfg.replication.region,
                parent=self,
            )
            assert replication_role is not None
            self._replicate(name, args, replication_role)
        self.register_outputs(
            {
                "bucket": self.primary.bucket.bucket,
                "replicaBucket": self.replica.bucket.bucket if self.replica else None,
            }
        )

    @staticmethod
    def _log_args(args: BackupStorageArgs) -> AccessLogArgs:
        return AccessLogArgs(
            account_id=args.account_id,
            tags=args.tags,
            protect=args.protect,
            days=args.backups.access_log_retention_days,
        )

    def _replication_role(self, name: str, args: BackupStorageArgs) -> aws.iam.Role:
        """Made before the buckets: the primary's policy lets it read what it replicates."""
        return aws.iam.Role(
            f"{name}-replication",
            description="S3 replicates backups to the second region",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda a: service_trust("s3.amazonaws.com", a)
            ),
            tags=args.tags,
            **bounded(args.account_id),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _replicate(self, name: str, args: BackupStorageArgs, role: aws.iam.Role) -> None:
        assert self.replica is not None
        replica = self.replica
        aws.iam.RolePolicy(
            f"{name}-replication",
            role=role.id,
            policy=pulumi.Output.all(
                self.primary.bucket.arn, replica.bucket.arn, args.kms_key_arn or "", args.replica_kms_key_arn or ""
            ).apply(lambda a: replication_policy(a[0], a[1], a[2], a[3])),
            opts=pulumi.ResourceOptions(parent=self),
        )
        kms = args.replica_kms_key_arn is not None
        encrypted_with = (
            aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                replica_kms_key_id=args.replica_kms_key_arn
            )
            if args.replica_kms_key_arn is not None
            else None
        )
        selection = (
            aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                    status="Enabled"
                )
            )
            if kms
            else None
        )
        aws.s3.BucketReplicationConfig(
            f"{name}-replication",
            bucket=self.primary.bucket.id,
            role=role.arn,
            rules=[
                aws.s3.BucketReplicationConfigRuleArgs(
                    id="replicate-backups",
                    status="Enabled",
                    filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                    # Expiry on the source must not delete the replica: it keeps its own lifecycle.
                    delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                        status="Disabled"
                    ),
                    destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                        bucket=replica.bucket.arn,
                        storage_class="STANDARD",
                        encryption_configuration=encrypted_with,
                    ),
                    # S3 skips SSE-KMS objects unless asked to replicate them
                    source_selection_criteria=selection,
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.primary.versioning, replica.versioning]),
        )
