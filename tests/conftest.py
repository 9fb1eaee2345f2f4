"""Fixtures that synthesize a whole stack under mocks and let tests find resources and their options."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ops.sdk import import_provider_sdks
from ops.synth import Synth, offline_config, read_stack_config, synthesize, synthesize_stack

import_provider_sdks()

# Every stack test judges secret staleness on this date, so results do not drift with the calendar.
TODAY = dt.date(2026, 11, 23)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Override wins; a None value deletes the key."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def stack_config(stack: str, override: dict[str, Any] | None = None) -> tuple[dict[str, str], list[str]]:
    """A stack file's config with `override` merged in, as the CLI would pass it, placeholders included."""
    config, secret_keys, _ = offline_config(stack, deep_merge(read_stack_config(stack), override or {}))
    return config, secret_keys


SynthFn = Callable[..., Synth]


@pytest.fixture(scope="session")
def prod() -> Synth:
    return synthesize_stack("prod", today=TODAY)


@pytest.fixture(scope="session")
def staging() -> Synth:
    return synthesize_stack("staging", today=TODAY)


@pytest.fixture
def synth() -> SynthFn:
    """synth("prod", {"platform:fly": {"regions": {"iad": 3}}}, today=...) -> Synth."""

    def run(stack: str, override: dict[str, Any] | None = None, today: dt.date = TODAY) -> Synth:
        config, secret_keys = stack_config(stack, override)
        return synthesize(stack, config, secret_keys, today=today)

    return run
