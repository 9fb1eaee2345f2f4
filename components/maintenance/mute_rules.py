"""Alarm mute rules for the next maintenance windows, so planned work pages nobody."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alerting.config import ALERTS_REGION
from components.maintenance.config import MaintenanceConfig


@dataclass(frozen=True, kw_only=True)
class MaintenanceWindowsArgs:
    app: str
    environment: str
    maintenance: MaintenanceConfig
    today: dt.date
    alarm_names: Sequence[pulumi.Input[str]]
    tags: dict[str, str]


class MaintenanceWindows(pulumi.ComponentResource):
    """One one-time CloudWatch alarm mute rule (an `at()` schedule in UTC) per upcoming window: a rule
    per date, so a passed window goes and the next one comes with the monthly preview."""

    def __init__(self, name: str, args: MaintenanceWindowsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:maintenance:MaintenanceWindows", name, None, opts)
        m = args.maintenance
        self.windows: dict[str, aws.cloudwatch.AlarmMuteRule] = {}
        for start, end in m.occurrences(args.today):
            day = start.strftime("%Y%m%d")
            minutes = int((end - start).total_seconds() // 60)
            self.windows[day] = aws.cloudwatch.AlarmMuteRule(
                f"{name}-{day}",
                name=f"{args.app}-{args.environment}-maintenance-{day}",
                description=(
                    f"Runbook 000 monthly maintenance ({m.rrule} at {m.start} {m.time_zone}, {m.duration_minutes} "
                    f"min): {start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC"
                ),
                rule=aws.cloudwatch.AlarmMuteRuleRuleArgs(
                    schedule=aws.cloudwatch.AlarmMuteRuleRuleScheduleArgs(
                        # in UTC, converted here: the DST rule is this project's (config.py), not left to AWS
                        expression=f"at({start:%Y-%m-%dT%H:%M})",
                        duration=f"PT{minutes // 60}H{minutes % 60}M" if minutes % 60 else f"PT{minutes // 60}H",
                        timezone="UTC",
                    )
                ),
                mute_targets=aws.cloudwatch.AlarmMuteRuleMuteTargetsArgs(alarm_names=list(args.alarm_names)),
                region=ALERTS_REGION,
                tags={**args.tags, "window": start.strftime("%Y-%m-%dT%H:%MZ")},
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"windows": sorted(self.windows)})
