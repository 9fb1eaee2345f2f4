"""The key-metrics dashboard of runbooks 000, 002 and 004, from the same definitions as the alarms.

One CloudWatch dashboard per stack in us-east-1, where the alarms and Route 53's metrics are. Its body
follows the CloudWatch dashboard body structure (docs.aws.amazon.com, "Dashboard Body Structure and
Syntax"): a 24-column grid of `alarm`, `metric` and `text` widgets. Within CloudWatch's limits: at most
500 widgets a dashboard and 100 alarms an alarm widget; the graphs carry horizontal annotations only,
none of the one-alarm-per-graph kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alerting.config import ALERTS_REGION, AlertsConfig, Slo, Threshold
from components.alerting.health_checks import ROUTE53_NAMESPACE
from components.alerting.slo_alarms import WINDOWS, burn_expression, error_budget

MAX_WIDGETS = 500
MAX_ALARMS_PER_WIDGET = 100
CRITICAL, WARNING, TARGET = "#d62728", "#ff7f0e", "#2ca02c"
PERIOD = 300


@dataclass(frozen=True, kw_only=True)
class DashboardArgs:
    app: str
    environment: str
    alerts: AlertsConfig
    health_check_ids: Mapping[str, pulumi.Input[str]]
    alarm_arns: Sequence[pulumi.Input[str]]  # the SLO composites and the health-check alarms
    links: Mapping[str, str]  # title -> URL: the Fly and Vercel dashboards


def _good(slo: Slo, health_check_ids: Mapping[str, pulumi.Input[str]], **extra: Any) -> list[Any]:
    """The SLO's good-event percentage as a dashboard metric row."""
    if slo.health_check is not None:
        dims = ["HealthCheckId", health_check_ids[slo.health_check]]
        return [ROUTE53_NAMESPACE, "HealthCheckPercentageHealthy", *dims, {"stat": "Average", **extra}]
    assert slo.latency is not None and slo.threshold_ms is not None
    dims = [x for k, v in sorted(slo.latency.dimensions.items()) for x in (k, v)]
    stat = f"PR(:{slo.threshold_ms / 1000:g})"  # the share of requests within the threshold, as the alarms read it
    return [slo.latency.namespace, slo.latency.name, *dims, {"stat": stat, **extra}]


def _metric(title: str, metrics: list[Any], **properties: Any) -> dict[str, Any]:
    return {
        "type": "metric",
        "width": properties.pop("width", 8),
        "height": 6,
        "properties": {"title": title, "region": ALERTS_REGION, "view": "timeSeries", "metrics": metrics, **properties},
    }


def slo_widgets(slo: Slo, health_check_ids: Mapping[str, pulumi.Input[str]]) -> list[dict[str, Any]]:
    """Its SLI, its burn rate with the page and ticket lines, and the error budget left over 30 days."""
    budget = error_budget(slo.target)
    good = _good(slo, health_check_ids, id="good", visible=False, period=PERIOD)
    return [
        _metric(
            f"SLO {slo.name}: good events (%)",
            [_good(slo, health_check_ids, period=PERIOD, label="good %")],
            annotations={"horizontal": [{"label": f"target {slo.target:g} %", "value": slo.target, "color": TARGET}]},
        ),
        _metric(
            f"SLO {slo.name}: burn rate",
            [[{"expression": burn_expression("good", slo.target), "label": "burn rate", "id": "burn"}], good],
            annotations={
                "horizontal": [
                    {"label": f"{w.name} {w.kind} {w.burn_rate:g}x", "value": w.burn_rate, "color": CRITICAL}
                    for w in WINDOWS
                ]
            },
        ),
        _metric(
            f"SLO {slo.name}: error budget left over 30 days (%)",
            [[{"expression": f"100 - (100 - good) / {budget:g} * 100", "label": "budget left %", "id": "left"}], good],
            view="singleValue",
            setPeriodToTimeRange=True,
            start="-PT720H",
        ),
    ]


