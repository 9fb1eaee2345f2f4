"""components/synthetics: runbook 004's golden paths and runbook 001's health endpoints as canaries, their
scripts tested in node against a local server, and every bad section refused with its key."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.synthetics.canaries import rate
from components.synthetics.config import SCRIPTS
from ops.offline.fakes import ACCOUNT_ID
from ops.offline.synth import Synth
from tests.helpers import error_of, parent_name, synth_with

CANARY = "aws:synthetics/canary:Canary"
CODE = "aws:s3/bucketObjectv2:BucketObjectv2"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def topic(severity: str) -> str:
    return f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:flashfusion-production-alerts-{severity.lower()}"


FLASHFUSION_CANARY = {
    "name": "golden-auth",
    "script": "auth",
    "baseUrl": "https://trxmsoyjjoopnvzohmvi.supabase.co",
    "severity": "P1",
}


@pytest.fixture(scope="module")
def flashfusion() -> Synth:
    return synth_with("flashfusion-prod")


def digest(name: str) -> str:
    return hashlib.sha256((SCRIPTS / name).read_bytes()).hexdigest()[:16]


def test_runbook_004s_three_golden_paths_run_every_5_minutes(flashfusion: Synth) -> None:
    assert sorted(c.inputs["name"] for c in flashfusion.of_type(CANARY)) == [
        "flashfusion-production-golden-auth",
        "flashfusion-production-golden-campaign",
        "flashfusion-production-golden-content",
    ]
    auth = flashfusion.get(CANARY, "synthetics-golden-auth")
    key = next(k for k in flashfusion.of_type("aws:kms/key:Key") if k.name == "keys-alerts")
    bucket = auth.inputs["s3Bucket"]
    inputs = {k: v for k, v in auth.inputs.items() if k not in ("tags", "runConfig")}
    assert inputs == {
        "name": "flashfusion-production-golden-auth",
        "runtimeVersion": "syn-nodejs-puppeteer-15.0",
        "handler": "index.handler",
        "schedule": {"expression": "rate(5 minutes)"},
        "s3Bucket": bucket,
        "s3Key": "code/golden-auth.zip",
        "artifactS3Location": f"s3://{bucket}/runs/",
        "artifactConfig": {"s3Encryption": {"encryptionMode": "SSE_KMS", "kmsKeyArn": key.outputs["arn"]}},
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/platform/flashfusion-production-canary",
        "successRetentionPeriod": 31,
        "failureRetentionPeriod": 31,
        "startCanary": True,
        "deleteLambda": True,  # hashicorp/terraform-provider-aws#19141: nothing left behind
        "region": "us-east-1",
    }
    run = auth.inputs["runConfig"]
    assert run["timeoutInSeconds"] == 60
    # the steps read exactly these; the provided secrets reach the canary as Pulumi secrets
    env = run["environmentVariables"]
    assert env["CANARY_VARS"] == "BASE_URL,CANARY_EMAIL,CANARY_PASSWORD,SUPABASE_ANON_KEY"
    assert (env["BASE_URL"], env["CANARY_EMAIL"]) == (
        "https://trxmsoyjjoopnvzohmvi.supabase.co",
        "canary@flashfusion.co",
    )
    assert env["CANARY_PASSWORD"].startswith(
        "[placeholder: not in the stack file; pulumi config set --secret CANARY_USER"
    )
    assert auth.is_secret("runConfig")
    assert parent_name(flashfusion, auth) == "synthetics"


def test_the_schedule_is_written_as_synthetics_reads_it() -> None:
    assert [rate(1), rate(5), rate(60)] == ["rate(1 minute)", "rate(5 minutes)", "rate(60 minutes)"]


def test_each_canary_runs_the_shared_handler_with_its_script(flashfusion: Synth) -> None:
    sources = {c.inputs["key"]: c.inputs["source"] for c in flashfusion.of_type(CODE)}
    assert sources == {
        f"code/golden-{path}.zip": {
            "checks.js": f"file checks.js sha256:{digest('checks.js')}",
            "index.js": f"file handler.js sha256:{digest('handler.js')}",
            "script.json": f"file {script}.json sha256:{digest(script + '.json')}",
        }
        for path, script in (("auth", "auth"), ("content", "content"), ("campaign", "campaign"))
    }


def test_a_failing_or_silent_canary_alarms_its_severity(flashfusion: Synth) -> None:
    alarm = flashfusion.get(ALARM, "synthetics-golden-auth-failing").inputs
    assert {k: alarm[k] for k in alarm if k != "tags"} == {
        "name": "flashfusion-production-canary-golden-auth",
        "alarmDescription": "The golden-auth golden path failed twice in a row (P1); canaries/auth.json",
        "namespace": "CloudWatchSynthetics",
        "metricName": "SuccessPercent",
        "dimensions": {"CanaryName": "flashfusion-production-golden-auth"},
        "statistic": "Average",
        "period": 300,
        "evaluationPeriods": 2,
        "comparisonOperator": "LessThanThreshold",
        "threshold": 100,
        "treatMissingData": "breaching",
        "actionsEnabled": True,
        "alarmActions": [topic("P1")],
        "okActions": [topic("P1")],
        "region": "us-east-1",
    }
    content = flashfusion.get(ALARM, "synthetics-golden-content-failing").inputs
    assert content["alarmActions"] == [topic("P2")]


def statements(resource: Any) -> dict[str, Any]:
    return {s["Sid"]: s for s in json.loads(resource.inputs["policy"])["Statement"]}


def test_the_canary_role_may_write_runs_its_logs_and_its_metrics_only(flashfusion: Synth) -> None:
    role = flashfusion.get("aws:iam/role:Role", "synthetics-canary")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    assert role.inputs["permissionsBoundary"] == f"arn:aws:iam::{ACCOUNT_ID}:policy/platform-stack-role-boundary"
    policy = statements(flashfusion.get("aws:iam/rolePolicy:RolePolicy", "synthetics-canary"))
    bucket = flashfusion.get(CANARY, "synthetics-golden-auth").inputs["s3Bucket"]
    assert {sid: (s["Action"], s["Resource"]) for sid, s in policy.items()} == {
        "WriteArtifacts": ("s3:PutObject", f"arn:aws:s3:::{bucket}/runs/*"),
        "FindArtifactBucket": ("s3:GetBucketLocation", f"arn:aws:s3:::{bucket}"),
        "ListBuckets": ("s3:ListAllMyBuckets", "*"),
        "EncryptArtifacts": (["kms:GenerateDataKey", "kms:Decrypt"], policy["EncryptArtifacts"]["Resource"]),
        "OwnLogs": (
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:/aws/lambda/cwsyn-*",
        ),
        "OwnMetrics": ("cloudwatch:PutMetricData", "*"),
    }
    assert policy["OwnMetrics"]["Condition"] == {"StringEquals": {"cloudwatch:namespace": "CloudWatchSynthetics"}}
    assert policy["EncryptArtifacts"]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


def test_the_artifacts_bucket_is_hardened_kms_encrypted_and_expires_runs(flashfusion: Synth) -> None:
    sse = flashfusion.get(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "synthetics-artifacts"
    ).inputs["rules"][0]
    key = next(k for k in flashfusion.of_type("aws:kms/key:Key") if k.name == "keys-alerts")
    assert sse["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key.outputs["arn"],
    }
    rules = flashfusion.get(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "synthetics-artifacts"
    ).inputs["rules"]
    assert rules == [
        {
            "id": "expire-canary-runs",
            "status": "Enabled",
            "filter": {"prefix": "runs/"},
            "expiration": {"days": 31},
            "noncurrentVersionExpiration": {"noncurrentDays": 1},
        },
        {
            "id": "expire-replaced-code",
            "status": "Enabled",
            "filter": {"prefix": "code/"},
            "noncurrentVersionExpiration": {"noncurrentDays": 31},
        },
        {
            "id": "abort-incomplete-uploads",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
        },
    ]
    assert (
        parent_name(flashfusion, flashfusion.get("aws:s3/bucket:Bucket", "synthetics-artifacts"))
        == "synthetics-artifacts"
    )


def test_runbook_001s_health_canary_needs_no_secret() -> None:
    plan = synth_with("vercel-supabase-prod")
    (canary,) = plan.of_type(CANARY)
    env = canary.inputs["runConfig"]["environmentVariables"]
    assert env == {"BASE_URL": "https://vercel-supabase-app.vercel.app", "CANARY_VARS": "BASE_URL"}
    assert plan.get(CODE, "synthetics-health-code").inputs["source"]["script.json"] == (
        f"file health.json sha256:{digest('health.json')}"
    )


def test_the_scripts_pass_their_node_tests_against_a_local_server(tmp_path: Path) -> None:
    done = subprocess.run(
        ["node", "--test", str(SCRIPTS / "checks.test.js")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "TMPDIR": str(tmp_path)},  # node's os.tmpdir()
    )
    assert (done.returncode, "# pass 6" in done.stdout, "# fail 0" in done.stdout) == (0, True, True), done.stdout
    assert list(tmp_path.iterdir()) == []  # the handler test's copy of the archive is removed


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"runtime": "syn-nodejs-puppeteer-7.0"},
            "platform:synthetics.runtime: syn-nodejs-puppeteer-7.0 was deprecated on 2026-01-22: Synthetics creates "
            "no canary on it; use syn-nodejs-puppeteer-13.1, syn-nodejs-puppeteer-15.0",
        ),
        (
            {"runtime": "syn-nodejs-puppeteer-99.0"},
            "platform:synthetics.runtime: 'syn-nodejs-puppeteer-99.0' is not a runtime the canaries here run on",
        ),
        (
            {"canaries": [{**FLASHFUSION_CANARY, "script": "checkout"}]},
            "platform:synthetics.canaries[0].script: 'checkout' has no canaries/checkout.json "
            "(scripts: auth, campaign, content, health)",
        ),
        (
            {"canaries": [{**FLASHFUSION_CANARY, "secretEnv": {"CANARY_PASSWORD": "NOT_DECLARED"}}]},
            "platform:synthetics.canaries[0].secretEnv.CANARY_PASSWORD: NOT_DECLARED is not a provided secret",
        ),
        (
            {"canaries": [{**FLASHFUSION_CANARY, "env": {"CANARY_PASSWORD": "hunter2"}}]},
            "platform:synthetics.canaries[0].env.CANARY_PASSWORD: looks like a secret, and env values are plain text",
        ),
        (
            {"canaries": [{**FLASHFUSION_CANARY, "severity": "P0"}]},
            "platform:synthetics.canaries[0].severity: Input should be 'P1', 'P2', 'P3' or 'P4'",
        ),
        (
            {"canaries": [FLASHFUSION_CANARY, FLASHFUSION_CANARY]},
            "platform:synthetics.canaries: 'golden-auth' appears twice",
        ),
    ],
)
def test_a_bad_synthetics_section_is_refused_with_its_key(override: dict[str, Any], expected: str) -> None:
    assert expected in error_of("flashfusion-prod", {"platform:synthetics": override})


def test_canaries_need_alerting() -> None:
    message = error_of("flashfusion-prod", {"platform:alerts": None, "platform:maintenance": None})
    assert "platform:synthetics: alarms on its canaries through platform:alerts: declare it" in message
