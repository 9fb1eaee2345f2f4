"""components/secrets/inventory.py and the rotation flow: sizes, one-keeper rotation, overlap slots, staleness."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest

from components.shared.loader import ConfigError
from ops.commands.rotate import rotate
from ops.offline.synth import Synth, synthesize_stack
from tests.helpers import (
    FLY_MACHINE,
    FLY_SECRETS,
    OPENAI_EXCEPTION,
    RANDOM_BYTES,
    RANDOM_PASSWORD,
    TODAY,
    VERCEL_ENV,
    SynthFn,
    api_machines,
    changed,
    copy_stack_files,
    error_of,
    names,
)


def test_sizes_and_encodings_from_the_runbooks(prod: Synth) -> None:
    # openssl rand -hex 32 / -hex 16 / -base64 32 (runbooks 001, 002)
    assert {r.name: r.inputs["length"] for r in prod.of_type(RANDOM_BYTES)} == {
        "secrets-SECRET_KEY-a": 32,
        "secrets-SECRET_KEY-b": 32,
        "secrets-CRON_SECRET-a": 16,
        "secrets-CRON_SECRET-b": 16,
        "secrets-NEXTAUTH_SECRET-a": 32,
        "secrets-NEXTAUTH_SECRET-b": 32,
        "secrets-ENCRYPTION_KEY-a": 32,
        "secrets-ENCRYPTION_KEY-b": 32,
    }
    hex_value = prod.get(RANDOM_BYTES, "secrets-SECRET_KEY-a").outputs["hex"]
    assert len(hex_value) == 64 and int(hex_value, 16) >= 0
    assert len(base64.b64decode(prod.get(RANDOM_BYTES, "secrets-NEXTAUTH_SECRET-a").outputs["base64"])) == 32


def test_password_encoding_uses_url_safe_punctuation(synth: SynthFn) -> None:
    s = synth(
        "staging",
        {
            "platform:secrets": {
                "items": {
                    "DB_PASSWORD": {
                        "kind": "generated",
                        "encoding": "password",
                        "length": 40,
                        "rotationDays": 90,
                        "rotation": {"lastRotated": "2026-11-01"},
                        "consumers": ["fly"],
                    }
                }
            }
        },
    )
    pw = s.get(RANDOM_PASSWORD, "secrets-DB_PASSWORD-a")
    assert {
        k: pw.inputs[k] for k in ("length", "special", "overrideSpecial", "minLower", "minUpper", "minNumeric")
    } == {"length": 40, "special": True, "overrideSpecial": "-_.~", "minLower": 1, "minUpper": 1, "minNumeric": 1}


def test_keepers_derive_from_the_generation(prod: Synth) -> None:
    keepers = {r.name: r.inputs["keepers"] for r in prod.of_type(RANDOM_BYTES)}
    # SECRET_KEY is at generation 3: slot a holds 3 (current), slot b holds 2 (previous)
    assert keepers["secrets-SECRET_KEY-a"] == {"generation": "3"} and keepers["secrets-SECRET_KEY-b"] == {
        "generation": "2"
    }
    assert keepers["secrets-NEXTAUTH_SECRET-b"] == {"generation": "4"} and keepers["secrets-NEXTAUTH_SECRET-a"] == {
        "generation": "3"
    }


def test_generation_one_has_a_single_slot(staging: Synth) -> None:
    assert names(staging, RANDOM_BYTES) == [
        "secrets-CRON_SECRET-a",
        "secrets-ENCRYPTION_KEY-a",
        "secrets-NEXTAUTH_SECRET-a",
        "secrets-SECRET_KEY-a",
    ]


def synth_file(root: Path, stack: str, today: dt.date) -> Synth:
    return synthesize_stack(stack, today=today, root=root)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return copy_stack_files(tmp_path)


def test_rotating_one_secret_replaces_one_random_resource_and_updates_only_its_consumers(
    project_copy: Path, prod: Synth
) -> None:
    before = prod  # the copy's files are the repository's until the rotation
    rotate("prod", ["SECRET_KEY"], due=False, on=TODAY, root=project_copy)
    after = synth_file(project_copy, "prod", TODAY)
    added, removed, inputs_changed = changed(before, after)
    assert (added, removed) == (set(), set())
    keeper_changes = {k for k in inputs_changed if k[0] == RANDOM_BYTES}
    assert keeper_changes == {(RANDOM_BYTES, "secrets-SECRET_KEY-b")}
    assert before.get(RANDOM_BYTES, "secrets-SECRET_KEY-b").inputs["keepers"] == {"generation": "2"}
    assert after.get(RANDOM_BYTES, "secrets-SECRET_KEY-b").inputs["keepers"] == {"generation": "4"}
    # SECRET_KEY goes only to Fly: the app secrets, and the machines roll to boot with it
    assert inputs_changed == {
        (RANDOM_BYTES, "secrets-SECRET_KEY-b"),
        (FLY_SECRETS, "api"),
        *{(FLY_MACHINE, m.name) for m in api_machines(before)},
    }


def test_rotating_a_vercel_only_secret_leaves_fly_alone(project_copy: Path, prod: Synth) -> None:
    before = prod  # the copy's files are the repository's until the rotation
    rotate("prod", ["NEXTAUTH_SECRET"], due=False, on=TODAY, root=project_copy)
    after = synth_file(project_copy, "prod", TODAY)
    added, removed, inputs_changed = changed(before, after)
    assert inputs_changed == {(RANDOM_BYTES, "secrets-NEXTAUTH_SECRET-a"), (VERCEL_ENV, "frontend-NEXTAUTH_SECRET")}
    # the overlap starts: the value served until now is also served as NEXTAUTH_SECRET_PREVIOUS
    assert (added, removed) == ({(VERCEL_ENV, "frontend-NEXTAUTH_SECRET_PREVIOUS")}, set())
    assert (
        after.get(VERCEL_ENV, "frontend-NEXTAUTH_SECRET_PREVIOUS").inputs["value"]
        == before.get(VERCEL_ENV, "frontend-NEXTAUTH_SECRET").inputs["value"]
    )


def value_of(synth: Synth, key: str) -> str:
    return str(synth.get(VERCEL_ENV, f"frontend-{key}").inputs["value"])


def test_overlap_slots_across_two_successive_rotations(project_copy: Path) -> None:
    day1, day2 = dt.date(2026, 11, 24), dt.date(2026, 11, 30)
    start = synth_file(project_copy, "prod", TODAY)
    g4 = value_of(start, "NEXTAUTH_SECRET")

    rotate("prod", ["NEXTAUTH_SECRET"], due=False, on=day1, root=project_copy)
    first = synth_file(project_copy, "prod", day1)
    g5 = value_of(first, "NEXTAUTH_SECRET")
    assert g5 != g4 and value_of(first, "NEXTAUTH_SECRET_PREVIOUS") == g4

    rotate("prod", ["NEXTAUTH_SECRET"], due=False, on=day2, root=project_copy)
    second = synth_file(project_copy, "prod", day2)
    g6 = value_of(second, "NEXTAUTH_SECRET")
    assert g6 not in (g4, g5) and value_of(second, "NEXTAUTH_SECRET_PREVIOUS") == g5
    assert second.get(RANDOM_BYTES, "secrets-NEXTAUTH_SECRET-b").inputs["keepers"] == {"generation": "6"}
    assert second.get(RANDOM_BYTES, "secrets-NEXTAUTH_SECRET-a").inputs["keepers"] == {"generation": "5"}


def test_previous_value_stops_after_the_overlap(synth: SynthFn) -> None:
    rotated = {
        "platform:secrets": {"items": {"NEXTAUTH_SECRET": {"rotation": {"generation": 5, "lastRotated": "2026-11-20"}}}}
    }
    last_day = synth("prod", rotated, today=dt.date(2026, 11, 21))  # overlapDays 1: still served
    assert "frontend-NEXTAUTH_SECRET_PREVIOUS" in names(last_day, VERCEL_ENV)
    after = synth("prod", rotated, today=dt.date(2026, 11, 22))
    assert "frontend-NEXTAUTH_SECRET_PREVIOUS" not in names(after, VERCEL_ENV)


STALE_CASE = {
    "platform:secrets": {"items": {"SECRET_KEY": {"rotation": {"generation": 3, "lastRotated": "2026-08-25"}}}}
}


def test_staleness_warns_on_the_day_after_the_due_date(synth: SynthFn) -> None:
    due = dt.date(2026, 11, 23)  # 2026-08-25 + 90 days
    assert synth("staging", STALE_CASE, today=due).warnings == []
    late = synth("staging", STALE_CASE, today=due + dt.timedelta(days=1))
    assert late.warnings == [
        "secret SECRET_KEY is stale: last rotated 2026-08-25 (91 days ago), due 2026-11-23; "
        "rotate it with `uv run ops rotate staging SECRET_KEY`"
    ]


def test_staleness_is_an_error_in_prod(synth: SynthFn) -> None:
    synth("prod", STALE_CASE, today=dt.date(2026, 11, 23))
    with pytest.raises(
        ConfigError,
        match=r"platform:secrets.items.SECRET_KEY: secret SECRET_KEY is stale: last "
        r"rotated 2026-08-25 \(91 days ago\), due 2026-11-23",
    ):
        synth("prod", STALE_CASE, today=dt.date(2026, 11, 24))
    relaxed = synth(
        "prod",
        {**STALE_CASE, "platform:secrets": {**STALE_CASE["platform:secrets"], "failWhenStale": False}},
        today=dt.date(2026, 11, 24),
    )
    assert [w.split(":")[0] for w in relaxed.warnings] == [
        "secret SECRET_KEY is stale",
        "secret OPENAI_API_KEY is stale",  # under its exception
    ]


def test_on_demand_secrets_never_go_stale(synth: SynthFn) -> None:
    s = synth(
        "staging",
        {"platform:secrets": {"items": {"OPENAI_API_KEY": {"rotation": {"lastRotated": "2020-01-01"}}}}},
        today=TODAY,
    )
    assert s.warnings == []


def test_every_consumer_input_fed_by_a_secret_is_secret(prod: Synth) -> None:
    secret_names = set(prod.outputs["secretGenerations"])
    fed = [r for r in prod.of_type(VERCEL_ENV) if r.inputs["key"].removesuffix("_PREVIOUS") in secret_names]
    assert sorted(r.inputs["key"] for r in fed) == ["CRON_SECRET", "ENCRYPTION_KEY", "NEXTAUTH_SECRET"]
    for r in fed:
        assert r.secret_paths == ["value"] and r.inputs["sensitive"] is True
    fly = prod.get(FLY_SECRETS, "api")  # the API app's
    assert fly.secret_paths == ["values"]
    assert sorted(fly.inputs["values"]) == [
        "CRON_SECRET",
        "CRON_SECRET_PREVIOUS",  # generation 2, overlap over: carries the current value
        "DATABASE_URL",
        "DATABASE_URL_PREVIOUS",
        "ELEVENLABS_API_KEY",
        "OPENAI_API_KEY",
        "SECRET_KEY",
        "SECRET_KEY_PREVIOUS",
        "SUPABASE_SERVICE_ROLE_KEY",
    ]
    for machine in prod.of_type(FLY_MACHINE):
        values = {v for r in prod.of_type(RANDOM_BYTES) for v in (r.outputs["hex"], r.outputs["base64"])}
        assert not any(v in repr(machine.inputs) for v in values)


def test_a_reviewed_exception_lets_prod_plan_a_stale_secret_until_it_ends(synth: SynthFn) -> None:
    """Prod's OPENAI_API_KEY took on runbook 000's quarterly period after it fell due (2026-10-30)."""
    last_day = synth("prod", today=dt.date(2026, 12, 23))
    assert last_day.warnings[0] == (
        "secret OPENAI_API_KEY is stale: last rotated 2026-08-01 (144 days ago), due 2026-10-30; rotate it with "
        f"`uv run ops rotate prod OPENAI_API_KEY`; {OPENAI_EXCEPTION}"
    )
    with pytest.raises(ConfigError) as ended:
        synth("prod", today=dt.date(2026, 12, 24))
    assert str(ended.value).splitlines()[1:] == [
        "1 problem(s):",
        "  - platform:secrets.items.OPENAI_API_KEY: secret OPENAI_API_KEY is stale: last rotated 2026-08-01 "
        "(145 days ago), due 2026-10-30; rotate it with `uv run ops rotate prod OPENAI_API_KEY` "
        "(platform:secrets.failWhenStale is on; its exception ended 2026-12-23)",
    ]


@pytest.mark.parametrize(
    ("stack", "exception", "problem"),
    [
        (
            "staging",  # the catalogue's on-demand period
            {"until": "2026-12-01", "reason": "waiting for the vendor"},
            "platform:secrets.items.OPENAI_API_KEY.rotation.exception: the secret has no rotation period, so it "
            "is never stale; remove it",
        ),
        (
            "prod",
            {"until": "2026-10-30", "reason": "waiting for the vendor"},
            "platform:secrets.items.OPENAI_API_KEY.rotation.exception.until: 2026-10-30 is not after the secret "
            "falls due (2026-10-30); remove the exception",
        ),
        (
            "prod",
            {"until": "2026-12-30", "reason": "waiting for the vendor"},
            "platform:secrets.items.OPENAI_API_KEY.rotation.exception.until: 2026-12-30 is more than 60 days "
            "after the secret fell due (2026-10-30); the latest is 2026-12-29: rotate the secret instead",
        ),
        (
            "prod",
            {"until": "2026-12-01", "reason": "later"},
            "platform:secrets.items.OPENAI_API_KEY.rotation.exception.reason: String should have at least 10 "
            "characters (got 'later')",
        ),
    ],
)
def test_an_exception_is_bounded_and_says_why(stack: str, exception: dict[str, str], problem: str) -> None:
    error = error_of(stack, {"platform:secrets": {"items": {"OPENAI_API_KEY": {"rotation": {"exception": exception}}}}})
    assert error.splitlines()[1:] == ["1 problem(s):", f"  - {problem}"]


def test_rotating_a_secret_ends_its_exception(tmp_path: Path) -> None:
    project = copy_stack_files(tmp_path)
    lines = rotate("prod", ["OPENAI_API_KEY"], due=False, on=TODAY, root=project)
    assert lines[:2] == [
        "OPENAI_API_KEY: its exception to the rotation period is removed, as it is rotated",
        "OPENAI_API_KEY: generation 1 -> 2; set the new value too: pulumi config set --secret OPENAI_API_KEY "
        "--stack prod",
    ]
    text = (project / "Pulumi.prod.yaml").read_text()
    block = text[text.index("      OPENAI_API_KEY:") : text.index("      ELEVENLABS_API_KEY:")]
    assert block == (
        '      OPENAI_API_KEY: # runbook 000: "Key Rotation (Quarterly)"\n'
        "        rotationDays: 90\n"
        "        rotation:\n"
        "          generation: 2\n"
        '          lastRotated: "2026-11-23"\n'
        "          # due 2026-10-30 by the quarterly period, which came later; prod fails once the exception ends\n"
        "        consumers: [fly, github] # runbook 000: `gh secret set OPENAI_API_KEY`\n"
    )
