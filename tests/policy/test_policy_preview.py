"""The policy pack on prod's plan as a first `pulumi preview` shows it to CrossGuard: computed values unknown.

In a preview, a value computed from another resource's output is unknown: every ARN, and every input built
from one (policy documents, topic keys, a bucket setting's `bucket`). CrossGuard wraps the props in its
unknown-checking proxy, which raises on reading such a value (pulumi_policy/proxy.py), and turns the
raise into an advisory "can't run policy ... during preview" for the whole control
(pulumi_policy/policy.py, _PolicyAnalyzerServicer). These tests wrap the plan the same way, with
pulumi_policy's own sentinels and proxy.
"""

from __future__ import annotations

import json
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from ops.offline.synth import Resource, Synth
from policy.pack import UNCHECKED, policies

BUCKET_SETTINGS = "aws:s3/bucket"  # BucketVersioning, BucketPolicy, ...: their `bucket` is the bucket's id


def as_previewed(value: Any, path: str = "", type_: str = "") -> Any:
    if isinstance(value, dict):
        return {k: as_previewed(v, f"{path}.{k}" if path else k, type_) for k, v in value.items()}
    if isinstance(value, list):
        return [as_previewed(v, path, type_) for v in value]
    computed = isinstance(value, str) and "arn:aws:" in value
    if computed or (path == "bucket" and type_.startswith(BUCKET_SETTINGS) and type_ != "aws:s3/bucket:Bucket"):
        return UNKNOWN_STRING_VALUE
    return value


def preview_resources(synth: Synth, change: Any = None) -> list[PolicyResource]:
    by_urn: dict[str, PolicyResource] = {}
    rows: list[tuple[Resource, PolicyResource]] = []
    for r in synth.resources:
        props = as_previewed(change(r) if change else r.inputs, type_=r.type)
        opts = PolicyResourceOptions(r.protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], r.parent)
        res = PolicyResource(r.type, unknown_checking_proxy(props), r.urn, r.name, opts, None, None, [], {})
        by_urn[r.urn] = res
        rows.append((r, res))
    for r, res in rows:
        res.parent = by_urn.get(r.parent)
    return [res for _, res in rows if res.resource_type != "pulumi:pulumi:Stack"]


def report(resources: list[PolicyResource]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for policy in policies(StackValidationPolicy, EnforcementLevel):
        found: list[str] = []
        policy.validate(StackValidationArgs(resources), lambda message, urn=None, found=found: found.append(message))
        if found:
            out[policy.name] = sorted(found)
    return out


def test_the_proxy_raises_where_the_old_pack_copied_props(prod: Synth) -> None:
    # what policy/pack.py did before: dict(resource.props) reads every value, unknown ones included
    policy = next(r for r in preview_resources(prod) if r.resource_type == "aws:s3/bucketPolicy:BucketPolicy")
    try:
        dict(policy.props)
    except Exception as exc:
        assert type(exc).__name__ == "UnknownValueError"
    else:
        raise AssertionError("a previewed bucket policy should hold an unknown value")


def test_prod_passes_in_a_preview_and_says_what_it_could_not_check(prod: Synth) -> None:
    found = report(preview_resources(prod))
    assert list(found) == [UNCHECKED]  # no control fails; only what is unknown is listed
    unchecked = found[UNCHECKED]
    # the TLS-only rule lives in a policy built from the bucket's ARN: unknown until the bucket exists
    assert "buckets-tls-only: backups: policy is not known during preview" in unchecked
    assert all(": " in line and line.endswith("is not known during preview") for line in unchecked)


def test_an_unversioned_bucket_fails_the_preview(prod: Synth) -> None:
    def suspend(r: Resource) -> dict[str, Any]:
        if r.type == "aws:s3/bucketVersioning:BucketVersioning" and r.name == "backups":
            return {**r.inputs, "versioningConfiguration": {"status": "Suspended"}}
        return r.inputs

    found = report(preview_resources(prod, suspend))
    assert found["buckets-versioned"] == ["backups: versioning is not enabled"]


def test_a_secret_in_a_machines_plain_env_fails_the_preview(prod: Synth) -> None:
    def leak(r: Resource) -> dict[str, Any]:
        if r.type == "flyio:index:Machine" and r.name == "api-iad-1":
            config = json.loads(json.dumps(r.inputs["config"]))
            config["env"]["STRIPE_SECRET_KEY"] = "sk_live_x"
            return {**r.inputs, "config": config}
        return r.inputs

    found = report(preview_resources(prod, leak))
    assert found["no-plain-secrets-in-env"] == [
        "api-iad-1: STRIPE_SECRET_KEY is a secret in the machine's plain env; deliver it through Fly secrets"
    ]
