"""`ops diff <stack> [<git-ref>]`: what a change to the code or a stack file would do, offline.

Both sides are offline plans (`--json`): the ref's (ops.offline.at_ref), and the working tree's.
No credentials are needed, so a pull request from a fork gets it too.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from ops.commands.flatten import flatten, whole_element
from ops.commands.in_place import replacing
from ops.commands.plan import SECRET, STACK_TYPE, _walk, digest_of

SECRET_CHANGED = "[secret changed]"
ACTION_ORDER = ("delete", "replace", "create", "update")  # what a reviewer must not miss comes first
LONG = 100  # characters of one value shown without --full
CREATE_FIELDS = 12  # inputs of a new resource shown without --full
ON_CALL_TYPE = "pagerduty:index/schedule:Schedule"


@dataclass
class Change:
    action: str  # create, update, replace, delete
    type: str
    name: str
    protect: bool
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)
    reason: str = ""

    @property
    def dangerous(self) -> bool:
        return self.protect and self.action in ("replace", "delete")


@dataclass
class Diff:
    changes: list[Change]
    unchanged: int
    outputs: list[tuple[str, Any, Any]] = field(default_factory=list)  # (name, before, after); MISSING if none

    @property
    def dangerous(self) -> list[Change]:
        return [c for c in self.changes if c.dangerous]


MISSING = "(none)"
REMOVED, ADDED = "(element removed)", "(element added)"  # a named list element, whole


def _masked(row: dict[str, Any]) -> dict[str, Any]:
    """A row's inputs with each secret part standing for its digest: compared, never shown."""
    inputs = copy.deepcopy(row["inputs"])
    digests = row.get("secretDigests")
    for path in row.get("secretInputs", []):
        # plans from before digests existed cannot tell a changed secret from an unchanged one
        marker = SecretValue(digests.get(path, "") if digests is not None else None)
        container, key = _walk(inputs, path)
        if key is None:
            return {"": marker}
        present = key in container if isinstance(container, dict) else isinstance(key, int) and key < len(container)
        if present:  # a plan's secret path may point at an input the other plan's code no longer has
            container[key] = marker
    return inputs


@dataclass(frozen=True)
class SecretValue:
    digest: str | None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretValue):
            return False
        return self.digest is None or other.digest is None or self.digest == other.digest

    def __hash__(self) -> int:
        return 0


def _same(old: Any, new: Any) -> bool:
    # a value one plan masks and the other shows (a code change to what counts as secret) is compared
    # through its digest
    if isinstance(old, SecretValue) and not isinstance(new, SecretValue):
        return old == SecretValue(digest_of(new))
    if isinstance(new, SecretValue) and not isinstance(old, SecretValue):
        return new == SecretValue(digest_of(old))
    return bool(old == new)


