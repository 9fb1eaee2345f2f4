"""components/delivery/github_actions.py: runbook 000's `gh secret set`, as GitHub Actions environment secrets."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.offline.config import placeholder
from ops.offline.synth import Synth
from tests.helpers import FLY_SECRETS, TODAY, SynthFn, error_of, parent_name

SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
PROVIDER = "pulumi:providers:github"


def delivered(synth: Synth) -> dict[str, str]:
    """secret name -> value, as the plan hands them to GitHub."""
    return {r.inputs["secretName"]: r.inputs["value"] for r in synth.of_type(SECRET)}


def test_the_api_keys_go_to_the_production_environment_of_the_app_repository(prod: Synth) -> None:
    secrets = sorted(prod.of_type(SECRET), key=lambda r: r.name)  # the mocks register in no fixed order
    assert [(r.name, r.inputs["repository"], r.inputs["environment"], r.secret_paths) for r in secrets] == [
        ("github-ELEVENLABS_API_KEY", "web", "production", ["value"]),
        ("github-OPENAI_API_KEY", "web", "production", ["value"]),
    ]
    # GitHub's PUT is create-or-update: a replacement created first would be removed by the old one's delete
    assert all(r.delete_before_replace and parent_name(prod, r) == "github" for r in secrets)
    # the same values Fly gets: one inventory feeds every consumer
    fly = prod.get(FLY_SECRETS, "api").inputs["values"]
    assert delivered(prod) == {k: fly[k] for k in ("ELEVENLABS_API_KEY", "OPENAI_API_KEY")}
    assert prod.outputs["githubSecrets"] == ["ELEVENLABS_API_KEY", "OPENAI_API_KEY"]


def test_the_provider_writes_with_the_stack_files_token_never_the_runners(prod: Synth, staging: Synth) -> None:
    (provider,) = prod.of_type(PROVIDER)
    assert (provider.name, provider.inputs["owner"], provider.secret_paths, parent_name(prod, provider)) == (
        "github",
        "learning-accelerator",
        ["token"],
        "github",
    )
    assert provider.inputs["token"] == placeholder("GITHUB_ADMIN_TOKEN", "prod")
    assert all(r.provider.startswith(provider.urn + "::") for r in prod.of_type(SECRET))
    assert [(r.inputs["secretName"], r.inputs["environment"]) for r in staging.of_type(SECRET)] == [
        ("OPENAI_API_KEY", "staging")
    ]


def test_a_generated_secret_rotates_with_its_previous_value_served_through_the_overlap(synth: SynthFn) -> None:
    def cron(generation: int, last: str) -> dict[str, object]:
        item = {"rotation": {"generation": generation, "lastRotated": last}, "consumers": ["fly", "github"]}
        return {"platform:secrets": {"items": {"CRON_SECRET": item}}}

    before = synth("prod", cron(2, "2026-11-02"))
    assert sorted(delivered(before)) == ["CRON_SECRET", "ELEVENLABS_API_KEY", "OPENAI_API_KEY"]
    rotated = synth("prod", cron(3, TODAY.isoformat()))
    fly = rotated.get(FLY_SECRETS, "api").inputs["values"]
    # generation 3 lives in slot a; the value it replaced (slot b) is CRON_SECRET_PREVIOUS for a day
    assert {k: v for k, v in delivered(rotated).items() if k.startswith("CRON")} == {
        "CRON_SECRET": fly["CRON_SECRET"],
        "CRON_SECRET_PREVIOUS": fly["CRON_SECRET_PREVIOUS"],
    }
    assert delivered(rotated)["CRON_SECRET_PREVIOUS"] == delivered(before)["CRON_SECRET"]
    assert delivered(rotated)["CRON_SECRET"] != delivered(before)["CRON_SECRET"]
    # after the overlap the previous value is deleted from GitHub (Fly, which never unsets a key, keeps the name)
    after = synth("prod", cron(3, TODAY.isoformat()), today=TODAY + dt.timedelta(days=2))
    assert sorted(k for k in delivered(after) if k.startswith("CRON")) == ["CRON_SECRET"]
    assert delivered(after)["CRON_SECRET"] == delivered(rotated)["CRON_SECRET"]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"platform:github": None},
            "platform:secrets.items.OPENAI_API_KEY.consumers: this stack declares no platform:github section",
        ),
        (
            {"platform:github": {"tokenSecret": "OPENAI_API_KEY"}},
            "platform:secrets.items.OPENAI_API_KEY.consumers: the GitHub token is the provider's; deliver it nowhere",
        ),
        (
            {"platform:github": {"tokenSecret": "SECRET_KEY"}},
            "platform:github.tokenSecret: SECRET_KEY must be a provided secret in secrets.items",
        ),
        (
            {"platform:secrets": {"items": {"GITHUB_ADMIN_TOKEN": {"consumers": ["github"]}}}},
            "platform:secrets.items.GITHUB_ADMIN_TOKEN.consumers: GitHub refuses secret names that start with GITHUB_",
        ),
        ({"platform:github": {"owner": "-acme"}}, "platform:github.owner: String should match pattern"),
        ({"platform:github": {"repository": "web/app"}}, "platform:github.repository: String should match pattern"),
    ],
)
def test_a_bad_github_section_is_refused_with_its_key(override: dict[str, object], expected: str) -> None:
    assert expected in error_of("prod", override)