def threshold_widget(row: Threshold) -> dict[str, Any]:
    """The row's metric, with its warning and critical lines, shaded on the breaching side."""
    side = "above" if row.comparison.startswith("Greater") else "below"
    lines = [(WARNING, "warning", row.warning), (CRITICAL, "critical", row.critical)]
    dims = [x for k, v in sorted(row.metric.dimensions.items()) for x in (k, v)]
    stat = row.metric.statistic or row.metric.extended_statistic
    return _metric(
        f"{row.name}: {row.metric.namespace} {row.metric.name}",
        [[row.metric.namespace, row.metric.name, *dims, {"stat": stat, "period": row.period_seconds}]],
        width=12,
        annotations={
            "horizontal": [
                {"label": f"{level} {value:g}", "value": value, "color": color, "fill": side}
                for color, level, value in lines
                if value is not None
            ]
        },
    )


def latency_widget(alerts: AlertsConfig, health_check_ids: Mapping[str, pulumi.Input[str]]) -> dict[str, Any] | None:
    measured = [c for c in alerts.health_checks if c.measure_latency]
    if not measured:
        return None
    limits = [s.threshold_ms for s in alerts.slos if s.threshold_ms]
    return _metric(
        "Health checks: time to first byte (ms)",
        [
            [ROUTE53_NAMESPACE, "TimeToFirstByte", "HealthCheckId", health_check_ids[c.name], {"label": c.name}]
            for c in measured
        ],
        width=24,
        annotations={
            "horizontal": [{"label": f"latency SLO {min(limits)} ms", "value": min(limits), "color": CRITICAL}]
        }
        if limits
        else {},
    )


def runbook_widget(alerts: AlertsConfig, links: Mapping[str, str]) -> dict[str, Any]:
    lines = ["## Runbook", ""]
    lines += [f"- SLO **{s.name}** ({s.target:g} %): {s.runbook}" for s in alerts.slos]
    lines += [f"- **{t.name}**: {t.runbook}. First check: {t.first_check}" for t in alerts.thresholds]
    lines += ["", *(f"- [{title}]({url})" for title, url in sorted(links.items()))]
    return {"type": "text", "width": 24, "height": 2 + len(lines) // 2, "properties": {"markdown": "\n".join(lines)}}


def body(args: DashboardArgs) -> dict[str, Any]:
    a = args.alerts
    alarms = list(args.alarm_arns)
    chunks = [alarms[i : i + MAX_ALARMS_PER_WIDGET] for i in range(0, len(alarms), MAX_ALARMS_PER_WIDGET)]
    widgets: list[dict[str, Any]] = [
        {
            "type": "alarm",
            "width": 24,
            "height": 3 + len(chunk) // 6,
            "properties": {
                # titles tell the widgets apart, in the console and in a review's diff (ops/commands/flatten.py)
                "title": "Alarms: SLOs and health checks" + (f" ({n}/{len(chunks)})" if len(chunks) > 1 else ""),
                "alarms": chunk,
                "sortBy": "stateUpdatedTimestamp",
            },
        }
        for n, chunk in enumerate(chunks, 1)
    ]
    for slo in a.slos:
        widgets += slo_widgets(slo, args.health_check_ids)
    widgets += [threshold_widget(t) for t in a.thresholds]
    widgets += [w for w in [latency_widget(a, args.health_check_ids)] if w is not None]
    widgets.append(runbook_widget(a, args.links))
    if len(widgets) > MAX_WIDGETS:
        raise ValueError(f"{len(widgets)} widgets: CloudWatch allows {MAX_WIDGETS} a dashboard")
    x = y = row_height = 0
    for w in widgets:  # left to right, a new row when the next widget does not fit
        width, height = int(w["width"]), int(w["height"])
        if x + width > 24:
            x, y, row_height = 0, y + row_height, 0
        w["x"], w["y"] = x, y
        x, row_height = x + width, max(row_height, height)
    return {"widgets": widgets}


class Dashboard(pulumi.ComponentResource):
    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:alerts:Dashboard", name, None, opts)
        self.dashboard = aws.cloudwatch.Dashboard(
            name,
            dashboard_name=f"{args.app}-{args.environment}",
            dashboard_body=pulumi.Output.json_dumps(body(args)),
            region=ALERTS_REGION,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"dashboardName": self.dashboard.dashboard_name})
