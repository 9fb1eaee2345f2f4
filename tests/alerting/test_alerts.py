"""Alerting: health checks, SLO burn-rate alarms, thresholds, backups and KMS (routing: test_alert_routing.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.alerting.slo_alarms import WINDOWS, burn_expression, error_budget, error_rate_at
from ops.offline.synth import ACCOUNT_ID, Synth
from tests.helpers import (
    ALARM,
    COMPOSITE,
    HEALTH,
    KEY,
    PREFIX,
    RULE,
    SUBSCRIPTION,
    TARGET,
    TOPIC,
    TOPIC_POLICY,
    SynthFn,
    changed,
    statements,
    topic,
)


@pytest.mark.parametrize(
    ("target", "budget", "rates"),
    [(99.5, 0.5, {"fast": 7.2, "slow": 3.0, "ticket": 1.5}), (99.9, 0.1, {"fast": 1.44, "slow": 0.6, "ticket": 0.3})],
)
def test_burn_rate_math(target: float, budget: float, rates: dict[str, float]) -> None:
    assert error_budget(target) == budget
    assert {w.name: error_rate_at(target, w.burn_rate) for w in WINDOWS} == rates
    assert burn_expression("good", target) == f"(100 - good) / {budget:g}"
    assert [(w.name, w.burn_rate, w.long_seconds, w.short_seconds, w.kind) for w in WINDOWS] == [
        ("fast", 14.4, 3600, 300, "page"),
        ("slow", 6.0, 21600, 1800, "page"),
        ("ticket", 3.0, 86400, 7200, "ticket"),
    ]


def test_availability_burn_alarms_read_the_route53_check(prod: Synth) -> None:
    for window, seconds, threshold in (("fast", 3600, 14.4), ("fast", 300, 14.4), ("slow", 21600, 6.0)):
        length = "long" if seconds in (3600, 21600) else "short"
        alarm = prod.get(ALARM, f"alerts-slos-availability-{window}-{length}")
        assert alarm.inputs["metricQueries"] == [
            {
                "id": "good",
                "metric": {
                    "namespace": "AWS/Route53",
                    "metricName": "HealthCheckPercentageHealthy",
                    "dimensions": {
                        "HealthCheckId": prod.get(HEALTH, "alerts-health-api").outputs.get("id", "alerts-health-api-id")
                    },
                    "stat": "Average",
                    "period": seconds,
                },
                "returnData": False,
            },
            {"id": "burn", "expression": "(100 - good) / 0.5", "label": "burn rate", "returnData": True},
        ]
        assert (alarm.inputs["threshold"], alarm.inputs["comparisonOperator"]) == (
            threshold,
            "GreaterThanOrEqualToThreshold",
        )
        assert (alarm.inputs["treatMissingData"], alarm.inputs["actionsEnabled"]) == ("breaching", True)
        assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == []  # its composite notifies


def test_latency_slo_reads_the_percentile_rank_under_the_threshold(prod: Synth) -> None:
    good = prod.get(ALARM, "alerts-slos-latency-ticket-long").inputs["metricQueries"][0]["metric"]
    assert good == {
        "namespace": "LearningAccelerator",
        "metricName": "RequestLatency",
        "dimensions": {"Environment": "production"},
        "stat": "PR(:0.5)",
        "period": 86400,
    }
    burn = prod.get(ALARM, "alerts-slos-latency-ticket-long").inputs["metricQueries"][1]
    assert burn["expression"] == "(100 - good) / 5"
    assert prod.get(ALARM, "alerts-slos-latency-ticket-long").inputs["treatMissingData"] == "notBreaching"


def test_composites_and_and_the_faster_suppresses_the_slower(prod: Synth) -> None:
    composites = {r.name: r.inputs for r in prod.of_type(COMPOSITE)}
    assert sorted(composites) == [
        f"alerts-slos-{s}-{w}" for s in ("availability", "latency") for w in ("fast", "slow", "ticket")
    ]
    fast, slow, ticket = (composites[f"alerts-slos-availability-{w}"] for w in ("fast", "slow", "ticket"))
    name = f"{PREFIX}-slo-availability"
    assert fast["alarmRule"] == f'ALARM("{name}-fast-long") AND ALARM("{name}-fast-short")'
    assert ticket["alarmRule"] == f'ALARM("{name}-ticket-long") AND ALARM("{name}-ticket-short")'
    assert "actionsSuppressor" not in fast
    assert slow["actionsSuppressor"] == {"alarm": f"{name}-fast", "waitPeriod": 120, "extensionPeriod": 600}
    assert ticket["actionsSuppressor"] == {"alarm": f"{name}-slow", "waitPeriod": 120, "extensionPeriod": 600}
    assert (fast["alarmActions"], fast["okActions"], slow["alarmActions"]) == (
        [topic("P1")],
        [topic("P1")],
        [topic("P1")],
    )
    assert (ticket["alarmActions"], ticket["okActions"]) == ([topic("P3")], [topic("P3")])
    assert fast["alarmDescription"].startswith(
        "Runbook 000 SLO: 99.5 % uptime (3.6 h downtime a month): the 99.5 % SLO burns its error budget at 14.4x "
        "(errors above 7.2 %) over 60 min and 5 min."
    )
    # children exist before the composite and outlive it
    composite = prod.get(COMPOSITE, "alerts-slos-availability-fast")
    assert {prod.by_urn(u).name for u in composite.dependencies if prod.by_urn(u).type == ALARM} == {
        "alerts-slos-availability-fast-long",
        "alerts-slos-availability-fast-short",
    }


def test_health_checks_from_config(prod: Synth, synth: SynthFn) -> None:
    api = prod.get(HEALTH, "alerts-health-api")
    assert {
        k: api.inputs.get(k)
        for k in (
            "type",
            "fqdn",
            "port",
            "resourcePath",
            "requestInterval",
            "failureThreshold",
            "measureLatency",
            "enableSni",
        )
    } == {
        "type": "HTTPS",
        "fqdn": "learning-accelerator-api.fly.dev",
        "port": 443,
        "resourcePath": "/health",
        "requestInterval": 30,
        "failureThreshold": 3,
        "measureLatency": True,
        "enableSni": True,
    }
    down = prod.get(ALARM, "alerts-health-api-down")
    assert (down.inputs["name"], down.inputs["alarmActions"], down.inputs["treatMissingData"]) == (
        f"{PREFIX}-health-api-down",
        [topic("P1")],
        "breaching",
    )
    # runbook 004's expected body becomes a string match
    s = synth(
        "prod",
        {
            "platform:alerts": {
                "healthChecks": [
                    {"name": "api", "url": "https://learning-accelerator-api.fly.dev/health"},
                    {
                        "name": "edge",
                        "url": "https://x.supabase.co/functions/v1/health",
                        "intervalSeconds": 30,
                        "failureThreshold": 3,
                        "searchString": '"status": "healthy"',
                    },
                ]
            }
        },
    )
    edge = s.get(HEALTH, "alerts-health-edge")
    assert (edge.inputs["type"], edge.inputs["searchString"], edge.inputs["resourcePath"]) == (
        "HTTPS_STR_MATCH",
        '"status": "healthy"',
        "/functions/v1/health",
    )


def test_every_alerting_resource_lives_in_us_east_1_whatever_the_stack_region(synth: SynthFn) -> None:
    s = synth("prod", {"aws:region": "eu-west-1", "platform:alerts": {"kms": {"keyEvents": False}}})
    alerting = [r for r in s.resources if r.type in (TOPIC, TOPIC_POLICY, SUBSCRIPTION, ALARM, COMPOSITE)]
    assert len(alerting) == 3 + 3 + 2 + 16 + 6  # topics, policies, subscriptions, alarms, composites
    assert {r.inputs["region"] for r in alerting} == {"us-east-1"}
    assert s.get(KEY, "keys-alerts").inputs["region"] == "us-east-1"
    assert "region" not in s.get(HEALTH, "alerts-health-api").inputs  # Route 53 is global


def test_one_threshold_change_is_a_one_alarm_diff(prod: Synth, synth: SynthFn) -> None:
    rows = prod.get(ALARM, "alerts-thresholds-error-rate-critical").inputs
    assert {
        k: rows[k]
        for k in (
            "name",
            "namespace",
            "metricName",
            "statistic",
            "threshold",
            "period",
            "comparisonOperator",
            "alarmActions",
        )
    } == {
        "name": f"{PREFIX}-error-rate-critical",
        "namespace": "LearningAccelerator",
        "metricName": "ErrorRate",
        "statistic": "Average",
        "threshold": 1,
        "period": 300,
        "comparisonOperator": "GreaterThanThreshold",
        "alarmActions": [topic("P2")],
    }
    row = dict(_threshold_row(prod))
    after = synth("prod", {"platform:alerts": {"thresholds": [{**row, "critical": 2}]}})
    added, removed, inputs_changed = changed(prod, after)
    dashboard = ("aws:cloudwatch/dashboard:Dashboard", "alerts-dashboard")
    assert (added, removed, inputs_changed) == (
        set(),
        set(),
        {(ALARM, "alerts-thresholds-error-rate-critical"), dashboard},
    )
    # in the review: the alarm's threshold, and the one annotation of its dashboard widget
    from ops.commands.diff import compare
    from ops.commands.plan import as_json

    diff = compare(json.loads(as_json(prod)), json.loads(as_json(after)))
    widget = "dashboardBody.widgets[title=error-rate: LearningAccelerator ErrorRate]"  # named by its title
    assert [(c.action, c.name, c.fields) for c in diff.changes] == [
        (
            "update",
            "alerts-dashboard",
            [
                (f"{widget}.properties.annotations.horizontal[0].label", "critical 1", "critical 2"),
                (f"{widget}.properties.annotations.horizontal[0].value", 1, 2),
            ],
        ),
        ("update", "alerts-thresholds-error-rate-critical", [("threshold", 1, 2)]),
    ]


def _threshold_row(prod: Synth) -> dict[str, Any]:
    from tests.helpers import file_config

    return dict(file_config("prod")["platform:alerts"]["thresholds"][0])


def test_backup_freshness_is_the_rpo_and_counts_a_stored_object_as_a_backup(prod: Synth) -> None:
    a = prod.get(ALARM, "alerts-operations-backup-freshness").inputs
    rule = prod.get(RULE, "alerts-operations-backup-stored").inputs
    bucket = prod.outputs["backupBucket"]
    assert (rule["name"], rule["region"]) == (f"{PREFIX}-backup-stored", "us-east-1")
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": "postgres/"}]}},
    }
    period = 26 * 3600  # RPO 24 h + 2 h slack
    assert {k: a[k] for k in a if k not in ("name", "alarmDescription", "tags", "region", "actionsEnabled")} == {
        "metricQueries": [
            {
                "id": "succeeded",
                "metric": {
                    "namespace": "Platform/Backups",
                    "metricName": "BackupSucceeded",
                    "dimensions": {"App": "learning-accelerator", "Environment": "production"},
                    "stat": "Sum",
                    "period": period,
                },
                "returnData": False,
            },
            {
                "id": "stored",
                "metric": {
                    "namespace": "AWS/Events",
                    "metricName": "MatchedEvents",
                    "dimensions": {"RuleName": f"{PREFIX}-backup-stored"},
                    "stat": "Sum",
                    "period": period,
                },
                "returnData": False,
            },
            {
                "id": "backups",
                "expression": "FILL(succeeded, 0) + FILL(stored, 0)",
                "label": "backups stored or verified",
                "returnData": True,
            },
        ],
        "evaluationPeriods": 1,
        "comparisonOperator": "LessThanThreshold",
        "threshold": 1,
        "treatMissingData": "breaching",
        "alarmActions": [topic("P2")],
        "okActions": [topic("P2")],
    }
    # S3 sends the bucket's object events to EventBridge
    notification = prod.get("aws:s3/bucketNotification:BucketNotification", "backups-eventbridge").inputs
    assert notification == {"bucket": bucket, "eventbridge": True}


def test_kms_key_events_page_through_a_topic_the_watched_key_does_not_encrypt(prod: Synth) -> None:
    """SNS cannot publish to a topic whose key is disabled, so the alerts key's own events go to the
    watchdog topic (its own key), and every other key's, the watchdog key's included, to P1."""
    arns = prod.outputs["kmsKeyArns"]

    def rule(name: str) -> tuple[Any, str, bool]:
        target = prod.get(TARGET, name)
        pattern = json.loads(prod.get(RULE, name).inputs["eventPattern"])
        return pattern["detail"]["resources"]["ARN"], target.inputs["arn"], "roleArn" in target.inputs

    assert json.loads(prod.get(RULE, "alerts-operations-kms-key-events").inputs["eventPattern"]) == {
        "source": ["aws.kms"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["kms.amazonaws.com"],
            "eventName": ["DisableKey", "ScheduleKeyDeletion"],
            "resources": {"ARN": sorted([arns["general"], arns["general-replica"], arns["watchdog"]])},
        },
    }
    watched = sorted([arns["general"], arns["general-replica"], arns["watchdog"]])
    assert rule("alerts-operations-kms-key-events") == (watched, topic("P1"), False)
    assert rule("alerts-operations-kms-alerts-key-events") == ([arns["alerts"]], topic("watchdog"), False)
    watchdog = prod.get(TOPIC, "alerts-routing-watchdog").inputs
    assert (watchdog["name"], watchdog["kmsMasterKeyId"], watchdog["region"]) == (
        f"{PREFIX}-alerts-watchdog",
        arns["watchdog"],
        "us-east-1",
    )
    # it reaches P1's people: PagerDuty here, and #incidents through P1's Chatbot configuration
    paging = prod.get(SUBSCRIPTION, "alerts-routing-watchdog-pagerduty").inputs
    assert (paging["topic"], paging["endpoint"]) == (
        topic("watchdog"),
        prod.get(SUBSCRIPTION, "alerts-routing-p1-pagerduty").inputs["endpoint"],
    )
    # the watchdog key lets only EventBridge encrypt with it: no alarm publishes there
    services = [
        s["Principal"]["Service"]
        for s in statements(prod.get(KEY, "keys-watchdog"))
        if isinstance(s.get("Principal"), dict) and "Service" in s["Principal"]
    ]
    assert services == [["events.amazonaws.com"]]


def test_keys_outside_us_east_1_forward_their_events_there(synth: SynthFn) -> None:
    """SNS targets share their rule's region, while EventBridge sees a key's events in the key's own
    region: eu-west-1 forwards to us-east-1's default bus, with a role that may only put events there."""
    s = synth("prod", {"aws:region": "eu-west-1"})
    arns = s.outputs["kmsKeyArns"]
    assert arns["general"].startswith("arn:aws:kms:eu-west-1:") and arns["alerts"].startswith("arn:aws:kms:us-east-1:")
    forward = s.get(RULE, "alerts-operations-kms-key-events-eu-west-1").inputs
    assert (forward["name"], forward["region"]) == (f"{PREFIX}-kms-key-events-eu-west-1", "eu-west-1")
    assert json.loads(forward["eventPattern"])["detail"]["resources"]["ARN"] == [arns["general"]]
    target = s.get(TARGET, "alerts-operations-kms-key-events-eu-west-1").inputs
    role = s.get("aws:iam/role:Role", "alerts-operations-events-forward")
    assert (target["arn"], target["roleArn"], target["region"]) == (
        f"arn:aws:events:us-east-1:{ACCOUNT_ID}:event-bus/default",
        role.outputs["arn"],
        "eu-west-1",
    )
    assert statements(role, "assumeRolePolicy") == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
        }
    ]
    assert statements(s.get("aws:iam/rolePolicy:RolePolicy", "alerts-operations-events-forward")) == [
        {"Effect": "Allow", "Action": "events:PutEvents", "Resource": target["arn"]}
    ]
    # new backups in an eu-west-1 bucket reach the freshness alarm's rule the same way, with the same role
    stored = s.get(RULE, "alerts-operations-backup-stored-eu-west-1").inputs
    assert (stored["region"], stored["eventPattern"]) == (
        "eu-west-1",
        s.get(RULE, "alerts-operations-backup-stored").inputs["eventPattern"],
    )
    stored_target = s.get(TARGET, "alerts-operations-backup-stored-eu-west-1").inputs
    assert (stored_target["arn"], stored_target["roleArn"]) == (target["arn"], role.outputs["arn"])
    assert len(s.of_type("aws:iam/role:Role")) == len({r.name for r in s.of_type("aws:iam/role:Role")})
    # us-east-1 still pages on the forwarded events: its rule names the eu-west-1 key
    home = s.get(RULE, "alerts-operations-kms-key-events").inputs
    others = sorted([arns["general"], arns["general-replica"], arns["watchdog"]])
    assert json.loads(home["eventPattern"])["detail"]["resources"]["ARN"] == others
    # the replica's key, in us-west-2, forwards its events the same way
    replica = s.get(RULE, "alerts-operations-kms-key-events-us-west-2").inputs
    assert json.loads(replica["eventPattern"])["detail"]["resources"]["ARN"] == [arns["general-replica"]]
    assert home["region"] == "us-east-1"


