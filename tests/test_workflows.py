"""The CI workflows: zizmor and the GitHub workflow schema pass, actions are pinned, permissions are least."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ops.offline.stackfile import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
TOOLS = ROOT / ".venv-tools" / "bin"  # .ci/run installs them there
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict[str, Any]:
    return YAML(typ="safe", pure=True).load(path.read_text())


def test_the_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "drift.yml", "offline-diff-comment.yml", "pull-request.yml"]


def test_zizmor_finds_nothing() -> None:
    done = subprocess.run([str(TOOLS / "zizmor"), "--offline", *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr


def test_the_schema_accepts_them() -> None:
    argv = [str(TOOLS / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)]
    done = subprocess.run(argv, capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "ok -- validation done"), done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_with_its_version_and_every_job_has_permissions(path: Path) -> None:
    text = path.read_text()
    uses = re.findall(r"uses: (\S+)( # v[\d.]+)?", text)
    assert uses and all(PINNED.match(u) and version for u, version in uses), uses
    doc = load(path)
    assert doc["permissions"] == {}
    assert all("permissions" in job for job in doc["jobs"].values())


def test_deploys_run_staging_then_prod_one_update_per_stack_at_a_time() -> None:
    jobs = load(ROOT / ".github/workflows/deploy.yml")["jobs"]
    assert jobs["up"]["environment"] == "staging" and jobs["up"]["strategy"]["matrix"]["stack"] == ["staging"]
    assert (jobs["up-prod"]["environment"], jobs["up-prod"]["needs"]) == ("prod", "up")
    assert jobs["up"]["concurrency"] == {"group": "pulumi-${{ matrix.stack }}", "cancel-in-progress": False}
    assert jobs["up-prod"]["concurrency"] == {"group": "pulumi-prod", "cancel-in-progress": False}
    for job in jobs.values():
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        step = next(s for s in job["steps"] if s["uses"].startswith("pulumi/actions@"))
        assert (step["with"]["command"], step["with"]["policyPacks"]) == ("up", "policy")


def test_pull_requests_get_tests_an_offline_diff_and_a_preview_from_this_repo_only() -> None:
    jobs = load(ROOT / ".github/workflows/pull-request.yml")["jobs"]
    assert jobs["offline-diff"]["permissions"] == {"contents": "read"}  # forks too: no credentials needed
    assert "products/flashfusion/Pulumi.prod.yaml" in jobs["offline-diff"]["strategy"]["matrix"]["stack"]
    preview = jobs["preview"]
    assert preview["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert preview["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    step = next(s for s in preview["steps"] if s["uses"].startswith("pulumi/actions@"))
    assert {k: step["with"][k] for k in ("command", "comment-on-pr", "policyPacks")} == {
        "command": "preview",
        "comment-on-pr": True,
        "policyPacks": "policy",
    }


def test_the_drift_check_refreshes_and_expects_no_changes() -> None:
    doc = load(ROOT / ".github/workflows/drift.yml")
    step = next(s for s in doc["jobs"]["preview"]["steps"] if s["uses"].startswith("pulumi/actions@"))
    assert {k: step["with"][k] for k in ("command", "refresh", "expect-no-changes")} == {
        "command": "preview",
        "refresh": True,
        "expect-no-changes": True,
    }
    assert doc["jobs"]["report"]["permissions"] == {"issues": "write"}
