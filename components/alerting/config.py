"""`platform:alerts`: what runbooks 000-004 say to watch, and whom each severity wakes.

Every alerting resource lives in us-east-1, where Route 53 publishes health-check metrics; the apps and
the backup job publish their metrics there too (the metric contract in the README).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from components.shared.base import Model, SecretName, Slug, TrailArn, raise_if, repeated

Severity = Literal["P1", "P2", "P3", "P4"]
REALTIME: tuple[Severity, ...] = ("P1", "P2", "P3")
ALERTS_REGION = "us-east-1"
ALERTS_KEY = "alerts"  # the keys purpose that encrypts the alert topics
WATCHDOG_KEY = "watchdog"  # the keys purpose of the topic that reports on the alerts key itself
Comparison = Literal[
    "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"
]
MissingData = Literal["breaching", "notBreaching", "ignore", "missing"]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", max_length=254)]
PhoneNumber = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")]
HttpsUrl = Annotated[
    str, StringConstraints(pattern=r"^https://([a-z0-9-]+\.)+[a-z]{2,63}(/[\w./%-]*)?$", max_length=2048)
]
MetricName = Annotated[str, StringConstraints(pattern=r"^[\w./#:-]+$", max_length=255)]


def check_period(seconds: int, evaluations: int, where: str) -> list[tuple[str, str]]:
    """CloudWatch's limits, checked here rather than at `pulumi up`."""
    problems = []
    if seconds not in (10, 20, 30) and seconds % 60:
        problems.append((where, f"{seconds} s: CloudWatch takes a period of 10, 20 or 30 s, or a multiple of 60"))
    limit = 86_400 if seconds < 3600 else 7 * 86_400
    if seconds * evaluations > limit:
        problems.append(
            (
                where,
                f"{seconds} s x {evaluations} evaluation(s) = {seconds * evaluations} s; CloudWatch allows at most "
                f"{limit} s ({'1 day when the period is under 1 h' if limit == 86_400 else '7 days'})",
            )
        )
    return problems


class SlackChannel(Model):
    workspace_id: Annotated[str, StringConstraints(pattern=r"^T[A-Z0-9]{6,}$")]
    channel_id: Annotated[str, StringConstraints(pattern=r"^[CG][A-Z0-9]{6,}$")]
    name: str | None = None  # for people: "#incidents-critical"


ONCALL = "oncall"  # `pagerduty: oncall`: the severity's service that platform:oncall declares
ONCALL_MISSING = (
    "oncall pages through the service platform:oncall declares: declare platform:oncall, "
    "or name a provided secret holding a PagerDuty integration URL"
)


class Channels(Model):
    """Where one severity goes. PagerDuty is `oncall`, the severity's service in platform:oncall, whose
    CloudWatch integration gives the subscription's URL; or, for an account whose PagerDuty API the stack
    cannot reach, the name of a provided secret holding an integration URL pasted from PagerDuty."""

    pagerduty: SecretName | Literal["oncall"] | None = None
    slack: SlackChannel | None = None
    email: list[Email] = Field(default_factory=list)
    sms: list[PhoneNumber] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _no_plain_url(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("pagerduty"), str) and "://" in data["pagerduty"]:
            raise_if(
                [
                    (
                        "pagerduty",
                        "a PagerDuty integration URL in plain text; declare a provided secret in "
                        "platform:secrets.items, set it with `pulumi config set --secret`, and name it here",
                    )
                ]
            )
        return data

    @property
    def empty(self) -> bool:
        return not (self.pagerduty or self.slack or self.email or self.sms)


class MetricId(Model):
    """A metric the apps publish (EMF, in us-east-1): namespace, name, dimensions."""

    namespace: MetricName
    name: MetricName
    dimensions: dict[MetricName, str] = Field(default_factory=dict)


