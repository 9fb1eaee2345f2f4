"""The runbooks' controls as plain functions over resources: the policy pack, `ops plan` and `ops audit` use them.

Props use the engine's camelCase names, as CrossGuard and the mocks see them. Cross-resource controls
match a bucket with its settings through their common parent (the HardenedBucket component): during a
preview the settings' `bucket` input may not be known yet, their parent always is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policy.checks import (
    BUCKET,
    STATEFUL,
    alarm_actions,
    bucket_setting,
    encrypted,
    fly_env,
    kms_principals,
    lifecycle,
    logged,
    pinned,
    private,
    protected,
    rotation,
    sns_cmk,
    tls_only,
    trust,
    vercel_sensitive,
    versioned,
)
from policy.resources import Check, Res, Unknown


@dataclass(frozen=True)
class Violation:
    control: str
    resource: str
    message: str
    unknown: bool = False  # the control could not read a prop it needs: not passed, not failed


@dataclass(frozen=True)
class Control:
    id: str
    description: str
    mandatory: bool
    fsbp: str | None  # AWS Foundational Security Best Practices control ID, where one exists
    applies_to: tuple[str, ...]
    check: Check


S3 = (BUCKET,)
CONTROLS = [
    Control(
        "buckets-versioned",
        "S3 buckets keep versions",
        True,
        "S3.14",
        S3,
        bucket_setting("aws:s3/bucketVersioning:BucketVersioning", versioned, "versioning is not enabled"),
    ),
    Control(
        "buckets-encrypted",
        "S3 buckets encrypt by default (AES-256 or KMS)",
        True,
        None,
        S3,
        bucket_setting(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            encrypted,
            "no default encryption",
        ),
    ),
    Control(
        "buckets-private",
        "S3 buckets block all public access",
        True,
        "S3.8",
        S3,
        bucket_setting(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", private, "public access is not fully blocked"
        ),
    ),
    Control(
        "buckets-tls-only",
        "S3 buckets refuse requests without TLS",
        True,
        "S3.5",
        S3,
        bucket_setting("aws:s3/bucketPolicy:BucketPolicy", tls_only, "no policy denies aws:SecureTransport false"),
    ),
    Control(
        "buckets-lifecycle",
        "S3 buckets have a lifecycle rule aborting stale uploads across the bucket",
        True,
        "S3.13",
        S3,
        bucket_setting(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            lifecycle,
            "no enabled lifecycle rule aborting incomplete uploads across the bucket",
        ),
    ),
    Control("buckets-access-logged", "S3 buckets log server access (log buckets excepted)", False, "S3.9", S3, logged),
    Control("stateful-protected", "stateful resources are protected in production", True, None, STATEFUL, protected),
    Control("kms-rotation", "KMS keys rotate automatically", True, "KMS.4", ("aws:kms/key:Key",), rotation),
    Control(
        "kms-no-wildcard-principal",
        "KMS key policies are explicit and name no * principal",
        True,
        None,
        ("aws:kms/key:Key",),
        kms_principals,
    ),
    Control(
        "sns-encrypted",
        "SNS topics are encrypted with a customer-managed key",
        True,
        "SNS.1",
        ("aws:sns/topic:Topic",),
        sns_cmk,
    ),
    Control(
        "alarms-actions-enabled",
        "CloudWatch alarms have their actions enabled",
        True,
        "CloudWatch.17",
        ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"),
        alarm_actions,
    ),
    Control(
        "no-plain-secrets-in-env",
        "no secret in a Fly machine's plain env",
        True,
        None,
        ("flyio:index:Machine",),
        fly_env,
    ),
    Control(
        "vercel-secrets-sensitive",
        "Vercel variables that carry secrets are sensitive",
        True,
        None,
        ("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",),
        vercel_sensitive,
    ),
    Control(
        "prod-images-pinned", "production images are pinned by digest", True, None, ("flyio:index:Machine",), pinned
    ),
    Control(
        "iam-trust-restricted",
        "IAM roles trust named principals, or tokens restricted by sub",
        True,
        None,
        ("aws:iam/role:Role",),
        trust,
    ),
]


def is_production(resources: list[Res]) -> bool:
    """Every resource here is tagged with its environment; a stack with a production one is production."""

    def environment(r: Res) -> Any:
        try:
            return (r.props.get("tags") or {}).get("environment")
        except Unknown:
            return None

    return any(environment(r) == "production" for r in resources)


def evaluate(resources: list[Res], prod: bool, controls: list[Control] = CONTROLS) -> list[Violation]:
    """Each control judges each resource it applies to on its own: a prop unknown in one resource (a
    preview's computed values) leaves that resource unchecked and says so, and every other one judged."""
    found: list[Violation] = []
    for c in controls:
        subjects = [r for r in resources if r.type in c.applies_to]
        for subject in subjects:
            others = {id(r) for r in subjects if r is not subject}
            view = [r for r in resources if id(r) not in others]
            try:
                found += [Violation(c.id, r.name, m) for r, m in c.check(view, prod) if r is subject]
            except Unknown as exc:
                found.append(Violation(c.id, subject.name, f"{exc.path} is not known during preview", unknown=True))
    return found
