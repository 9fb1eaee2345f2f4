"""The AWS names this project derives from `platform:app`, and each service's length limit.

A name over its limit fails only at `pulumi up`, after other resources were created; the config
refuses it first. tests/shared/test_names.py holds every named AWS resource of every stack's plan to a
template here, so a component that adds a name without a template fails there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# type token -> (the input holding the AWS name, the service's limit, where the limit is documented)
LIMITS: dict[str, tuple[str, int, str]] = {
    "aws:iam/role:Role": ("name", 64, "IAM CreateRole: RoleName, 1-64 characters"),
    "aws:cloudwatch/eventRule:EventRule": ("name", 64, "EventBridge PutRule: Name, 1-64 characters"),
    "aws:sns/topic:Topic": ("name", 256, "SNS CreateTopic: Name, up to 256 characters"),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": (
        "configurationName",
        128,
        "Chatbot CreateSlackChannelConfiguration: ConfigurationName, 1-128 characters",
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", 255, "CloudWatch PutMetricAlarm: AlarmName, 1-255"),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ("alarmName", 255, "CloudWatch PutCompositeAlarm: 1-255"),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": ("name", 512, "CloudWatch Logs PutMetricFilter: 1-512"),
    "aws:kms/alias:Alias": ("name", 256, "KMS CreateAlias: AliasName, 1-256 characters"),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName", 255, "CloudWatch PutDashboard: DashboardName, 1-255"),
    # the API reference gives no length for a mute rule's name; held to the alarms' 255
    "aws:cloudwatch/alarmMuteRule:AlarmMuteRule": ("name", 255, "as CloudWatch alarm names, 1-255"),
    "aws:synthetics/canary:Canary": ("name", 255, "Synthetics CreateCanary: Name, 1-255 (botocore's CanaryName)"),
}

# The named AWS resources, as `{app}-{env}-...`; the other fields stand for what the stack file decides.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "aws:iam/role:Role": (
        "{app}-{env}-backup-writer",
        "{app}-{env}-backup-reader",
        "{app}-{env}-chatbot",
        "{app}-{env}-events-forward",
        "{app}-{env}-canary",
    ),
    "aws:cloudwatch/eventRule:EventRule": (
        "{app}-{env}-kms-key-events",
        "{app}-{env}-kms-alerts-key-events",
        "{app}-{env}-kms-key-events-{region}",
        "{app}-{env}-backup-stored",
        "{app}-{env}-backup-stored-{region}",
    ),
    "aws:sns/topic:Topic": ("{app}-{env}-alerts-{level}",),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": ("{app}-{env}-{level}",),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        "{app}-{env}-backup-freshness",
        "{app}-{env}-kms-failure-rate",
        "{app}-{env}-health-{name}-down",
        "{app}-{env}-{name}-warning",
        "{app}-{env}-{name}-critical",
        "{app}-{env}-slo-{name}-{window}-long",
        "{app}-{env}-slo-{name}-{window}-short",
        "{app}-{env}-canary-{canary}",
    ),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ("{app}-{env}-slo-{name}-{window}",),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": ("{app}-{env}-kmsrequests", "{app}-{env}-kmserrors"),
    "aws:kms/alias:Alias": ("alias/{app}-{purpose}-{env}",),
    "aws:cloudwatch/dashboard:Dashboard": ("{app}-{env}",),
    "aws:cloudwatch/alarmMuteRule:AlarmMuteRule": ("{app}-{env}-maintenance-{day}",),
    "aws:synthetics/canary:Canary": ("{app}-{env}-{canary}",),
}

# The longest value each field takes; {name} and {purpose} come from the stack file.
LEVELS = ("p1", "p2", "p3", "watchdog")
WINDOWS = ("fast", "slow", "ticket")


@dataclass(frozen=True)
class Overflow:
    type: str
    name: str
    limit: int


def fill(template: str, fields: dict[str, str]) -> str:
    return template.format(**fields)


def pattern(template: str) -> re.Pattern[str]:
    """The names a template stands for, with `{app}` and `{env}` given and every other field free."""
    parts = re.split(r"(\{\w+\})", template)
    return re.compile("".join("[a-z0-9-]+" if p.startswith("{") else re.escape(p) for p in parts))


def longest(fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {k: max(v, key=len) for k, v in fields.items() if v}


def overflows(app: str, env: str, fields: dict[str, tuple[str, ...]]) -> list[Overflow]:
    """The derived names over their limit, with each field at its longest value in this stack."""
    values = {"app": app, "env": env, **longest(fields)}
    found = []
    for type_, templates in TEMPLATES.items():
        limit = LIMITS[type_][1]
        for template in templates:
            try:
                name = fill(template, values)
            except KeyError:  # a field this stack has no value for: it declares no such resource
                continue
            if len(name) > limit:
                found.append(Overflow(type_, name, limit))
    return found


def app_problems(app: str, env: str, fields: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """The config problem, on `app`, of the derived name furthest over its limit; none when all fit."""
    worst = sorted(overflows(app, env, fields), key=lambda o: len(o.name) - o.limit)
    if not worst:
        return []
    o = worst[-1]
    return [
        (
            "app",
            f"{app!r} ({len(app)} characters) derives the {o.type} name {o.name!r}, "
            f"{len(o.name)} characters; {LIMITS[o.type][2]}. Shorten app by {len(o.name) - o.limit} or more",
        )
    ]
