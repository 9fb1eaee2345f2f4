"""`ops audit <stack> --state EXPORT --history HISTORY`: the deployed stack beside the code.

EXPORT is `pulumi stack export`: an UntypedDeployment `{"version": 3, "deployment": {"manifest",
"secrets_providers", "resources": [ResourceV3…]}}` (pulumi/pulumi sdk/go/common/apitype/core.go; the
Pulumi Cloud REST API's "Export stack" example has the same shape). A secret in it is
`{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": …}`.

HISTORY is `pulumi stack history --json`: a list of updateInfoJSON `{version, kind, startTime, message,
environment, config, result, endTime, resourceChanges}` (pulumi/pulumi pkg/cmd/pulumi/stack/stack_history.go),
whose environment holds `git.head` and `git.dirty` (pkg/backend/updates.go) when the update ran in a git tree.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from components.shared.sdk_internals import SECRET_SIG, SECRET_SIG_KEY
from ops.commands import diff
from policy.frameworks import pack_rows
from policy.resources import Res

STATE = "state"
STACK = "pulumi:pulumi:Stack"


def _plain(value: Any, path: str, secrets: list[str]) -> Any:
    """The value with each secret replaced by "[secret]", and the secret paths collected."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            secrets.append(path or ".")
            return "[secret]"
        return {k: _plain(v, f"{path}.{k}" if path else k, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, f"{path}[{i}]", secrets) for i, v in enumerate(value)]
    return value


def read_state(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text())
    if not isinstance(doc, dict) or doc.get("version") != 3 or not isinstance(doc.get("deployment"), dict):
        raise ValueError(f"{path} is not a `pulumi stack export` (an object with version 3 and a deployment)")
    resources: list[dict[str, Any]] = doc["deployment"].get("resources") or []
    return resources


def rows(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The deployed resources in the offline plan's row shape, so the plan's diff compares them. Their
    secrets' values are unknown here (ciphertext): a secret never counts as drift."""
    out = []
    for r in resources:
        if r["type"] == STACK or r.get("delete"):
            continue
        secrets: list[str] = []
        inputs = _plain(r.get("inputs") or {}, "", secrets)
        out.append(
            {
                "type": r["type"],
                "name": r["urn"].split("::")[-1],
                "urn": r["urn"],
                "inputs": inputs,
                "secretInputs": secrets,
                "protect": bool(r.get("protect")),
                "aliases": [],
            }
        )
    return out


def deployed(resources: list[dict[str, Any]], plan_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Controls on the deployed resources, their real identifiers, and the drift between code and state."""
    found = []
    facts = []
    for r in resources:
        if not r.get("custom") or r["type"].startswith("pulumi:providers:") or r.get("delete"):
            continue
        props = {**_plain(r.get("outputs") or {}, "", []), **_plain(r.get("inputs") or {}, "", [])}
        name = r["urn"].split("::")[-1]
        parent = r.get("parent") or ""
        found.append(Res(r["type"], name, r["urn"], parent, props, bool(r.get("protect"))))
        outputs = r.get("outputs") or {}
        facts.append(
            {
                "urn": r["urn"],
                "id": r.get("id"),
                "arn": outputs.get("arn") if isinstance(outputs.get("arn"), str) else None,
                "region": outputs.get("region") if isinstance(outputs.get("region"), str) else None,
                "source": STATE,
            }
        )
    controls = pack_rows(found, STATE)
    change = diff.compare(rows(resources), [r for r in plan_rows if r["type"] != STACK])
    words = {"create": "declared, not deployed", "delete": "deployed, no longer declared"}
    drift = [
        {
            "resource": f"{c.type} {c.name}",
            "what": words.get(c.action, f"deployed differently ({c.action} at the next `pulumi up`)"),
            "fields": [f[0] for f in c.fields] if c.action in ("update", "replace") else [],
            "source": STATE,
        }
        for c in change.changes
    ]
    return {"resources": len(found), "identifiers": facts, "controls": controls, "drift": drift}


def updates(path: Path, repo: Path | None) -> list[dict[str, Any]]:
    """Each update with the commit it came from; one with no commit of this repository, or made from a
    tree with uncommitted changes, is flagged."""
    listed = json.loads(path.read_text())
    if not isinstance(listed, list):
        raise ValueError(f"{path} is not `pulumi stack history --json` (a list of updates)")
    out = []
    for u in listed:
        env = u.get("environment") or {}
        head = env.get("git.head")
        subject = None
        if head and repo is not None:
            shown = subprocess.run(
                ["git", "-C", str(repo), "log", "-1", "--format=%s", f"{head}^{{commit}}", "--"],
                capture_output=True,
                text=True,
                check=False,
            )
            subject = shown.stdout.strip() if shown.returncode == 0 else None
        flags = []
        if subject is None:
            flags.append("no matching commit in this repository: a `pulumi up` from outside it (a laptop?)")
        if env.get("git.dirty") == "true":
            flags.append("applied from a tree with uncommitted changes")
        out.append(
            {
                "version": u.get("version"),
                "kind": u.get("kind"),
                "startTime": u.get("startTime"),
                "endTime": u.get("endTime"),
                "result": u.get("result"),
                "resourceChanges": u.get("resourceChanges") or {},
                "commit": head,
                "commitSubject": subject,
                "flags": flags,
                "source": STATE,
            }
        )
    return out
