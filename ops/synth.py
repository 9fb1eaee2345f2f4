"""Runs the real `__main__.py` under Pulumi's mocks and records every resource it registers.

Shared by the offline plan and the tests: no CLI, no credentials, no network. Provider outputs
are deterministic fakes derived from the inputs, so two runs of the same config are identical.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import runpy
import sys
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.sync_await import _sync_await
from ruamel.yaml import YAML

from ops.sdk import import_provider_sdks

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "platform"
ACCOUNT_ID = "123456789012"
# How the SDK marks a secret value on the wire (pulumi.runtime.rpc._special_sig_key / _special_secret_sig).
SECRET_SIG_KEY = rpc._special_sig_key
SECRET_SIG = rpc._special_secret_sig
ENCRYPTED = "[encrypted in stack file]"


def placeholder(key: str, stack: str) -> str:
    return f"[placeholder: not in Pulumi.{stack}.yaml; pulumi config set --secret {key} --stack {stack}]"


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
    dependencies: list[str]
    outputs: dict[str, Any] = field(default_factory=dict)

    def is_secret(self, path: str) -> bool:
        return path in self.secret_paths


@dataclass
class Synth:
    stack: str
    resources: list[Resource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)

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


def unwrap_secrets(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """Plain value and the paths of the secret parts inside it."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            inner, _ = unwrap_secrets(value.get("value"), path)
            return inner, [path or "."]
        out, paths = {}, []
        for k, v in value.items():
            out[k], sub = unwrap_secrets(v, f"{path}.{k}" if path else k)
            paths += sub
        return out, paths
    if isinstance(value, list):
        items, paths = [], []
        for i, v in enumerate(value):
            item, sub = unwrap_secrets(v, f"{path}[{i}]")
            items.append(item)
            paths += sub
        return items, paths
    return value, []


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class FakeProviders(pulumi.runtime.Mocks):
    """Deterministic outputs for the resources and calls this program uses."""

    def __init__(self, region: str):
        self.region = region

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs, _ = unwrap_secrets(args.inputs)
        state = dict(inputs)
        seed = _digest(args.typ, args.name, inputs.get("keepers"))
        region = inputs.get("region") or self.region
        t = args.typ
        if t == "aws:s3/bucket:Bucket":
            name = inputs.get("bucket") or f"{args.name}-{seed[:7]}"
            state.update(bucket=name, arn=f"arn:aws:s3:::{name}", region=region)
            return name, state
        if t == "aws:kms/key:Key":
            key_id = f"{seed[:8]}-{seed[8:12]}-{seed[12:16]}-{seed[16:20]}-{seed[20:32]}"
            state.update(keyId=key_id, arn=f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{key_id}")
            return key_id, state
        if t == "aws:kms/alias:Alias":
            state["arn"] = f"arn:aws:kms:{region}:{ACCOUNT_ID}:{inputs['name']}"
            return inputs["name"], state
        if t == "aws:iam/role:Role":
            name = inputs.get("name") or f"{args.name}-{seed[:7]}"
            state.update(name=name, arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}")
            return name, state
        if t == "random:index/randomBytes:RandomBytes":
            raw = bytes.fromhex((seed * 8)[: 2 * int(inputs["length"])])
            state.update(hex=raw.hex(), base64=base64.b64encode(raw).decode())
            return args.name, state
        if t == "random:index/randomPassword:RandomPassword":
            state["result"] = ("Aa1-" + seed * 4)[: int(inputs["length"])]
            return args.name, state
        if t == "vercel:index/project:Project":
            return f"prj_{seed[:20]}", state
        if t == "flyio:index:App":
            return inputs.get("name", args.name), state
        return f"{args.name}-id", state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/ci",
                "userId": "AIDAMOCK",
                "id": ACCOUNT_ID,
            }, []
        raise NotImplementedError(f"no fake for the call {args.token}; add one to FakeProviders.call")


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Keeps what `Mocks.new_resource` is not told: parent, protect, retainOnDelete, dependencies."""

    def __init__(self, mocks: pulumi.runtime.Mocks, synth: Synth):
        super().__init__(mocks)
        self.synth = synth

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs, secret_paths = unwrap_secrets(rpc.deserialize_properties(request.object))
            self.synth.resources.append(
                Resource(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    custom=request.custom,
                    inputs=inputs,
                    secret_paths=sorted(secret_paths),
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    dependencies=list(request.dependencies),
                    outputs=dict(self.resources[response.urn].state) if response.urn in self.resources else {},
                )
            )
        return response


class _Warnings(logging.Handler):
    def __init__(self, synth: Synth):
        super().__init__(logging.WARNING)
        self.synth = synth

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            self.synth.warnings.append(record.getMessage())


def _to_config_value(value: Any) -> str:
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


def plain(value: Any) -> Any:
    """ruamel's commented types to plain dicts, lists and scalars."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def stack_file(stack: str, root: Path = ROOT) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def known_stacks(root: Path = ROOT) -> str:
    return ", ".join(sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml")))


def read_stack_config(stack: str, root: Path = ROOT) -> dict[str, Any]:
    path = stack_file(stack, root)
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path.name}; stacks here: {known_stacks(root)}")
    doc = YAML(typ="safe").load(path.read_text()) or {}
    return plain(doc.get("config") or {})


