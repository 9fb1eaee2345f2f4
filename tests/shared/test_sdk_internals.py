"""Contract test for components/shared/sdk_internals.py: fails loudly when a Pulumi release changes a private name.

Only the module's own functions are called here, so the private names still appear in that one module.
"""

from __future__ import annotations

import inspect
import json

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import resource_pb2

from components.shared import sdk_internals


def test_the_secret_signature_is_the_one_on_the_wire() -> None:
    # The SDK's constants (sdk/python/lib/pulumi/runtime/rpc.py), unchanged since the wire format was set.
    assert sdk_internals.SECRET_SIG_KEY == "4dabf18193072939515e22adb298388d"
    assert sdk_internals.SECRET_SIG == "1b47061264138c4ac30d75fd1eb44270"


def test_config_values_reads_what_the_cli_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"contract:probe": "x", "contract:SECRET_PROBE": "sk-1"}))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["contract:SECRET_PROBE"]))
    raw, secret = sdk_internals.config_values()
    assert (raw["contract:probe"], raw["contract:SECRET_PROBE"]) == ("x", "sk-1")
    assert "contract:SECRET_PROBE" in secret and "contract:probe" not in secret


def test_sync_await_runs_a_coroutine() -> None:
    async def forty_two() -> int:
        return 42

    assert sdk_internals.sync_await(forty_two()) == 42


def test_reset_root_stack_clears_the_root_resource() -> None:
    sdk_internals.reset_root_stack()
    assert pulumi.runtime.get_root_resource() is None


def test_the_mock_monitor_still_has_the_method_we_wrap_and_the_fields_we_read() -> None:
    base = MockMonitor
    assert sdk_internals.RecordingMockMonitor.__mro__[1] is base
    assert list(inspect.signature(base.RegisterResource).parameters) == ["self", "request"]
    assert "self.resources" in inspect.getsource(base)
    fields = set(resource_pb2.RegisterResourceRequest.DESCRIPTOR.fields_by_name)
    assert {"type", "name", "parent", "custom", "object", "protect", "retainOnDelete", "deleteBeforeReplace"} <= fields
    assert {"dependencies", "aliases"} <= fields
    alias_spec = resource_pb2.RegisterResourceRequest.DESCRIPTOR.fields_by_name["aliases"].message_type
    assert {"urn", "spec"} <= set(alias_spec.fields_by_name)


def test_deserialize_turns_a_struct_back_into_values() -> None:
    from google.protobuf import struct_pb2  # type: ignore[import-untyped]

    struct = struct_pb2.Struct()
    struct.update({"a": 1, "b": "x"})
    assert sdk_internals.deserialize(struct) == {"a": 1, "b": "x"}


def test_source_positions_can_be_skipped_while_a_component_registers() -> None:
    from ops.offline.synth import record

    with sdk_internals.without_source_positions():  # fails here if the SDK renamed what it swaps
        synth = record("unit", lambda: pulumi.ComponentResource("test:index:Probe", "probe"))
    assert [r.name for r in synth.resources] == ["probe"]
