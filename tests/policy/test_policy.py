"""The policy pack's controls: each with a passing and a violating resource, and the real stacks through them.

Built with pulumi_policy's own argument types; policy/__main__.py is never imported (it starts a server).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
    StackValidationPolicy,
)

from ops.commands.policy_check import violations
from ops.offline.stackfile import stack_names
from ops.offline.synth import Synth, synthesize, synthesize_stack
from policy.controls import CONTROLS
from policy.pack import policies
from tests.helpers import TODAY

PARENT = "urn:pulumi:prod::platform::platform:storage:HardenedBucket::logs"
DENY_HTTP = {"Statement": [{"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
PROD_TAGS = {"environment": "production"}


def res(type_: str, name: str, props: dict[str, Any], protect: bool = False, parent: str = PARENT) -> PolicyResource:
    opts = PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)
    parent_res = PolicyResource("platform:storage:HardenedBucket", {}, parent, "logs", opts, None, None, [], {})
    return PolicyResource(type_, props, f"urn:{type_}::{name}", name, opts, None, parent_res, [], {})


def bucket_and(settings: dict[str, dict[str, Any]], protect: bool = True) -> list[PolicyResource]:
    good: dict[str, dict[str, Any]] = {
        "aws:s3/bucketVersioning:BucketVersioning": {"versioningConfiguration": {"status": "Enabled"}},
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
            "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
        },
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": dict.fromkeys(
            ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
        ),
        "aws:s3/bucketPolicy:BucketPolicy": {"policy": json.dumps(DENY_HTTP)},
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
            "rules": [
                {
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
                }
            ]
        },
        "aws:s3/bucketLogging:BucketLogging": {"bucket": "logs-1"},
    }
    good.update(settings)
    return [res("aws:s3/bucket:Bucket", "logs", {"bucket": "logs-1", "tags": PROD_TAGS}, protect)] + [
        res(t, "logs", p) for t, p in good.items()
    ]


def run(control_id: str, resources: list[PolicyResource]) -> list[str]:
    policy = next(p for p in policies(StackValidationPolicy, EnforcementLevel) if p.name == control_id)
    reported: list[str] = []
    policy.validate(StackValidationArgs(resources), lambda message, urn=None: reported.append(message))
    return reported


BAD_KEY_POLICY = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*"}]})
GOOD_KEY_POLICY = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}}]})
GITHUB = {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}
CASES: dict[str, tuple[list[PolicyResource], list[PolicyResource], str]] = {
    "buckets-versioned": (
        bucket_and({}),
        bucket_and({"aws:s3/bucketVersioning:BucketVersioning": {"versioningConfiguration": {"status": "Suspended"}}}),
        "logs: versioning is not enabled",
    ),
    "buckets-encrypted": (
        bucket_and({}),
        bucket_and(
            {"aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {"rules": []}}
        ),
        "logs: no default encryption",
    ),
    "buckets-private": (
        bucket_and({}),
        bucket_and({"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {"blockPublicAcls": True}}),
        "logs: public access is not fully blocked",
    ),
    "buckets-tls-only": (
        bucket_and({}),
        bucket_and({"aws:s3/bucketPolicy:BucketPolicy": {"policy": json.dumps({"Statement": []})}}),
        "logs: no policy denies aws:SecureTransport false",
    ),
    "buckets-lifecycle": (
        bucket_and({}),
        # every rule aborts, but only under its prefix: an upload anywhere else is billed forever
        bucket_and(
            {
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
                    "rules": [
                        {
                            "status": "Enabled",
                            "filter": {"prefix": p},
                            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
                        }
                        for p in ("postgres/", "drills/")
                    ]
                }
            }
        ),
        "logs: no enabled lifecycle rule aborting incomplete uploads across the bucket",
    ),
    "buckets-access-logged": (
        bucket_and({}),
        bucket_and({"aws:s3/bucketLogging:BucketLogging": {"bucket": "another"}})[:-1],
        "logs: no server access logging",
    ),
    "stateful-protected": (
        bucket_and({}),
        bucket_and({}, protect=False),
        "logs: a stateful resource of production is not protected",
    ),
    "kms-rotation": (
        [res("aws:kms/key:Key", "k", {"enableKeyRotation": True})],
        [res("aws:kms/key:Key", "k", {"enableKeyRotation": False})],
        "k: automatic key rotation is off",
    ),
    "kms-no-wildcard-principal": (
        [res("aws:kms/key:Key", "k", {"policy": GOOD_KEY_POLICY})],
        [res("aws:kms/key:Key", "k", {"policy": BAD_KEY_POLICY})],
        "k: the key policy allows the principal *",
    ),
    "sns-encrypted": (
        [res("aws:sns/topic:Topic", "t", {"kmsMasterKeyId": "arn:aws:kms:us-east-1:1:key/x"})],
        [res("aws:sns/topic:Topic", "t", {"kmsMasterKeyId": "alias/aws/sns"})],
        "t: not encrypted with a customer-managed key (CloudWatch cannot use alias/aws/sns)",
    ),
    "alarms-actions-enabled": (
        [res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", {"actionsEnabled": True})],
        [res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", {"actionsEnabled": False})],
        "a: alarm actions are disabled",
    ),
    "no-plain-secrets-in-env": (
        [res("flyio:index:Machine", "m", {"config": {"image": "x@sha256:1", "env": {"LOG_LEVEL": "info"}}})],
        [res("flyio:index:Machine", "m", {"config": {"image": "x@sha256:1", "env": {"STRIPE_SECRET_KEY": "sk"}}})],
        "m: STRIPE_SECRET_KEY is a secret in the machine's plain env; deliver it through Fly secrets",
    ),
    "vercel-secrets-sensitive": (
        [
            res(
                "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
                "v",
                {"key": "NEXTAUTH_SECRET", "sensitive": True},
            )
        ],
        [
            res(
                "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
                "v",
                {"key": "NEXTAUTH_SECRET", "sensitive": False},
            )
        ],
        "v: NEXTAUTH_SECRET carries a secret but is not marked sensitive",
    ),
    "prod-images-pinned": (
        [*bucket_and({}), res("flyio:index:Machine", "m", {"config": {"image": "registry.fly.io/x@sha256:ab"}})],
        [*bucket_and({}), res("flyio:index:Machine", "m", {"config": {"image": "registry.fly.io/x:latest"}})],
        "m: 'registry.fly.io/x:latest' is not pinned by digest",
    ),
    "iam-trust-restricted": (
        [
            res(
                "aws:iam/role:Role",
                "r",
                {
                    "assumeRolePolicy": json.dumps(
                        {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": GITHUB,
                                    "Condition": {
                                        "StringEquals": {
                                            "token.actions.githubusercontent.com:sub": "repo:a/b:environment:prod"
                                        }
                                    },
                                }
                            ]
                        }
                    )
                },
            )
        ],
        [
            res(
                "aws:iam/role:Role",
                "r",
                {"assumeRolePolicy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": GITHUB}]})},
            )
        ],
        "r: a federated principal without a condition on the token's sub",
    ),
}


def test_every_control_has_a_case() -> None:
    assert sorted(CASES) == sorted(c.id for c in CONTROLS)


@pytest.mark.parametrize("control_id", sorted(CASES))
def test_each_control_passes_the_good_and_reports_the_bad(control_id: str) -> None:
    good, bad, message = CASES[control_id]
    assert run(control_id, good) == []
    assert run(control_id, bad) == [message]


def test_enforcement_levels() -> None:
    levels = {p.name: p.enforcement_level for p in policies(StackValidationPolicy, EnforcementLevel)}
    advisory = {n for n, level in levels.items() if level == EnforcementLevel.ADVISORY}
    assert advisory == {"buckets-access-logged", "controls-unchecked-in-preview"}


@pytest.mark.parametrize("stack", stack_names())
def test_the_real_stacks_pass_every_control(stack: str) -> None:
    assert violations(synthesize_stack(stack, today=TODAY)) == []


def test_a_stack_whose_bucket_has_versioning_off_fails_offline(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text(
        "import pulumi, pulumi_aws as aws\n"
        "from components.backups.hardened_bucket import HardenedBucket, HardenedBucketArgs\n"
        "b = HardenedBucket('logs', HardenedBucketArgs(tags={'environment': 'production'}, protect=True,\n"
        "    lifecycle_rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(id='x', status='Enabled',\n"
        "    abort_incomplete_multipart_upload={'days_after_initiation': 1})]))\n"
        "aws.s3.BucketVersioning('logs', bucket=b.bucket.id, versioning_configuration={'status': 'Suspended'},\n"
        "    opts=pulumi.ResourceOptions(parent=b))\n"
    )
    synth: Synth = synthesize("prod", {"aws:region": "us-east-1"}, program=program)
    found = [(v.control, v.resource, v.message) for v in violations(synth)]
    assert ("buckets-versioned", "logs", "versioning is not enabled") in found


def test_ops_plan_reports_violations_and_exits_3_on_a_mandatory_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ops.commands.policy_check
    from ops.__main__ import main
    from policy.controls import Violation

    found = [
        Violation("buckets-versioned", "backups", "versioning is not enabled"),
        Violation("buckets-access-logged", "backups", "no server access logging"),
    ]
    monkeypatch.setattr(ops.commands.policy_check, "violations", lambda synth: found)
    assert main(["plan", "staging", "--today", TODAY.isoformat()]) == 3
    assert capsys.readouterr().err.splitlines() == [
        "Policy pack: 2 violation(s), 1 mandatory:",
        "  [mandatory] buckets-versioned: backups: versioning is not enabled",
        "  [advisory] buckets-access-logged: backups: no server access logging",
    ]
    monkeypatch.setattr(ops.commands.policy_check, "violations", lambda synth: found[1:])
    assert main(["plan", "staging", "--today", TODAY.isoformat()]) == 0  # advisory only
