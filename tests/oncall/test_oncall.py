"""components/oncall: the runbooks' rotations and escalation levels as PagerDuty schedules and a policy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.oncall.config import OncallConfig
from ops.commands.diff import as_text, compare
from ops.commands.plan import as_json
from ops.offline.fakes import digest
from ops.offline.synth import Synth
from tests.helpers import SynthFn, error_of, file_config, synth_with

SCHEDULE = "pagerduty:index/schedule:Schedule"
POLICY = "pagerduty:index/escalationPolicy:EscalationPolicy"
PEOPLE = {"on-call": "a@example.com", "lead": "b@example.com", "manager": "c@example.com", "cto": "d@example.com"}


def converted(levels: list[tuple[str, int]]) -> list[int]:
    cfg = OncallConfig.model_validate(
        {"people": PEOPLE, "escalation": [{"notify": n, "withinMinutes": m} for n, m in levels]}
    )
    return cfg.rule_delays()


def test_runbook_000_cumulative_times_become_per_rule_delays() -> None:
    # automated recovery, then on-call within 5 min, team lead within 15, executive within 30
    assert converted([("on-call", 5), ("lead", 15), ("manager", 30)]) == [10, 15, 15]


def test_runbook_002_cumulative_times_become_per_rule_delays() -> None:
    # on-call immediately, team lead 15 min, engineering manager 30 min, CTO 1 h
    assert converted([("on-call", 0), ("lead", 15), ("manager", 30), ("cto", 60)]) == [15, 15, 30, 30]


def test_runbook_004_cumulative_times_become_per_rule_delays() -> None:
    # on-call immediate, platform lead 15 min, VP engineering 30 min
    assert converted([("on-call", 0), ("lead", 15), ("manager", 30)]) == [15, 15, 15]


def test_prod_has_runbook_000s_rotations_and_escalation(prod: Synth) -> None:
    schedules = {s.name: s.inputs for s in prod.of_type(SCHEDULE)}
    primary, secondary = schedules["oncall-primary"], schedules["oncall-secondary"]
    assert (primary["timeZone"], len(primary["layers"][0]["users"]), primary["layers"][0]) == (
        "America/New_York",
        4,
        {
            "name": "primary weekly",
            "start": "2026-11-30T09:00:00-05:00",
            "rotationVirtualStart": "2026-11-30T09:00:00-05:00",
            "rotationTurnLengthSeconds": 604800,
            "users": primary["layers"][0]["users"],
        },
    )
    # monthly falls back to a 28-day layer (Schedulev2's RRULE is not verified here)
    assert secondary["layers"][0]["rotationTurnLengthSeconds"] == 28 * 24 * 3600
    # people are looked up by email (getUser), never created
    assert not [r for r in prod.resources if r.type == "pagerduty:index/user:User"]
    (policy,) = prod.of_type(POLICY)
    rules = policy.inputs["rules"]
    assert [r["escalationDelayInMinutes"] for r in rules] == [10, 15, 15]
    assert [r["targets"][0]["type"] for r in rules] == ["schedule_reference", "user_reference", "schedule_reference"]
    assert rules[0]["targets"][0]["id"] == "oncall-primary-id"  # the schedule's id, as the mocks give it
    # the team lead (third in the primary rotation) is the same PagerDuty user, found by email
    assert rules[1]["targets"][0]["id"] == primary["layers"][0]["users"][2]
    provider = next(r for r in prod.resources if r.type == "pulumi:providers:pagerduty")
    assert provider.secret_paths == ["token"]


def test_a_rotation_change_says_who_is_on_call_changes(prod: Synth, synth: SynthFn) -> None:
    oncall = json.loads(json.dumps(file_config("prod")["platform:oncall"]))
    oncall["schedules"]["primary"]["members"] = ["senior-b", "senior-a", "tech-lead", "senior-c"]
    after = synth("prod", {"platform:oncall": oncall})
    text = as_text(compare(json.loads(as_json(prod)), json.loads(as_json(after))), "prod", "HEAD")
    assert "~ update pagerduty:index/schedule:Schedule oncall-primary\n" in text
    assert "\n    !! who is on call changes at apply" in text


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"schedules": {"primary": {"members": ["nobody"]}}},
            "platform:oncall.schedules.primary.members: 'nobody' is not one of people",
        ),
        ({"people": {"cto": "not-an-email"}}, "platform:oncall.people.cto: String should match pattern"),
        (
            {"escalation": [{"notify": "primary", "withinMinutes": 15}, {"notify": "cto", "withinMinutes": 5}]},
            "platform:oncall.escalation: withinMinutes must increase level by level, not [15, 5]",
        ),
        (
            {"escalation": [{"notify": "somebody", "withinMinutes": 5}]},
            "platform:oncall.escalation[0].notify: 'somebody' is neither a schedule nor a person",
        ),
        ({"tokenSecret": "SECRET_KEY"}, "platform:oncall.tokenSecret: SECRET_KEY must be a provided secret"),
    ],
)
def test_a_bad_oncall_section_is_refused_with_its_key(override: dict[str, Any], expected: str) -> None:
    assert expected in error_of("prod", {"platform:oncall": override})


SERVICE = "pagerduty:index/service:Service"
INTEGRATION = "pagerduty:index/serviceIntegration:ServiceIntegration"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


def test_prod_pages_p1_through_a_service_whose_cloudwatch_integration_the_topic_subscribes(prod: Synth) -> None:
    (service,) = prod.of_type(SERVICE)  # P1 is prod's one severity with `pagerduty: oncall`
    assert service.inputs == {
        "name": "learning-accelerator production P1",
        "description": "CloudWatch alarms of severity P1 (learning-accelerator production)",
        "escalationPolicy": "oncall-escalation-id",
        "incidentUrgencyRule": {"type": "constant", "urgency": "high"},
    }
    (integration,) = prod.of_type(INTEGRATION)
    assert integration.inputs == {"name": "Amazon CloudWatch", "service": "oncall-p1-id", "vendor": "PZQ6AUS"}
    # the provider does not mark the key secret; the program does
    assert integration.additional_secret_outputs == ["integrationKey"]
    assert integration.parent == service.parent == next(r.urn for r in prod.of_type("platform:oncall:Oncall"))
    key = integration.outputs["integrationKey"]
    url = f"https://events.pagerduty.com/integration/{key}/enqueue"
    # the P1 topic and the KMS watchdog (severity P1) both reach it, and the URL stays a secret
    for name in ("alerts-routing-p1-pagerduty", "alerts-routing-watchdog-pagerduty"):
        subscription = prod.get(SUBSCRIPTION, name)
        assert (subscription.inputs["endpoint"], subscription.secret_paths) == (url, ["endpoint"])
    assert "PAGERDUTY_INTEGRATION_URL" not in prod.outputs["secretGenerations"]


def test_a_stack_without_oncall_keeps_the_pasted_integration_url() -> None:
    flashfusion = synth_with("flashfusion-staging")
    assert flashfusion.of_type(SERVICE) == []
    subscription = flashfusion.get(SUBSCRIPTION, "alerts-routing-p1-pagerduty")
    # the provided secret, here the offline plan's stand-in for it
    assert (subscription.inputs["endpoint"], subscription.secret_paths) == (
        "[placeholder: not in the stack file; pulumi config set --secret PAGERDUTY_INTEGRATION_URL "
        "--stack flashfusion-staging]",
        ["endpoint"],
    )


def test_a_service_override_sets_its_name_and_urgency(synth: SynthFn) -> None:
    after = synth("prod", {"platform:oncall": {"services": {"P1": {"name": "ops-critical", "urgency": "low"}}}})
    (service,) = after.of_type(SERVICE)
    assert (service.inputs["name"], service.inputs["incidentUrgencyRule"]) == (
        "ops-critical",
        {"type": "constant", "urgency": "low"},
    )


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"platform:oncall": {"services": {"P2": {"urgency": "low"}}}},
            "platform:oncall.services.P2: P2 does not page through oncall: "
            "alerts.channels.P2.pagerduty is not 'oncall'",
        ),
        (
            {"platform:oncall": {"services": {"P1": {"urgency": "urgent"}}}},
            "platform:oncall.services.P1.urgency: Input should be 'high' or 'low'",
        ),
        (
            {"platform:oncall": None},
            "platform:alerts.channels.P1.pagerduty: oncall pages through the service platform:oncall declares: "
            "declare platform:oncall, or name a provided secret holding a PagerDuty integration URL",
        ),
    ],
)
def test_a_service_without_its_severity_or_oncall_is_refused_with_its_key(
    override: dict[str, Any], expected: str
) -> None:
    assert expected in error_of("prod", override)


@pytest.mark.parametrize(
    ("stack", "delays", "targets", "service"),
    [
        # runbook 002: on-call immediately, team lead 15 min, engineering manager 30 min, CTO 1 h
        (
            "life-platform-prod",
            [15, 15, 30, 30],
            ["primary", "team-lead", "eng-manager", "cto"],
            "life-platform production P1",
        ),
        # runbook 004: on-call immediate, platform lead 15 min, VP engineering 30 min; "PagerDuty: ops-critical"
        ("flashfusion-prod", [15, 15, 15], ["primary", "platform-lead", "vp-engineering"], "ops-critical"),
    ],
)
def test_each_products_stack_declares_its_runbooks_escalation(
    stack: str, delays: list[int], targets: list[str], service: str
) -> None:
    plan = synth_with(stack)
    (policy,) = plan.of_type(POLICY)
    rules = policy.inputs["rules"]
    assert [r["escalationDelayInMinutes"] for r in rules] == delays
    (schedule,) = plan.of_type(SCHEDULE)
    users = {u: f"P{digest(e)[:6].upper()}" for u, e in file_config(stack)["platform:oncall"]["people"].items()}
    expected = ["oncall-primary-id" if t == "primary" else users[t] for t in targets]
    assert [r["targets"][0]["id"] for r in rules] == expected
    assert schedule.inputs["layers"][0]["rotationTurnLengthSeconds"] == 604800
    (paged,) = plan.of_type(SERVICE)
    assert (paged.inputs["name"], paged.inputs["incidentUrgencyRule"]["urgency"]) == (service, "high")
