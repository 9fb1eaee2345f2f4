"""Deterministic stand-ins for what the providers would return, derived from the inputs.

Two runs of the same config give the same outputs, so plans can be compared and tests assert exact values.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks

from components.shared.sdk_internals import SECRET_SIG, SECRET_SIG_KEY

ACCOUNT_ID = "123456789012"


def describe_asset(value: pulumi.Asset | pulumi.Archive) -> Any:
    """An asset as the plan shows it: a file by its name and content hash, so a changed script is a changed
    input; an archive as its members."""
    if isinstance(value, pulumi.AssetArchive):
        return {name: describe_asset(member) for name, member in sorted(value.assets.items())}
    if isinstance(value, pulumi.FileAsset):
        content = Path(value.path).read_bytes()
        return f"file {Path(value.path).name} sha256:{hashlib.sha256(content).hexdigest()[:16]}"
    if isinstance(value, pulumi.StringAsset):
        return f"text sha256:{hashlib.sha256(value.text.encode()).hexdigest()[:16]}"
    return f"{type(value).__name__}"


def unwrap_secrets(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """Plain value and the paths of the secret parts inside it."""
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return describe_asset(value), []
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


def digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class FakeProviders(pulumi.runtime.Mocks):
    """Deterministic outputs for the resources and calls this program uses."""

    def __init__(self, region: str):
        self.region = region

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs, _ = unwrap_secrets(args.inputs)
        state = dict(inputs)
        seed = digest(args.typ, args.name, inputs.get("keepers"))
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
            # IAM puts a role's path in its ARN: arn:aws:iam::<account>:role/<path><name>
            path = inputs.get("path") or "/"
            state.update(name=name, arn=f"arn:aws:iam::{ACCOUNT_ID}:role{path}{name}")
            return name, state
        if t == "aws:iam/policy:Policy":
            state["arn"] = f"arn:aws:iam::{ACCOUNT_ID}:policy{inputs.get('path') or '/'}{inputs['name']}"
            return state["arn"], state
        if t == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            state["arn"] = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{str(inputs['url']).removeprefix('https://')}"
            return state["arn"], state
        if t == "aws:sns/topic:Topic":
            name = inputs.get("name") or f"{args.name}-{seed[:7]}"
            state.update(name=name, arn=f"arn:aws:sns:{region}:{ACCOUNT_ID}:{name}")
            return state["arn"], state
        if t in ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"):
            name = inputs.get("name") or inputs.get("alarmName") or f"{args.name}-{seed[:7]}"
            state["arn"] = f"arn:aws:cloudwatch:{region}:{ACCOUNT_ID}:alarm:{name}"
            return name, state
        if t == "random:index/randomBytes:RandomBytes":
            raw = bytes.fromhex((seed * 8)[: 2 * int(inputs["length"])])
            state.update(hex=raw.hex(), base64=base64.b64encode(raw).decode())
            return args.name, state
        if t == "random:index/randomPassword:RandomPassword":
            state["result"] = ("Aa1-" + seed * 4)[: int(inputs["length"])]
            return args.name, state
        if t == "vercel:index/project:Project":
            git = state.get("gitRepository")
            if isinstance(git, dict):
                hooks = [
                    {
                        **h,
                        "id": f"hk_{seed[:8]}",
                        "url": f"https://api.vercel.com/v1/integrations/deploy/prj_{seed[:8]}",
                    }
                    for h in git.get("deployHooks") or []
                ]
                state["gitRepository"] = {**git, "deployHooks": hooks}
            return f"prj_{seed[:20]}", state
        if t == "flyio:index:App":
            return inputs.get("name", args.name), state
        if t == "pagerduty:index/serviceIntegration:ServiceIntegration":
            # PagerDuty issues the key (32 hex characters) when the integration is created
            state["integrationKey"] = seed[:32]
            return f"P{seed[:6].upper()}", state
        return f"{args.name}-id", state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/ci",
                "userId": "AIDAMOCK",
                "id": ACCOUNT_ID,
            }, []
        if args.token == "pagerduty:index/getUser:getUser":
            email = str(args.args.get("email"))
            return {"id": "P" + digest(email)[:6].upper(), "email": email, "name": email.split("@")[0]}, []
        if args.token == "pagerduty:index/getVendor:getVendor":
            # Amazon CloudWatch's vendor ID, as the provider's acceptance test reads it
            # (pagerdutyplugin/data_source_pagerduty_vendor_test.go)
            return {"id": "PZQ6AUS", "name": "Amazon CloudWatch", "type": "generic_events_api_inbound_integration"}, []
        raise NotImplementedError(f"no fake for the call {args.token}; add one to FakeProviders.call")
