"""The Vercel project, its environment and domains (runbooks 000, 001, 002)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumiverse_vercel as vercel

from components.delivery.vercel_config import VercelConfig
from components.secrets.inventory import VercelSecret

MAINTENANCE_MODE = "MAINTENANCE_MODE"
DEPLOY_HOOK = "platform-redeploy"


@dataclass(frozen=True, kw_only=True)
class VercelFrontendArgs:
    vercel: VercelConfig
    protect: bool
    secret_env: Sequence[VercelSecret] = field(default_factory=list)
    # Variable -> generation of the secret it carries: part of the fingerprint that says a redeploy is due.
    served: dict[str, int] = field(default_factory=dict)


def env_fingerprint(cfg: VercelConfig, served: dict[str, int]) -> str:
    """Changes whenever what a new deployment would read changes; values of secrets are not part of it."""
    parts = [f"{k}={v.value}@{','.join(v.targets)}" for k, v in sorted(cfg.env.items())]
    parts.append(f"{MAINTENANCE_MODE}={cfg.maintenance_mode}@{','.join(cfg.maintenance_targets)}")
    parts += [f"{k}#{g}" for k, g in sorted(served.items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _hook_url(git: vercel.outputs.ProjectGitRepository | None) -> str:
    hooks = (git.deploy_hooks if git else None) or []
    return next((h.url for h in hooks if h.name == DEPLOY_HOOK and h.url), "")


class VercelFrontend(pulumi.ComponentResource):
    """The Vercel project (protected when `protect`) with preview protection, function regions and, when
    it deploys from git, a deploy hook; one environment variable per plain value, secret and target
    set, `MAINTENANCE_MODE` always declared; and the custom domains.

    Vercel applies environment changes only to new deployments: `envFingerprint` changes whenever a
    new deployment would see something different, and the deploy hook's URL starts one.
    """

    def __init__(self, name: str, args: VercelFrontendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:delivery:VercelFrontend", name, None, opts)
        cfg = args.vercel
        git = cfg.git_repository
        self._name, self._cfg = name, cfg
        self.project = vercel.Project(
            name,
            name=cfg.project_name,
            team_id=cfg.team_id,
            framework=cfg.framework,
            root_directory=cfg.root_directory,
            git_repository=None
            if git is None
            else vercel.ProjectGitRepositoryArgs(
                type=git.type,
                repo=git.repo,
                production_branch=git.production_branch,
                deploy_hooks=[vercel.ProjectGitRepositoryDeployHookArgs(name=DEPLOY_HOOK, ref=git.production_branch)],
            ),
            resource_config=vercel.ProjectResourceConfigArgs(function_default_regions=cfg.function_regions),
            vercel_authentication=vercel.ProjectVercelAuthenticationArgs(deployment_type=cfg.preview_protection),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.variables: dict[str, vercel.ProjectEnvironmentVariable] = {}
        for key, var in cfg.env.items():
            self._variable(key, var.value, list(var.targets), sensitive=False)
        # Always declared, so turning maintenance on or off changes this one variable's value.
        self._variable(
            MAINTENANCE_MODE,
            "true" if cfg.maintenance_mode else "false",
            list(cfg.maintenance_targets),
            sensitive=False,
            comment="stack setting platform:vercel.maintenanceMode",
        )
        for secret in args.secret_env:
            self._variable(
                secret.key,
                secret.value,
                list(secret.targets),
                sensitive=True,
                comment="from platform:secrets; rotate with `python -m ops rotate`",
            )
        self.domains = [
            vercel.ProjectDomain(
                f"{name}-{domain}",
                project_id=self.project.id,
                team_id=cfg.team_id,
                domain=domain,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for domain in cfg.domains
        ]
        self.project_name = self.project.name
        self.domain_names = pulumi.Output.all(*(d.domain for d in self.domains))
        self.maintenance_mode = self.variables[MAINTENANCE_MODE].value.apply(lambda v: v == "true")
        self.env_fingerprint = env_fingerprint(cfg, args.served)
        # The hook URL starts a deployment for anyone who holds it: a secret.
        self.deploy_hook_url: pulumi.Output[str] | None = (
            None if git is None else pulumi.Output.secret(self.project.git_repository.apply(_hook_url))
        )
        self.register_outputs(
            {
                "projectName": self.project_name,
                "domains": self.domain_names,
                "envFingerprint": self.env_fingerprint,
                "deployHookUrl": self.deploy_hook_url,
            }
        )

    def _variable(
        self, key: str, value: pulumi.Input[str], targets: list[str], *, sensitive: bool, comment: str | None = None
    ) -> None:
        self.variables[key] = vercel.ProjectEnvironmentVariable(
            f"{self._name}-{key}",
            project_id=self.project.id,
            team_id=self._cfg.team_id,
            key=key,
            value=value,
            targets=targets,
            sensitive=sensitive,
            comment=comment,
            # A replace must delete first, or Vercel refuses the new one: ENV_ALREADY_EXISTS
            # (pulumiverse/pulumi-vercel#118).
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
