"""Runs the real `__main__.py` under Pulumi's mocks and records every resource it registers.

Shared by the offline plan and the tests: no CLI, no credentials, no network.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import runpy
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from components.shared.base import PROJECT
from components.shared.loader import TODAY_ENV, Stale, load
from components.shared.loader import today as real_today
from components.shared.sdk_internals import (
    RecordingMockMonitor,
    deserialize,
    reset_root_stack,
    sync_await,
    without_source_positions,
)
from components.shared.stack import StackConfig
from ops.offline.config import offline_config, placeholder, to_config_value
from ops.offline.fakes import ACCOUNT_ID, FakeProviders, unwrap_secrets
from ops.offline.sdk import import_provider_sdks
from ops.offline.stackfile import ROOT, StackFile, known_stacks, locate, project_name, read

__all__ = [
    "ACCOUNT_ID",
    "PROJECT",
    "ROOT",
    "Resource",
    "Synth",
    "offline_config",
    "placeholder",
    "synthesize",
    "synthesize_file",
    "synthesize_stack",
]


@dataclass
class Resource:
    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    secret_paths: list[str]
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool
    dependencies: list[str]
    aliases: list[str]  # URNs this resource had before a rename
    provider: str  # "<provider URN>::<id>" when an explicit provider was given
    additional_secret_outputs: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def is_secret(self, path: str) -> bool:
        return path in self.secret_paths


@dataclass
class Synth:
    stack: str
    resources: list[Resource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    stale: list[Stale] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)  # secret names stood in for

    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]

    def get(self, type_: str, name: str) -> Resource:
        found = [r for r in self.resources if r.type == type_ and r.name == name]
        if len(found) != 1:
            names = sorted(r.name for r in self.of_type(type_))
            raise KeyError(f"{len(found)} resources {type_} named {name!r}; {type_} names: {names}")
        return found[0]

    def by_urn(self, urn: str) -> Resource:
        return next(r for r in self.resources if r.urn == urn)

    def parent_of(self, resource: Resource) -> Resource | None:
        return next((r for r in self.resources if r.urn == resource.parent), None)


class RecordingMonitor(RecordingMockMonitor):
    """Keeps what `Mocks.new_resource` is not told: parent, options, dependencies and aliases."""

    def __init__(self, mocks: pulumi.runtime.Mocks, synth: Synth):
        super().__init__(mocks)
        self.synth = synth

    def on_register(self, request: Any, urn: str, state: dict[str, Any]) -> None:
        inputs, secret_paths = unwrap_secrets(deserialize(request.object))
        base = urn.rsplit("::", 1)[0]
        # Only aliases this program declares (a URN, or a former name); the SDK adds nameless ones of its own.
        aliases = [a.urn or f"{base}::{a.spec.name}" for a in request.aliases if a.urn or a.spec.name]
        self.synth.resources.append(
            Resource(
                type=request.type,
                name=request.name,
                urn=urn,
                parent=request.parent,
                custom=request.custom,
                inputs=inputs,
                secret_paths=sorted(secret_paths),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                delete_before_replace=bool(request.deleteBeforeReplace),
                dependencies=list(request.dependencies),
                aliases=aliases,
                provider=request.provider,
                additional_secret_outputs=list(request.additionalSecretOutputs),
                outputs=state,
            )
        )


class _Warnings(logging.Handler):
    def __init__(self, synth: Synth):
        super().__init__(logging.WARNING)
        self.synth = synth

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            self.synth.warnings.append(record.getMessage())


@contextmanager
def _fixed_today(today: dt.date) -> Iterator[None]:
    saved = os.environ.get(TODAY_ENV)
    os.environ[TODAY_ENV] = today.isoformat()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(TODAY_ENV, None)
        else:
            os.environ[TODAY_ENV] = saved


def synthesize(
    stack: str,
    config: Mapping[str, Any],
    secret_keys: list[str] | None = None,
    today: dt.date | None = None,
    program: Path = ROOT / "__main__.py",
    into: Synth | None = None,
    project: str = PROJECT,
) -> Synth:
    """Run the program once under mocks with the given config (values as the CLI passes them).

    The config is loaded first, as the program will load it: a ConfigError is raised before the program
    runs, and the structured facts (stale secrets) are kept. `into` receives what was registered even
    when the program fails, so a test can see that nothing was.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import_provider_sdks()
    synth = into if into is not None else Synth(stack=stack)
    on = today or real_today()
    values = {k: to_config_value(v) for k, v in config.items()}
    if program == ROOT / "__main__.py":
        synth.stale = load(values, set(secret_keys or []), stack, on).stale
    with _fixed_today(on):
        return record(
            stack,
            lambda: runpy.run_path(str(program), run_name="__main__"),
            region=str(config.get("aws:region", "us-east-1")),
            into=synth,
            config=values,
            secret_keys=list(secret_keys or []),
            project=project,
        )