def _fields(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    a, b = flatten(_masked(before)), flatten(_masked(after))
    # an element added or removed whole is one line, not one per field
    for side, other, gone in ((a, b, True), (b, a, False)):
        for key in [k for k in side if k not in other]:
            whole = whole_element(key, other)
            if whole is not None:
                side.pop(key)
                side.setdefault(whole, REMOVED if gone else ADDED)
    out: list[tuple[str, Any, Any]] = []
    for key in sorted(set(a) | set(b)):
        old, new = a.get(key, MISSING), b.get(key, MISSING)
        if _same(old, new):
            continue
        if isinstance(old, SecretValue) or isinstance(new, SecretValue):
            out.append((key, SECRET_CHANGED, SECRET_CHANGED))
        else:
            out.append((key, old, new))
    return out


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> Diff:
    stacks = [next((r for r in rows if r["type"] == STACK_TYPE), None) for rows in (before, after)]
    before = [r for r in before if r["type"] != STACK_TYPE]
    after = [r for r in after if r["type"] != STACK_TYPE]
    old = {r["urn"]: r for r in before}
    changes, unchanged, matched = [], 0, set()
    for row in after:
        urns = [row["urn"], *row.get("aliases", [])]
        prior = next((old[u] for u in urns if u in old), None)
        if prior is None:
            fields = [(k, MISSING, v) for k, v in flatten(_masked(row)).items() if v not in (None, [], {}, "")]
            fields = [(k, o, SECRET if isinstance(v, SecretValue) else v) for k, o, v in fields]
            changes.append(Change("create", row["type"], row["name"], row["protect"], fields))
            continue
        matched.add(prior["urn"])
        fields = _fields(prior, row)
        if not fields:
            unchanged += 1
            continue
        keepers = [f for f in fields if f[0].startswith("keepers")]
        forced = replacing(row["type"], [f[0] for f in fields])
        if keepers or forced is None or forced:
            if keepers:
                why = "keepers changed"
            elif forced is None:
                why = f"no in-place table entry for {row['type']} (ops/commands/in_place.py): every change replaces"
            else:
                why = f"{', '.join(sorted({f.split('.')[0].split('[')[0] for f in forced}))} cannot change in place"
            changes.append(Change("replace", row["type"], row["name"], prior["protect"], fields, why))
        else:
            changes.append(Change("update", row["type"], row["name"], row["protect"], fields))
    for urn, row in old.items():
        if urn not in matched:
            changes.append(Change("delete", row["type"], row["name"], row["protect"]))
    # The mocks register resources in no fixed order; a review comment must not churn between two runs.
    changes.sort(key=lambda c: (ACTION_ORDER.index(c.action), c.type, c.name))
    outputs: list[tuple[str, Any, Any]] = []
    if stacks[0] is not None and stacks[1] is not None:  # a plan from before outputs were listed has none
        a, b = flatten(stacks[0]["outputs"]), flatten(stacks[1]["outputs"])
        outputs = [(k, a.get(k, MISSING), b.get(k, MISSING)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return Diff(changes, unchanged, outputs)


def _value(value: Any, full: bool) -> str:
    if value in (SECRET_CHANGED, SECRET, MISSING):
        return str(value)
    text = json.dumps(value, sort_keys=True)
    return text if full or len(text) <= LONG else text[: LONG - 1] + "…"


def _change(old: Any, new: Any, full: bool) -> str:
    """`old -> new`; two long texts are cut to where they differ, with some context on each side."""
    a, b = _value(old, True), _value(new, True)
    if full or (len(a) <= LONG and len(b) <= LONG) or not (isinstance(old, str) and isinstance(new, str)):
        return f"{_value(old, full)} -> {_value(new, full)}"
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    context = 24

    def cut(text: str) -> str:
        lo, hi = max(start - context, 0), len(text) - max(end - context, 0)
        middle = text[lo:hi]
        if len(middle) > LONG:  # a long stretch differs: its start and its end
            middle = middle[: LONG // 2] + " … " + middle[-LONG // 2 :]
        return ("…" if lo else "") + middle + ("…" if hi < len(text) else "")

    return f"{cut(a)} -> {cut(b)}"


def _field_lines(c: Change, full: bool) -> list[str]:
    if c.action == "create":
        shown = c.fields if full else c.fields[:CREATE_FIELDS]
        lines = [f"    {path}: {_value(new, full)}" for path, _, new in shown]
        if len(c.fields) > len(shown):
            lines.append(f"    … {len(c.fields) - len(shown)} more input(s) (--full shows every one)")
        return lines
    words = {REMOVED: "removed", ADDED: "added"}
    return [
        f"    {path}: {SECRET_CHANGED}"
        if old == SECRET_CHANGED
        else f"    {path}: {words[old] if old == REMOVED else words[new]}"
        if REMOVED in (old, new) or ADDED in (old, new)
        else f"    {path}: {_change(old, new, full)}"
        for path, old, new in c.fields
    ]


def as_text(diff: Diff, stack: str, ref: str, full: bool = False) -> str:
    counts = {a: sum(c.action == a for c in diff.changes) for a in ACTION_ORDER}
    summary = ", ".join(f"{n} to {a}" for a, n in counts.items() if n) or "no changes"
    lines = [f"Diff of stack {stack!r} against {ref} (offline plans): {summary}; {diff.unchanged} unchanged."]
    for c in diff.dangerous:
        lines.append(f"!! PROTECTED {c.type} {c.name} would be {c.action}d: the change is refused (exit 2)")
    marks = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}
    for c in diff.changes:
        why = f"  ({c.reason})" if c.reason else ""
        lines.append(f"{marks[c.action]} {c.action} {c.type} {c.name}{why}")
        lines += _field_lines(c, full)
        if c.type == ON_CALL_TYPE and any(f[0].startswith("layers") for f in c.fields):
            # a layer's members or rotationVirtualStart decide who is on call right now
            # (PagerDuty/terraform-provider-pagerduty#215, #585)
            lines.append("    !! who is on call changes at apply")
    if diff.outputs:
        lines.append("Outputs:")
        lines += [f"  ~ {name}: {_change(old, new, full)}" for name, old, new in diff.outputs]
        if any(name == "vercelEnvFingerprint" for name, _, _ in diff.outputs):
            lines.append(
                "  Vercel reads environment variables only when it deploys: after `pulumi up`, redeploy "
                "(POST to the vercelDeployHookUrl output)."
            )
    return "\n".join(lines)


def as_json(diff: Diff) -> str:
    return json.dumps(
        {
            "changes": [
                {
                    "action": c.action,
                    "type": c.type,
                    "name": c.name,
                    "protect": c.protect,
                    "reason": c.reason,
                    "fields": [{"path": p, "before": o, "after": n} for p, o, n in c.fields],
                }
                for c in diff.changes
            ],
            "unchanged": diff.unchanged,
            "outputs": [{"name": n, "before": o, "after": a} for n, o, a in diff.outputs],
            "protectedReplacedOrDeleted": [f"{c.type} {c.name}" for c in diff.dangerous],
        },
        indent=2,
        sort_keys=True,
    )
