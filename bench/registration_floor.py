"""The floor of any Python Pulumi program that declares a given stack: the plan's own resources (same types,
names, parents, protect flags, aliases and inputs, secret parts as secrets), registered straight through the
SDK under the same mocks, after the same SDK imports, with none of this project's config, components or
checks. `bench/plan_benchmark.py` runs it beside `ops plan`, paired, from a fresh interpreter each.

Two floors:
- typed (the default): each resource through its provider SDK class (`pulumi_aws.s3.Bucket(...)`), as any
  program declaring these resources in Python does. The class's first use costs the SDK its type metadata
  (`pulumi._types`: get_type_hints over every property), which is part of declaring that type at all.
- generic (`--generic`): `pulumi.CustomResource` with the type token and a plain dict, skipping the provider
  classes. No program written with the provider SDKs can be this cheap; it bounds the SDK core alone.

usage: python bench/registration_floor.py PLAN.json STACK [--generic]   (PLAN.json: `ops plan STACK --json`)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


# The plan's type tokens name their SDK: `aws:s3/bucket:Bucket` is pulumi_aws.s3.Bucket.
PACKAGES = {
    "aws": "pulumi_aws",
    "flyio": "pulumi_flyio",
    "github": "pulumi_github",
    "pagerduty": "pulumi_pagerduty",
    "postgresql": "pulumi_postgresql",
    "random": "pulumi_random",
    "vercel": "pulumiverse_vercel",
}


def sdk_class(token: str) -> tuple[type, type]:
    """The provider SDK's resource class for a type token, and its Args input type."""
    import importlib

    if token.startswith("pulumi:providers:"):
        cls = importlib.import_module(PACKAGES[token.split(":")[2]]).Provider
    else:
        package, path, name = token.split(":")
        module = importlib.import_module(PACKAGES[package])
        if path.split("/")[0] != "index":
            module = getattr(module, path.split("/")[0])
        cls = getattr(module, name)
    # the one its module exports: `XInitArgs` where a nested input type is already named `XArgs`
    # (pulumi_aws.s3.BucketVersioningArgs is the Bucket's versioning block)
    module = sys.modules[cls.__module__]
    (args,) = (n for n in (f"{cls.__name__}Args", f"{cls.__name__}InitArgs") if n in module.__all__)
    return cls, getattr(module, args)


def _decoded(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return value if isinstance(decoded, str) else decoded


def register(rows: list[dict[str, Any]], typed: bool = True) -> None:
    import pulumi
    from pulumi import _types

    resources = [r for r in rows if r["type"] != "pulumi:pulumi:Stack"]
    by_key = {(r["type"], r["name"]): r for r in resources}
    made: dict[tuple[str, str], pulumi.Resource] = {}

    def make(row: dict[str, Any]) -> pulumi.Resource:
        key = (row["type"], row["name"])
        if key in made:
            return made[key]
        parent = row["parent"] and make(by_key[(row["parent"]["type"], row["parent"]["name"])])
        opts = pulumi.ResourceOptions(
            parent=parent or None,
            protect=row["protect"],
            retain_on_delete=row["retainOnDelete"] or None,
            aliases=list(row["aliases"]) or None,
        )
        inputs = dict(row["inputs"])
        for path in row["secretInputs"]:
            top = path.split(".")[0].split("[")[0]
            if top in inputs:
                inputs[top] = pulumi.Output.secret(inputs[top])
        resource: pulumi.Resource
        if row["type"].startswith("platform:"):
            resource = pulumi.ComponentResource(row["type"], row["name"], None, opts)
        elif typed:
            cls, args = sdk_class(row["type"])
            # top-level arguments by their Python names; nested values keep the wire names, which the SDK
            # passes through as it translates a nested input type
            python_name = {wire: py for py, wire in _types.input_type_py_to_pulumi_names(args).items()}
            if row["type"].startswith("pulumi:providers:"):
                # a provider class sends its non-string settings JSON-encoded (`port: "5432"`), as recorded
                inputs = {k: _decoded(v) for k, v in inputs.items()}
            kwargs: dict[str, Any] = {str(python_name.get(k) or k): v for k, v in inputs.items()}
            resource = cls(row["name"], opts=opts, **kwargs)
        elif row["type"].startswith("pulumi:providers:"):
            resource = pulumi.ProviderResource(row["type"].split(":")[2], row["name"], inputs, opts)
        else:
            resource = pulumi.CustomResource(row["type"], row["name"], inputs, opts)
        made[key] = resource
        return resource

    for row in resources:
        make(row)


def main() -> None:
    plan, stack, typed = Path(sys.argv[1]), sys.argv[2], "--generic" not in sys.argv[3:]
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
        register(rows, typed)

    run()
    import gc

    gc.freeze()  # as `ops` exits (ops/__main__.py run): the comparison is of the work, not of the teardown
    expected = sum(r["type"] != "pulumi:pulumi:Stack" for r in rows)
    if len(counted) != expected:
        raise SystemExit(f"the floor registered {len(counted)} resources, the plan {expected}")


if __name__ == "__main__":
    main()
