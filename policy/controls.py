"""The runbooks' controls as plain functions over resources: the policy pack, `ops plan` and `ops audit` use them.

Props use the engine's camelCase names, as CrossGuard and the mocks see them. Cross-resource controls
match a bucket with its settings through their common parent (the HardenedBucket component): during a
preview the settings' `bucket` input may not be known yet, their parent always is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from components.config.catalogues import looks_secret


@dataclass(frozen=True)
class Res:
    type: str
    name: str
    urn: str
    parent: str
    props: dict[str, Any]
    protect: bool


@dataclass(frozen=True)
class Violation:
    control: str
    resource: str
    message: str


Check = Callable[[list[Res], bool], Iterable[tuple[Res, str]]]


@dataclass(frozen=True)
class Control:
    id: str
    description: str
    mandatory: bool
    fsbp: str | None  # AWS Foundational Security Best Practices control ID, where one exists
    applies_to: tuple[str, ...]
    check: Check


BUCKET = "aws:s3/bucket:Bucket"
STATEFUL = (
    BUCKET,
    "aws:kms/key:Key",
    "postgresql:index/database:Database",
    "postgresql:index/schema:Schema",
    "flyio:index:App",
    "vercel:index/project:Project",
)


def _siblings(resources: list[Res], bucket: Res, type_: str) -> list[Res]:
    return [r for r in resources if r.type == type_ and r.parent == bucket.parent and r.name == bucket.name]


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return []
    statements = (document or {}).get("Statement", []) if isinstance(document, dict) else []
    return [statements] if isinstance(statements, dict) else list(statements)


def _bucket_setting(type_: str, ok: Callable[[dict[str, Any]], bool], missing: str) -> Check:
    def check(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
        for bucket in (r for r in resources if r.type == BUCKET):
            found = _siblings(resources, bucket, type_)
            if not found or not all(ok(f.props) for f in found):
                yield bucket, missing

    return check


def _versioned(props: dict[str, Any]) -> bool:
    return (props.get("versioningConfiguration") or {}).get("status") == "Enabled"


def _encrypted(props: dict[str, Any]) -> bool:
    rules = props.get("rules") or []
    algorithms = [(r.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") for r in rules]
    return bool(algorithms) and all(a in ("AES256", "aws:kms", "aws:kms:dsse") for a in algorithms)


def _private(props: dict[str, Any]) -> bool:
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    return all(props.get(k) is True for k in keys)


def _tls_only(props: dict[str, Any]) -> bool:
    return any(
        s.get("Effect") == "Deny"
        and (s.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
        for s in _statements(props.get("policy"))
    )


def _lifecycle(props: dict[str, Any]) -> bool:
    rules = [r for r in props.get("rules") or [] if r.get("status") == "Enabled"]
    return bool(rules) and all(r.get("abortIncompleteMultipartUpload") for r in rules)


def _protected(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    if prod:
        yield from (
            (r, "a stateful resource of production is not protected")
            for r in resources
            if r.type in STATEFUL and not r.protect
        )


def _rotation(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    for key in (r for r in resources if r.type == "aws:kms/key:Key"):
        if key.props.get("enableKeyRotation") is not True:
            yield key, "automatic key rotation is off"


def _wildcard_principal(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    values = [principal] if isinstance(principal, str) else list((principal or {}).values())
    flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
    return statement.get("Effect") == "Allow" and "*" in flat


def _kms_principals(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    for key in (r for r in resources if r.type == "aws:kms/key:Key"):
        if not _statements(key.props.get("policy")):
            yield key, "no explicit key policy"
        elif any(_wildcard_principal(s) for s in _statements(key.props.get("policy"))):
            yield key, "the key policy allows the principal *"


def _sns_cmk(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    for topic in (r for r in resources if r.type == "aws:sns/topic:Topic"):
        key = topic.props.get("kmsMasterKeyId")
        if not key or key == "alias/aws/sns":
            yield topic, "not encrypted with a customer-managed key (CloudWatch cannot use alias/aws/sns)"


def _alarm_actions(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    alarms = ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")
    for alarm in (r for r in resources if r.type in alarms):
        if alarm.props.get("actionsEnabled") is False:
            yield alarm, "alarm actions are disabled"


def _fly_env(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    for machine in (r for r in resources if r.type == "flyio:index:Machine"):
        env = (machine.props.get("config") or {}).get("env") or {}
        for key in sorted(k for k in env if looks_secret(k)):
            yield machine, f"{key} is a secret in the machine's plain env; deliver it through Fly secrets"


def _vercel_sensitive(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    kinds = ("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",)
    for var in (r for r in resources if r.type in kinds):
        if looks_secret(str(var.props.get("key", ""))) and var.props.get("sensitive") is not True:
            yield var, f"{var.props.get('key')} carries a secret but is not marked sensitive"


def _pinned(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    if prod:
        for machine in (r for r in resources if r.type == "flyio:index:Machine"):
            image = str((machine.props.get("config") or {}).get("image", ""))
            if "@sha256:" not in image:
                yield machine, f"{image!r} is not pinned by digest"


def _trust(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    for role in (r for r in resources if r.type == "aws:iam/role:Role"):
        for s in _statements(role.props.get("assumeRolePolicy")):
            principal = s.get("Principal") or {}
            conditions = json.dumps(s.get("Condition") or {})
            if _wildcard_principal(s):
                yield role, "anyone may assume it (principal *)"
            elif isinstance(principal, dict) and "Federated" in principal and ':sub"' not in conditions:
                yield role, "a federated principal without a condition on the token's sub"
            elif (
                isinstance(principal, dict)
                and str(principal.get("AWS", "")).endswith(":root")
                and not s.get("Condition")
            ):
                yield role, "a whole AWS account may assume it (root without a condition)"


def _logged(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    loggings = [r for r in resources if r.type == "aws:s3/bucketLogging:BucketLogging"]
    # by the physical name where it is known, else by this program's naming (<bucket>-access-logs)
    logged = {r.props.get("bucket") for r in loggings} | {r.name.removesuffix("-access-logs") for r in loggings}
    for bucket in (r for r in resources if r.type == BUCKET):
        is_log_bucket = (bucket.props.get("tags") or {}).get("purpose") == "s3-access-logs"
        if not is_log_bucket and not {bucket.props.get("bucket"), bucket.name} & logged:
            yield bucket, "no server access logging"


S3 = (BUCKET,)
CONTROLS = [
    Control(
        "buckets-versioned",
        "S3 buckets keep versions",
        True,
        "S3.14",
        S3,
        _bucket_setting("aws:s3/bucketVersioning:BucketVersioning", _versioned, "versioning is not enabled"),
    ),
    Control(
        "buckets-encrypted",
        "S3 buckets encrypt by default (AES-256 or KMS)",
        True,
        None,
        S3,
        _bucket_setting(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            _encrypted,
            "no default encryption",
        ),
    ),
    Control(
        "buckets-private",
        "S3 buckets block all public access",
        True,
        "S3.8",
        S3,
        _bucket_setting(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", _private, "public access is not fully blocked"
        ),
    ),
    Control(
        "buckets-tls-only",
        "S3 buckets refuse requests without TLS",
        True,
        "S3.5",
        S3,
        _bucket_setting("aws:s3/bucketPolicy:BucketPolicy", _tls_only, "no policy denies aws:SecureTransport false"),
    ),
    Control(
        "buckets-lifecycle",
        "S3 buckets have lifecycle rules that also abort stale uploads",
        True,
        "S3.13",
        S3,
        _bucket_setting(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            _lifecycle,
            "no enabled lifecycle rule aborting incomplete uploads",
        ),
    ),
    Control("buckets-access-logged", "S3 buckets log server access (log buckets excepted)", False, "S3.9", S3, _logged),
    Control("stateful-protected", "stateful resources are protected in production", True, None, STATEFUL, _protected),
    Control("kms-rotation", "KMS keys rotate automatically", True, "KMS.4", ("aws:kms/key:Key",), _rotation),
    Control(
        "kms-no-wildcard-principal",
        "KMS key policies are explicit and name no * principal",
        True,
        None,
        ("aws:kms/key:Key",),
        _kms_principals,
    ),
    Control(
        "sns-encrypted",
        "SNS topics are encrypted with a customer-managed key",
        True,
        "SNS.1",
        ("aws:sns/topic:Topic",),
        _sns_cmk,
    ),
    Control(
        "alarms-actions-enabled",
        "CloudWatch alarms have their actions enabled",
        True,
        "CloudWatch.17",
        ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"),
        _alarm_actions,
    ),
    Control(
        "no-plain-secrets-in-env",
        "no secret in a Fly machine's plain env",
        True,
        None,
        ("flyio:index:Machine",),
        _fly_env,
    ),
    Control(
        "vercel-secrets-sensitive",
        "Vercel variables that carry secrets are sensitive",
        True,
        None,
        ("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",),
        _vercel_sensitive,
    ),
    Control(
        "prod-images-pinned", "production images are pinned by digest", True, None, ("flyio:index:Machine",), _pinned
    ),
    Control(
        "iam-trust-restricted",
        "IAM roles trust named principals, or tokens restricted by sub",
        True,
        None,
        ("aws:iam/role:Role",),
        _trust,
    ),
]


def is_production(resources: list[Res]) -> bool:
    """Every resource here is tagged with its environment; a stack with a production one is production."""
    return any((r.props.get("tags") or {}).get("environment") == "production" for r in resources)


def evaluate(resources: list[Res], prod: bool, controls: list[Control] = CONTROLS) -> list[Violation]:
    return [Violation(c.id, r.name, message) for c in controls for r, message in c.check(resources, prod)]
