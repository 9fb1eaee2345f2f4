"""Alarms on the platform's own duties: backups landing within the RPO (runbook 002) and KMS (runbook 003)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alert_routing import notify
from components.config import ALERTS_REGION
from components.config.alerts import BackupFreshness, KmsAlerts, alarm_name

# The contract the backup job keeps (scripts/backup.sh publishes it after a verified upload).
BACKUP_NAMESPACE = "Platform/Backups"
BACKUP_METRIC = "BackupSucceeded"
KMS_NAMESPACE = "Platform/KMS"
KMS_KEY_EVENTS = ["DisableKey", "ScheduleKeyDeletion"]


@dataclass(frozen=True, kw_only=True)
class OperationsAlarmsArgs:
    app: str
    environment: str
    topic_arns: Mapping[str, pulumi.Output[str]]
    tags: dict[str, str]
    backup_freshness: BackupFreshness | None = None
    kms: KmsAlerts | None = None
    key_arns: Sequence[pulumi.Output[str]] = ()


def kms_event_pattern(key_arns: list[str]) -> str:
    return json.dumps(
        {
            "source": ["aws.kms"],
            "detail-type": ["AWS API Call via CloudTrail"],
            # CloudTrail names the key in detail.resources[].ARN; the event's own `resources` stays empty.
            "detail": {
                "eventSource": ["kms.amazonaws.com"],
                "eventName": KMS_KEY_EVENTS,
                "resources": {"ARN": sorted(key_arns)},
            },
        },
        sort_keys=True,
    )


class OperationsAlarms(pulumi.ComponentResource):
    """A backup-freshness alarm (no successful backup within RPO + slack pages; missing data is a
    missed backup), an EventBridge rule that sends DisableKey and ScheduleKeyDeletion on this stack's
    keys to the KMS severity's topic, and, where configured, a KMS failure-rate alarm from CloudTrail.
    """

    def __init__(self, name: str, args: OperationsAlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:alerts:OperationsAlarms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if (fresh := args.backup_freshness) is not None:
            hours = fresh.rpo_hours + fresh.slack_hours
            aws.cloudwatch.MetricAlarm(
                f"{name}-backup-freshness",
                name=alarm_name(args.app, args.environment, "backup", "freshness"),
                alarm_description=(
                    f"Runbook 002: RPO {fresh.rpo_hours} h. No successful backup in {hours} h. "
                    "First check: the backup machine's last run (`flyctl logs`) and the bucket's newest object."
                ),
                namespace=BACKUP_NAMESPACE,
                metric_name=BACKUP_METRIC,
                dimensions={"App": args.app, "Environment": args.environment},
                statistic="Sum",
                period=hours * 3600,
                evaluation_periods=1,
                comparison_operator="LessThanThreshold",
                threshold=1,
                treat_missing_data="breaching",
                tags={**args.tags, "severity": fresh.severity},
                opts=child,
                **notify(args.topic_arns.get(fresh.severity)),
            )
        kms = args.kms
        if kms is not None and kms.key_events and args.key_arns:
            rule = aws.cloudwatch.EventRule(
                f"{name}-kms-key-events",
                name=alarm_name(args.app, args.environment, "kms", "key", "events"),
                description="Runbook 003: a key of this stack is being disabled or scheduled for deletion",
                event_pattern=pulumi.Output.all(*args.key_arns).apply(lambda arns: kms_event_pattern(list(arns))),
                region=ALERTS_REGION,
                tags=args.tags,
                opts=child,
            )
            topic = args.topic_arns[kms.severity]
            # SNS targets take no role: the topic policy lets EventBridge publish.
            aws.cloudwatch.EventTarget(
                f"{name}-kms-key-events", rule=rule.name, arn=topic, region=ALERTS_REGION, opts=child
            )
        if kms is not None and (rate := kms.failure_rate) is not None:
            metrics = {
                "KmsRequests": '{ $.eventSource = "kms.amazonaws.com" }',
                "KmsErrors": '{ $.eventSource = "kms.amazonaws.com" && $.errorCode = "*" }',
            }
            for metric, pattern in metrics.items():
                aws.cloudwatch.LogMetricFilter(
                    f"{name}-{metric}",
                    name=alarm_name(args.app, args.environment, metric),
                    log_group_name=rate.cloudtrail_log_group,
                    pattern=pattern,
                    metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                        namespace=KMS_NAMESPACE, name=metric, value="1", default_value="0"
                    ),
                    region=ALERTS_REGION,
                    opts=child,
                )
            query = aws.cloudwatch.MetricAlarmMetricQueryMetricArgs
            aws.cloudwatch.MetricAlarm(
                f"{name}-kms-failure-rate",
                name=alarm_name(args.app, args.environment, "kms", "failure", "rate"),
                alarm_description=(
                    f"Runbook 003: KMS failures at or above {rate.max_percent:g} % of requests. "
                    "First check: `aws kms describe-key` on the stack's aliases and the callers' IAM policies."
                ),
                metric_queries=[
                    aws.cloudwatch.MetricAlarmMetricQueryArgs(
                        id=metric.lower(),
                        metric=query(
                            namespace=KMS_NAMESPACE, metric_name=metric, stat="Sum", period=rate.period_seconds
                        ),
                        return_data=False,
                    )
                    for metric in metrics
                ]
                + [
                    aws.cloudwatch.MetricAlarmMetricQueryArgs(
                        id="failurerate",
                        expression="100 * kmserrors / kmsrequests",
                        label="KMS failure %",
                        return_data=True,
                    )
                ],
                comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=rate.max_percent,
                evaluation_periods=1,
                treat_missing_data="notBreaching",
                tags={**args.tags, "severity": kms.severity},
                opts=child,
                **notify(args.topic_arns.get(kms.severity)),
            )
        self.register_outputs({})
