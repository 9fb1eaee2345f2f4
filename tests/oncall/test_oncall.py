"""components/oncall: the runbooks' rotations and escalation levels as PagerDuty schedules and a policy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.oncall.config import OncallConfig
from ops.commands.diff import as_text, compare
from ops.commands.plan import as_json
from ops.offline.synth import Synth
from tests.helpers import SynthFn, error_of, file_config

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
