"""Stack file values as the Pulumi CLI hands them to the program, without the CLI.

Secrets the stack file holds encrypted, or does not hold, get marked stand-ins, so a fresh clone can
plan without anybody's secrets.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from components.shared.loader import PREFIX, secrets_alone

ENCRYPTED = "[encrypted in stack file]"


def placeholder(key: str, stack: str) -> str:
    return f"[placeholder: not in the stack file; pulumi config set --secret {key} --stack {stack}]"


def to_config_value(value: Any) -> str:
    """A stack file value as the CLI hands it to the program: scalars as text, structures as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=_jsonable)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in config")


def _strip_secure(value: Any) -> tuple[Any, bool]:
    """A nested `{secure: …}` as the CLI would hand it: the value decrypted, the whole key marked secret."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return ENCRYPTED, True
        found = False
        out = {}
        for k, v in value.items():
            out[k], nested = _strip_secure(v)
            found = found or nested
        return out, found
    if isinstance(value, list):
        pairs = [_strip_secure(v) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    return value, False


def offline_config(stack: str, config: Mapping[str, Any]) -> tuple[dict[str, str], list[str], list[str]]:
    """Config as the CLI would hand it to the program, with marked stand-ins for secrets it cannot decrypt.

    Returns (config, secret keys, names of provided secrets stood in for by a placeholder).
    """
    out: dict[str, str] = {}
    secret_keys: list[str] = []
    stood_in: list[str] = []
    for key, value in config.items():
        plain, secret = _strip_secure(value)
        out[key] = to_config_value(plain)
        if secret:
            secret_keys.append(key)
    data = {k[len(PREFIX) :]: v for k, v in config.items() if k.startswith(PREFIX)}
    inventory = secrets_alone(data)
    for name, item in (inventory.items if inventory else {}).items():
        key = PREFIX + name
        if item.kind == "provided" and key not in out:
            out[key] = placeholder(name, stack)
            secret_keys.append(key)
            stood_in.append(name)
    return out, secret_keys, stood_in
