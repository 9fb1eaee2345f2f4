"""Effective permissions, from the plan: what each IAM role may do and who may assume it, and what each
PostgreSQL login may do per schema."""

from __future__ import annotations

import json
from typing import Any

from ops.offline.synth import Synth

CODE = "code"


def _statements(document: str) -> list[dict[str, Any]]:
    parsed = json.loads(document)
    statements = parsed.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def roles(synth: Synth) -> list[dict[str, Any]]:
    """Each role: who may assume it, under what condition, and what it may do, from its inline policies
    (actions by resource) and its managed policies (named)."""
    inline: dict[str, list[dict[str, Any]]] = {}
    for p in synth.of_type("aws:iam/rolePolicy:RolePolicy"):
        for s in _statements(p.inputs["policy"]):
            inline.setdefault(str(p.inputs["role"]), []).append(
                {
                    "effect": s.get("Effect"),
                    "actions": s.get("Action") or s.get("NotAction"),
                    "resources": s.get("Resource"),
                }
            )
    managed: dict[str, list[str]] = {}
    for a in synth.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        managed.setdefault(str(a.inputs["role"]), []).append(str(a.inputs["policyArn"]))
    out = []
    for role in sorted(synth.of_type("aws:iam/role:Role"), key=lambda r: r.name):  # registration order varies
        name = role.inputs.get("name") or role.outputs.get("name")
        trust = [
            {"principal": s.get("Principal"), "action": s.get("Action"), "condition": s.get("Condition")}
            for s in _statements(role.inputs["assumeRolePolicy"])
        ]
        out.append(
            {
                "role": name,
                "resource": role.name,
                "trust": trust,
                "permissions": inline.get(str(name), []),
                "managedPolicies": sorted(managed.get(str(name), [])),
                "boundary": role.inputs.get("permissionsBoundary"),
                "source": CODE,
            }
        )
    return out


def logins(synth: Synth) -> list[dict[str, Any]]:
    """Each PostgreSQL login: the group roles it is in, and what it may do per schema through them."""
    pg_roles = {r.inputs["name"]: r.inputs for r in synth.of_type("postgresql:index/role:Role")}
    grants: dict[str, list[dict[str, Any]]] = {}
    for t in ("postgresql:index/grant:Grant", "postgresql:index/defaultPrivileges:DefaultPrivileges"):
        for g in synth.of_type(t):
            i = g.inputs
            future = "future " if t.endswith("DefaultPrivileges") else ""
            grants.setdefault(i["role"], []).append(
                {"on": f"{future}{i['objectType']}", "schema": i.get("schema"), "privileges": sorted(i["privileges"])}
            )
    out = []
    for name, inputs in sorted(pg_roles.items()):
        if not inputs.get("login"):
            continue
        via = sorted(inputs.get("roles") or [])
        rows = [dict(g, via=r) for r in [name, *via] for g in grants.get(r, [])]
        out.append({"login": name, "memberOf": via, "grants": sorted(rows, key=json.dumps), "source": CODE})
    return out
