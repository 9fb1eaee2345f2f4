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
        {"aws:region": "eu-west-1"},
        "platform:alerts.kms: KMS events and CloudTrail metrics stay in aws:region (eu-west-1)",
    ),
]


@pytest.mark.parametrize(("override", "expected"), INVALID, ids=[e.split(":", 2)[1].split(" ")[0] for _, e in INVALID])
def test_bad_alert_config_names_its_key(override: dict[str, Any], expected: str) -> None:
    assert expected in error_of("prod", override)
