"""Loads the stack's Pulumi config into the typed model, or fails with one message naming every bad key.

This is the only place that reads Pulumi config. Provider-issued secrets are wrapped in secret
Outputs here, where they enter the program.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pydantic import BaseModel, ValidationError

from components.config import PROJECT, Problems, SecretsConfig, StackConfig

PREFIX = f"{PROJECT}:"
AWS_REGION_KEY = "aws:region"
# Set by tests and the offline plan to fix the clock; a real run uses today's date.
TODAY_ENV = "PLATFORM_TODAY"


class ConfigError(pulumi.RunError):
    """A stack config that cannot be deployed; the message lists every problem."""


@dataclass(frozen=True)
class Loaded:
    config: StackConfig
    provided: dict[str, pulumi.Output[str]]
    today: dt.date  # the date staleness was judged on; the overlap of rotated secrets uses the same one
    warnings: list[str] = field(default_factory=list)


def today() -> dt.date:
    fixed = os.environ.get(TODAY_ENV)
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


def _parse(value: Any) -> Any:
    """Pulumi hands structured config to programs as JSON text and scalars as strings."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _full_key(loc: tuple[Any, ...]) -> str:
    key = ""
    for part in loc:
        if part == "[key]":
            continue
        key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else str(part)
    if not key:
        return f"{PREFIX}<root>"
    if key == "awsRegion":
        return AWS_REGION_KEY
    return PREFIX + key


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The keys a section accepts, found by walking the model along the location of an unknown key."""
    current: Any = model
    for part in loc[:-1]:
        fields = {f.alias or n: f for n, f in current.model_fields.items()}
        f = fields.get(str(part))
        if f is None:
            continue  # a dict key such as secrets.items.NAME: its value is the model already reached
        current = _model_in(f.annotation)
        if current is None:
            return None
    return sorted(f.alias or n for n, f in current.model_fields.items())


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _describe(err: Mapping[str, Any]) -> list[str]:
    loc = tuple(err["loc"])
    ctx_error = (err.get("ctx") or {}).get("error")
    if isinstance(ctx_error, Problems):
        lines = []
        for sub, msg in ctx_error.items:
            lines.append(f"{_full_key(loc + tuple(p for p in sub.split('.') if p))}: {msg}")
        return lines
    key = _full_key(loc)
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(StackConfig, loc)
        hint = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return [f"{key}: unknown key{hint}"]
    if err["type"] == "missing":
        return [f"{key}: required, not set"]
    msg = str(err["msg"]).removeprefix("Value error, ")
    return [f"{key}: {msg} (got {err.get('input')!r})"]


def _model_input(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    data: dict[str, Any] = {}
    unknown_namespaced = []
    for key, value in raw.items():
        if key == AWS_REGION_KEY:
            data["awsRegion"] = _parse(value)
        elif key.startswith(PREFIX):
            name = key[len(PREFIX) :]
            if name.isupper():
                continue  # provider-issued secret values, checked against the inventory below
            data[name] = _parse(value)
        elif key.split(":", 1)[0] not in ("aws", "vercel", "flyio", "postgresql", "random", "pulumi"):
            unknown_namespaced.append(key)
    return data, unknown_namespaced


def load(
    raw: Mapping[str, Any],
    secret_keys: set[str],
    stack: str,
    on: dt.date,
) -> Loaded:
    data, foreign = _model_input(raw)
    problems = [f"{k}: unknown config namespace" for k in sorted(foreign)]
    config: StackConfig | None = None
    try:
        config = StackConfig.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            problems += _describe(err)

    secrets = config.secrets if config is not None else secrets_alone(data)
    missing: list[str] = []
    provided: dict[str, pulumi.Output[str]] = {}
    warnings: list[str] = []
    items = secrets.items if secrets is not None else {}
    for key in sorted(k for k in raw if k.startswith(PREFIX) and k[len(PREFIX) :].isupper()):
        name = key[len(PREFIX) :]
        if secrets is not None and (name not in items or items[name].kind != "provided"):
            problems.append(f"{key}: not a provided secret in platform:secrets.items")
        elif key not in secret_keys:
            problems.append(
                f"{key}: stored in plain text; run `pulumi config set --secret {name} "
                f"--stack {stack}` so it is encrypted"
            )
    for name, item in items.items():
        key = PREFIX + name
        if item.kind == "provided":
            if raw.get(key) in (None, ""):
                missing.append(f"pulumi config set --secret {name} --stack {stack}")
            else:
                provided[name] = pulumi.Output.secret(str(raw[key]))
        stale = staleness(name, item.last_rotated, item.due(), on, stack)
        if item.last_rotated > on:
            problems.append(f"{PREFIX}secrets.items.{name}.rotation.lastRotated: {item.last_rotated} is in the future")
        elif stale and secrets is not None and secrets.fail_when_stale:
            problems.append(f"{PREFIX}secrets.items.{name}: {stale} (platform:secrets.failWhenStale is on)")
        elif stale:
            warnings.append(stale)

    if problems or missing:
        parts = [f"Stack {stack!r}: the config cannot be deployed; no resource was registered."]
        if problems:
            parts.append(f"{len(problems)} problem(s):")
            parts += [f"  - {p}" for p in problems]
        if missing:
            parts.append(f"{len(missing)} secret(s) missing; set each (you are prompted for the value):")
            parts += [f"  {m}" for m in missing]
        raise ConfigError("\n".join(parts))
    assert config is not None
    return Loaded(config=config, provided=provided, today=on, warnings=warnings)


def secrets_alone(data: Mapping[str, Any]) -> SecretsConfig | None:
    """The inventory on its own, so missing secrets are listed even when another section is invalid."""
    section = data.get("secrets")
    if not isinstance(section, dict):
        return None
    try:
        return SecretsConfig.model_validate({"failWhenStale": data.get("environment") == "production", **section})
    except ValidationError:
        return None


def staleness(name: str, last: dt.date, due: dt.date | None, on: dt.date, stack: str) -> str | None:
    if due is None or on <= due:
        return None
    return (
        f"secret {name} is stale: last rotated {last.isoformat()} ({(on - last).days} days ago), "
        f"due {due.isoformat()}; rotate it with `python -m ops rotate {name} --stack {stack}`"
    )


def raw_pulumi_config() -> tuple[dict[str, Any], set[str]]:
    """Every config key this program was given, and which of them are secret.

    The SDK offers no public way to list config keys, so read the same sources `pulumi.Config`
    reads (the PULUMI_CONFIG bag set by the CLI, values set by mocks); without a full list,
    a mistyped key could not be reported.
    """
    from pulumi.runtime import config as runtime_config

    raw: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    # The CLI names secret keys in PULUMI_CONFIG_SECRET_KEYS; mocks and the automation API in the SDK's own set.
    secret = {k for k in raw if runtime_config.is_config_secret(k)} | set(runtime_config.get_config_secret_keys_env())
    return raw, secret


def load_stack() -> Loaded:
    raw, secret_keys = raw_pulumi_config()
    loaded = load(raw, secret_keys, pulumi.get_stack(), today())
    for warning in loaded.warnings:
        pulumi.log.warn(warning)
    return loaded
