"""Every bad value of platform:alerts is a config error that names its key and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import error_of

A = "platform:alerts"
INVALID = [
    (
        {A: {"slos": [{"name": "x", "target": 100, "healthCheck": "api", "runbook": "r"}]}},
        "platform:alerts.slos[0].target: Input should be less than 100 (got 100)",
    ),
    (
        {A: {"slos": [{"name": "x", "target": 0, "healthCheck": "api", "runbook": "r"}]}},
        "platform:alerts.slos[0].target: Input should be greater than 0 (got 0)",
    ),
    (
        {
            A: {
                "thresholds": [
                    {
                        "name": "rate",
                        "metric": {"namespace": "n", "name": "m", "statistic": "Sum"},
                        "critical": 1,
                        "periodSeconds": 45,
                        "runbook": "r",
                        "firstCheck": "c",
                    }
                ]
            }
        },
        "platform:alerts.thresholds[0].periodSeconds: 45 s: CloudWatch takes a period of 10, 20 or 30 s, "
        "or a multiple of 60",
    ),
    (
        {
            A: {
                "thresholds": [
                    {
                        "name": "rate",
                        "metric": {"namespace": "n", "name": "m", "statistic": "Sum"},
                        "critical": 1,
                        "periodSeconds": 600,
                        "evaluationPeriods": 145,
                        "runbook": "r",
                        "firstCheck": "c",
                    }
                ]
            }
        },
        "platform:alerts.thresholds[0].periodSeconds: 600 s x 145 evaluation(s) = 87000 s; CloudWatch allows "
        "at most 86400 s (1 day when the period is under 1 h)",
    ),
    (
        {
            A: {
                "thresholds": [
                    {
                        "name": "rate",
                        "metric": {"namespace": "n", "name": "m", "statistic": "Sum"},
                        "warning": 5,
                        "critical": 5,
                        "runbook": "r",
                        "firstCheck": "c",
                    }
                ]
            }
        },
        "platform:alerts.thresholds[0].warning: 5 must be below critical (5)",
    ),
    (
        {
            A: {
                "thresholds": [
                    {
                        "name": "rate",
                        "metric": {"namespace": "n", "name": "m", "statistic": "Sum"},
                        "comparison": "LessThanThreshold",
                        "warning": 1,
                        "critical": 2,
                        "runbook": "r",
                        "firstCheck": "c",
                    }
                ]
            }
        },
        "platform:alerts.thresholds[0].warning: 1 must be above critical (2)",
    ),
    (
        {A: {"healthChecks": [{"name": "api", "url": "http://x.example.com/health"}]}},
        "platform:alerts.healthChecks[0].url: String should match pattern",
    ),
    (
        {A: {"channels": {"P1": {"pagerduty": "https://events.pagerduty.com/integration/abc/enqueue"}}}},
        "platform:alerts.channels.P1.pagerduty: a PagerDuty integration URL in plain text",
    ),
    (
        {A: {"channels": {"P2": None}}},
        "platform:alerts.thresholds[0].criticalSeverity: P2 has no channel in platform:alerts.channels",
    ),
    (
        {A: {"channels": {"P4": {"email": ["a@b.co"]}}}},
        "platform:alerts.channels.P4: P4 is the weekly report only; it has no real-time channel",
    ),
    (
        {A: {"channels": {"P1": {"pagerduty": "SECRET_KEY"}}}},
        "platform:alerts.channels.P1.pagerduty: SECRET_KEY is not a provided secret in secrets.items",
    ),
    (
        {"platform:keys": {"purposes": ["general"]}},
        "platform:keys.purposes: alerts need a customer-managed key for their topics: add 'alerts'",
    ),
    (
        {"platform:keys": {"purposes": ["general", "alerts"]}},
        "platform:keys.purposes: KMS key events need a second key in us-east-1 for the topic that reports on the "
        "'alerts' key (SNS cannot publish with a disabled key): add 'watchdog', or set alerts.kms.keyEvents: false",
    ),
    (
        {A: {"kms": {"cloudtrailTrailArn": None}}},
        "platform:alerts.kms.cloudtrailTrailArn: KMS key events reach EventBridge only while a CloudTrail trail "
        "logs management events: name that trail (arn:aws:cloudtrail:<region>:<account>:trail/<name>), "
        "or set alerts.kms.keyEvents: false",
    ),
    (
        {A: {"kms": {"cloudtrailTrailArn": "arn:aws:cloudtrail:us-east-1:1234:trail/x"}}},
        "platform:alerts.kms.cloudtrailTrailArn: String should match pattern",
    ),
]


@pytest.mark.parametrize(("override", "expected"), INVALID, ids=[e.split(":", 2)[1].split(" ")[0] for _, e in INVALID])
def test_bad_alert_config_names_its_key(override: dict[str, Any], expected: str) -> None:
    assert expected in error_of("prod", override)


def test_without_key_events_a_stack_needs_no_trail_and_no_watchdog_key() -> None:
    from tests.helpers import load_with

    cfg = load_with("prod", {"platform:keys": {"purposes": ["general", "alerts"]}, A: {"kms": {"keyEvents": False}}})
    assert cfg.alerts is not None and cfg.keys is not None
    assert (cfg.alerts.kms.key_events, cfg.alerts.kms.cloudtrail_trail_arn, cfg.keys.purposes) == (
        False,
        "arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events",
        ["general", "alerts"],
    )


def test_the_kms_filter_bound_is_the_length_of_the_filter_the_component_writes() -> None:
    from components.alerting.config import KMS_FILTER_MAX, kms_filter_length, kms_filter_pattern

    for region in ("us-east-1", "ap-southeast-2"):
        arn = f"arn:aws:kms:{region}:123456789012:key/{'0' * 8}-0000-0000-0000-{'0' * 12}"
        for keys in (1, 3, 9):
            assert len(kms_filter_pattern([arn] * keys, errors=True)) == kms_filter_length(keys, len(region))
    purposes = ["general", "alerts", "watchdog"] + [f"p{i}" for i in range(6)]
    rate = {"kms": {"failureRate": {"cloudtrailLogGroup": "trail"}}}
    assert kms_filter_length(10, len("us-east-1")) > KMS_FILTER_MAX >= kms_filter_length(9, len("us-east-1"))
    # prod's 9 purposes and the replica's key of its aws:kms backups: 10 keys
    assert error_of("prod", {"platform:keys": {"purposes": purposes}, A: rate}).splitlines()[-1] == (
        f"  - platform:alerts.kms.failureRate: the error filter over 10 keys would be "
        f"{kms_filter_length(10, 9)} characters; CloudWatch Logs allows 1024: use fewer keys.purposes"
    )
    # without replication, the same 9 fit
    assert load_with_purposes(purposes, rate, {"replication": {"enabled": False}})


def load_with_purposes(purposes: list[str], alerts: dict[str, Any], backups: dict[str, Any]) -> bool:
    from tests.helpers import load_with

    cfg = load_with("prod", {"platform:keys": {"purposes": purposes}, A: alerts, "platform:backups": backups})
    return cfg.keys is not None
