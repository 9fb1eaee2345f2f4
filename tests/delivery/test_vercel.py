"""components/delivery/vercel.py: project, environment per target, maintenance toggle, domains."""

from __future__ import annotations

from ops.offline.synth import Synth
from tests.helpers import VERCEL_DOMAIN, VERCEL_ENV, VERCEL_PROJECT, SynthFn, changed, names


def test_project_settings(prod: Synth, staging: Synth) -> None:
    p = prod.get(VERCEL_PROJECT, "frontend").inputs
    assert {
        k: p[k]
        for k in ("name", "framework", "rootDirectory", "gitRepository", "resourceConfig", "vercelAuthentication")
    } == {
        "name": "learning-accelerator",
        "framework": "nextjs",
        "rootDirectory": "frontend",
        "gitRepository": {
            "type": "github",
            "repo": "learning-accelerator/web",
            "productionBranch": "main",
            "deployHooks": [{"name": "platform-redeploy", "ref": "main"}],
        },
        "resourceConfig": {"functionDefaultRegions": ["iad1"]},
        "vercelAuthentication": {"deploymentType": "standard_protection_new"},
    }
    assert "serverlessFunctionRegion" not in p  # deprecated in favour of resourceConfig
    s = staging.get(VERCEL_PROJECT, "frontend").inputs
    assert (s["name"], s["gitRepository"]["productionBranch"], s["vercelAuthentication"]) == (
        "learning-accelerator-staging",
        "staging",
        {"deploymentType": "all_deployments"},
    )


def test_environment_variables_per_target(prod: Synth) -> None:
    env = {r.inputs["key"]: (r.inputs["targets"], r.inputs["sensitive"]) for r in prod.of_type(VERCEL_ENV)}
    assert env == {
        "NEXT_PUBLIC_API_URL": (["production", "preview", "development"], False),
        "NEXT_PUBLIC_SUPABASE_URL": (["production", "preview", "development"], False),
        "MAINTENANCE_MODE": (["production"], False),
        "CRON_SECRET": (["production"], True),
        "NEXTAUTH_SECRET": (["production"], True),
        "ENCRYPTION_KEY": (["production"], True),
    }
    assert prod.get(VERCEL_ENV, "frontend-NEXT_PUBLIC_API_URL").inputs["value"] == (
        "https://learning-accelerator-api.fly.dev"
    )


def test_secrets_reach_vercel_as_sensitive_secret_values(staging: Synth) -> None:
    for key in ("CRON_SECRET", "NEXTAUTH_SECRET", "ENCRYPTION_KEY"):
        var = staging.get(VERCEL_ENV, f"frontend-{key}")
        assert (var.inputs["sensitive"], var.secret_paths, var.inputs["targets"]) == (
            True,
            ["value"],
            ["preview", "production"],
        )


def test_maintenance_mode_changes_exactly_one_variable(synth: SynthFn, prod: Synth) -> None:
    assert prod.get(VERCEL_ENV, "frontend-MAINTENANCE_MODE").inputs["value"] == "false"
    on = synth("prod", {"platform:vercel": {"maintenanceMode": True}})
    added, removed, inputs_changed = changed(prod, on)
    assert (added, removed, inputs_changed) == (set(), set(), {(VERCEL_ENV, "frontend-MAINTENANCE_MODE")})
    assert on.get(VERCEL_ENV, "frontend-MAINTENANCE_MODE").inputs["value"] == "true"


def test_custom_domains(prod: Synth, synth: SynthFn) -> None:
    assert [d.inputs["domain"] for d in prod.of_type(VERCEL_DOMAIN)] == ["app.learningaccelerator.com"]
    two = synth(
        "prod", {"platform:vercel": {"domains": ["app.learningaccelerator.com", "www.learningaccelerator.com"]}}
    )
    assert names(two, VERCEL_DOMAIN) == ["frontend-app.learningaccelerator.com", "frontend-www.learningaccelerator.com"]


def test_every_variable_is_deleted_before_it_is_replaced(prod: Synth) -> None:
    # a replace otherwise fails with ENV_ALREADY_EXISTS (pulumiverse/pulumi-vercel#118)
    assert {r.name: r.delete_before_replace for r in prod.of_type(VERCEL_ENV)} == {
        r.name: True for r in prod.of_type(VERCEL_ENV)
    }
    assert len(prod.of_type(VERCEL_ENV)) == 6


def test_the_deploy_hook_redeploys_the_production_branch_and_its_url_is_secret(prod: Synth) -> None:
    hooks = prod.get(VERCEL_PROJECT, "frontend").inputs["gitRepository"]["deployHooks"]
    assert hooks == [{"name": "platform-redeploy", "ref": "main"}]
    assert prod.outputs["vercelDeployHookUrl"] == "[secret]"


def test_the_fingerprint_says_a_redeploy_is_due_exactly_when_vercel_would_read_something_new(
    prod: Synth, synth: SynthFn
) -> None:
    def rotated(name: str, generation: int) -> dict[str, object]:
        record = {"generation": generation, "lastRotated": "2026-11-23"}
        return {"platform:secrets": {"items": {name: {"rotation": record}}}}

    base = prod.outputs["vercelEnvFingerprint"]
    assert len(base) == 16
    assert synth("prod", rotated("NEXTAUTH_SECRET", 5)).outputs["vercelEnvFingerprint"] != base
    assert synth("prod", {"platform:vercel": {"maintenanceMode": True}}).outputs["vercelEnvFingerprint"] != base
    # SECRET_KEY goes to Fly only: nothing Vercel reads changes
    assert synth("prod", rotated("SECRET_KEY", 4)).outputs["vercelEnvFingerprint"] == base
