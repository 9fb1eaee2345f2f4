"""Alert routing: per-severity topics under the alerts key, their publishers, and who is told."""

from __future__ import annotations

from ops.synth import ACCOUNT_ID, Synth
from tests.helpers import (
    CHATBOT,
    PREFIX,
    SUBSCRIPTION,
    TOPIC,
    TOPIC_POLICY,
    statements,
    topic,
)


def test_topics_are_encrypted_with_the_alerts_key_and_publishable_only_by_this_account(prod: Synth) -> None:
    key_arn = prod.outputs["kmsKeyArns"]["alerts"]
    assert key_arn.startswith(f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/")
    for severity in ("P1", "P2", "P3"):
        t = prod.get(TOPIC, f"alerts-routing-{severity.lower()}")
        assert (t.inputs["name"], t.inputs["kmsMasterKeyId"], t.inputs["region"]) == (
            f"{PREFIX}-alerts-{severity.lower()}",
            key_arn,
            "us-east-1",
        )
        assert statements(prod.get(TOPIC_POLICY, f"alerts-routing-{severity.lower()}")) == [
            {
                "Sid": "CloudWatchAlarmsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic(severity),
                "Condition": {
                    "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT_ID}:alarm:*"},
                    "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                },
            },
            {
                "Sid": "EventBridgeRulesOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic(severity),
                "Condition": {
                    "ArnLike": {"aws:SourceArn": f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/*"},
                    "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                },
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sns:*",
                "Resource": topic(severity),
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ]
    assert "P4" not in prod.outputs["alertTopicArns"]


def test_subscribers_per_severity(prod: Synth) -> None:
    pagerduty = prod.get(SUBSCRIPTION, "alerts-routing-p1-pagerduty")
    assert (pagerduty.inputs["protocol"], pagerduty.inputs["endpointAutoConfirms"], pagerduty.inputs["topic"]) == (
        "https",
        True,
        topic("P1"),
    )
    assert pagerduty.secret_paths == ["endpoint"]  # the integration URL is a provided secret
    email = prod.get(SUBSCRIPTION, "alerts-routing-p2-email-tech-lead@learningaccelerator.com")
    assert (email.inputs["protocol"], email.inputs["endpoint"]) == ("email", "tech-lead@learningaccelerator.com")
    slack = prod.get(CHATBOT, "alerts-routing-p1-slack")
    assert {
        k: slack.inputs[k] for k in ("slackTeamId", "slackChannelId", "snsTopicArns", "guardrailPolicyArns", "region")
    } == {
        "slackTeamId": "T0EXAMPLE1",
        "slackChannelId": "C0INCIDENT1",
        "snsTopicArns": [topic("P1")],
        "guardrailPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        "region": "us-east-2",
    }
    assert sorted(r.name for r in prod.of_type(CHATBOT)) == [
        "alerts-routing-p1-slack",
        "alerts-routing-p2-slack",
        "alerts-routing-p3-slack",
    ]
