"""Each component built on its own under a small mock: what it creates from its args alone."""

from __future__ import annotations

import datetime as dt

import pulumi
import pulumi_aws as aws

from components.backups.hardened_bucket import AccessLogSource, HardenedBucket, HardenedBucketArgs, ObjectLockArgs
from components.delivery.fly import FlyApi, FlyApiArgs
from components.delivery.fly_config import FlyConfig
from components.delivery.vercel import VercelFrontend, VercelFrontendArgs
from components.delivery.vercel_config import VercelConfig
from components.keys.config import KeysConfig
from components.keys.kms_keys import KmsKeys, KmsKeysArgs
from components.secrets.config import SecretsConfig
from components.secrets.inventory import SecretsInventory, SecretsInventoryArgs
from components.shared.sdk_internals import sync_await
from ops.offline.fakes import ACCOUNT_ID
from ops.offline.synth import Synth, record
from tests.helpers import BUCKET, BUCKET_POLICY, FLY_MACHINE, KEY, RANDOM_BYTES, VERCEL_ENV, names, statements

TAGS = {"app": "t"}
RULE = aws.s3.BucketLifecycleConfigurationRuleArgs(id="expire", status="Enabled")


def test_hardened_bucket_alone() -> None:
    def build() -> None:
        HardenedBucket(
            "logs",
            HardenedBucketArgs(
                tags=TAGS,
                protect=True,
                lifecycle_rules=[RULE],
                region="eu-west-1",
                object_lock=ObjectLockArgs(mode="GOVERNANCE", days=7),
                logs_from=AccessLogSource(bucket_arn="arn:aws:s3:::src", account_id=ACCOUNT_ID, prefix="a/"),
            ),
        )

    s = record("unit", build)
    assert all(r.name == "logs" for r in s.resources)  # children carry the component's name
    assert len(s.resources) == 9  # the component, the bucket and its 7 settings
    bucket = s.get(BUCKET, "logs")
    assert (bucket.protect, bucket.retain_on_delete, bucket.inputs["region"]) == (True, True, "eu-west-1")
    assert [st["Sid"] for st in statements(s.get(BUCKET_POLICY, "logs"))] == [
        "DenyInsecureTransport",
        "DenyTlsBelow12",
        "AllowS3ServerAccessLogs",
    ]
    assert statements(s.get(BUCKET_POLICY, "logs"))[2]["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:s3:::src"}


def test_kms_keys_alone() -> None:
    cfg = KeysConfig.model_validate({"purposes": ["general", "alerts"]})
    s = record(
        "unit",
        lambda: KmsKeys(
            "k",
            KmsKeysArgs(
                app="a",
                environment="staging",
                region="us-east-1",
                account_id=ACCOUNT_ID,
                keys=cfg,
                tags=TAGS,
                protect=False,
            ),
        ),
    )
    assert names(s, KEY) == ["k-alerts", "k-general"]
    assert {r.inputs["name"] for r in s.of_type("aws:kms/alias:Alias")} == {
        "alias/a-general-staging",
        "alias/a-alerts-staging",
    }


SECRETS = SecretsConfig.model_validate(
    {
        "overlapDays": 1,
        "items": {
            "SECRET_KEY": {"rotation": {"generation": 2, "lastRotated": "2026-11-22"}, "consumers": ["fly"]},
            "OPENAI_API_KEY": {"rotation": {"lastRotated": "2026-11-01"}, "consumers": ["fly", "vercel:production"]},
            "KEYRING_TOKEN": {"rotation": {"lastRotated": "2026-11-01"}},  # no consumer here
        },
    }
)


def test_secrets_inventory_alone_hands_out_only_secret_outputs() -> None:
    built: list[SecretsInventory] = []
    provided = {"OPENAI_API_KEY": pulumi.Output.secret("sk-1")}
    args = SecretsInventoryArgs(secrets=SECRETS, provided=provided, today=dt.date(2026, 11, 22))
    s = record("unit", lambda: built.append(SecretsInventory("inv", args)))
    assert names(s, RANDOM_BYTES) == ["inv-KEYRING_TOKEN-a", "inv-SECRET_KEY-a", "inv-SECRET_KEY-b"]
    env = [e for e in built[0].env if e.key != "KEYRING_TOKEN"]
    manual = built[0].undelivered()
    keyring = s.get(RANDOM_BYTES, "inv-KEYRING_TOKEN-a").outputs["hex"]
    assert (sync_await(manual.is_secret()), sync_await(manual.future())) == (True, {"KEYRING_TOKEN": keyring})
    assert {e.key: sync_await(e.value.is_secret()) for e in env} == {
        "SECRET_KEY": True,
        "SECRET_KEY_PREVIOUS": True,
        "OPENAI_API_KEY": True,
    }
    hexes = {slot: s.get(RANDOM_BYTES, f"inv-SECRET_KEY-{slot}").outputs["hex"] for slot in "ab"}
    # generation 2 lives in slot b; generation 1 (slot a) is served as _PREVIOUS during the overlap
    assert {e.key: sync_await(e.value.future()) for e in env} == {
        "SECRET_KEY": hexes["b"],
        "SECRET_KEY_PREVIOUS": hexes["a"],
        "OPENAI_API_KEY": "sk-1",
    }


def test_fly_api_alone() -> None:
    cfg = FlyConfig.model_validate({"app": "x-api", "image": "registry.fly.io/x:1", "regions": {"iad": 2, "fra": 1}})
    s = record("unit", lambda: FlyApi("api", FlyApiArgs(fly=cfg, protect=False, served={"A": 1})))
    assert names(s, FLY_MACHINE) == ["api-fra-1", "api-iad-1", "api-iad-2"]
    assert {m.inputs["config"]["metadata"]["secrets-served"] for m in s.of_type(FLY_MACHINE)} == {"A=1"}
    assert s.outputs == {}


def test_vercel_frontend_alone() -> None:
    cfg = VercelConfig.model_validate({"projectName": "web", "env": {"NEXT_PUBLIC_X": "1"}, "maintenanceMode": True})
    s: Synth = record("unit", lambda: VercelFrontend("web", VercelFrontendArgs(vercel=cfg, protect=False)))
    assert names(s, VERCEL_ENV) == ["web-MAINTENANCE_MODE", "web-NEXT_PUBLIC_X"]
    assert s.get(VERCEL_ENV, "web-MAINTENANCE_MODE").inputs["value"] == "true"
    assert "gitRepository" not in s.get("vercel:index/project:Project", "web").inputs  # no git: no deploy hook
