"""Fixtures: the two root stacks synthesized once per session, and a synth with overrides."""

from __future__ import annotations

import pytest

from ops.sdk import import_provider_sdks
from ops.synth import Synth, synthesize_stack
from tests.helpers import TODAY, SynthFn, synth_with

import_provider_sdks()


@pytest.fixture(scope="session")
def prod() -> Synth:
    return synthesize_stack("prod", today=TODAY)


@pytest.fixture(scope="session")
def staging() -> Synth:
    return synthesize_stack("staging", today=TODAY)


@pytest.fixture
def synth() -> SynthFn:
    """synth("prod", {"platform:fly": {"regions": {"iad": 3}}}, today=...) -> Synth."""
    return synth_with
