"""The benchmark's floors register exactly what the plan declares, or their ratio would mean nothing."""

from __future__ import annotations

import importlib.util
import json
from typing import Any

import pytest

from ops.commands.plan import as_json
from ops.offline.stackfile import ROOT
from ops.offline.synth import Synth, record

spec = importlib.util.spec_from_file_location("registration_floor", ROOT / "bench" / "registration_floor.py")
assert spec is not None and spec.loader is not None
floor = importlib.util.module_from_spec(spec)
STACK = "pulumi:pulumi:Stack"
spec.loader.exec_module(floor)


@pytest.mark.parametrize("typed", [True, False], ids=["provider classes", "generic"])
def test_each_floor_registers_the_plans_resources_with_their_inputs_and_options(prod: Synth, typed: bool) -> None:
    rows: list[dict[str, Any]] = json.loads(as_json(prod))
    again = json.loads(as_json(record("prod", lambda: floor.register(rows, typed))))

    def declared(plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # the plan's secret values are placeholders by then, so their digests differ; the floor exports
        # no stack outputs
        return [{k: v for k, v in r.items() if k != "secretDigests"} for r in plan if r["type"] != STACK]

    assert len(declared(rows)) == 188
    assert declared(again) == declared(rows)


def test_the_typed_floor_declares_each_resource_through_its_provider_class() -> None:
    import pulumi_aws
    import pulumi_flyio

    assert floor.sdk_class("aws:s3/bucketVersioning:BucketVersioning") == (
        pulumi_aws.s3.BucketVersioning,
        pulumi_aws.s3.bucket_versioning.BucketVersioningInitArgs,  # not the Bucket's nested BucketVersioningArgs
    )
    assert floor.sdk_class("flyio:index:Machine") == (pulumi_flyio.Machine, pulumi_flyio.MachineArgs)
    assert floor.sdk_class("pulumi:providers:aws") == (pulumi_aws.Provider, pulumi_aws.ProviderArgs)
