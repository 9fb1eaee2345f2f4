"""Runbook 004's threshold table (and the other runbooks' single thresholds): a warning and a critical alarm per row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alerting.config import Threshold, alarm_name
from components.alerting.routing import notify


@dataclass(frozen=True, kw_only=True)
class ThresholdAlarmsArgs:
    app: str
    environment: str
    thresholds: Sequence[Threshold]
    topic_arns: Mapping[str, pulumi.Output[str]]
    tags: dict[str, str]


class ThresholdAlarms(pulumi.ComponentResource):
    """One CloudWatch alarm per row and level (warning, critical), on the metric the apps publish, each
    sent to the topic of the severity that level maps to. Names come from the row's name, so changing
    one threshold changes one alarm.
    """

    def __init__(self, name: str, args: ThresholdAlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:alerts:ThresholdAlarms", name, None, opts)
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        for row in args.thresholds:
            levels = [("critical", row.critical, row.critical_severity)]
            if row.warning is not None:
                levels.insert(0, ("warning", row.warning, row.warning_severity))
            for level, threshold, severity in levels:
                full_name = alarm_name(args.app, args.environment, row.name, level)
                self.alarms[full_name] = aws.cloudwatch.MetricAlarm(
                    f"{name}-{row.name}-{level}",
                    name=full_name,
                    alarm_description=f"{row.runbook} ({level}, {severity}). First check: {row.first_check}",
                    namespace=row.metric.namespace,
                    metric_name=row.metric.name,
                    dimensions=row.metric.dimensions or None,
                    statistic=row.metric.statistic,
                    extended_statistic=row.metric.extended_statistic,
                    period=row.period_seconds,
                    evaluation_periods=row.evaluation_periods,
                    comparison_operator=row.comparison,
                    threshold=threshold,
                    treat_missing_data=row.treat_missing_data,
                    tags={**args.tags, "severity": severity},
                    opts=pulumi.ResourceOptions(parent=self),
                    **notify(args.topic_arns.get(severity)),
                )
        self.register_outputs({"alarms": sorted(self.alarms)})
