"""Small readers over a synthesized stack."""

from __future__ import annotations

import json
from typing import Any

from ops.synth import Resource, Synth

BUCKET = "aws:s3/bucket:Bucket"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
VERCEL_PROJECT = "vercel:index/project:Project"
VERCEL_ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VERCEL_DOMAIN = "vercel:index/projectDomain:ProjectDomain"
FLY_APP = "flyio:index:App"
FLY_MACHINE = "flyio:index:Machine"
FLY_SECRETS = "flyio:index:Secrets"


def statements(resource: Resource, field: str = "policy") -> list[dict[str, Any]]:
    doc = json.loads(resource.inputs[field])
    assert doc["Version"] == "2012-10-17"
    return list(doc["Statement"])


def parent_name(synth: Synth, resource: Resource) -> str | None:
    parent = synth.parent_of(resource)
    return None if parent is None else parent.name


def names(synth: Synth, type_: str) -> list[str]:
    return sorted(r.name for r in synth.of_type(type_))


def inputs_by_name(synth: Synth) -> dict[tuple[str, str], tuple[dict[str, Any], list[str]]]:
    return {(r.type, r.name): (r.inputs, r.secret_paths) for r in synth.resources}


def changed(before: Synth, after: Synth) -> tuple[set[Any], set[Any], set[Any]]:
    """(added, removed, changed inputs) between two synths of the same program."""
    a, b = inputs_by_name(before), inputs_by_name(after)
    return (set(b) - set(a), set(a) - set(b), {k for k in set(a) & set(b) if a[k] != b[k]})
