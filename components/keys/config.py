"""`platform:keys`: KMS keys, one per purpose (runbook 003)."""

from __future__ import annotations

from pydantic import Field, model_validator

from components.shared.base import IamPrincipalArn, Model, Slug, raise_if, repeated


class KeysConfig(Model):
    purposes: list[Slug] = Field(default_factory=lambda: ["general"], min_length=1)
    # KMS allows 90..2560 days; the runbooks rotate keys quarterly.
    rotation_period_days: int = Field(default=90, ge=90, le=2560)
    deletion_window_days: int = Field(default=30, ge=7, le=30)
    administrators: list[IamPrincipalArn] = Field(default_factory=list)
    users: list[IamPrincipalArn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> KeysConfig:
        raise_if([("purposes", f"duplicate purpose {d!r}") for d in repeated(self.purposes)])
        return self
