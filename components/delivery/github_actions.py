"""GitHub Actions as a secret consumer: runbook 000's `gh secret set`, as environment secrets of one repository."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_github as github

from components.delivery.github_config import GithubConfig


@dataclass(frozen=True, kw_only=True)
class GithubActionsSecretsArgs:
    github: GithubConfig
    token: pulumi.Output[str]
    secret_env: Mapping[str, pulumi.Output[str]]


class GithubActionsSecrets(pulumi.ComponentResource):
    """An explicit GitHub provider whose token comes from the stack config (never GITHUB_TOKEN from the
    environment), and one environment secret per value the inventory serves to `github`: `<NAME>`, and
    `<NAME>_PREVIOUS` during the overlap after a rotation."""

    def __init__(self, name: str, args: GithubActionsSecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:delivery:GithubActionsSecrets", name, None, opts)
        cfg = args.github
        # token and value arrive as secrets, and the SDK marks both secret again (provider.py, ...secret.py)
        self.provider = github.Provider(
            name, owner=cfg.owner, token=args.token, opts=pulumi.ResourceOptions(parent=self)
        )
        # A replacement keeps the secret's repository, environment and name unless one of them changed, and
        # GitHub's PUT is create-or-update: created first, the new secret would be removed by the old one's
        # delete. `value` itself changes in place (UpdateContext in the provider's
        # resource_github_actions_environment_secret.go); environment and secret_name are ForceNew.
        on_github = pulumi.ResourceOptions(parent=self, provider=self.provider, delete_before_replace=True)
        self.secrets = {
            key: github.ActionsEnvironmentSecret(
                f"{name}-{key}",
                repository=cfg.repository,
                environment=cfg.environment,
                secret_name=key,
                value=value,
                opts=on_github,
            )
            for key, value in sorted(args.secret_env.items())
        }
        self.register_outputs({"secretNames": sorted(self.secrets)})
