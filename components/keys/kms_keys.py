"""KMS keys, one per purpose, with rotation and an explicit key policy (runbook 003)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.keys.config import KeysConfig
from components.shared.policies import kms_key_policy


@dataclass(frozen=True, kw_only=True)
class KmsKeysArgs:
    app: str
    environment: str
    region: str
    account_id: pulumi.Input[str]
    keys: KeysConfig
    tags: dict[str, str]
    protect: bool
    # purpose -> region, where a key must live elsewhere than the stack (alerting lives in us-east-1)
    regions: Mapping[str, str] = field(default_factory=dict)
    # purpose -> AWS services that encrypt with the key (CloudWatch, EventBridge for alert topics)
    services: Mapping[str, Sequence[str]] = field(default_factory=dict)


def _policy(account: str, *, region: str, cfg: KeysConfig, services: list[str]) -> str:
    return kms_key_policy(account, region, cfg.administrators, cfg.users, services)


def alias_name(app: str, purpose: str, environment: str) -> str:
    return f"alias/{app}-{purpose}-{environment}"


class KmsKeys(pulumi.ComponentResource):
    """One customer-managed KMS key per purpose, with automatic rotation, an explicit key policy with
    no `*` principal, and the alias `alias/<app>-<purpose>-<env>`. Keys are protected and retained
    when `protect`.
    """

    def __init__(self, name: str, args: KmsKeysArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:security:KmsKeys", name, None, opts)
        self.keys: dict[str, aws.kms.Key] = {}
        self.aliases: dict[str, aws.kms.Alias] = {}
        cfg = args.keys
        for purpose in cfg.purposes:
            region = args.regions.get(purpose, args.region)
            services = list(args.services.get(purpose, []))
            policy = pulumi.Output.from_input(args.account_id).apply(
                functools.partial(_policy, region=region, cfg=cfg, services=services)
            )
            alias = alias_name(args.app, purpose, args.environment)
            key = aws.kms.Key(
                f"{name}-{purpose}",
                description=f"{args.app} {args.environment}: {purpose} data key ({alias})",
                enable_key_rotation=True,
                rotation_period_in_days=cfg.rotation_period_days,
                deletion_window_in_days=cfg.deletion_window_days,
                policy=policy,
                region=args.regions.get(purpose),
                tags={**args.tags, "purpose": purpose},
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect),
            )
            self.keys[purpose] = key
            self.aliases[purpose] = aws.kms.Alias(
                f"{name}-{purpose}",
                name=alias,
                target_key_id=key.key_id,
                region=args.regions.get(purpose),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.key_arns = {p: k.arn for p, k in self.keys.items()}
        self.key_regions = {p: args.regions.get(p, args.region) for p in cfg.purposes}
        self.alias_names = {p: a.name for p, a in self.aliases.items()}
        self.register_outputs({"keyArns": self.key_arns, "aliases": self.alias_names})
