"""Loads the stack's Pulumi config into the typed model, or fails with one message naming every bad key.

This is the only place that reads Pulumi config. Provider-issued secrets are wrapped in secret
Outputs here, where they enter the program.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
from pydantic import ValidationError

from components.secrets.config import SecretsConfig, is_provided
from components.shared.errors import PREFIX, Problem, describe, provider_key_problems, secret_problems
from components.shared.sdk_internals import config_values
from components.shared.stack import StackConfig

AWS_REGION_KEY = "aws:region"
# Set by tests and the offline plan to fix the clock; a real run uses today's date.
TODAY_ENV = "PLATFORM_TODAY"


class ConfigError(pulumi.RunError):
    """A stack config that cannot be deployed; `problems` names each bad key, `missing` each unset secret."""

    def __init__(self, stack: str, problems: list[Problem], missing: list[str]):
        self.stack, self.problems, self.missing = stack, problems, missing
        parts = [f"Stack {stack!r}: the config cannot be deployed; no resource was registered."]
        if problems:
            parts.append(f"{len(problems)} problem(s):")
            parts += [f"  - {p}" for p in problems]
        if missing:
            parts.append(f"{len(missing)} secret(s) missing; set each (you are prompted for the value):")
            parts += [f"  pulumi config set --secret {name} --stack {stack}" for name in missing]
        super().__init__("\n".join(parts))


@dataclass(frozen=True)
class Stale:
    """A secret past its rotation period, judged on `Loaded.today`."""

    name: str
    last_rotated: dt.date
    due: dt.date
    message: str


@dataclass(frozen=True)
class Loaded:
    config: StackConfig
    provided: dict[str, pulumi.Output[str]]
    today: dt.date  # the date staleness was judged on; the overlap of rotated secrets uses the same one
    stale: list[Stale] = field(default_factory=list)


def today() -> dt.date:
    fixed = os.environ.get(TODAY_ENV)
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


def _parse(value: Any) -> Any:
    """Pulumi hands structured config to programs as JSON text, and top-level scalars (booleans too) as strings."""
    if not isinstance(value, str):
        return value
    if value[:1] in "{[" or value in ("true", "false"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _model_input(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in raw.items():
        if key == AWS_REGION_KEY:
            data[AWS_REGION_KEY] = _parse(value)
        elif key.startswith(PREFIX):
            name = key[len(PREFIX) :]
            if name.isupper():
                continue  # provider-issued secret values, checked against the inventory
            if ":" in name:
                problems.append(Problem(key, "unknown key; only aws:region sets the region"))
                continue
            data[name] = _parse(value)
    return data, problems


def staleness(name: str, last: dt.date, due: dt.date | None, on: dt.date, stack: str) -> Stale | None:
    if due is None or on <= due:
        return None
    message = (
        f"secret {name} is stale: last rotated {last.isoformat()} ({(on - last).days} days ago), "
        f"due {due.isoformat()}; rotate it with `uv run ops rotate {stack} {name}`"
    )
    return Stale(name, last, due, message)


def load(raw: Mapping[str, Any], secret_keys: set[str], stack: str, on: dt.date) -> Loaded:
    data, problems = _model_input(raw)
    problems += provider_key_problems(raw)
    problems += secret_problems(raw, secret_keys)
    config: StackConfig | None = None
    try:
        config = StackConfig.model_validate(data, context={"stack": stack})
    except ValidationError as exc:
        for err in exc.errors():
            problems += describe(err, StackConfig, secret_keys)

    secrets = config.secrets if config is not None else secrets_alone(data)
    items = secrets.items if secrets is not None else {}
    missing: list[str] = []
    provided: dict[str, pulumi.Output[str]] = {}
    stale: list[Stale] = []
    for key in sorted(k for k in raw if k.startswith(PREFIX) and k[len(PREFIX) :].isupper()):
        name = key[len(PREFIX) :]
        if secrets is not None and not is_provided(items, name):
            problems.append(Problem(key, "not a provided secret in platform:secrets.items"))
        elif key not in secret_keys:
            problems.append(
                Problem(
                    key,
                    f"stored in plain text; run `pulumi config set --secret {name} --stack {stack}` so it is encrypted",
                )
            )
    strict = config is not None and config.secrets is not None and config.secrets.strict
    for name, item in items.items():
        key = PREFIX + name
        if item.kind == "provided":
            if raw.get(key) in (None, ""):
                missing.append(name)
            else:
                provided[name] = pulumi.Output.secret(str(raw[key]))
        where = f"{PREFIX}secrets.items.{name}"
        if item.last_rotated > on:
            problems.append(Problem(f"{where}.rotation.lastRotated", f"{item.last_rotated} is in the future"))
        elif (found := staleness(name, item.last_rotated, item.due(), on, stack)) is not None:
            note = item.exception_note(on)
            if item.excepted_on(on) is not None:
                found = replace(found, message=found.message + note)
            elif strict:
                problems.append(Problem(where, f"{found.message} (platform:secrets.failWhenStale is on{note})"))
            stale.append(found)

    if problems or missing:
        raise ConfigError(stack, problems, missing)
    assert config is not None
    return Loaded(config=config, provided=provided, today=on, stale=stale)


def secrets_alone(data: Mapping[str, Any]) -> SecretsConfig | None:
    """The inventory on its own, so missing secrets are listed even when another section is invalid."""
    section = data.get("secrets")
    if not isinstance(section, dict):
        return None
    try:
        return SecretsConfig.model_validate(section)
    except ValidationError:
        return None


def load_stack() -> Loaded:
    raw, secret_keys = config_values()
    loaded = load(raw, secret_keys, pulumi.get_stack(), today())
    for stale in loaded.stale:
        pulumi.log.warn(stale.message)
    return loaded
