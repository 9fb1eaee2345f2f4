"""The checks behind each control of controls.py, one function per rule, over the resources as CrossGuard sees them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from components.shared.catalogues import looks_secret
from policy.resources import Check, Res, Unknown

BUCKET = "aws:s3/bucket:Bucket"
STATEFUL = (
    BUCKET,
    "aws:kms/key:Key",
    "postgresql:index/database:Database",
    "postgresql:index/schema:Schema",
    "flyio:index:App",
    "flyio:index:IP",  # a replaced address breaks whoever pinned it
    "vercel:index/project:Project",
)


def _known(props: Mapping[str, Any], key: str) -> Any:
    """A prop that only helps match resources: unknown during a preview is as good as absent."""
    try:
        return props.get(key)
    except Unknown:
        return None


def _siblings(resources: list[Res], bucket: Res, type_: str) -> list[Res]:
    return [r for r in resources if r.type == type_ and r.parent == bucket.parent and r.name == bucket.name]


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return []
    statements = (document or {}).get("Statement", []) if isinstance(document, Mapping) else []
    return [statements] if isinstance(statements, dict) else list(statements)


def bucket_setting(type_: str, ok: Callable[[Mapping[str, Any]], bool], missing: str) -> Check:
    def check(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
        for bucket in (r for r in resources if r.type == BUCKET):
            found = _siblings(resources, bucket, type_)
            if not found or not all(ok(f.props) for f in found):
                yield bucket, missing

    return check


def versioned(props: Mapping[str, Any]) -> bool:
    return (props.get("versioningConfiguration") or {}).get("status") == "Enabled"


def encrypted(props: Mapping[str, Any]) -> bool:
    rules = props.get("rules") or []
    algorithms = [(r.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") for r in rules]
    return bool(algorithms) and all(a in ("AES256", "aws:kms", "aws:kms:dsse") for a in algorithms)


def private(props: Mapping[str, Any]) -> bool:
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    return all(props.get(k) is True for k in keys)


def tls_only(props: Mapping[str, Any]) -> bool:
    return any(
        s.get("Effect") == "Deny"
        and (s.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
        for s in _statements(props.get("policy"))
    )


def _whole_bucket(rule: Mapping[str, Any]) -> bool:
    """No prefix, tag or size narrows the rule (checkov CKV_AWS_300 reads a filter the same way)."""
    narrowing = ("prefix", "tag", "objectSizeGreaterThan", "objectSizeLessThan", "and")
    return not rule.get("prefix") and not any((rule.get("filter") or {}).get(k) for k in narrowing)


def lifecycle(props: Mapping[str, Any]) -> bool:
    rules = [r for r in props.get("rules") or [] if r.get("status") == "Enabled"]
    return any(r.get("abortIncompleteMultipartUpload") and _whole_bucket(r) for r in rules)


def protected(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    if prod:
        yield from (
            (r, "a stateful resource of production is not protected")
            for r in resources
            if r.type in STATEFUL and not r.protect
        )


def rotation(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    for key in (r for r in resources if r.type == "aws:kms/key:Key"):
        if key.props.get("enableKeyRotation") is not True:
            yield key, "automatic key rotation is off"


def _wildcard_principal(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    values = [principal] if isinstance(principal, str) else list((principal or {}).values())
    flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
    return statement.get("Effect") == "Allow" and "*" in flat


def kms_principals(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    for key in (r for r in resources if r.type == "aws:kms/key:Key"):
        if not _statements(key.props.get("policy")):
            yield key, "no explicit key policy"
        elif any(_wildcard_principal(s) for s in _statements(key.props.get("policy"))):
            yield key, "the key policy allows the principal *"


def sns_cmk(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    for topic in (r for r in resources if r.type == "aws:sns/topic:Topic"):
        key = topic.props.get("kmsMasterKeyId")
        if not key or key == "alias/aws/sns":
            yield topic, "not encrypted with a customer-managed key (CloudWatch cannot use alias/aws/sns)"


def alarm_actions(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    alarms = ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")
    for alarm in (r for r in resources if r.type in alarms):
        if alarm.props.get("actionsEnabled") is False:
            yield alarm, "alarm actions are disabled"


def fly_env(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    for machine in (r for r in resources if r.type == "flyio:index:Machine"):
        env = (machine.props.get("config") or {}).get("env") or {}
        for key in sorted(k for k in env if looks_secret(k)):
            yield machine, f"{key} is a secret in the machine's plain env; deliver it through Fly secrets"


def vercel_sensitive(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    kinds = ("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",)
    for var in (r for r in resources if r.type in kinds):
        if looks_secret(str(var.props.get("key", ""))) and var.props.get("sensitive") is not True:
            yield var, f"{var.props.get('key')} carries a secret but is not marked sensitive"


def pinned(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    if prod:
        for machine in (r for r in resources if r.type == "flyio:index:Machine"):
            image = str((machine.props.get("config") or {}).get("image", ""))
            if "@sha256:" not in image:
                yield machine, f"{image!r} is not pinned by digest"


def trust(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
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


def logged(resources: list[Res], prod: bool) -> Iterable[tuple[Res, str]]:
    loggings = [r for r in resources if r.type == "aws:s3/bucketLogging:BucketLogging"]
    # by the physical name where it is known, else by this program's naming (<bucket>-access-logs)
    logged = {_known(r.props, "bucket") for r in loggings} | {r.name.removesuffix("-access-logs") for r in loggings}
    for bucket in (r for r in resources if r.type == BUCKET):
        is_log_bucket = (bucket.props.get("tags") or {}).get("purpose") == "s3-access-logs"
        if not is_log_bucket and not {bucket.props.get("bucket"), bucket.name} & logged:
            yield bucket, "no server access logging"