def test_kms_failure_rate_counts_only_this_stacks_keys_in_its_own_namespace(synth: SynthFn) -> None:
    s = synth("prod", {"platform:alerts": {"kms": {"failureRate": {"cloudtrailLogGroup": "aws-cloudtrail-logs"}}}})
    keys = " || ".join(f'$.resources[0].ARN = "{a}"' for a in sorted(s.outputs["kmsKeyArns"].values()))
    namespace = f"Platform/KMS/{PREFIX}"
    filters = s.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    assert {
        f.name: (f.inputs["logGroupName"], f.inputs["pattern"], f.inputs["metricTransformation"]) for f in filters
    } == {
        "alerts-operations-KmsRequests": (
            "aws-cloudtrail-logs",
            f'{{ $.eventSource = "kms.amazonaws.com" && ({keys}) }}',
            {"namespace": namespace, "name": "KmsRequests", "value": "1", "defaultValue": "0"},
        ),
        "alerts-operations-KmsErrors": (
            "aws-cloudtrail-logs",
            f'{{ $.eventSource = "kms.amazonaws.com" && $.errorCode = "*" && ({keys}) }}',
            {"namespace": namespace, "name": "KmsErrors", "value": "1", "defaultValue": "0"},
        ),
    }
    rate = s.get(ALARM, "alerts-operations-kms-failure-rate").inputs
    queries = [
        q.get("expression") or (q["metric"]["namespace"], q["metric"]["metricName"]) for q in rate["metricQueries"]
    ]
    assert queries == [(namespace, "KmsRequests"), (namespace, "KmsErrors"), "100 * kmserrors / kmsrequests"]
    assert (rate["threshold"], rate["alarmActions"]) == (5, [topic("P1")])
