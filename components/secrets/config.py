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


# The longest a secret may stay past its period under an exception: a hard stop, whatever the stack file says.
MAX_OVERDUE_DAYS = 60


class StaleException(Model):
    """A reviewed, time-boxed acceptance of a secret past its period: the plan warns instead of failing
    until `until`, and the audit reports the control as excepted, with the reason, instead of passed."""

    until: IsoDate
    reason: Annotated[str, StringConstraints(min_length=10, max_length=300)]


class Rotation(Model):
    """The record `ops rotate` rewrites: one line in the stack file, so one line in review."""

    generation: int = Field(default=1, ge=1, le=1_000_000)
    last_rotated: IsoDate
    # A provided secret's bump alone changes nothing: this is the fingerprint of the encrypted value
    # it replaces, and `ops plan` flags the generation until the stack file holds another one.
    replaces: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")] | None = None
    # `ops rotate` drops it: a rotated secret is within its period again
    exception: StaleException | None = None


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
        problems += self._exception_problems()
        raise_if(problems)
        return self

    def _exception_problems(self) -> list[tuple[str, str]]:
        exception, due = self.rotation.exception, self.due()
        if exception is None:
            return []
        where = "rotation.exception.until"
        if due is None:
            return [("rotation.exception", "the secret has no rotation period, so it is never stale; remove it")]
        if exception.until <= due:
            return [(where, f"{exception.until} is not after the secret falls due ({due}); remove the exception")]
        if exception.until > due + dt.timedelta(days=MAX_OVERDUE_DAYS):
            return [
                (
                    where,
                    f"{exception.until} is more than {MAX_OVERDUE_DAYS} days after the secret fell due ({due}); "
                    f"the latest is {due + dt.timedelta(days=MAX_OVERDUE_DAYS)}: rotate the secret instead",
                )
            ]
        return []

    def excepted_on(self, on: dt.date) -> StaleException | None:
        """The exception in force on `on`, if any."""
        exception = self.rotation.exception
        return exception if exception is not None and on <= exception.until else None

    def exception_note(self, on: dt.date) -> str:
        """What a stale secret's plan message and audit finding add about its exception on `on`."""
        exception = self.rotation.exception
        if exception is None:
            return ""
        if on <= exception.until:
            return f"; excepted until {exception.until}: {exception.reason}"
        return f"; its exception ended {exception.until}"

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
