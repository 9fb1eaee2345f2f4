"""The offline plan: the resource tree a stack file declares, read under mocks. Secret values never print."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

from components.secrets.inventory import INVENTORY_TYPE, random_names
from ops.offline.synth import Resource, Synth, placeholder

SECRET = "[secret]"
STACK_TYPE = "pulumi:pulumi:Stack"  # the row of the stack's own outputs in `--json`


def _walk(inputs: Any, path: str) -> tuple[Any, str | int | None]:
    """The container holding the value at a secret path (`values`, `rules[0].key`) and its key; "." is the whole."""
    if path == ".":
        return inputs, None
    keys: list[str | int] = [int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"[^.\[\]]+|\[\d+\]", path)]
    for key in keys[:-1]:
        inputs = inputs[key]
    return inputs, keys[-1]


def as_written(value: Any) -> Any:
    """Numbers as the stack file writes them: the engine hands every number over as a float (32.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: as_written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_written(v) for v in value]
    return value


# Inputs an SDK marks secret whatever the program passes. pulumiverse_vercel's ProjectEnvironmentVariable
# wraps every `value` in Output.secret; a variable that is not `sensitive` carries a plain value from the
# stack file (platform:vercel.env, MAINTENANCE_MODE), which the config and the policy pack keep free of
# secrets, so the plan and the diff show it.
NOT_SECRET_UNLESS: dict[str, tuple[str, str]] = {
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": ("value", "sensitive"),
}


def secret_paths(resource: Resource) -> list[str]:
    rule = NOT_SECRET_UNLESS.get(resource.type)
    if rule is not None and resource.inputs.get(rule[1]) is False:
        return [p for p in resource.secret_paths if p != rule[0]]
    return resource.secret_paths


def masked(resource: Resource) -> dict[str, Any]:
    """The inputs, numbers as written, with every secret part replaced by a marker."""
    inputs = as_written(copy.deepcopy(resource.inputs))
    for path in secret_paths(resource):
        container, key = _walk(inputs, path)
        if key is None:
            return {"": SECRET}
        container[key] = SECRET
    return inputs


def stale_secrets(synth: Synth) -> set[str]:
    """Logical names of the random resources that hold a stale secret."""
    inventories = [r.name for r in synth.of_type(INVENTORY_TYPE)]
    return {n for inv in inventories for s in synth.stale for n in random_names(inv, s.name)}


def is_stale(resource: Resource, stale: set[str]) -> bool:
    return resource.type.startswith("random:") and resource.name in stale


def digest_of(value: Any) -> str:
    """What a plan records of a secret value: enough to tell a changed one, nothing to recover it."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def secret_digests(resource: Resource) -> dict[str, str]:
    out = {}
    for path in secret_paths(resource):
        container, key = _walk(resource.inputs, path)
        out[path] = digest_of(container if key is None else container[key])
    return out


def as_json(synth: Synth) -> str:
    stale = stale_secrets(synth)
    rows = []
    # the mocks register in no fixed order: by URN, two runs print the same
    for r in sorted(synth.resources, key=lambda r: r.urn):
        parent = synth.parent_of(r)
        rows.append(
            {
                "type": r.type,
                "name": r.name,
                "urn": r.urn,
                "parent": None if parent is None else {"type": parent.type, "name": parent.name},
                "inputs": masked(r),
                "secretInputs": secret_paths(r),
                "protect": r.protect,
                "retainOnDelete": r.retain_on_delete,
                "stale": is_stale(r, stale),
                "aliases": r.aliases,
                # offline values only (mock fakes, placeholders): lets a diff say "[secret changed]"
                "secretDigests": secret_digests(r),
            }
        )
    project = synth.resources[0].urn.split("::")[1] if synth.resources else "platform"
    rows.append(
        {
            "type": STACK_TYPE,
            "name": synth.stack,
            "urn": f"urn:pulumi:{synth.stack}::{project}::{STACK_TYPE}::{project}-{synth.stack}",
            "parent": None,
            "inputs": {},
            # "[secret]" for a secret output; its digest says whether it changed
            "outputs": as_written(synth.outputs),
            "secretInputs": [],
            "protect": False,
            "retainOnDelete": False,
            "stale": False,
            "aliases": [],
            "secretDigests": {},
        }
    )
    rows.sort(key=lambda row: str(row["urn"]))
    return json.dumps(rows, indent=2, sort_keys=True)


def _short(value: Any) -> str:
    if isinstance(value, str) and value[:1] == "{":
        try:  # policy documents: compact, stable
            return json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"))
        except json.JSONDecodeError:
            pass
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))


def as_text(synth: Synth, stack_file: str) -> str:
    stale = stale_secrets(synth)
    lines = [
        f"Offline plan of stack {synth.stack!r} from {stack_file}: the real program under Pulumi's mocks "
        "(no CLI, no credentials, no network).",
        f"{len(synth.resources)} resources; {sum(r.protect for r in synth.resources)} protected.",
    ]
    if synth.placeholders:
        lines.append("Placeholders stand in for secrets the stack file does not hold:")
        lines += [f"  platform:{p}: {placeholder(p, synth.stack)}" for p in synth.placeholders]
    if synth.stale:
        lines.append("Stale secrets:")
        lines += [f"  {s.message}" for s in synth.stale]
    if synth.warnings:
        lines.append("Warnings:")
        lines += [f"  {w}" for w in synth.warnings if not any(w == s.message for s in synth.stale)]
    if "vercelEnvFingerprint" in synth.outputs:
        lines.append(
            "Vercel reads environment variables only when it deploys: when `pulumi preview` shows "
            "vercelEnvFingerprint changing, redeploy after `pulumi up` (POST to the vercelDeployHookUrl output)."
        )
    children: dict[str, list[Resource]] = {}
    ordered = sorted(synth.resources, key=lambda r: r.urn)  # the mocks register in no fixed order
    for r in ordered:
        children.setdefault(r.parent, []).append(r)
    roots = [r for r in ordered if synth.parent_of(r) is None]

    def walk(resource: Resource, depth: int) -> None:
        flags = [
            f
            for f, on in (
                ("protect", resource.protect),
                ("retain-on-delete", resource.retain_on_delete),
                ("STALE", is_stale(resource, stale)),
            )
            if on
        ]
        pad = "  " * depth
        lines.append(f"{pad}{resource.type}  {resource.name}" + (f"  [{', '.join(flags)}]" if flags else ""))
        for key, value in sorted(masked(resource).items()):
            if value not in (None, [], {}, ""):
                lines.append(f"{pad}    {key}: {_short(value)}")
        for child in children.get(resource.urn, []):
            walk(child, depth + 1)

    lines.append("")
    for root in roots:
        walk(root, 0)
    lines.append("")
    lines.append("Outputs:")
    lines += [f"  {k}: {_short(as_written(v))}" for k, v in sorted(synth.outputs.items())]
    return "\n".join(lines)