def offline_config(stack: str, config: Mapping[str, Any]) -> tuple[dict[str, str], list[str], list[str]]:
    """Config as the CLI would hand it to the program, with marked stand-ins for secrets it cannot decrypt.

    Returns (config, secret keys, placeholder notes). Provider-issued secrets the stack file does not
    hold get a placeholder, so a fresh clone can plan without anybody's secrets.
    """
    from components.loader import PREFIX, secrets_alone

    out: dict[str, str] = {}
    secret_keys: list[str] = []
    notes: list[str] = []
    for key, value in config.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            out[key] = ENCRYPTED
            secret_keys.append(key)
        else:
            out[key] = _to_config_value(value)
    data = {k[len(PREFIX) :]: v for k, v in config.items() if k.startswith(PREFIX)}
    inventory = secrets_alone(data)
    for name, item in (inventory.items if inventory else {}).items():
        key = PREFIX + name
        if item.kind == "provided" and key not in out:
            out[key] = placeholder(name, stack)
            secret_keys.append(key)
            notes.append(f"{key}: {out[key]}")
    return out, secret_keys, notes


@contextmanager
def _environment(today: dt.date | None) -> Iterator[None]:
    from components.loader import TODAY_ENV

    saved = os.environ.get(TODAY_ENV)
    if today is not None:
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
) -> Synth:
    """Run the program once under mocks with the given config (values as the CLI passes them).

    `into` receives what was registered even when the program fails, so a test can see that nothing was.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import_provider_sdks()
    synth = into if into is not None else Synth(stack=stack)
    mocks = FakeProviders(str(config.get("aws:region", "us-east-1")))
    logger = logging.getLogger(f"platform.synth.{stack}")
    logger.propagate = False
    handler = _Warnings(synth)
    logger.addHandler(handler)
    settings.ROOT.set(None)  # a fresh root stack per synth, so runs do not share exports
    pulumi.runtime.set_mocks(
        mocks,
        project=PROJECT,
        stack=stack,
        preview=False,
        logger=logger,
        monitor=RecordingMonitor(mocks, synth),
    )
    set_all_config({k: _to_config_value(v) for k, v in config.items()}, list(secret_keys or []))

    @pulumi.runtime.test
    def run() -> None:
        runpy.run_path(str(program), run_name="__main__")

    try:
        with _environment(today):
            run()
        root = settings.get_root_resource()
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

    _sync_await(collect())
    return resolved


def synthesize_stack(stack: str, today: dt.date | None = None, root: Path = ROOT) -> Synth:
    """The offline plan of a stack file, with placeholders for secrets it does not hold."""
    config, secret_keys, notes = offline_config(stack, read_stack_config(stack, root))
    synth = synthesize(stack, config, secret_keys, today=today)
    synth.placeholders = notes
    return synth
