"""The Vercel project, its environment and domains (runbooks 000, 001, 002)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumiverse_vercel as vercel

from components.config import VercelConfig

MAINTENANCE_MODE = "MAINTENANCE_MODE"


@dataclass(frozen=True)
class VercelFrontendArgs:
    vercel: VercelConfig
    protect: bool
    # (key, value, targets) for values from the secrets inventory
    secret_env: list[tuple[str, pulumi.Output[str], list[str]]] = field(default_factory=list)


class VercelFrontend(pulumi.ComponentResource):
    def __init__(self, name: str, args: VercelFrontendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:delivery:VercelFrontend", name, None, opts)
        cfg = args.vercel
        git = cfg.git_repository
        self.project = vercel.Project(
            name,
            name=cfg.project_name,
            team_id=cfg.team_id,
            framework=cfg.framework,
            root_directory=cfg.root_directory,
            git_repository=None
            if git is None
            else vercel.ProjectGitRepositoryArgs(type=git.type, repo=git.repo, production_branch=git.production_branch),
            resource_config=vercel.ProjectResourceConfigArgs(function_default_regions=cfg.function_regions),
            vercel_authentication=vercel.ProjectVercelAuthenticationArgs(deployment_type=cfg.preview_protection),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.variables: dict[str, vercel.ProjectEnvironmentVariable] = {}
        for key, var in cfg.env.items():
            self._variable(name, key, var.value, list(var.targets), sensitive=False, cfg=cfg)
        # Always declared, so turning maintenance on or off changes this one variable's value.
        self._variable(
            name,
            MAINTENANCE_MODE,
            "true" if cfg.maintenance_mode else "false",
            list(cfg.maintenance_targets),
            sensitive=False,
            cfg=cfg,
            comment="stack setting platform:vercel.maintenanceMode",
        )
        for key, value, targets in args.secret_env:
            self._variable(
                name,
                key,
                value,
                targets,
                sensitive=True,
                cfg=cfg,
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
        self.register_outputs({"projectId": self.project.id, "domains": list(cfg.domains)})

    def _variable(
        self,
        name: str,
        key: str,
        value: pulumi.Input[str],
        targets: list[str],
        *,
        sensitive: bool,
        cfg: VercelConfig,
        comment: str | None = None,
    ) -> None:
        self.variables[key] = vercel.ProjectEnvironmentVariable(
            f"{name}-{key}",
            project_id=self.project.id,
            team_id=cfg.team_id,
            key=key,
            value=value,
            targets=targets,
            sensitive=sensitive,
            comment=comment,
            opts=pulumi.ResourceOptions(parent=self),
        )
