"""PagerDuty from the stack file: people looked up by email, the rotations as schedules, and one
escalation policy, through an explicit provider whose token is a secret of the stack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pulumi
import pulumi_pagerduty as pagerduty

from components.oncall.config import OncallConfig

# "who is on call changes at apply": a layer's members or its rotation_virtual_start decide who is on
# call at any moment (PagerDuty/terraform-provider-pagerduty#215, #585); the plan says so in words.
ON_CALL_CHANGES = "who is on call changes at apply"


@dataclass(frozen=True, kw_only=True)
class OncallArgs:
    app: str
    environment: str
    oncall: OncallConfig
    token: pulumi.Output[str]


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
        self.register_outputs({"escalationPolicy": self.policy.id, "schedules": sorted(self.schedules)})
