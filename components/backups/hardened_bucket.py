"""One S3 bucket with the protections every bucket here gets: versioned, encrypted, private, TLS-only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.shared.policies import allow_access_logs, deny_insecure_transport, deny_object_reads_except, document

# A half-finished multipart upload (an interrupted streaming backup) is billed until it is aborted.
ABORT_MULTIPART_DAYS = 1
ABORT_RULE_ID = "abort-incomplete-uploads"


def abort_rule() -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """Abort incomplete uploads anywhere in the bucket: a rule scoped to a prefix leaves every upload
    outside it billed forever (checkov CKV_AWS_300 passes only an unfiltered rule)."""
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id=ABORT_RULE_ID,
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=ABORT_MULTIPART_DAYS
        ),
    )


@dataclass(frozen=True, kw_only=True)
class ObjectLockArgs:
    mode: str
    days: int


@dataclass(frozen=True, kw_only=True)
class AccessLogSource:
    """A bucket whose S3 server access logs this bucket receives, under `prefix`."""

    bucket_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    prefix: str


@dataclass(frozen=True, kw_only=True)
class HardenedBucketArgs:
    tags: dict[str, str]
    protect: bool
    lifecycle_rules: Sequence[aws.s3.BucketLifecycleConfigurationRuleArgs]
    sse_algorithm: str = "AES256"
    kms_key_arn: pulumi.Input[str] | None = None
    region: str | None = None  # None: the provider's region
    object_lock: ObjectLockArgs | None = None
    logs_from: AccessLogSource | None = None
    # Only these principals may read objects (a deny for everyone else); None: the bucket's IAM decides.
    object_readers: Sequence[pulumi.Input[str]] | None = None


class HardenedBucket(pulumi.ComponentResource):
    """An S3 bucket and the settings every bucket here gets.

    Creates the bucket (never force-destroyed; protected and retained when `protect`), ownership
    controls with ACLs off, a full public access block, versioning, default encryption (AES-256 or
    SSE-KMS with a bucket key), the given lifecycle rules plus one aborting incomplete uploads across
    the bucket, optional object lock, and a bucket policy that denies plain HTTP and TLS below 1.2 (and,
    for a log bucket, lets S3 deliver access logs; with `object_readers`, denies object reads to every
    other principal).
    """

    def __init__(self, name: str, args: HardenedBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:storage:HardenedBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(
            name,
            force_destroy=False,
            object_lock_enabled=args.object_lock is not None,
            region=args.region,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect),
        )
        bucket = self.bucket.id
        ownership = aws.s3.BucketOwnershipControls(
            name,
            bucket=bucket,
            region=args.region,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket,
            region=args.region,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        self.versioning = aws.s3.BucketVersioning(
            name,
            bucket=bucket,
            region=args.region,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=bucket,
            region=args.region,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm=args.sse_algorithm,
                        kms_master_key_id=args.kms_key_arn if args.sse_algorithm == "aws:kms" else None,
                    ),
                    # Bucket keys cut KMS requests (and their cost) by orders of magnitude.
                    bucket_key_enabled=args.sse_algorithm == "aws:kms",
                )
            ],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket,
            region=args.region,
            rules=[*args.lifecycle_rules, abort_rule()],
            # Noncurrent-version rules only mean something once versioning is on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]),
        )
        if args.object_lock is not None:
            aws.s3.BucketObjectLockConfiguration(
                name,
                bucket=bucket,
                region=args.region,
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode=args.object_lock.mode, days=args.object_lock.days
                    )
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]),
            )
        logs = args.logs_from
        readers = pulumi.Output.all(*(args.object_readers or []))
        policy = pulumi.Output.all(
            self.bucket.arn, logs.bucket_arn if logs else "", logs.account_id if logs else "", readers
        ).apply(
            lambda a: document(
                deny_insecure_transport(a[0])
                + ([allow_access_logs(a[0], a[1], a[2], logs.prefix)] if logs else [])
                + ([deny_object_reads_except(a[0], a[3])] if args.object_readers is not None else [])
            )
        )
        aws.s3.BucketPolicy(
            name,
            bucket=bucket,
            region=args.region,
            policy=policy,
            # The public access block must exist first, or S3 may judge the policy before it applies.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access, ownership]),
        )
        self.register_outputs({"bucket": self.bucket.bucket, "arn": self.bucket.arn})
