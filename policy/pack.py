"""Adapts controls.py to CrossGuard's stack policies; importable without starting the policy server."""

from __future__ import annotations

from typing import Any

from policy.controls import CONTROLS, Control, evaluate, is_production
from policy.resources import Props, Res

UNCHECKED = "controls-unchecked-in-preview"


def to_res(resource: Any) -> Res:
    """A CrossGuard PolicyResource as the controls see it. Its props are never copied: in a preview,
    reading a computed value raises (pulumi_policy's unknown-checking proxy), so each control reads only
    the props it needs, and an unknown one leaves just that control on that resource unchecked."""
    from pulumi_policy.proxy import UnknownValueError

    parent = getattr(resource, "parent", None)
    return Res(
        type=resource.resource_type,
        name=resource.name,
        urn=resource.urn,
        parent=getattr(parent, "urn", "") if parent is not None else "",
        props=Props(resource.props, UnknownValueError),
        protect=bool(getattr(resource.opts, "protect", False)),
    )


def validator(controls: list[Control], unknown: bool) -> Any:
    """Reports the controls' violations, or (unknown=True) what they could not check during a preview."""

    def validate(args: Any, report_violation: Any) -> None:
        resources = [to_res(r) for r in args.resources]
        for violation in evaluate(resources, is_production(resources), controls):
            if violation.unknown == unknown:
                urn = next((r.urn for r in resources if r.name == violation.resource), None)
                prefix = f"{violation.control}: " if unknown else ""
                report_violation(f"{prefix}{violation.resource}: {violation.message}", urn)

    return validate


def policies(policy_type: Any, levels: Any) -> list[Any]:
    """One stack policy per control, mandatory or advisory as the control says, and one advisory policy
    that lists what a preview left unchecked (it is checked again on `pulumi up`, when values are known)."""
    return [
        policy_type(
            name=c.id,
            description=c.description + (f" (AWS FSBP {c.fsbp})" if c.fsbp else ""),
            enforcement_level=levels.MANDATORY if c.mandatory else levels.ADVISORY,
            validate=validator([c], unknown=False),
        )
        for c in CONTROLS
    ] + [
        policy_type(
            name=UNCHECKED,
            description="what a control could not read during this preview (computed values)",
            enforcement_level=levels.ADVISORY,
            validate=validator(CONTROLS, unknown=True),
        )
    ]
