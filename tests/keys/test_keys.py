"""components/keys/kms_keys.py: one KMS key per purpose, rotated, with an explicit policy and no `*` principal."""

from __future__ import annotations

from components.shared.policies import KMS_ADMIN_ACTIONS, KMS_USE_ACTIONS
from ops.offline.synth import ACCOUNT_ID, Synth
from tests.helpers import ALIAS, KEY, SynthFn, names, statements


def test_key_settings_and_alias(prod: Synth, staging: Synth) -> None:
    for synth, env in ((prod, "production"), (staging, "staging")):
        key = synth.get(KEY, "keys-general")
        assert key.inputs["enableKeyRotation"] is True
        assert key.inputs["rotationPeriodInDays"] == 90
        assert key.inputs["deletionWindowInDays"] == 30
        assert key.inputs["description"] == (
            f"learning-accelerator {env}: general data key (alias/learning-accelerator-general-{env})"
        )
        assert key.inputs["tags"]["purpose"] == "general"
        alias = synth.get(ALIAS, "keys-general")
        assert alias.inputs["name"] == f"alias/learning-accelerator-general-{env}"
        assert alias.inputs["targetKeyId"] == synth.outputs["kmsKeyArns"]["general"].rsplit("/", 1)[1]


def test_key_policy_names_its_principals(prod: Synth) -> None:
    root = f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert statements(prod.get(KEY, "keys-general")) == [
        {
            "Sid": "KeyAdministrators",
            "Effect": "Allow",
            "Principal": {"AWS": [root]},
            "Action": KMS_ADMIN_ACTIONS,
            "Resource": "*",
        },
        {
            "Sid": "UseThroughS3InThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT_ID}
            },
        },
    ]


def test_no_statement_has_a_wildcard_principal_or_action(prod: Synth) -> None:
    for s in statements(prod.get(KEY, "keys-general")):
        assert s["Principal"] != "*" and "*" not in str(s["Principal"])
        assert not any(a.endswith("*") for a in s["Action"])


def test_purposes_administrators_users_and_period_from_config(synth: SynthFn) -> None:
    admin = "arn:aws:iam::111122223333:role/platform-admin"
    user = "arn:aws:iam::111122223333:role/payments-api"
    s = synth(
        "prod",
        {
            "platform:keys": {
                "purposes": ["general", "alerts", "watchdog", "payments"],
                "rotationPeriodDays": 180,
                "deletionWindowDays": 14,
                "administrators": [admin],
                "users": [user],
            }
        },
    )
    # prod's replicated aws:kms backups add the replica's key to the purposes the file lists
    assert names(s, KEY) == ["keys-alerts", "keys-general", "keys-general-replica", "keys-payments", "keys-watchdog"]
    assert s.outputs["kmsKeyAliases"] == {
        "general": "alias/learning-accelerator-general-production",
        "alerts": "alias/learning-accelerator-alerts-production",
        "watchdog": "alias/learning-accelerator-watchdog-production",
        "payments": "alias/learning-accelerator-payments-production",
        "general-replica": "alias/learning-accelerator-general-replica-production",
    }
    key = s.get(KEY, "keys-payments")
    assert (key.inputs["rotationPeriodInDays"], key.inputs["deletionWindowInDays"]) == (180, 14)
    assert (key.protect, key.retain_on_delete) == (True, True)
    policy = statements(key)
    assert policy[0]["Principal"] == {"AWS": [admin]}
    assert policy[2] == {
        "Sid": "KeyUsers",
        "Effect": "Allow",
        "Principal": {"AWS": [user]},
        "Action": KMS_USE_ACTIONS,
        "Resource": "*",
    }


def test_the_alerts_key_lives_in_us_east_1_and_lets_cloudwatch_and_eventbridge_encrypt(synth: SynthFn) -> None:
    s = synth("prod", {"aws:region": "us-west-1", "platform:alerts": {"kms": {"keyEvents": False}}})
    key = s.get(KEY, "keys-alerts")
    assert key.inputs["region"] == "us-east-1" and s.get(ALIAS, "keys-alerts").inputs["region"] == "us-east-1"
    assert "region" not in s.get(KEY, "keys-general").inputs  # the stack's own region (us-west-1)
    policy = statements(key)
    assert [st["Sid"] for st in policy] == [
        "KeyAdministrators",
        "UseThroughS3InThisAccount",
        "AlertingServicesEncryptNotifications",
    ]
    assert policy[1]["Condition"]["StringEquals"]["kms:ViaService"] == "s3.us-east-1.amazonaws.com"
    assert policy[2] == {
        "Sid": "AlertingServicesEncryptNotifications",
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
    }
    assert [st["Sid"] for st in statements(s.get(KEY, "keys-general"))] == [
        "KeyAdministrators",
        "UseThroughS3InThisAccount",
    ]
