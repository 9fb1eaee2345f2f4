"""Events of other regions, forwarded to us-east-1's default bus, where alerting lives."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.alerting.config import ALERTS_REGION, alarm_name
from components.shared.policies import document, service_trust
from components.shared.roles import bounded


class Forwarder:
    """A rule per region and purpose whose target is us-east-1's default bus, which re-evaluates the
    event against its own rules (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html).
    SNS targets and the alarms must stay in us-east-1, beside the topics. One role, made on first use,
    may only put events on that bus."""

    def __init__(
        self,
        name: str,
        app: str,
        environment: str,
        account_id: pulumi.Input[str],
        tags: dict[str, str],
        parent: pulumi.Resource,
    ):
        self.name, self.app, self.env, self.tags = name, app, environment, tags
        self.account_id = account_id
        self.opts = pulumi.ResourceOptions(parent=parent)
        self.bus = pulumi.Output.concat("arn:aws:events:", ALERTS_REGION, ":", account_id, ":event-bus/default")
        self._role: aws.iam.Role | None = None

    def role(self) -> aws.iam.Role:
        if self._role is None:
            self._role = aws.iam.Role(
                f"{self.name}-events-forward",
                name=f"{self.app}-{self.env}-events-forward",
                description=f"EventBridge forwards events of other regions to {ALERTS_REGION}",
                assume_role_policy=pulumi.Output.from_input(self.account_id).apply(
                    lambda a: service_trust("events.amazonaws.com", a)
                ),
                tags=self.tags,
                **bounded(self.account_id),
                opts=self.opts,
            )
            aws.iam.RolePolicy(
                f"{self.name}-events-forward",
                role=self._role.name,
                policy=self.bus.apply(
                    lambda arn: document([{"Effect": "Allow", "Action": "events:PutEvents", "Resource": arn}])
                ),
                opts=self.opts,
            )
        return self._role

    def forward(self, purpose: str, region: str, pattern: pulumi.Input[str], description: str) -> None:
        rule = aws.cloudwatch.EventRule(
            f"{self.name}-{purpose}-{region}",
            name=alarm_name(self.app, self.env, purpose, region),
            description=description,
            event_pattern=pattern,
            region=region,
            tags=self.tags,
            opts=self.opts,
        )
        aws.cloudwatch.EventTarget(
            f"{self.name}-{purpose}-{region}",
            rule=rule.name,
            arn=self.bus,
            role_arn=self.role().arn,
            region=region,
            opts=self.opts,
        )