class Metric(MetricId):
    statistic: Literal["Average", "Sum", "Maximum", "Minimum", "SampleCount"] | None = None
    percentile: float | None = Field(default=None, gt=0, lt=100)

    @model_validator(mode="after")
    def _one_statistic(self) -> Metric:
        if (self.statistic is None) == (self.percentile is None):
            raise_if([("statistic", "give exactly one of statistic or percentile")])
        return self

    @property
    def extended_statistic(self) -> str | None:
        return None if self.percentile is None else f"p{self.percentile:g}"


class HealthCheck(Model):
    name: Slug
    url: HttpsUrl
    # Route 53 checks every 10 or 30 s; its timeout is fixed (a connection within 4 s, a reply within
    # 2 s more), so runbook 004's per-check timeouts cannot be expressed.
    interval_seconds: Literal[10, 30] = 30
    failure_threshold: int = Field(default=3, ge=1, le=10, description="runbook 004's retries + 1")
    measure_latency: bool = True
    search_string: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    severity: Severity = "P1"

    @property
    def host(self) -> str:
        return self.url.split("/")[2]

    @property
    def path(self) -> str:
        rest = self.url.split("/", 3)
        return "/" + rest[3] if len(rest) > 3 else "/"


class Slo(Model):
    """An availability target (from a health check) or a latency target (share of requests under a threshold)."""

    name: Slug
    target: float = Field(gt=0, lt=100, description="percent of good events over 30 days")
    health_check: Slug | None = None
    latency: MetricId | None = None  # a latency metric in seconds; the SLO reads its percentile rank
    threshold_ms: int | None = Field(default=None, ge=1, le=600_000)
    runbook: str

    @model_validator(mode="after")
    def _one_sli(self) -> Slo:
        problems = []
        if (self.health_check is None) == (self.latency is None):
            problems.append(("", "give exactly one of healthCheck (availability) or latency (with thresholdMs)"))
        if (self.latency is None) != (self.threshold_ms is None):
            problems.append(("thresholdMs", "a latency SLO needs thresholdMs, and only a latency SLO has it"))
        raise_if(problems)
        return self


class Threshold(Model):
    """One row of runbook 004's table: a metric, its warning and critical thresholds, and whom each wakes."""

    name: Slug
    metric: Metric
    comparison: Comparison = "GreaterThanThreshold"
    warning: float | None = None
    critical: float
    period_seconds: int = Field(default=300, ge=10)
    evaluation_periods: int = Field(default=1, ge=1, le=1440)
    warning_severity: Severity = "P3"
    critical_severity: Severity = "P1"
    treat_missing_data: MissingData = "notBreaching"
    runbook: str
    first_check: str

    @model_validator(mode="after")
    def _order(self) -> Threshold:
        problems = check_period(self.period_seconds, self.evaluation_periods, "periodSeconds")
        if self.warning is not None:
            rising = self.comparison.startswith("Greater")
            if (self.warning >= self.critical) if rising else (self.warning <= self.critical):
                problems.append(
                    (
                        "warning",
                        f"{self.warning:g} must be {'below' if rising else 'above'} critical ({self.critical:g})",
                    )
                )
        raise_if(problems)
        return self


class BackupFreshness(Model):
    """Runbook 002's RPO: no successful backup within it pages."""

    rpo_hours: int = Field(default=24, ge=1, le=168)
    slack_hours: int = Field(default=2, ge=0, le=24)
    severity: Severity = "P2"

    @model_validator(mode="after")
    def _fits(self) -> BackupFreshness:
        raise_if(check_period(3600 * (self.rpo_hours + self.slack_hours), 1, "rpoHours"))
        return self


class KmsFailureRate(Model):
    """Runbook 003's `KMS failures < 5 %`, from the CloudTrail trail's log group (a metric filter), which must
    be in us-east-1 beside the alarm: a multi-region trail delivers every region's events to that one group."""

    cloudtrail_log_group: Annotated[str, StringConstraints(pattern=r"^[\w./#-]+$", max_length=512)]
    max_percent: float = Field(default=5, gt=0, lt=100)
    period_seconds: int = 300


