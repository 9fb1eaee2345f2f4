"""Memos for the test session: the same offline plan, stack file or AWS model is worked out once.

Many tests plan the same stack with the same config (the prod file as it is, or one shared override),
in-process through the CLI or through `synth_with`. A plan is a pure function of its inputs: the
program's source, the config, the secret keys, the date the program judges staleness on, and the
project (the components are this checkout's, imported once per process, whatever program runs them).
Keyed on exactly those, a repeat returns a copy of the first result, so no test sees another's
mutations. Failures are not kept (each caller sees its own error), nor is a run that reported a
deprecated API (the warning is raised anew only by a real run), nor a run into a caller's `Synth`.

A stack file's parse (pure-Python YAML 1.2, some 20 ms for prod) is likewise a function of its bytes.
And botocore reads its service models from disk for every new Session, which the jobs open per client
(90 ms each); one loader for the process is what boto3's default session does anyway.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import botocore.loaders
import botocore.session

import ops.commands.audit
import ops.commands.rotate
import ops.offline.stackfile as stackfile_module
import ops.offline.synth as synth_module
from components.shared.loader import today as real_today

_original: Callable[..., synth_module.Synth] = synth_module.synthesize
_original_read = stackfile_module.read
_plans: dict[tuple[Any, ...], bytes] = {}
_stack_files: dict[tuple[str, str, bytes], stackfile_module.StackFile] = {}
stats = {"hits": 0, "misses": 0}


def synthesize(
    stack: str,
    config: Mapping[str, Any],
    secret_keys: list[str] | None = None,
    today: dt.date | None = None,
    program: Path = synth_module.ROOT / "__main__.py",
    into: synth_module.Synth | None = None,
    project: str = synth_module.PROJECT,
) -> synth_module.Synth:
    if into is not None:
        return _original(stack, config, secret_keys, today, program, into, project)
    on = today or real_today()
    key = (
        stack,
        json.dumps(dict(config), sort_keys=True, default=repr),
        tuple(sorted(secret_keys or [])),
        on.isoformat(),
        str(program.resolve()),
        hashlib.sha256(program.read_bytes()).hexdigest(),
        project,
    )
    kept = _plans.get(key)
    if kept is not None:
        stats["hits"] += 1
        return pickle.loads(kept)
    stats["misses"] += 1
    result = _original(stack, config, secret_keys, on, program, None, project)
    if not any(" is deprecated" in message for message in result.warnings):
        _plans[key] = pickle.dumps(result)
    return result


def read(path: Path, stack: str) -> stackfile_module.StackFile:
    try:
        data = path.read_bytes()
    except OSError:
        return _original_read(path, stack)  # its own error, as the CLI reports it
    key = (str(path), stack, data)
    kept = _stack_files.get(key)
    if kept is None:
        kept = _stack_files[key] = _original_read(path, stack)
    return dataclasses.replace(kept, config=copy.deepcopy(kept.config), lines=dict(kept.lines))


@functools.cache
def _loader(search_path_string: str | None) -> botocore.loaders.Loader:
    return botocore.loaders.create_loader(search_path_string)


def _shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    loader = _loader(search_path_string)
    # each boto3 Session appends its data directory to the loader it is given
    loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return loader


def install() -> None:
    """Bind the memos where the CLI and the helpers look the functions up."""
    synth_module.synthesize = synthesize
    # each module that imported `read` holds a binding of its own
    stackfile_module.read = synth_module.read = ops.commands.rotate.read = ops.commands.audit.read = read
    botocore.session.create_loader = _shared_loader
