"""The text of one review with every kind of change, pinned: what a reviewer reads in the pull request.

One edit of prod's stack file: maintenance on (an update shown in clear, because the variable is not
sensitive), a second domain (a create with its key inputs), NEXTAUTH_SECRET rotated (a replacement through
its keepers, secrets masked once, the redeploy note), a stricter availability SLO (one query of each burn
alarm, by its id, and the cut of a long description to where it differs), and the thresholds removed (deletes).
`UPDATE_GOLDEN=1 pytest tests/ops/test_diff_golden.py` rewrites the files; review their diff like code.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from ops.commands.diff import as_text, compare
from ops.commands.plan import as_json
from tests.helpers import file_config, synth_with

GOLDEN = Path(__file__).parent / "golden"
EDIT = {
    "platform:vercel": {
        "maintenanceMode": True,
        "domains": ["app.learningaccelerator.com", "www.learningaccelerator.com"],
    },
    "platform:secrets": {"items": {"NEXTAUTH_SECRET": {"rotation": {"generation": 5, "lastRotated": "2026-11-23"}}}},
}


@pytest.fixture(scope="module")
def review() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    # an override replaces a list whole: the SLOs as the file has them, the first one stricter
    slos = copy.deepcopy(file_config("prod")["platform:alerts"]["slos"])
    slos[0]["target"] = 99.9
    edited = synth_with("prod", {**EDIT, "platform:alerts": {"thresholds": [], "slos": slos}})
    return json.loads(as_json(synth_with("prod"))), json.loads(as_json(edited))


@pytest.mark.parametrize("full", [False, True], ids=["review", "review-full"])
def test_the_review_reads_as_pinned(
    review: tuple[list[dict[str, object]], list[dict[str, object]]], full: bool
) -> None:
    before, after = review
    text = as_text(compare(before, after), "prod", "HEAD", full=full) + "\n"
    golden = GOLDEN / f"{'review-full' if full else 'review'}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_the_review_has_every_kind_of_change(review: tuple[list[dict[str, object]], list[dict[str, object]]]) -> None:
    before, after = review
    diff = compare(before, after)
    assert {c.action for c in diff.changes} == {"create", "update", "replace", "delete"}
    text = as_text(diff, "prod", "HEAD")
    assert '    value: "false" -> "true"\n' in text  # not sensitive: in clear
    assert "    value: [secret changed]\n" in text  # sensitive: masked, once
    assert '    metricQueries[id=burn].expression: "(100 - good) / 0.5" -> "(100 - good) / 0.1"' in text
    assert "  ~ vercelEnvFingerprint: " in text and "redeploy (POST to the vercelDeployHookUrl output)" in text
    assert max(len(line) for line in text.splitlines()) < 320  # no 500-character lines
