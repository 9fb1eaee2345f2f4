"""Synthetic checks of runbooks 001 and 004: one Route 53 HTTPS health check per endpoint, with a down alarm."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alerting.config import HealthCheck, alarm_name
from components.alerting.routing import notify

ROUTE53_NAMESPACE = "AWS/Route53"


@dataclass(frozen=True, kw_only=True)
class HealthChecksArgs:
    app: str
    environment: str
    checks: Sequence[HealthCheck]
    topic_arns: Mapping[str, pulumi.Output[str]]
    tags: dict[str, str]


class HealthChecks(pulumi.ComponentResource):
    """For each endpoint: a Route 53 HTTPS health check (a string match where the runbook gives an
    expected body; interval, failure threshold and latency measurement from config), and an alarm in
    us-east-1 that goes to its severity's topic when the endpoint is down. Route 53 checks are global;
    their metrics exist only in us-east-1.
    """

    def __init__(self, name: str, args: HealthChecksArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:alerts:HealthChecks", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.checks: dict[str, aws.route53.HealthCheck] = {}
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        for check in args.checks:
            health = aws.route53.HealthCheck(
                f"{name}-{check.name}",
                type="HTTPS_STR_MATCH" if check.search_string else "HTTPS",
                fqdn=check.host,
                port=443,
                resource_path=check.path,
                enable_sni=True,
                request_interval=check.interval_seconds,
                failure_threshold=check.failure_threshold,
                measure_latency=check.measure_latency,
                search_string=check.search_string,
                reference_name=check.name[:28],
                tags={**args.tags, "Name": f"{args.app}-{args.environment}-{check.name}"},
                opts=child,
            )
            self.checks[check.name] = health
            self.alarms[check.name] = aws.cloudwatch.MetricAlarm(
                f"{name}-{check.name}-down",
                name=alarm_name(args.app, args.environment, "health", check.name, "down"),
                alarm_description=(
                    f"{check.url} fails Route 53's check (runbook 004 health-check table). "
                    "First check: the service's logs and its last deployment."
                ),
                namespace=ROUTE53_NAMESPACE,
                metric_name="HealthCheckStatus",
                dimensions={"HealthCheckId": health.id},
                statistic="Minimum",
                period=60,
                evaluation_periods=2,
                comparison_operator="LessThanThreshold",
                threshold=1,
                # Route 53 reports every minute; silence means the check itself is gone.
                treat_missing_data="breaching",
                tags={**args.tags, "severity": check.severity},
                **notify(args.topic_arns.get(check.severity)),
                opts=child,
            )
        self.register_outputs({"healthCheckIds": {n: c.id for n, c in self.checks.items()}})
