"""`platform:vercel`: the Vercel project of runbooks 000, 001 and 002, its plain environment and domains."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from components.shared.base import EnvName, GitRef, Hostname, Model, RepoSlug, VercelFramework, VercelRegion, raise_if
from components.shared.catalogues import looks_secret

VercelTarget = Literal["production", "preview", "development"]
VERCEL_TARGETS: tuple[VercelTarget, ...] = ("production", "preview", "development")


class GitRepository(Model):
    type: Literal["github", "gitlab", "bitbucket"] = "github"
    repo: RepoSlug
    production_branch: GitRef = "main"


def _targets(*targets: VercelTarget) -> list[VercelTarget]:
    return list(targets)


class EnvVar(Model):
    value: str
    targets: list[VercelTarget] = Field(default_factory=lambda: _targets(*VERCEL_TARGETS), min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"value": data} if isinstance(data, str) else data


class VercelConfig(Model):
    project_name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9._-]{0,98}[a-z0-9])?$")]
    team_id: str | None = None
    framework: VercelFramework | None = "nextjs"
    git_repository: GitRepository | None = None
    root_directory: str | None = None
    function_regions: list[VercelRegion] = Field(default_factory=lambda: ["iad1"], min_length=1)
    preview_protection: Literal[
        "standard_protection_new", "standard_protection", "all_deployments", "only_preview_deployments"
    ] = "standard_protection_new"
    domains: list[Hostname] = Field(default_factory=list)
    maintenance_mode: bool = False
    maintenance_targets: list[VercelTarget] = Field(default_factory=lambda: _targets("production"), min_length=1)
    env: dict[EnvName, EnvVar] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _values(self) -> VercelConfig:
        problems = []
        if "MAINTENANCE_MODE" in self.env:
            problems.append(("env.MAINTENANCE_MODE", "set platform:vercel.maintenanceMode instead"))
        problems += [(f"env.{k}", SECRET_IN_ENV) for k in self.env if looks_secret(k)]
        raise_if(problems)
        return self


SECRET_IN_ENV = (
    "names a secret, and env values are plain text; declare it in platform:secrets.items "
    "(generated, or provided with `pulumi config set --secret`) and list this consumer"
)
