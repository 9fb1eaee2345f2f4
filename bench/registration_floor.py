"""The floor of any Python Pulumi program that declares a given stack: the plan's own resources (same types,
names, parents, protect flags and inputs, secret parts as secrets), registered straight through the SDK
under the same mocks, after the same SDK imports, with none of this project's config, components or
checks. `bench/plan_benchmark.py` runs it beside `ops plan`, paired, from a fresh interpreter each.

usage: python bench/registration_floor.py PLAN.json STACK   (PLAN.json: `ops plan STACK --json`)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def register(rows: list[dict[str, Any]]) -> None:
    import pulumi

    resources = [r for r in rows if r["type"] != "pulumi:pulumi:Stack"]
    by_key = {(r["type"], r["name"]): r for r in resources}
    made: dict[tuple[str, str], pulumi.Resource] = {}

    def make(row: dict[str, Any]) -> pulumi.Resource:
        key = (row["type"], row["name"])
        if key in made:
            return made[key]
        parent = row["parent"] and make(by_key[(row["parent"]["type"], row["parent"]["name"])])
        opts = pulumi.ResourceOptions(parent=parent or None, protect=row["protect"])
        inputs = dict(row["inputs"])
        for path in row["secretInputs"]:
            top = path.split(".")[0].split("[")[0]
            if top in inputs:
                inputs[top] = pulumi.Output.secret(inputs[top])
        resource: pulumi.Resource
        if row["type"].startswith("platform:"):
            resource = pulumi.ComponentResource(row["type"], row["name"], None, opts)
        elif row["type"].startswith("pulumi:providers:"):
            resource = pulumi.ProviderResource(row["type"].split(":")[2], row["name"], inputs, opts)
        else:
            resource = pulumi.CustomResource(row["type"], row["name"], inputs, opts)
        made[key] = resource
        return resource

    for row in resources:
        make(row)


def main() -> None:
    plan, stack = Path(sys.argv[1]), sys.argv[2]
    from ops.offline.sdk import import_provider_sdks

    import_provider_sdks()
    import pulumi

    from ops.offline.fakes import FakeProviders  # the same fakes; none of the plan's config or recording

    rows = json.loads(plan.read_text())
    counted: list[str] = []

    class Counting(FakeProviders):
        def new_resource(self, args: Any) -> tuple[str | None, dict[str, Any]]:
            counted.append(args.name)
            return super().new_resource(args)

    pulumi.runtime.set_mocks(Counting("us-east-1"), project=rows[0]["urn"].split("::")[1], stack=stack, preview=False)

    @pulumi.runtime.test
    def run() -> None:
        register(rows)

    run()
    import gc

    gc.freeze()  # as `ops` exits (ops/__main__.py run): the comparison is of the work, not of the teardown
    expected = sum(r["type"] != "pulumi:pulumi:Stack" for r in rows)
    if len(counted) != expected:
        raise SystemExit(f"the floor registered {len(counted)} resources, the plan {expected}")


if __name__ == "__main__":
    main()
