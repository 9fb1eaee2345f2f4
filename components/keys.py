"""KMS keys, one per purpose, with rotation and an explicit key policy (runbook 003)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import KeysConfig
from components.policies import kms_key_policy


@dataclass(frozen=True, kw_only=True)
class KmsKeysArgs:
    app: str
    environment: str
    region: str
    account_id: pulumi.Input[str]
    keys: KeysConfig
    tags: dict[str, str]
    protect: bool


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
        policy = pulumi.Output.from_input(args.account_id).apply(
            lambda account: kms_key_policy(account, args.region, cfg.administrators, cfg.users)
        )
        for purpose in cfg.purposes:
            alias = alias_name(args.app, purpose, args.environment)
            key = aws.kms.Key(
                f"{name}-{purpose}",
                description=f"{args.app} {args.environment}: {purpose} data key ({alias})",
                enable_key_rotation=True,
                rotation_period_in_days=cfg.rotation_period_days,
                deletion_window_in_days=cfg.deletion_window_days,
                policy=policy,
                tags={**args.tags, "purpose": purpose},
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect),
            )
            self.keys[purpose] = key
            self.aliases[purpose] = aws.kms.Alias(
                f"{name}-{purpose}",
                name=alias,
                target_key_id=key.key_id,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.key_arns = {p: k.arn for p, k in self.keys.items()}
        self.alias_names = {p: a.name for p, a in self.aliases.items()}
        self.register_outputs({"keyArns": self.key_arns, "aliases": self.alias_names})
