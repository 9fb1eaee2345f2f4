"""The four other runbook products, each from its stack file alone (Pulumi.<product>-<env>.yaml)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from ops.offline.stackfile import ROOT, stack_files, stack_name
from ops.offline.synth import Synth, synthesize_stack
from tests.helpers import ALIAS, BUCKET, KEY, LIFECYCLE, RANDOM_BYTES, TODAY

PRODUCT_FILES = [p.name for p in stack_files() if p.name not in ("Pulumi.prod.yaml", "Pulumi.staging.yaml")]
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"


@pytest.fixture(scope="module")
def plans() -> dict[str, Synth]:
    return {path: synthesize_stack(path, today=TODAY) for path in PRODUCT_FILES}


def families(synth: Synth) -> set[str]:
    return {r.type.split(":")[0] for r in synth.resources if r.custom}


def test_every_product_has_its_stack_files() -> None:
    assert PRODUCT_FILES == [
        "Pulumi.flashfusion-prod.yaml",
        "Pulumi.flashfusion-staging.yaml",
        "Pulumi.life-platform-prod.yaml",
        "Pulumi.life-platform-staging.yaml",
        "Pulumi.parker-flight-prod.yaml",
        "Pulumi.vercel-supabase-prod.yaml",
    ]


@pytest.mark.parametrize("path", PRODUCT_FILES)
def test_each_product_plans_parented_protected_and_without_secret_exports(path: str, plans: dict[str, Synth]) -> None:
    synth = plans[path]
    assert synth.stack == stack_name(Path(path))
    for r in synth.resources:
        if r.custom:
            parent = synth.parent_of(r)
            assert parent is not None and parent.type.startswith("platform:"), r.name
    prod = synth.stack.endswith("-prod")
    stateful = [r for r in synth.resources if r.type in (BUCKET, KEY, "postgresql:index/database:Database")]
    assert stateful and all(r.protect is prod for r in stateful)
    secret_outputs = sorted(k for k, v in synth.outputs.items() if v == "[secret]")
    assert secret_outputs in ([], ["manualSecrets"], ["manualSecrets", "vercelDeployHookUrl"])


def test_unused_capabilities_have_no_section_and_no_resource(plans: dict[str, Synth]) -> None:
    assert families(plans["Pulumi.parker-flight-prod.yaml"]) == {"aws"}
    assert families(plans["Pulumi.vercel-supabase-prod.yaml"]) == {
        "aws",
        "random",
        "vercel",
        "postgresql",
        "pulumi",
    }
    assert families(plans["Pulumi.flashfusion-prod.yaml"]) == {"aws", "random", "postgresql", "pulumi", "pagerduty"}
    assert families(plans["Pulumi.life-platform-prod.yaml"]) == {
        "aws",
        "random",
        "vercel",
        "postgresql",
        "pulumi",
        "flyio",
        "pagerduty",
    }
    components = Counter(r.type for r in plans["Pulumi.parker-flight-prod.yaml"].resources if not r.custom)
    assert set(components) == {
        "platform:security:KmsKeys",
        "platform:alerts:Alerting",
        "platform:alerts:AlertRouting",
        "platform:alerts:HealthChecks",
        "platform:alerts:SloAlarms",
        "platform:alerts:ThresholdAlarms",
        "platform:alerts:OperationsAlarms",
        "platform:alerts:Dashboard",
    }
    for path in PRODUCT_FILES:
        text = (ROOT / path).read_text()
        synth = plans[path]
        assert ("platform:fly:" in text) == any(r.type == "platform:delivery:FlyApi" for r in synth.resources)
        assert ("platform:vercel:" in text) == any(
            r.type == "platform:delivery:VercelFrontend" for r in synth.resources
        )
        assert ("platform:backups:" in text) == any(r.type == "platform:backups:BackupStorage" for r in synth.resources)
        assert ("platform:synthetics:" in text) == any(
            r.type == "platform:synthetics:Synthetics" for r in synth.resources
        )


def test_parker_flight_keeps_its_kms_alias_and_its_99_9_burn_rates(plans: dict[str, Synth]) -> None:
    s = plans["Pulumi.parker-flight-prod.yaml"]
    assert s.get(ALIAS, "keys-general").inputs["name"] == "alias/parker-flight-general-production"
    key = s.get(KEY, "keys-general")
    assert (key.inputs["enableKeyRotation"], key.inputs["rotationPeriodInDays"]) == (True, 90)
    burn = {
        r.name: (r.inputs["metricQueries"][1]["expression"], r.inputs["threshold"])
        for r in s.of_type(ALARM)
        if r.name.startswith("alerts-slos-availability-") and r.name.endswith("-long")
    }
    assert burn == {
        "alerts-slos-availability-fast-long": ("(100 - good) / 0.1", 14.4),
        "alerts-slos-availability-slow-long": ("(100 - good) / 0.1", 6.0),
        "alerts-slos-availability-ticket-long": ("(100 - good) / 0.1", 3.0),
    }
    latency = s.get(ALARM, "alerts-slos-latency-fast-long").inputs["metricQueries"][0]["metric"]["stat"]
    assert latency == "PR(:0.1)"  # p95 < 100 ms
    rate = s.get(ALARM, "alerts-operations-kms-failure-rate").inputs
    assert (rate["threshold"], rate["metricQueries"][2]["expression"]) == (5, "100 * kmserrors / kmsrequests")
    connections = s.get(ALARM, "alerts-thresholds-db-connections-critical").inputs
    assert (connections["threshold"], connections["comparisonOperator"]) == (80, "GreaterThanOrEqualToThreshold")


def test_flashfusion_keeps_its_inventory_periods_and_all_six_rows(plans: dict[str, Synth]) -> None:
    s = plans["Pulumi.flashfusion-prod.yaml"]
    assert {r.name: r.inputs["length"] for r in s.of_type(RANDOM_BYTES)} == {"secrets-KEYRING_TOKEN-a": 32}
    rows = [
        "error-rate",
        "p95-latency",
        "circuit-breaker-opens",
        "auth-failures",
        "db-connections",
        "edge-function-errors",
    ]
    alarms = {r.name: r.inputs for r in s.of_type(ALARM) if r.name.startswith("alerts-thresholds-")}
    assert sorted(alarms) == sorted(
        f"alerts-thresholds-{row}-{level}" for row in rows for level in ("warning", "critical")
    )
    assert {
        row: (
            alarms[f"alerts-thresholds-{row}-warning"]["threshold"],
            alarms[f"alerts-thresholds-{row}-critical"]["threshold"],
        )
        for row in rows
    } == {
        "error-rate": (1, 5),
        "p95-latency": (500, 2000),
        "circuit-breaker-opens": (1, 3),
        "auth-failures": (10, 50),
        "db-connections": (80, 95),
        "edge-function-errors": (5, 20),
    }
    assert alarms["alerts-thresholds-p95-latency-critical"]["extendedStatistic"] == "p95"
    assert alarms["alerts-thresholds-auth-failures-critical"]["alarmDescription"] == (
        "Runbook 004 dashboard: auth failures > 10/min / > 50/min: check auth service (critical, P1). "
        "First check: auth.audit_log_entries, then the Supabase Auth status"
    )
    sms = s.get("aws:sns/topicSubscription:TopicSubscription", "alerts-routing-p1-sms-+15555550101").inputs
    p1 = "arn:aws:sns:us-east-1:123456789012:flashfusion-production-alerts-p1"
    p3 = "arn:aws:sns:us-east-1:123456789012:flashfusion-production-alerts-p3"
    assert (sms["protocol"], sms["endpoint"], sms["topic"]) == ("sms", "+15555550101", p1)
    assert {alarms[f"alerts-thresholds-{row}-critical"]["alarmActions"][0] for row in rows} == {p1}
    assert {alarms[f"alerts-thresholds-{row}-warning"]["alarmActions"][0] for row in rows} == {p3}


@pytest.mark.parametrize(
    ("secret", "period"),
    [("KEYRING_TOKEN", 180), ("SUPABASE_SERVICE_ROLE_KEY", 90), ("STRIPE_SECRET_KEY", 90), ("RESEND_API_KEY", 90)],
)
def test_flashfusion_secrets_go_stale_after_their_period(secret: str, period: int) -> None:
    from components.shared.loader import ConfigError

    last = dt.date(2026, 11, 2)
    path = "Pulumi.flashfusion-staging.yaml"  # staging warns where prod refuses
    on_time = synthesize_stack(path, today=last + dt.timedelta(days=period))
    assert secret not in [s.name for s in on_time.stale]
    late = synthesize_stack(path, today=last + dt.timedelta(days=period + 1))
    assert secret in [s.name for s in late.stale]
    with pytest.raises(ConfigError, match=f"secret {secret} is stale"):
        synthesize_stack("Pulumi.flashfusion-prod.yaml", today=last + dt.timedelta(days=period + 1))


def test_on_demand_secrets_of_flashfusion_never_go_stale() -> None:
    late = synthesize_stack("Pulumi.flashfusion-staging.yaml", today=dt.date(2028, 1, 1))
    stale = {s.name for s in late.stale}
    assert not stale & {"GOOGLE_AI_API_KEY", "OPENAI_API_KEY", "GOOGLE_OAUTH_CLIENT_SECRET"}


def test_life_platform_backs_up_30_days_versioned_aes256_with_a_24h_freshness_alarm(plans: dict[str, Synth]) -> None:
    s = plans["Pulumi.life-platform-prod.yaml"]
    rules = s.get(LIFECYCLE, "backups").inputs["rules"][0]
    assert (rules["expiration"], rules["noncurrentVersionExpiration"]) == ({"days": 30}, {"noncurrentDays": 30})
    assert s.get("aws:s3/bucketVersioning:BucketVersioning", "backups").inputs["versioningConfiguration"] == {
        "status": "Enabled"
    }
    sse = s.get("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "backups")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    fresh = s.get(ALARM, "alerts-operations-backup-freshness").inputs
    assert ([q.get("metric", {}).get("period") for q in fresh["metricQueries"]], fresh["treatMissingData"]) == (
        [26 * 3600, 26 * 3600, None],
        "breaching",
    )
    assert fresh["alarmDescription"].startswith("Runbook 002: RPO 24 h.")
    machine = s.get("flyio:index:Machine", "database-backup-backup").inputs["config"]
    assert machine["schedule"] == "daily"
    maintenance = s.get(
        "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", "frontend-MAINTENANCE_MODE"
    )
    assert (maintenance.inputs["value"], maintenance.inputs["targets"]) == ("false", ["production"])


def test_the_vercel_supabase_product_watches_what_runbook_001_names(plans: dict[str, Synth]) -> None:
    s = plans["Pulumi.vercel-supabase-prod.yaml"]
    check = s.get("aws:route53/healthCheck:HealthCheck", "alerts-health-monitoring-health").inputs
    assert (check["resourcePath"], check["searchString"]) == ("/api/monitoring/health", '"status": "ok"')
    names = sorted(r.name for r in s.of_type(ALARM) if r.name.startswith("alerts-thresholds-"))
    assert names == [
        "alerts-thresholds-db-pool-exhausted-critical",
        "alerts-thresholds-error-rate-critical",
        "alerts-thresholds-p95-latency-critical",
        "alerts-thresholds-retention-cleanup-failed-critical",
    ]
    sizes = {r.name: (r.inputs["length"]) for r in s.of_type(RANDOM_BYTES)}
    assert sizes == {"secrets-SECRET_KEY-a": 32, "secrets-CRON_SECRET-a": 16}  # openssl rand -hex 32 / -hex 16
    env = {r.inputs["key"] for r in s.of_type("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")}
    assert env == {"MAINTENANCE_MODE", "SECRET_KEY", "CRON_SECRET", "SUPABASE_SERVICE_ROLE_KEY", "DATABASE_URL"}
