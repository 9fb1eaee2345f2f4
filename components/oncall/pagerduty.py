"""PagerDuty from the stack file: people looked up by email, the rotations as schedules, one escalation
policy, and a service per paging severity with its CloudWatch integration, through an explicit provider
whose token is a secret of the stack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pulumi
import pulumi_pagerduty as pagerduty

from components.alerting.config import Severity
from components.oncall.config import OncallConfig

# "who is on call changes at apply": a layer's members or its rotation_virtual_start decide who is on
# call at any moment (PagerDuty/terraform-provider-pagerduty#215, #585); the plan says so in words.
ON_CALL_CHANGES = "who is on call changes at apply"
# The Amazon CloudWatch integration's events endpoint, the URL PagerDuty shows as "Integration URL"; SNS
# posts the alarm's notification there and PagerDuty confirms the subscription itself.
CLOUDWATCH_ENDPOINT = "https://events.pagerduty.com/integration/{0}/enqueue"


@dataclass(frozen=True, kw_only=True)
class OncallArgs:
    app: str
    environment: str
    oncall: OncallConfig
    token: pulumi.Output[str]
    severities: Sequence[Severity] = ()  # those whose alerts channel is `pagerduty: oncall`: a service each


class Oncall(pulumi.ComponentResource):
    def __init__(self, name: str, args: OncallArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:oncall:Oncall", name, None, opts)
        o = args.oncall
        provider = pagerduty.Provider(name, token=args.token, opts=pulumi.ResourceOptions(parent=self))
        on_pd = pulumi.ResourceOptions(parent=self, provider=provider)
        invoke = pulumi.InvokeOptions(provider=provider, parent=self)
        # never created: each created user is an invitation and a licence
        self.users: Mapping[str, pulumi.Output[str]] = {
            person: pagerduty.get_user_output(email=email, opts=invoke).id for person, email in o.people.items()
        }
        self.schedules: dict[str, pagerduty.Schedule] = {}
        for schedule, r in o.schedules.items():
            # the first handoff with its offset, as PagerDuty's API writes times (2026-11-30T09:00:00-05:00)
            hour, minute = (int(x) for x in r.handoff.split(":"))
            start = dt.datetime.combine(r.start, dt.time(hour, minute), ZoneInfo(r.time_zone)).isoformat()
            self.schedules[schedule] = pagerduty.Schedule(
                f"{name}-{schedule}",
                name=f"{args.app} {args.environment} {schedule}",
                time_zone=r.time_zone,
                description=f"{r.rotation} rotation, handoff {r.handoff} {r.time_zone}; {ON_CALL_CHANGES} "
                "when its members or start change",
                layers=[
                    pagerduty.ScheduleLayerArgs(
                        name=f"{schedule} {r.rotation}",
                        start=start,
                        rotation_virtual_start=start,
                        rotation_turn_length_seconds=r.turn_seconds,
                        users=[self.users[m] for m in r.members],
                    )
                ],
                opts=on_pd,
            )
        rules = []
        for level, delay in zip(o.escalation, o.rule_delays(), strict=True):
            if level.notify in self.schedules:
                target = pagerduty.EscalationPolicyRuleTargetArgs(
                    type="schedule_reference", id=self.schedules[level.notify].id
                )
            else:
                target = pagerduty.EscalationPolicyRuleTargetArgs(type="user_reference", id=self.users[level.notify])
            rules.append(pagerduty.EscalationPolicyRuleArgs(escalation_delay_in_minutes=delay, targets=[target]))
        self.policy = pagerduty.EscalationPolicy(
            f"{name}-escalation",
            name=f"{args.app} {args.environment}",
            num_loops=o.loops,
            rules=rules,
            opts=on_pd,
        )
        self.provider = provider
        self.services: dict[Severity, pagerduty.Service] = {}
        self.endpoints: dict[Severity, pulumi.Output[str]] = {}  # the SNS subscription's URL, a secret
        if args.severities:
            # get_vendor matches "(?i)Cloudwatch" against the vendors' names when no name is equal; its
            # acceptance test finds "Amazon CloudWatch" so (pagerdutyplugin/data_source_pagerduty_vendor.go)
            vendor = pagerduty.get_vendor_output(name="Cloudwatch", opts=invoke).id
        for severity in args.severities:
            service_name, urgency = o.service(args.app, args.environment, severity)
            service = pagerduty.Service(
                f"{name}-{severity.lower()}",
                name=service_name,
                description=f"CloudWatch alarms of severity {severity} ({args.app} {args.environment})",
                escalation_policy=self.policy.id,
                incident_urgency_rule=pagerduty.ServiceIncidentUrgencyRuleArgs(type="constant", urgency=urgency),
                opts=on_pd,
            )
            integration = pagerduty.ServiceIntegration(
                f"{name}-{severity.lower()}-cloudwatch",
                name="Amazon CloudWatch",
                service=service.id,
                vendor=vendor,
                # the key routes events to the service; the provider does not mark it secret
                opts=pulumi.ResourceOptions(
                    parent=self, provider=provider, additional_secret_outputs=["integrationKey"]
                ),
            )
            self.services[severity] = service
            self.endpoints[severity] = pulumi.Output.secret(
                pulumi.Output.format(CLOUDWATCH_ENDPOINT, integration.integration_key)
            )
        self.register_outputs(
            {
                "escalationPolicy": self.policy.id,
                "schedules": sorted(self.schedules),
                "services": {s: v.id for s, v in self.services.items()},
            }
        )
