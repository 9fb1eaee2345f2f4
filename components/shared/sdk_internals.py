"""Every private Pulumi SDK name this project relies on, and nothing else.

The SDK offers no public way to list config keys, to tell a secret on the wire, to reset the root
stack between two mocked runs, or to see resource options under mocks. Each use lives here, and
tests/shared/test_sdk_internals.py fails loudly when a Pulumi release changes one of them.
Tested with pulumi 3.272 (requirements.txt pins the minor range).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pulumi.runtime import config as _runtime_config
from pulumi.runtime import mocks as _mocks
from pulumi.runtime import resource as _resource
from pulumi.runtime import rpc as _rpc
from pulumi.runtime import settings as _settings
from pulumi.runtime.sync_await import _sync_await

T = TypeVar("T")

# How the SDK marks a secret value on the wire; a mock sees {SECRET_SIG_KEY: SECRET_SIG, "value": …}.
SECRET_SIG_KEY: str = _rpc._special_sig_key
SECRET_SIG: str = _rpc._special_secret_sig


def config_values() -> tuple[dict[str, Any], set[str]]:
    """Every config key the program was given, and which of them are secret.

    Reads the sources `pulumi.Config` reads: the CLI's PULUMI_CONFIG bag and values set by mocks.
    The CLI names secret keys in PULUMI_CONFIG_SECRET_KEYS; mocks and the automation API use the SDK's own set.
    """
    raw: dict[str, Any] = {**_runtime_config.get_config_env(), **_runtime_config.CONFIG.get()}
    secret = {k for k in raw if _runtime_config.is_config_secret(k)} | set(_runtime_config.get_config_secret_keys_env())
    return raw, secret


def sync_await(awaitable: Awaitable[T]) -> T:
    """Run a coroutine on the SDK's own loop, as mocked programs do."""
    return _sync_await(awaitable)


def reset_root_stack() -> None:
    """A fresh root stack resource for the next mocked run, so two runs never share exports."""
    _settings.ROOT.set(None)


@contextmanager
def without_source_positions() -> Iterator[None]:
    """Skip the stack walk the SDK does for every resource: under mocks nobody reads source positions,
    and the walk is about a tenth of an offline plan's run time."""
    saved = _resource._get_stack_trace
    _resource._get_stack_trace = lambda: _resource.source_pb2.StackTrace()
    try:
        yield
    finally:
        _resource._get_stack_trace = saved


def deserialize(properties: Any) -> Any:
    return _rpc.deserialize_properties(properties)


class RecordingMockMonitor(_mocks.MockMonitor):
    """The SDK's mock monitor, with a hook that sees each registration request and its mocked state."""

    def on_register(self, request: Any, urn: str, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            registered = self.resources.get(response.urn)
            self.on_register(request, response.urn, dict(registered.state) if registered else {})
        return response
