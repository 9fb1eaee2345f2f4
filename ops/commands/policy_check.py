"""The policy pack's controls over an offline plan: what `pulumi preview --policy-pack policy` would say."""

from __future__ import annotations

from ops.offline.synth import Synth
from policy.controls import CONTROLS, Violation, evaluate, is_production
from policy.resources import Res


def resources(synth: Synth) -> list[Res]:
    # a deployed stack's props hold outputs too (a bucket's name): merge the mocks' fakes in
    return [
        Res(r.type, r.name, r.urn, r.parent, {**r.outputs, **r.inputs}, r.protect) for r in synth.resources if r.custom
    ]


def violations(synth: Synth) -> list[Violation]:
    found = resources(synth)
    # the mocks register in no fixed order: a review must read the same on every run
    return sorted(evaluate(found, is_production(found)), key=lambda v: (v.control, v.resource))


def mandatory(found: list[Violation]) -> list[Violation]:
    ids = {c.id for c in CONTROLS if c.mandatory}
    return [v for v in found if v.control in ids]


def as_lines(found: list[Violation]) -> list[str]:
    levels = {c.id: "mandatory" if c.mandatory else "advisory" for c in CONTROLS}
    return [f"  [{levels[v.control]}] {v.control}: {v.resource}: {v.message}" for v in found]
