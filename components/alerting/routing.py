"""Where alerts go: one encrypted SNS topic per real-time severity and its subscribers (runbook 004's channels)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alerting.config import ALERTS_REGION, Channels, Severity
from components.shared.policies import service_trust, sns_topic_policy
from components.shared.roles import bounded

# AWS Chatbot has no endpoint in us-east-1; its control plane answers in us-east-2.
CHATBOT_REGION = "us-east-2"
# Chatbot's guardrail defaults to AdministratorAccess for anyone typing commands in the channel.
CHATBOT_GUARDRAIL = "arn:aws:iam::aws:policy/ReadOnlyAccess"
CHATBOT_ROLE_POLICY = "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"
WATCHDOG = "watchdog"  # the topic (and its key's purpose) that reports on the alerts key itself
# The services that publish to the topics and so must be able to use the topics' key.
TOPIC_PUBLISHERS = ("cloudwatch.amazonaws.com", "events.amazonaws.com")


@dataclass(frozen=True, kw_only=True)
class AlertRoutingArgs:
    app: str
    environment: str
    account_id: pulumi.Input[str]
    channels: Mapping[Severity, Channels]
    kms_key_arn: pulumi.Input[str]
    # severity -> its PagerDuty integration URL (a secret): platform:oncall's service, or a provided secret
    pagerduty_urls: Mapping[Severity, pulumi.Output[str]]
    tags: dict[str, str]
    # (severity, key ARN): a topic for the alerts key's own DisableKey/ScheduleKeyDeletion, encrypted with
    # another key, since SNS cannot publish to a topic whose key is disabled; it reaches that severity's people.
    watchdog: tuple[Severity, pulumi.Input[str]] | None = None


def notify(topic_arn: pulumi.Input[str] | None) -> dict[str, Any]:
    """What every alarm here gets: actions on, and ALARM and OK both sent to its severity's topic.

    None (severity P4, or a part of a composite alarm) keeps actions on with nobody to notify.
    """
    targets = [] if topic_arn is None else [topic_arn]
    return {"actions_enabled": True, "alarm_actions": targets, "ok_actions": targets, "region": ALERTS_REGION}


class AlertRouting(pulumi.ComponentResource):
    """For each real-time severity (P1-P3): an SNS topic in us-east-1 encrypted with the alerts key, a
    topic policy that lets only this account's CloudWatch and EventBridge publish and denies plain HTTP,
    and its subscribers: PagerDuty (HTTPS, auto-confirmed), Slack through AWS Chatbot with a read-only
    guardrail, email and SMS. P4 has no topic: it reaches the weekly report, not a person.
    """

    def __init__(self, name: str, args: AlertRoutingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:alerts:AlertRouting", name, None, opts)
        self.topics: dict[str, aws.sns.Topic] = {}
        routes: list[tuple[str, Severity, pulumi.Input[str]]] = [
            (severity.lower(), severity, args.kms_key_arn) for severity in sorted(args.channels)
        ]
        if args.watchdog is not None:
            routes.append((WATCHDOG, *args.watchdog))
        for level, severity, key_arn in routes:
            self.topics[level] = self._topic(name, args, level, severity, key_arn)
        self._slack(name, args)
        self.topic_arns: dict[str, pulumi.Output[str]] = {s: self.topics[s.lower()].arn for s in sorted(args.channels)}
        self.watchdog_arn = self.topics[WATCHDOG].arn if args.watchdog is not None else None
        self.register_outputs({"topicArns": self.topic_arns, "watchdogTopicArn": self.watchdog_arn})

    def _topic(
        self, name: str, args: AlertRoutingArgs, level: str, severity: Severity, key_arn: pulumi.Input[str]
    ) -> aws.sns.Topic:
        child = pulumi.ResourceOptions(parent=self)
        channels = args.channels[severity]
        topic = aws.sns.Topic(
            f"{name}-{level}",
            name=f"{args.app}-{args.environment}-alerts-{level}",
            display_name=f"{args.app} {args.environment} {severity if level != WATCHDOG else 'KMS watchdog'}",
            kms_master_key_id=key_arn,
            region=ALERTS_REGION,
            tags={**args.tags, "severity": severity},
            opts=child,
        )
        aws.sns.TopicPolicy(
            f"{name}-{level}",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, args.account_id).apply(
                lambda a: sns_topic_policy(a[0], a[1], ALERTS_REGION)
            ),
            region=ALERTS_REGION,
            opts=child,
        )
        if channels.pagerduty:
            aws.sns.TopicSubscription(
                f"{name}-{level}-pagerduty",
                topic=topic.arn,
                protocol="https",
                endpoint=args.pagerduty_urls[severity],
                # PagerDuty confirms the subscription itself; SNS would otherwise wait for a click.
                endpoint_auto_confirms=True,
                region=ALERTS_REGION,
                opts=child,
            )
        for protocol, endpoints in (("email", channels.email), ("sms", channels.sms)):
            for endpoint in endpoints:
                aws.sns.TopicSubscription(
                    f"{name}-{level}-{protocol}-{endpoint}",
                    topic=topic.arn,
                    protocol=protocol,
                    endpoint=endpoint,
                    region=ALERTS_REGION,
                    opts=child,
                )
        return topic

    def _slack(self, name: str, args: AlertRoutingArgs) -> None:
        """One Chatbot configuration per Slack channel, carrying every severity's topic that routes there:
        AWS Chatbot allows one configuration per channel per account, and a second fails `pulumi up` with
        "has already been configured". It keeps the name of the most severe level it carries, so adding a
        severity to a channel is an in-place update of its topics; a rename is delete-before-replace,
        since the new one could not be created while the old one holds the channel."""
        by_channel: dict[tuple[str, str], list[str]] = {}
        for severity, channels in sorted(args.channels.items()):
            if channels.slack is not None:
                levels = by_channel.setdefault((channels.slack.workspace_id, channels.slack.channel_id), [])
                levels.append(severity.lower())
                if args.watchdog is not None and args.watchdog[0] == severity:
                    levels.append(WATCHDOG)
        if not by_channel:
            return
        role = self._chatbot_role(name, args)
        for (workspace, channel), levels in sorted(by_channel.items(), key=lambda kv: kv[1][0]):
            level = levels[0]
            aws.chatbot.SlackChannelConfiguration(
                f"{name}-{level}-slack",
                configuration_name=f"{args.app}-{args.environment}-{level}",
                iam_role_arn=role.arn,
                slack_team_id=workspace,
                slack_channel_id=channel,
                sns_topic_arns=[self.topics[lv].arn for lv in levels],
                guardrail_policy_arns=[CHATBOT_GUARDRAIL],
                logging_level="ERROR",
                region=CHATBOT_REGION,
                tags=args.tags,
                opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
            )

    def _chatbot_role(self, name: str, args: AlertRoutingArgs) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{name}-chatbot",
            name=f"{args.app}-{args.environment}-chatbot",
            description="AWS Chatbot reads CloudWatch to render alarms in Slack",
            assume_role_policy=service_trust("chatbot.amazonaws.com"),
            tags=args.tags,
            **bounded(args.account_id),
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-chatbot", role=role.name, policy_arn=CHATBOT_ROLE_POLICY, opts=pulumi.ResourceOptions(parent=self)
        )
        return role
