"""Adapts controls.py to CrossGuard's stack policies; importable without starting the policy server."""

from __future__ import annotations

from typing import Any

from policy.controls import CONTROLS, Control, Res, evaluate, is_production


def to_res(resource: Any) -> Res:
    """A CrossGuard PolicyResource as the controls see it."""
    parent = getattr(resource, "parent", None)
    return Res(
        type=resource.resource_type,
        name=resource.name,
        urn=resource.urn,
        parent=getattr(parent, "urn", "") if parent is not None else "",
        props=dict(resource.props),
        protect=bool(getattr(resource.opts, "protect", False)),
    )


def validator(control: Control) -> Any:
    def validate(args: Any, report_violation: Any) -> None:
        resources = [to_res(r) for r in args.resources]
        for violation in evaluate(resources, is_production(resources), [control]):
            urn = next((r.urn for r in resources if r.name == violation.resource), None)
            report_violation(f"{violation.resource}: {violation.message}", urn)

    return validate


def policies(policy_type: Any, levels: Any) -> list[Any]:
    """One stack policy per control, mandatory or advisory as the control says."""
    return [
        policy_type(
            name=c.id,
            description=c.description + (f" (AWS FSBP {c.fsbp})" if c.fsbp else ""),
            enforcement_level=levels.MANDATORY if c.mandatory else levels.ADVISORY,
            validate=validator(c),
        )
        for c in CONTROLS
    ]
