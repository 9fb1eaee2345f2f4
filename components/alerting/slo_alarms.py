"""SLOs as multi-window, multi-burn-rate alerts (Google SRE workbook, chapter 5).

Burn rate is how fast the error budget goes: 1 spends exactly the budget in the SLO's 30 days.
Each pair of windows is a composite alarm: the long window proves the burn is real, the short one
that it is still going on, so the alert also resets quickly.

Pages: 14.4x over 1 h and 5 min (2 % of the budget in an hour), 6x over 6 h and 30 min (5 % in six
hours). Ticket: 3x over 1 day and 2 h, rather than 1x over 3 days and 6 h: it finds a burn that would
empty the budget in 10 days within a day, while 1x over 3 days only confirms what the monthly
budget report already says, and days-long periods are the least trustworthy part of CloudWatch math.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.alerting.config import Slo, alarm_name
from components.alerting.health_checks import ROUTE53_NAMESPACE
from components.alerting.routing import notify

Kind = Literal["page", "ticket"]


@dataclass(frozen=True)
class BurnWindow:
    name: str
    burn_rate: float
    long_seconds: int
    short_seconds: int
    kind: Kind


WINDOWS = (
    BurnWindow("fast", 14.4, 3600, 300, "page"),
    BurnWindow("slow", 6.0, 6 * 3600, 1800, "page"),
    BurnWindow("ticket", 3.0, 24 * 3600, 2 * 3600, "ticket"),
)


def error_budget(target: float) -> float:
    """The error budget in percent of events: 99.5 -> 0.5."""
    return round(100 - target, 6)


def error_rate_at(target: float, burn_rate: float) -> float:
    """The error percentage that burns the budget at `burn_rate`: 99.5 at 14.4x -> 7.2 %."""
    return round(burn_rate * error_budget(target), 6)


def burn_expression(good_id: str, target: float) -> str:
    """Metric math from a good-event percentage to a burn rate."""
    return f"(100 - {good_id}) / {error_budget(target):g}"


@dataclass(frozen=True, kw_only=True)
class SloAlarmsArgs:
    app: str
    environment: str
    slos: Sequence[Slo]
    health_check_ids: Mapping[str, pulumi.Input[str]]
    topic_arns: Mapping[str, pulumi.Output[str]]
    page_severity: str
    ticket_severity: str
    tags: dict[str, str]


class SloAlarms(pulumi.ComponentResource):
    """For each SLO and each of the three window pairs: two metric-math alarms (long and short window)
    that compute the burn rate, and a composite alarm that pages or opens a ticket when both burn.
    The fast page suppresses the slow one, and the slow page suppresses the ticket.
    """

    def __init__(self, name: str, args: SloAlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:alerts:SloAlarms", name, None, opts)
        self.composites: dict[str, aws.cloudwatch.CompositeAlarm] = {}
        for slo in args.slos:
            suppressor: aws.cloudwatch.CompositeAlarm | None = None
            for window in WINDOWS:
                parts = [
                    self._burn_alarm(name, args, slo, window, seconds)
                    for seconds in (window.long_seconds, window.short_seconds)
                ]
                severity = args.page_severity if window.kind == "page" else args.ticket_severity
                composite_name = alarm_name(args.app, args.environment, "slo", slo.name, window.name)
                composite = aws.cloudwatch.CompositeAlarm(
                    f"{name}-{slo.name}-{window.name}",
                    alarm_name=composite_name,
                    alarm_description=(
                        f"{slo.runbook}: the {slo.target:g} % SLO burns its error budget at {window.burn_rate:g}x "
                        f"(errors above {error_rate_at(slo.target, window.burn_rate):g} %) over "
                        f"{window.long_seconds // 60} min and {window.short_seconds // 60} min. First check: the "
                        "last deployment, then the dependency dashboards."
                    ),
                    alarm_rule=pulumi.Output.format('ALARM("{0}") AND ALARM("{1}")', parts[0].name, parts[1].name),
                    actions_suppressor=None
                    if suppressor is None
                    else aws.cloudwatch.CompositeAlarmActionsSuppressorArgs(
                        alarm=suppressor.alarm_name, wait_period=120, extension_period=600
                    ),
                    tags={**args.tags, "severity": severity, "slo": slo.name},
                    # A metric alarm cannot be deleted while a composite names it: rename in two steps.
                    opts=pulumi.ResourceOptions(parent=self, depends_on=parts),
                    **notify(args.topic_arns.get(severity)),
                )
                self.composites[composite_name] = composite
                suppressor = composite
        self.register_outputs({"composites": sorted(self.composites)})

    def _burn_alarm(
        self, name: str, args: SloAlarmsArgs, slo: Slo, window: BurnWindow, seconds: int
    ) -> aws.cloudwatch.MetricAlarm:
        length = "long" if seconds == window.long_seconds else "short"
        if slo.health_check is not None:
            good = aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=ROUTE53_NAMESPACE,
                metric_name="HealthCheckPercentageHealthy",
                dimensions={"HealthCheckId": args.health_check_ids[slo.health_check]},
                stat="Average",
                period=seconds,
            )
            # Route 53 reports continuously: no data means the check is gone, which counts as down.
            missing = "breaching"
        else:
            assert slo.latency is not None and slo.threshold_ms is not None
            good = aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=slo.latency.namespace,
                metric_name=slo.latency.name,
                dimensions=slo.latency.dimensions,
                # percentile rank: the percentage of samples at or under the threshold (seconds metric)
                stat=f"PR(:{slo.threshold_ms / 1000:g})",
                period=seconds,
            )
            missing = "notBreaching"  # no requests, no latency samples, no budget spent
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{slo.name}-{window.name}-{length}",
            name=alarm_name(args.app, args.environment, "slo", slo.name, window.name, length),
            alarm_description=(
                f"{slo.runbook}: burn rate over {seconds // 60} min (one half of {window.name}); it notifies "
                "through its composite. First check: the composite's description."
            ),
            metric_queries=[
                aws.cloudwatch.MetricAlarmMetricQueryArgs(id="good", metric=good, return_data=False),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="burn", expression=burn_expression("good", slo.target), label="burn rate", return_data=True
                ),
            ],
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=window.burn_rate,
            evaluation_periods=1,
            treat_missing_data=missing,
            tags={**args.tags, "slo": slo.name},
            opts=pulumi.ResourceOptions(parent=self),
            **notify(None),
        )
