"""Turns what is wrong with a stack's config into problems that each name their full key.

A secret value is never echoed: where one may sit, a problem says its type and length instead.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from components.shared.base import PROJECT, Problems
from components.shared.catalogues import looks_secret

PREFIX = f"{PROJECT}:"
# Provider namespaces and the module whose source lists the config keys that provider reads.
PROVIDER_CONFIG_MODULES = {
    "aws": "pulumi_aws",
    "vercel": "pulumiverse_vercel",
    "flyio": "pulumi_flyio",
    "postgresql": "pulumi_postgresql",
    "random": None,  # the random provider reads no config
}
_CONFIG_GET = re.compile(r"__config__\.get\w*\('(\w+)'")


@dataclass(frozen=True)
class Problem:
    key: str  # the full config key, e.g. platform:backups.retentionDays
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


@functools.cache
def provider_config_keys(namespace: str) -> frozenset[str]:
    """The keys a provider accepts, read from its installed SDK's config/vars.py (read, never imported)."""
    package = PROVIDER_CONFIG_MODULES[namespace]
    if package is None:
        return frozenset()
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None, f"{package} is not installed"
    return frozenset(_CONFIG_GET.findall((Path(spec.origin).parent / "config" / "vars.py").read_text()))


def provider_key_problems(raw: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for key in sorted(raw):
        namespace, _, name = key.partition(":")
        if namespace == PROJECT or namespace == "pulumi":
            continue
        if namespace not in PROVIDER_CONFIG_MODULES:
            problems.append(
                Problem(key, f"unknown config namespace; allowed: {PROJECT}, {', '.join(PROVIDER_CONFIG_MODULES)}")
            )
            continue
        known = provider_config_keys(namespace)
        if name not in known:
            near = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
            hint = f"; nearest: {', '.join(f'{namespace}:{n}' for n in near)}" if near else ""
            problems.append(Problem(key, f"unknown key for the {namespace} provider{hint}"))
    return problems


def secret_problems(raw: Mapping[str, Any], secret_keys: set[str]) -> list[Problem]:
    """A structured platform key holding an encrypted value: the CLI marks the whole key secret."""
    return [
        Problem(
            key,
            "holds an encrypted (secure) value inside it; settings are never secret here. Declare the "
            "secret in platform:secrets.items and set its value with `pulumi config set --secret <NAME>`",
        )
        for key in sorted(secret_keys)
        if key.startswith(PREFIX) and not key[len(PREFIX) :].isupper()
    ]


def full_key(loc: tuple[Any, ...]) -> str:
    key = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    if not key:
        return f"{PREFIX}<root>"
    return key if ":" in key.split(".", 1)[0] else PREFIX + key


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
    # aws:region is read from the aws namespace, never from platform:
    return sorted(a for n, f in current.model_fields.items() if ":" not in (a := f.alias or n))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def shown(value: Any, secret: bool) -> str:
    if not secret:
        return repr(value)
    size = f" of length {len(value)}" if isinstance(value, (str, list, dict)) else ""
    return f"a {type(value).__name__}{size}, not shown"


def _may_hold_secret(loc: tuple[Any, ...], secret_keys: set[str]) -> bool:
    """An encrypted key, or the value of an environment variable whose name says it is a secret."""
    if full_key(loc[:1]) in secret_keys:
        return True
    return any(loc[i - 1] == "env" and isinstance(loc[i], str) and looks_secret(loc[i]) for i in range(1, len(loc)))


def describe(err: Mapping[str, Any], model: type[BaseModel], secret_keys: set[str]) -> list[Problem]:
    loc = tuple(err["loc"])
    ctx_error = (err.get("ctx") or {}).get("error")
    if isinstance(ctx_error, Problems):
        return [Problem(full_key(loc + tuple(p for p in sub.split(".") if p)), msg) for sub, msg in ctx_error.items]
    key = full_key(loc)
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc)
        hint = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return [Problem(key, f"unknown key{hint}")]
    if err["type"] == "missing":
        return [Problem(key, "required, not set")]
    msg = str(err["msg"]).removeprefix("Value error, ")
    return [Problem(key, f"{msg} (got {shown(err.get('input'), _may_hold_secret(loc, secret_keys))})")]
