"""The CI workflows: zizmor and the GitHub workflow schema pass, actions are pinned, permissions are least."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from components.shared.stack import environment_of_stack
from ops.offline.stackfile import ROOT, read, stack_names

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
TOOLS = ROOT / ".venv-tools" / "bin"  # .ci/run installs them there
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict[str, Any]:
    return YAML(typ="safe", pure=True).load(path.read_text())


def test_the_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "deploy.yml",
        "drift.yml",
        "offline-diff-comment.yml",
        "pull-request.yml",
        "rotate.yml",
    ]


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


def listed() -> dict[str, list[str]]:
    """What .github/stacks.sh tells the workflows, run as a job runs it."""
    done = subprocess.run(["bash", str(ROOT / ".github" / "stacks.sh")], capture_output=True, text=True, check=True)
    return {k: json.loads(v) for k, v in (line.split("=", 1) for line in done.stdout.splitlines())}


def test_the_stack_list_is_every_stack_file_split_by_environment() -> None:
    names = stack_names()
    assert listed() == {
        "all": names,
        "prod": [n for n in names if environment_of_stack(n) == "production"],
        "staging": [n for n in names if environment_of_stack(n) == "staging"],
    }
    assert len(names) == 8


@pytest.mark.parametrize(
    ("workflow", "job", "stacks"),
    [
        ("pull-request.yml", "offline-diff", "all"),
        ("pull-request.yml", "preview", "all"),
        ("deploy.yml", "up", "staging"),
        ("deploy.yml", "up-prod", "prod"),
        ("drift.yml", "preview", "all"),
        ("rotate.yml", "rotate", "all"),
    ],
)
def test_every_stack_in_every_workflow_from_the_one_list(workflow: str, job: str, stacks: str) -> None:
    jobs = load(ROOT / ".github/workflows" / workflow)["jobs"]
    assert jobs[job]["strategy"]["matrix"]["stack"] == f"${{{{ fromJSON(needs.stacks.outputs.{stacks}) }}}}"
    assert "stacks" in ([jobs[job]["needs"]] if isinstance(jobs[job]["needs"], str) else jobs[job]["needs"])
    step = next(s for s in jobs["stacks"]["steps"] if "run" in s)
    assert step["run"] == 'bash .github/stacks.sh >> "$GITHUB_OUTPUT"'
    assert jobs["stacks"]["permissions"] == {"contents": "read"}


def test_deploys_run_every_staging_then_each_prod_behind_its_own_environment() -> None:
    jobs = load(ROOT / ".github/workflows/deploy.yml")["jobs"]
    assert jobs["up"]["environment"] == "staging"
    assert (jobs["up-prod"]["environment"], jobs["up-prod"]["needs"]) == ("${{ matrix.stack }}", ["stacks", "up"])
    for job in ("up", "up-prod"):
        assert jobs[job]["concurrency"] == {"group": "pulumi-${{ matrix.stack }}", "cancel-in-progress": False}
        assert jobs[job]["permissions"] == {"contents": "read", "id-token": "write"}
        step = next(s for s in jobs[job]["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
        assert (step["with"]["command"], step["with"]["stack-name"], step["with"]["policyPacks"]) == (
            "up",
            "${{ matrix.stack }}",
            "policy",
        )
        verify = jobs[job]["steps"][-1]
        assert verify["name"] == "verify the health checks" and '.venv/bin/ops verify "$STACK"' in verify["run"]
        assert "Roll back: revert the merge commit; the revert's pull request shows the diff back." in verify["run"]
    # bootstrap declares a deploy role for each of those environments, trusted for that one only
    ci = read(ROOT / "bootstrap" / "Pulumi.ci.yaml", "ci").config
    assert ci["bootstrap:environments"] == ["staging", *listed()["prod"]]


def test_pull_requests_get_tests_an_offline_diff_and_a_preview_from_this_repo_only() -> None:
    jobs = load(ROOT / ".github/workflows/pull-request.yml")["jobs"]
    assert jobs["offline-diff"]["permissions"] == {"contents": "read"}  # forks too: no credentials needed
    # what the comment's script (tests/test_offline_diff_comment.py) reads from each stack's artifact
    steps = jobs["offline-diff"]["steps"]
    diffed = next(s for s in steps if s.get("name") == "diff against the base branch")["run"]
    for line in (
        '.venv/bin/ops diff "$STACK" "$BASE" > diff/body.txt 2> diff/errors.txt',
        'echo "$PR_NUMBER" > diff/pr-number',
        'echo "$STACK" > diff/stack',
        'echo "$status" > diff/status',
        'exit "$status"',
    ):
        assert line in diffed.splitlines()
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"] == {"name": "offline-diff-${{ matrix.stack }}", "path": "diff/", "retention-days": 7}
    preview = jobs["preview"]
    assert preview["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert preview["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    step = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert {k: step["with"][k] for k in ("command", "comment-on-pr", "policyPacks")} == {
        "command": "preview",
        "comment-on-pr": True,
        "policyPacks": "policy",
    }


def test_the_drift_check_refreshes_and_expects_no_changes() -> None:
    doc = load(ROOT / ".github/workflows/drift.yml")
    step = next(s for s in doc["jobs"]["preview"]["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert {k: step["with"][k] for k in ("command", "refresh", "expect-no-changes")} == {
        "command": "preview",
        "refresh": True,
        "expect-no-changes": True,
    }
    assert doc["jobs"]["report"]["permissions"] == {"issues": "write"}


def test_the_weekly_rotation_opens_one_pull_request_per_stack_whose_ci_runs() -> None:
    doc = load(ROOT / ".github/workflows/rotate.yml")
    assert doc["on"] == {"schedule": [{"cron": "43 5 * * 1"}], "workflow_dispatch": None}
    job = doc["jobs"]["rotate"]
    assert job["permissions"] == {"contents": "read"}  # the pushes are the App's
    steps = {s.get("id") or s.get("uses", "").split("@")[0]: s for s in job["steps"]}
    bump = steps["rotate"]["run"].splitlines()
    assert '.venv/bin/ops rotate "$STACK" --due --pr-body "$body"' in bump
    assert '.venv/bin/ops diff "$STACK" HEAD > "$RUNNER_TEMP/rotation/diff.txt" 2>&1' in bump
    # an App's token: a push made with the workflow's GITHUB_TOKEN would start no workflow on the PR
    assert steps["app"]["uses"].startswith("actions/create-github-app-token@")
    assert steps["app"]["with"]["permission-contents"] == "write"
    pr = steps["peter-evans/create-pull-request"]
    assert pr["if"] == steps["app"]["if"] == "steps.rotate.outputs.due == 'true'"
    assert {k: pr["with"][k] for k in ("token", "branch", "add-paths", "body-path")} == {
        "token": "${{ steps.app.outputs.token }}",
        "branch": "rotate/${{ matrix.stack }}",  # one branch, so one pull request, per stack, updated in place
        "add-paths": "Pulumi.${{ matrix.stack }}.yaml",
        "body-path": "${{ steps.rotate.outputs.body }}",
    }


def test_the_comment_job_runs_no_code_of_the_pull_request() -> None:
    job = load(ROOT / ".github/workflows/offline-diff-comment.yml")["jobs"]["comment"]
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    uses = [s.get("uses", "").split("@")[0] for s in job["steps"]]
    assert uses == ["actions/download-artifact", "actions/github-script"]  # no checkout, no run step
    assert not any("run" in s for s in job["steps"])