class KmsAlerts(Model):
    key_events: bool = True  # DisableKey, ScheduleKeyDeletion on this stack's keys
    # EventBridge gets "AWS API Call via CloudTrail" events only while a trail logs management events;
    # pulumi-aws has no data source for a trail, so the stack names the one it relies on.
    cloudtrail_trail_arn: TrailArn | None = None
    severity: Severity = "P1"
    failure_rate: KmsFailureRate | None = None


class AlertsConfig(Model):
    channels: dict[Severity, Channels]
    health_checks: list[HealthCheck] = Field(default_factory=list)
    slos: list[Slo] = Field(default_factory=list)
    thresholds: list[Threshold] = Field(default_factory=list)
    page_severity: Severity = "P1"
    ticket_severity: Severity = "P3"
    backup_freshness: BackupFreshness = Field(default_factory=BackupFreshness)
    kms: KmsAlerts = Field(default_factory=KmsAlerts)

    @model_validator(mode="after")
    def _routable(self) -> AlertsConfig:
        problems: list[tuple[str, str]] = []
        if "P4" in self.channels:
            problems.append(("channels.P4", "P4 is the weekly report only; it has no real-time channel"))
        problems += [(f"channels.{s}", "names no channel") for s, c in self.channels.items() if c.empty]
        used: list[tuple[str, Severity]] = [
            (f"healthChecks[{i}].severity", h.severity) for i, h in enumerate(self.health_checks)
        ]
        for i, t in enumerate(self.thresholds):
            used.append((f"thresholds[{i}].criticalSeverity", t.critical_severity))
            if t.warning is not None:
                used.append((f"thresholds[{i}].warningSeverity", t.warning_severity))
        if self.slos:
            used += [("pageSeverity", self.page_severity), ("ticketSeverity", self.ticket_severity)]
        used += [("backupFreshness.severity", self.backup_freshness.severity), ("kms.severity", self.kms.severity)]
        # P4 alarms notify nobody: they are recorded for the weekly report (README).
        problems += [
            (where, f"{severity} has no channel in platform:alerts.channels")
            for where, severity in used
            if severity != "P4" and severity not in self.channels
        ]
        names = [h.name for h in self.health_checks]
        problems += [
            (f"slos[{i}].healthCheck", f"{s.health_check!r} is not one of healthChecks {names}")
            for i, s in enumerate(self.slos)
            if s.health_check is not None and s.health_check not in names
        ]
        for what, items in (
            ("healthChecks", names),
            ("slos", [s.name for s in self.slos]),
            ("thresholds", [t.name for t in self.thresholds]),
        ):
            problems += [(what, f"{n!r} appears twice") for n in repeated(items)]
        raise_if(problems)
        return self

    def pagerduty_secrets(self) -> list[str]:
        return sorted({c.pagerduty for c in self.channels.values() if c.pagerduty and c.pagerduty != ONCALL})

    def oncall_severities(self) -> list[Severity]:
        """The severities that page through platform:oncall's services, one service each."""
        return sorted(s for s, c in self.channels.items() if c.pagerduty == ONCALL)


def alarm_name(*parts: str) -> str:
    """Stable alarm names from config: lowercase words joined by dashes."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")


KMS_FILTER_MAX = 1024  # PutMetricFilter's filterPattern


def kms_filter_pattern(key_arns: Sequence[str], errors: bool) -> str:
    """CloudTrail's KMS records name the key in resources[0]; counting only this stack's keys keeps two
    stacks sharing a trail from counting each other's calls."""
    keys = " || ".join(f'$.resources[0].ARN = "{arn}"' for arn in sorted(key_arns))
    error = ' && $.errorCode = "*"' if errors else ""
    return f'{{ $.eventSource = "kms.amazonaws.com"{error} && ({keys}) }}'


def kms_filter_length(keys: int, region_length: int) -> int:
    """The length of the error filter over `keys` keys, whose IDs (UUIDs) are not known before they exist."""
    arn = f"arn:aws:kms:{'r' * region_length}:123456789012:key/{'0' * 36}"
    return len(kms_filter_pattern([arn] * keys, errors=True))
