"""The lifecycle rules and server access logging that every family of buckets here shares."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.backups.config import Transition
from components.backups.hardened_bucket import AccessLogSource, HardenedBucket, HardenedBucketArgs

LOG_PREFIX = "s3-access/"


def expiry_rule(
    rule_id: str, days: int | None, noncurrent_days: int, transition: Transition | None = None, prefix: str = ""
) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """Expire current objects (unless `days` is None), then their noncurrent versions. Half-finished
    uploads are HardenedBucket's own bucket-wide rule."""
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id=rule_id,
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=prefix),
        expiration=None if days is None else aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
        noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
            noncurrent_days=noncurrent_days
        ),
        transitions=None
        if transition is None
        else [
            aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                days=transition.days, storage_class=transition.storage_class
            )
        ],
    )


def log_lifecycle(days: int) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    return [expiry_rule("expire-access-logs", days, noncurrent_days=1)]


@dataclass(frozen=True, kw_only=True)
class AccessLogArgs:
    account_id: pulumi.Input[str]
    tags: dict[str, str]
    protect: bool
    days: int  # how long the access logs are kept


def access_logs(
    name: str, source: HardenedBucket, args: AccessLogArgs, region: str | None, parent: pulumi.Resource
) -> HardenedBucket:
    """Server access logs go to a bucket of their own in the source's region (S3 requires the same region)."""
    logs = HardenedBucket(
        name,
        HardenedBucketArgs(
            tags={**args.tags, "purpose": "s3-access-logs"},
            protect=args.protect,
            lifecycle_rules=log_lifecycle(args.days),
            region=region,
            logs_from=AccessLogSource(bucket_arn=source.bucket.arn, account_id=args.account_id, prefix=LOG_PREFIX),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.s3.BucketLogging(
        name,
        bucket=source.bucket.id,
        region=region,
        target_bucket=logs.bucket.id,
        target_prefix=LOG_PREFIX,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return logs
