"""The canaries' role under moto's IAM enforcement: the policy the plan declares, attached as it is, lets a
canary put its runs' artifacts and nothing else in the bucket (its code and other objects stay out of reach)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from tests.helpers import ROLE_POLICY, synth_with
from tests.servers import EnforcingAws, enforcing_aws

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def canary() -> Iterator[tuple[EnforcingAws, str, dict[str, str]]]:
    plan = synth_with("flashfusion-prod")
    bucket = plan.get("aws:synthetics/canary:Canary", "synthetics-golden-auth").inputs["s3Bucket"]
    policy = plan.get(ROLE_POLICY, "synthetics-canary").inputs["policy"]
    with enforcing_aws() as aws:
        aws.client("s3").create_bucket(Bucket=bucket)
        aws.client("s3").put_object(Bucket=bucket, Key="code/golden-auth.zip", Body=b"zip")
        yield aws, bucket, aws.identity("flashfusion-production-canary", policy)


def denied(call: object, **kwargs: object) -> str:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)  # type: ignore[operator]
    return str(exc.value.response["Error"]["Code"])


def test_a_canary_puts_its_runs_and_may_find_its_bucket(canary: tuple[EnforcingAws, str, dict[str, str]]) -> None:
    aws, bucket, keys = canary
    s3 = aws.client("s3", keys)
    s3.put_object(Bucket=bucket, Key="runs/golden-auth/2026/12/02/report.json", Body=json.dumps({"ok": True}))
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None  # us-east-1


def test_a_canary_reads_and_overwrites_nothing_else(canary: tuple[EnforcingAws, str, dict[str, str]]) -> None:
    aws, bucket, keys = canary
    s3 = aws.client("s3", keys)
    assert denied(s3.put_object, Bucket=bucket, Key="code/golden-auth.zip", Body=b"other code") == "AccessDenied"
    assert denied(s3.get_object, Bucket=bucket, Key="code/golden-auth.zip") == "AccessDenied"
    assert denied(s3.delete_object, Bucket=bucket, Key="runs/golden-auth/2026/12/02/report.json") == "AccessDenied"
    assert denied(s3.list_objects_v2, Bucket=bucket) == "AccessDenied"
