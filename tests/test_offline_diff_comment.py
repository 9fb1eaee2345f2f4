"""The offline diff comment's script (offline-diff-comment.yml), run in node as actions/github-script runs it,
against a stand-in GitHub API: one comment per pull request, edited on every push, long diffs cut with a
link to their artifact, and nothing posted for a run that is not the pull request's head."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ops.offline.stackfile import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "offline-diff-comment.yml"
HARNESS = ROOT / "tests" / "fixtures" / "github_script.js"
HEAD = "a" * 40
RUN_URL = "https://github.com/acme/platform/actions/runs/77"


def script() -> str:
    steps = YAML(typ="safe", pure=True).load(WORKFLOW.read_text())["jobs"]["comment"]["steps"]
    return next(s for s in steps if s.get("uses", "").startswith("actions/github-script@"))["with"]["script"]


def artifact(root: Path, stack: str, body: str, status: int, *, errors: str = "", number: str = "12") -> None:
    d = root / "diffs" / f"offline-diff-{stack}"
    d.mkdir(parents=True)
    for name, text in {"body.txt": body, "errors.txt": errors, "pr-number": number + "\n"}.items():
        (d / name).write_text(text)
    (d / "stack").write_text(stack + "\n")
    (d / "status").write_text(f"{status}\n")


def run(root: Path, state: dict[str, Any]) -> dict[str, Any]:
    (root / "script.js").write_text(script())
    (root / "state.json").write_text(json.dumps(state))
    done = subprocess.run(
        ["node", str(HARNESS), "script.js", "state.json"], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads((root / "state.json").read_text())
    return out


def state(head: str = HEAD, comments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "context": {
            "repo": {"owner": "acme", "repo": "platform"},
            "serverUrl": "https://github.com",
            "payload": {"workflow_run": {"id": 77, "head_sha": HEAD}},
        },
        "pulls": {"12": {"head": {"sha": head}}},
        "artifacts": [{"id": 501, "name": "offline-diff-prod"}, {"id": 502, "name": "offline-diff-staging"}],
        "comments": comments or [{"id": 1, "user": {"login": "reviewer"}, "body": "<!-- offline-diff --> looks good"}],
        "nextId": 2,
    }


PROD = "Diff of stack 'prod' against abc (offline plans): 1 to update; 161 unchanged.\n~ update x y\n"
STAGING = "Diff of stack 'staging' against abc (offline plans): no changes; 110 unchanged.\n"


@pytest.fixture
def posted(tmp_path: Path) -> dict[str, Any]:
    artifact(tmp_path, "staging", STAGING, 0)
    violation = "Policy pack: 1 violation(s), 1 mandatory:\n  [mandatory] kms-rotation\n"
    artifact(tmp_path, "prod", PROD, 3, errors=violation)
    return run(tmp_path, state())


def test_the_first_push_posts_one_comment_with_every_stack_and_its_exit(posted: dict[str, Any]) -> None:
    assert [c["name"] for c in posted["calls"]] == [
        "pulls.get",
        "actions.listWorkflowRunArtifacts",
        "issues.listComments",
        "issues.createComment",
    ]
    assert posted["calls"][0]["params"] == {"owner": "acme", "repo": "platform", "pull_number": 12}
    # a reviewer's comment that quotes the marker is not the workflow's
    assert [c["id"] for c in posted["comments"]] == [1, 2]
    assert posted["comments"][1]["body"] == (
        "<!-- offline-diff -->\n"
        f"### Offline diff (no credentials, under mocks) at {HEAD}\n\n"
        "#### prod: exit 3 (policy violation)\n\n"
        f"````\n{PROD}Policy pack: 1 violation(s), 1 mandatory:\n  [mandatory] kms-rotation\n````\n\n"
        "#### staging: exit 0 (ok)\n\n"
        f"````\n{STAGING.rstrip()}\n````"
    )


def test_a_later_push_edits_the_same_comment(posted: dict[str, Any], tmp_path: Path) -> None:
    again = tmp_path / "again"
    artifact(again, "staging", STAGING, 0)
    artifact(again, "prod", PROD.replace("1 to update", "2 to update"), 0)
    later = {**state(), "comments": posted["comments"], "nextId": posted["nextId"]}
    done = run(again, later)
    assert [c["name"] for c in done["calls"]][-1] == "issues.updateComment"
    assert done["calls"][-1]["params"]["comment_id"] == 2
    assert [c["id"] for c in done["comments"]] == [1, 2]
    assert (
        "#### prod: exit 0 (ok)\n\n````\nDiff of stack 'prod' against abc (offline plans): 2 to update;"
        in (done["comments"][1]["body"])
    )


def test_a_long_diff_is_cut_and_links_its_artifact(tmp_path: Path) -> None:
    long = "Diff of stack 'prod' against abc (offline plans): 900 to create; 0 unchanged.\n" + "+ create x\n" * 9000
    artifact(tmp_path, "prod", long, 0)
    artifact(tmp_path, "staging", STAGING, 0)
    body = run(tmp_path, state())["comments"][-1]["body"]
    share = 60000 // 2 - 400
    assert (
        f"\n\nCut at {share} of {len(long)} characters: the whole diff is the artifact "
        f"[offline-diff-prod]({RUN_URL}/artifacts/501)."
    ) in body
    assert len(body) < 65536
    assert "#### staging: exit 0 (ok)" in body and "Cut at" not in body.split("#### staging")[1]


def test_a_run_that_is_not_the_pull_requests_head_posts_nothing(tmp_path: Path) -> None:
    artifact(tmp_path, "prod", PROD, 0)
    done = run(tmp_path, state(head="b" * 40))
    assert done["calls"] == [
        {"name": "pulls.get", "params": {"owner": "acme", "repo": "platform", "pull_number": 12}},
        {"name": "core.warning", "params": {"text": f"pull request #12 is not at {HEAD}: no comment"}},
    ]
    assert [c["id"] for c in done["comments"]] == [1]


def test_what_the_artifact_says_is_data_a_stack_name_and_a_fence_cannot_break_out(tmp_path: Path) -> None:
    artifact(tmp_path, "prod", "````\n# injected heading\n", 0)
    (tmp_path / "diffs" / "offline-diff-prod" / "stack").write_text("[click](https://evil.example)\n")
    body = run(tmp_path, state())["comments"][-1]["body"]
    assert "#### offline-diff-prod: exit 0 (ok)\n\n````\n''''\n# injected heading\n````" in body
    assert "evil.example" not in body
