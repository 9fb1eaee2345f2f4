"""Alarms on the platform's own duties: backups landing within the RPO (runbook 002) and KMS (runbook 003)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.alerting.config import (
    ALERTS_KEY,
    ALERTS_REGION,
    BackupFreshness,
    KmsAlerts,
    alarm_name,
    kms_filter_pattern,
)
from components.alerting.event_forwarding import Forwarder
from components.alerting.routing import notify

# The contract the backup job keeps (jobs/pg_backup.py publishes it after a verified upload).
BACKUP_NAMESPACE = "Platform/Backups"
BACKUP_METRIC = "BackupSucceeded"
KMS_NAMESPACE = "Platform/KMS"
KMS_KEY_EVENTS = ["DisableKey", "ScheduleKeyDeletion"]


def kms_namespace(app: str, environment: str) -> str:
    return f"{KMS_NAMESPACE}/{app}-{environment}"


@dataclass(frozen=True, kw_only=True)
class OperationsAlarmsArgs:
    app: str
    environment: str
    topic_arns: Mapping[str, pulumi.Output[str]]
    tags: dict[str, str]
    backup_freshness: BackupFreshness | None = None
    kms: KmsAlerts | None = None
    account_id: pulumi.Input[str]  # for the bus that events of other regions are forwarded to
    key_arns: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)  # purpose -> key ARN
    key_regions: Mapping[str, str] = field(default_factory=dict)  # purpose -> the key's region
    watchdog_topic_arn: pulumi.Output[str] | None = None  # where the alerts key's own events go
    backup_bucket: pulumi.Input[str] | None = None  # its new objects count as backups, whatever the metric did
    backup_prefix: str = ""
    backup_region: str = ALERTS_REGION


def object_created_pattern(bucket: str, prefix: str) -> str:
    key = [{"prefix": prefix}] if prefix else [{"exists": True}]
    detail = {"bucket": {"name": [bucket]}, "object": {"key": key}}
    return json.dumps({"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": detail}, sort_keys=True)


def kms_event_pattern(key_arns: Sequence[str]) -> str:
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
    missed backup), EventBridge rules that page on DisableKey and ScheduleKeyDeletion of this stack's
    keys, and, where configured, a KMS failure-rate alarm on this stack's keys from CloudTrail.
    """

    def __init__(self, name: str, args: OperationsAlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:alerts:OperationsAlarms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.forwarder = Forwarder(name, args.app, args.environment, args.account_id, args.tags, self)
        if (fresh := args.backup_freshness) is not None:
            self._backup_freshness(name, args, fresh)
        kms = args.kms
        if kms is not None and kms.key_events and args.key_arns:
            self._key_events(name, args, kms)
        if kms is not None and (rate := kms.failure_rate) is not None:
            # A filter's dimensions can only be fields of the log event, so the stack is in the namespace.
            namespace = kms_namespace(args.app, args.environment)
            arns = pulumi.Output.all(*args.key_arns.values())
            metrics = {"KmsRequests": False, "KmsErrors": True}
            for metric, errors in metrics.items():
                aws.cloudwatch.LogMetricFilter(
                    f"{name}-{metric}",
                    name=alarm_name(args.app, args.environment, metric),
                    log_group_name=rate.cloudtrail_log_group,
                    pattern=arns.apply(functools.partial(kms_filter_pattern, errors=errors)),
                    metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                        namespace=namespace, name=metric, value="1", default_value="0"
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
                        metric=query(namespace=namespace, metric_name=metric, stat="Sum", period=rate.period_seconds),
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

    def _backup_freshness(self, name: str, args: OperationsAlarmsArgs, fresh: BackupFreshness) -> None:
        """Pages when, within RPO + slack, neither the job's BackupSucceeded nor a new object under the
        prefix arrived: a backup that is stored but whose metric failed is not a missed backup. S3 sends
        the bucket's events to EventBridge (BucketNotification in BackupStorage); a rule here matches
        "Object Created" under the prefix, and EventBridge counts it in AWS/Events MatchedEvents."""
        child = pulumi.ResourceOptions(parent=self)
        hours = fresh.rpo_hours + fresh.slack_hours
        queries = [
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="succeeded",
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=BACKUP_NAMESPACE,
                    metric_name=BACKUP_METRIC,
                    dimensions={"App": args.app, "Environment": args.environment},
                    stat="Sum",
                    period=hours * 3600,
                ),
                return_data=False,
            )
        ]
        expression = "FILL(succeeded, 0)"
        if args.backup_bucket is not None:
            pattern = pulumi.Output.from_input(args.backup_bucket).apply(
                lambda bucket: object_created_pattern(bucket, args.backup_prefix)
            )
            stored = aws.cloudwatch.EventRule(
                f"{name}-backup-stored",
                name=alarm_name(args.app, args.environment, "backup-stored"),
                description="Runbook 002: a backup object was stored (counted in AWS/Events MatchedEvents)",
                event_pattern=pattern,
                region=ALERTS_REGION,
                tags=args.tags,
                opts=child,
            )
            if args.backup_region != ALERTS_REGION:
                why = f"Runbook 002: forwards new backups to {ALERTS_REGION}"
                self.forwarder.forward("backup-stored", args.backup_region, pattern, why)
            queries.append(
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="stored",
                    metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                        namespace="AWS/Events",
                        metric_name="MatchedEvents",
                        dimensions={"RuleName": stored.name},
                        stat="Sum",
                        period=hours * 3600,
                    ),
                    return_data=False,
                )
            )
            expression += " + FILL(stored, 0)"
        queries.append(
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="backups", expression=expression, label="backups stored or verified", return_data=True
            )
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-backup-freshness",
            name=alarm_name(args.app, args.environment, "backup", "freshness"),
            alarm_description=(
                f"Runbook 002: RPO {fresh.rpo_hours} h. No backup stored and no BackupSucceeded in {hours} h. "
                "First check: the backup machine's last run (`flyctl logs`) and the bucket's newest object."
            ),
            metric_queries=queries,
            evaluation_periods=1,
            comparison_operator="LessThanThreshold",
            threshold=1,
            treat_missing_data="breaching",
            tags={**args.tags, "severity": fresh.severity},
            opts=child,
            **notify(args.topic_arns.get(fresh.severity)),
        )

    def _key_events(self, name: str, args: OperationsAlarmsArgs, kms: KmsAlerts) -> None:
        """EventBridge sees a key's events in the key's own region; SNS targets must share the rule's
        region, so a region other than us-east-1 forwards its keys' events to us-east-1's default bus
        (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html). There, the
        alerts key's own events go to the watchdog topic, since a disabled key silences the topics it
        encrypts; every other key's go to the KMS severity's topic, which the alerts key encrypts."""
        child = pulumi.ResourceOptions(parent=self)
        app, env = args.app, args.environment
        watched = {p: arn for p, arn in args.key_arns.items() if p != ALERTS_KEY or args.watchdog_topic_arn is None}
        routes = [("kms-key-events", watched, args.topic_arns[kms.severity])]
        if ALERTS_KEY in args.key_arns and args.watchdog_topic_arn is not None:
            routes.append(("kms-alerts-key-events", {ALERTS_KEY: args.key_arns[ALERTS_KEY]}, args.watchdog_topic_arn))
        for suffix, keys, topic in routes:
            rule = aws.cloudwatch.EventRule(
                f"{name}-{suffix}",
                name=alarm_name(app, env, suffix),
                description=f"Runbook 003: {' or '.join(sorted(keys))} key being disabled or scheduled for deletion",
                event_pattern=pulumi.Output.all(*keys.values()).apply(kms_event_pattern),
                region=ALERTS_REGION,
                tags=args.tags,
                opts=child,
            )
            # SNS targets take no role: the topic policy lets EventBridge publish.
            aws.cloudwatch.EventTarget(f"{name}-{suffix}", rule=rule.name, arn=topic, region=ALERTS_REGION, opts=child)
        elsewhere: dict[str, list[pulumi.Output[str]]] = {}
        for purpose, arn in sorted(args.key_arns.items()):
            if (region := args.key_regions[purpose]) != ALERTS_REGION:
                elsewhere.setdefault(region, []).append(arn)
        for region, arns in sorted(elsewhere.items()):
            self.forwarder.forward(
                "kms-key-events",
                region,
                pulumi.Output.all(*arns).apply(kms_event_pattern),
                f"Runbook 003: forwards {region}'s key events to {ALERTS_REGION}",
            )
