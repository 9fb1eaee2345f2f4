"""Alarm mute rules and PagerDuty maintenance windows for the next maintenance windows, so planned work
pages nobody."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_pagerduty as pagerduty

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
    # platform:oncall's provider and the services the muted alarms page, for PagerDuty's own windows
    pagerduty_provider: pagerduty.Provider | None = None
    pagerduty_services: Sequence[pulumi.Input[str]] = ()


class MaintenanceWindows(pulumi.ComponentResource):
    """Per upcoming window, a one-time CloudWatch alarm mute rule (an `at()` schedule in UTC) and, where the
    stack pages through platform:oncall, a PagerDuty maintenance window on the services those alarms
    page: one of each per date, so a passed window goes and the next one comes with the monthly preview.

    PagerDuty's window holds every incident on its services, so an alarm that is not muted but pages the
    same service (a KMS key event, backup freshness) reaches Slack, email and SMS during the window, not
    PagerDuty.
    """

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
            if args.pagerduty_provider is not None and args.pagerduty_services:
                pagerduty.MaintenanceWindow(
                    f"{name}-{day}-pagerduty",
                    start_time=f"{start:%Y-%m-%dT%H:%M:%SZ}",
                    end_time=f"{end:%Y-%m-%dT%H:%M:%SZ}",
                    services=list(args.pagerduty_services),
                    description=f"{args.app} {args.environment}: runbook 000 monthly maintenance",
                    # Deleting a window that has started ends it early, and one that has ended answers
                    # 405 (pagerduty/resource_pagerduty_maintenance_window.go); when a window drops out
                    # of the next three mid-way, it is left to run its course instead.
                    opts=pulumi.ResourceOptions(parent=self, provider=args.pagerduty_provider, retain_on_delete=True),
                )
        self.register_outputs({"windows": sorted(self.windows)})
