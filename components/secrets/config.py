"""`platform:secrets`: the inventory of runbooks 000, 001, 002 and 004, each secret with its rotation record."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from components.shared.base import IsoDate, Model, SecretName, raise_if, repeated
from components.shared.catalogues import SECRET_CATALOGUE

# "github": environment secrets of the repository in platform:github (runbook 000's `gh secret set`).
Consumer = Literal["vercel:production", "vercel:preview", "vercel:development", "fly", "github"]
# Vercel keeps sensitive variables only for preview and production deployments.
SENSITIVE_VERCEL_TARGETS = ("production", "preview")


def vercel_targets(consumers: Iterable[str]) -> list[str]:
    """The Vercel targets among a secret's consumers ("vercel:production" -> "production")."""
    return [c.split(":", 1)[1] for c in consumers if c.startswith("vercel:")]


def fingerprint(ciphertext: str) -> str:
    """What a rotation records of a provided secret's encrypted value: enough to tell it changed."""
    return hashlib.sha256(ciphertext.encode()).hexdigest()[:16]


class Rotation(Model):
    """The record `ops rotate` rewrites: one line in the stack file, so one line in review."""

    generation: int = Field(default=1, ge=1, le=1_000_000)
    last_rotated: IsoDate
    # A provided secret's bump alone changes nothing: this is the fingerprint of the encrypted value
    # it replaces, and `ops plan` flags the generation until the stack file holds another one.
    replaces: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")] | None = None


class SecretItem(Model):
    kind: Literal["generated", "provided"]
    encoding: Literal["hex", "base64", "password"] | None = None
    length: int | None = Field(default=None, ge=16, le=256, description="bytes (hex, base64) or characters")
    rotation_days: int | None = Field(ge=1, le=3650, description="None: rotated on demand only")
    rotation: Rotation
    consumers: list[Consumer] = Field(default_factory=list)

    @property
    def generation(self) -> int:
        return self.rotation.generation

    @property
    def last_rotated(self) -> dt.date:
        return self.rotation.last_rotated

    @model_validator(mode="after")
    def _shape(self) -> SecretItem:
        problems = []
        if self.kind == "generated":
            problems += [
                (f, "required for a generated secret") for f in ("encoding", "length") if getattr(self, f) is None
            ]
        else:
            problems += [
                (f, "only generated secrets have it; a provided secret is set with `pulumi config set --secret`")
                for f in ("encoding", "length")
                if getattr(self, f) is not None
            ]
        problems += [("consumers", f"{d!r} listed twice") for d in repeated(self.consumers)]
        problems += [
            (
                "consumers",
                f"{target!r}: Vercel keeps sensitive variables only for "
                f"{' and '.join(SENSITIVE_VERCEL_TARGETS)}; a secret cannot go there",
            )
            for target in self.consumers
            if target.startswith("vercel:") and target.split(":", 1)[1] not in SENSITIVE_VERCEL_TARGETS
        ]
        raise_if(problems)
        return self

    @property
    def vercel_targets(self) -> list[str]:
        return vercel_targets(self.consumers)

    def due(self) -> dt.date | None:
        return None if self.rotation_days is None else self.last_rotated + dt.timedelta(days=self.rotation_days)

    def overlap_end(self, overlap_days: int) -> dt.date | None:
        """The last day the previous value is still served; None when there is no previous value."""
        if self.generation < 2:
            return None
        return self.last_rotated + dt.timedelta(days=overlap_days)

    def serves_previous(self, overlap_days: int, today: dt.date) -> bool:
        end = self.overlap_end(overlap_days)
        return self.kind == "generated" and end is not None and today <= end


def is_provided(items: Mapping[str, SecretItem], name: str) -> bool:
    """Whether the inventory declares `name` as a provided secret (one set with `pulumi config set --secret`)."""
    return name in items and items[name].kind == "provided"


class SecretsConfig(Model):
    fail_when_stale: bool | None = None  # None: the environment decides
    overlap_days: int = Field(default=1, ge=0, le=30, description="days the previous value is still served")
    items: dict[SecretName, SecretItem] = Field(default_factory=dict)

    @property
    def strict(self) -> bool:
        return bool(self.fail_when_stale)

    @model_validator(mode="before")
    @classmethod
    def _catalogue_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("items"), dict):
            data = dict(data)
            data["items"] = {
                name: {**SECRET_CATALOGUE.get(name, {}), **item} if isinstance(item, dict) else item
                for name, item in data["items"].items()
            }
        return data
