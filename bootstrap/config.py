"""`bootstrap:*`: the repository CI runs from, how GitHub names it in OIDC tokens, and its environments."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from components.shared.base import Model, RepoSlug, raise_if

EnvironmentName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]+$")]


class BootstrapConfig(Model):
    repository: RepoSlug
    owner_id: int | None = Field(default=None, ge=1)
    repository_id: int | None = Field(default=None, ge=1)
    environments: list[EnvironmentName] = Field(default_factory=lambda: ["staging", "prod"], min_length=1)
    noncurrent_state_days: int = Field(default=90, ge=1, le=3650)

    @model_validator(mode="after")
    def _both_ids(self) -> BootstrapConfig:
        if (self.owner_id is None) != (self.repository_id is None):
            raise_if([("ownerId", "ownerId and repositoryId go together (GitHub's immutable subject claims)")])
        return self

    @property
    def subject_prefix(self) -> str:
        """`repo:owner/repo`, or with immutable IDs `repo:owner@1/repo@2` (new repositories, since 2026-07-15)."""
        owner, repo = self.repository.split("/")
        if self.owner_id is None:
            return f"repo:{owner}/{repo}"
        return f"repo:{owner}@{self.owner_id}/{repo}@{self.repository_id}"
