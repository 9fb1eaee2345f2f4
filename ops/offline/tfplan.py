"""The AWS part of an offline plan in Terraform's plan JSON shape, so checkov's terraform_plan checks can read it.

Pulumi's AWS provider is built on the Terraform provider: `aws:iam/role:Role` is `aws_iam_role`, with
the same arguments in camelCase. Only the AWS resources are converted; checkov has no checks for the rest.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ops.offline.synth import Synth


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def terraform_type(pulumi_type: str) -> str | None:
    """aws:s3/bucketPolicy:BucketPolicy -> aws_s3_bucket_policy; None for anything not AWS."""
    package, module_path, type_name = pulumi_type.split(":")
    if package != "aws":
        return None
    return f"aws_{module_path.split('/')[0]}_{_snake(type_name)}"


def _values(value: Any) -> Any:
    if isinstance(value, dict):
        return {_snake(k): _values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_values(v) for v in value]
    return value


# Pulumi names a repeated Terraform block in the plural; checkov reads Terraform's name
# (pulumi-aws s3/bucket_lifecycle_configuration.py `rules` is aws_s3_bucket_lifecycle_configuration's `rule`)
BLOCKS = {"aws_s3_bucket_lifecycle_configuration": {"rules": "rule"}}


def as_terraform_plan(synth: Synth) -> str:
    resources = []
    for r in synth.resources:
        tf_type = terraform_type(r.type) if r.custom else None
        if tf_type is None:
            continue
        name = re.sub(r"\W", "_", r.name)
        resources.append(
            {
                "address": f"{tf_type}.{name}",
                "mode": "managed",
                "type": tf_type,
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "values": {BLOCKS.get(tf_type, {}).get(k, k): v for k, v in _values(r.inputs).items()},
            }
        )
    changes = [
        {k: v for k, v in res.items() if k != "values"}
        | {"change": {"actions": ["create"], "before": None, "after": res["values"]}}
        for res in resources
    ]
    return json.dumps(
        {
            "format_version": "1.2",
            "terraform_version": "1.9.0",
            "planned_values": {"root_module": {"resources": resources}},
            "resource_changes": changes,
        },
        indent=1,
    )