def record(
    stack: str,
    build: Callable[[], object],
    region: str = "us-east-1",
    into: Synth | None = None,
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    project: str = PROJECT,
) -> Synth:
    """Run `build` (a whole program, or one component) under mocks and record what it registers."""
    synth = into if into is not None else Synth(stack=stack)
    mocks = FakeProviders(region)
    logger = logging.getLogger(f"platform.synth.{stack}")
    logger.propagate = False
    handler = _Warnings(synth)
    logger.addHandler(handler)
    reset_root_stack()
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=False, logger=logger, monitor=RecordingMonitor(mocks, synth)
    )
    pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys or []))

    @pulumi.runtime.test
    def run() -> None:
        build()

    try:
        with without_source_positions():
            run()
        root = pulumi.runtime.get_root_resource()
        synth.outputs = _resolve_outputs(getattr(root, "outputs", {}))
    finally:
        logger.removeHandler(handler)
    for message in synth.warnings:
        # Deprecated resource types only say so through the engine log when constructed; surface it
        # as a DeprecationWarning, which the tests turn into an error.
        if " is deprecated" in message:
            warnings.warn(f"the program used a deprecated API: {message}", DeprecationWarning, stacklevel=2)
    return synth


def _resolve_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    resolved: dict[str, Any] = {}

    async def collect() -> None:
        for key, value in outputs.items():
            out = pulumi.Output.from_input(value)
            secret = await out.is_secret()
            resolved[key] = "[secret]" if secret else await out.future()

    sync_await(collect())
    return resolved


def load_stack_file(stack_or_path: str, root: Path | None = None) -> StackFile:
    path, stack = locate(stack_or_path, root)
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path}; stacks here: {known_stacks(path.parent)}")
    return read(path, stack)


def synthesize_stack(stack_or_path: str, today: dt.date | None = None, root: Path | None = None) -> Synth:
    """The offline plan of a stack file, with placeholders for secrets it does not hold."""
    return synthesize_file(load_stack_file(stack_or_path, root), today)


def config_of(stack_file: StackFile, today: dt.date) -> StackConfig:
    """The stack file's config as the program loads it (placeholders for secrets it does not hold)."""
    config, secret_keys, _ = offline_config(stack_file.stack, stack_file.config)
    values = {k: to_config_value(v) for k, v in config.items()}
    return load(values, set(secret_keys), stack_file.stack, today).config


def synthesize_file(stack_file: StackFile, today: dt.date | None = None) -> Synth:
    """The offline plan of a stack file already read (the CLI reads it once, for errors' line numbers too)."""
    config, secret_keys, stood_in = offline_config(stack_file.stack, stack_file.config)
    home = stack_file.path.resolve().parent
    project = project_name(home)
    if home != ROOT and project is not None and (home / "__main__.py").is_file():
        # a program of its own beside the stack file (bootstrap/Pulumi.ci.yaml): plan that one, as its project
        return synthesize(stack_file.stack, config, secret_keys, today, program=home / "__main__.py", project=project)
    synth = synthesize(stack_file.stack, config, secret_keys, today=today)
    synth.placeholders = stood_in
    return synth
