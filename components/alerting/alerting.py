"""Alerting as one capability: routing, health checks, SLO burn rates, the threshold table, platform duties."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alerting.config import WATCHDOG_KEY, AlertsConfig, Severity
from components.alerting.dashboard import Dashboard, DashboardArgs
from components.alerting.dashboard_config import DashboardConfig
from components.alerting.health_checks import HealthChecks, HealthChecksArgs
from components.alerting.operations_alarms import OperationsAlarms, OperationsAlarmsArgs
from components.alerting.routing import AlertRouting, AlertRoutingArgs
from components.alerting.slo_alarms import SloAlarms, SloAlarmsArgs
from components.alerting.threshold_alarms import ThresholdAlarms, ThresholdAlarmsArgs


@dataclass(frozen=True, kw_only=True)
class AlertingArgs:
    app: str
    environment: str
    account_id: pulumi.Input[str]
    alerts: AlertsConfig
    topic_key_arn: pulumi.Input[str]
    pagerduty_urls: Mapping[Severity, pulumi.Output[str]]  # severity -> integration URL, a secret
    key_arns: Mapping[str, pulumi.Output[str]]  # purpose -> the stack's KMS keys, watched for DisableKey
    key_regions: Mapping[str, str]  # purpose -> the key's region
    watch_backups: bool
    backup_bucket: pulumi.Input[str] | None = None  # its new objects count as backups for the freshness alarm
    backup_prefix: str = ""
    backup_region: str = "us-east-1"
    tags: dict[str, str]
    links: Mapping[str, str]  # title -> URL, for the dashboard: the Fly and Vercel dashboards
    dashboard: DashboardConfig | None = None  # platform:dashboard; None: on, with no extra links


class Alerting(pulumi.ComponentResource):
    """The topics and their subscribers (AlertRouting), and, where the stack declares them, Route 53
    health checks (HealthChecks), SLO burn-rate alarms (SloAlarms), the threshold table
    (ThresholdAlarms), and the backup-freshness and KMS alarms (OperationsAlarms). A part with nothing
    to watch is not created.
    """

    def __init__(self, name: str, args: AlertingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:alerts:Alerting", name, None, opts)
        a, child = args.alerts, pulumi.ResourceOptions(parent=self)
        app, env, tags = args.app, args.environment, args.tags
        kms_events = a.kms.key_events and WATCHDOG_KEY in args.key_arns
        routing = AlertRouting(
            f"{name}-routing",
            AlertRoutingArgs(
                app=app,
                environment=env,
                tags=tags,
                account_id=args.account_id,
                channels=a.channels,
                kms_key_arn=args.topic_key_arn,
                pagerduty_urls=args.pagerduty_urls,
                watchdog=(a.kms.severity, args.key_arns[WATCHDOG_KEY]) if kms_events else None,
            ),
            opts=child,
        )
        self.topic_arns = routing.topic_arns
        self.health_check_ids: dict[str, pulumi.Output[str]] = {}
        # what pages: the SLO composites, then the health-check alarms (the dashboard shows them, a
        # maintenance window mutes them)
        paging: list[aws.cloudwatch.CompositeAlarm | aws.cloudwatch.MetricAlarm] = []
        if a.health_checks:
            checks = HealthChecks(
                f"{name}-health",
                HealthChecksArgs(
                    app=app, environment=env, tags=tags, checks=a.health_checks, topic_arns=self.topic_arns
                ),
                opts=child,
            )
            self.health_check_ids = {n: c.id for n, c in checks.checks.items()}
            paging += [alarm for _, alarm in sorted(checks.alarms.items())]
        if a.slos:
            slos = SloAlarms(
                f"{name}-slos",
                SloAlarmsArgs(
                    app=app,
                    environment=env,
                    tags=tags,
                    slos=a.slos,
                    health_check_ids=self.health_check_ids,
                    topic_arns=self.topic_arns,
                    page_severity=a.page_severity,
                    ticket_severity=a.ticket_severity,
                ),
                opts=child,
            )
            paging[:0] = [c for _, c in sorted(slos.composites.items())]
        if a.thresholds:
            ThresholdAlarms(
                f"{name}-thresholds",
                ThresholdAlarmsArgs(
                    app=app, environment=env, tags=tags, thresholds=a.thresholds, topic_arns=self.topic_arns
                ),
                opts=child,
            )
        if args.watch_backups or kms_events or a.kms.failure_rate is not None:
            OperationsAlarms(
                f"{name}-operations",
                OperationsAlarmsArgs(
                    app=app,
                    environment=env,
                    tags=tags,
                    topic_arns=self.topic_arns,
                    backup_freshness=a.backup_freshness if args.watch_backups else None,
                    kms=a.kms,
                    account_id=args.account_id,
                    key_arns=args.key_arns,
                    key_regions=args.key_regions,
                    watchdog_topic_arn=routing.watchdog_arn,
                    backup_bucket=args.backup_bucket,
                    backup_prefix=args.backup_prefix,
                    backup_region=args.backup_region,
                ),
                opts=child,
            )
        # the severities those alarms notify: PagerDuty's maintenance windows hold their services
        self.paging_severities: list[Severity] = sorted(
            {*(h.severity for h in a.health_checks), *((a.page_severity,) if a.slos else ())}
        )
        self.paging_alarm_names = [
            a.alarm_name if isinstance(a, aws.cloudwatch.CompositeAlarm) else a.name for a in paging
        ]
        self.dashboard = None
        board = args.dashboard or DashboardConfig()
        if board.enabled and (a.slos or a.thresholds or a.health_checks):
            self.dashboard = Dashboard(
                f"{name}-dashboard",
                DashboardArgs(
                    app=app,
                    environment=env,
                    alerts=a,
                    health_check_ids=self.health_check_ids,
                    alarm_arns=[a.arn for a in paging],
                    links={**args.links, **board.links},
                ),
                opts=child,
            ).dashboard
        self.register_outputs({"topicArns": self.topic_arns, "healthCheckIds": self.health_check_ids})
