"""Alert routing: per-severity topics under the alerts key, their publishers, and who is told."""

from __future__ import annotations

from components.shared.across_stacks import shared_slack_channels
from ops.offline.synth import ACCOUNT_ID, Synth, synthesize_stack
from tests.helpers import (
    CHATBOT,
    PREFIX,
    SUBSCRIPTION,
    TODAY,
    TOPIC,
    TOPIC_POLICY,
    load_with,
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
    assert pagerduty.secret_paths == ["endpoint"]  # built from the P1 service's integration key (tests/oncall)
    email = prod.get(SUBSCRIPTION, "alerts-routing-p2-email-tech-lead@learningaccelerator.com")
    assert (email.inputs["protocol"], email.inputs["endpoint"]) == ("email", "tech-lead@learningaccelerator.com")
    slack = prod.get(CHATBOT, "alerts-routing-p1-slack")
    assert {
        k: slack.inputs[k] for k in ("slackTeamId", "slackChannelId", "snsTopicArns", "guardrailPolicyArns", "region")
    } == {
        "slackTeamId": "T0EXAMPLE1",
        "slackChannelId": "C0INCIDENT1",
        # P1 and P2 both route to #incidents: Chatbot allows one configuration per channel per account;
        # the watchdog topic goes with P1, the KMS severity
        "snsTopicArns": [topic("P1"), topic("watchdog"), topic("P2")],
        "guardrailPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        "region": "us-east-2",
    }
    assert slack.delete_before_replace  # a new one could not be created while the old one holds the channel
    assert sorted(r.name for r in prod.of_type(CHATBOT)) == ["alerts-routing-p1-slack", "alerts-routing-p3-slack"]


def test_no_stack_configures_a_slack_channel_twice() -> None:
    from ops.offline.stackfile import stack_files

    for path in stack_files():
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        synth = synthesize_stack(str(path), today=TODAY)
        channels = [r.inputs["slackChannelId"] for r in synth.of_type(CHATBOT)]
        assert len(channels) == len(set(channels)), (stack, channels)


def test_two_stacks_of_one_account_may_not_share_a_slack_channel() -> None:
    account = {"platform:accountId": "111122223333"}
    prod = load_with("prod", account)
    staging_on_incidents = load_with(
        "staging",
        {
            **account,
            "platform:alerts": {
                "channels": {"P1": {"slack": {"workspaceId": "T0EXAMPLE1", "channelId": "C0INCIDENT1"}}}
            },
        },
    )
    # staging already shares prod's #monitoring: in one account, the second `pulumi up` would fail
    assert shared_slack_channels({"prod": prod, "staging": staging_on_incidents}) == [
        f"account 111122223333: Slack channel {channel} (workspace T0EXAMPLE1) is configured by stacks prod, "
        "staging; Chatbot allows one configuration per channel per account"
        for channel in ("C0INCIDENT1", "C0MONITOR01")
    ]
    # stacks that do not say their account are not compared, and other accounts do not clash
    assert shared_slack_channels({"prod": prod, "staging": load_with("staging", {})}) == []
    elsewhere = load_with("prod", {"platform:accountId": "444455556666"})
    assert shared_slack_channels({"prod": prod, "prod-elsewhere": elsewhere}) == []
