"""`platform:fly`: the Fly.io API app of runbook 000, its machines per region, checks and plain environment."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from components.delivery.vercel_config import SECRET_IN_ENV
from components.shared.base import EnvName, FlyRegion, Model, Slug, raise_if
from components.shared.catalogues import FLY_CPUS, FLY_MEMORY_PER_CPU, looks_secret


class Guest(Model):
    cpu_kind: Literal["shared", "performance"] = "shared"
    cpus: int = 1
    memory_mb: int = 512

    @model_validator(mode="after")
    def _fly_sizes(self) -> Guest:
        problems = []
        if self.cpus not in FLY_CPUS[self.cpu_kind]:
            problems.append(
                ("cpus", f"{self.cpus}: a {self.cpu_kind} guest has one of {list(FLY_CPUS[self.cpu_kind])} CPUs")
            )
        else:
            lo, hi = (n * self.cpus for n in FLY_MEMORY_PER_CPU[self.cpu_kind])
            if not lo <= self.memory_mb <= hi or self.memory_mb % 256:
                problems.append(
                    (
                        "memoryMb",
                        f"{self.memory_mb}: {self.cpus} {self.cpu_kind} CPU(s) take {lo}..{hi} MB in steps of 256",
                    )
                )
        raise_if(problems)
        return self


class Concurrency(Model):
    type: Literal["requests", "connections"] = "requests"
    soft_limit: int = Field(default=200, ge=1)
    hard_limit: int = Field(default=250, ge=1)

    @model_validator(mode="after")
    def _order(self) -> Concurrency:
        if self.soft_limit > self.hard_limit:
            raise_if([("softLimit", f"{self.soft_limit} exceeds hardLimit ({self.hard_limit})")])
        return self


class HealthCheck(Model):
    # Runbook 004's health-check table: every 30 s, 5 s timeout.
    path: Annotated[str, StringConstraints(pattern=r"^/[\w./-]*$")] = "/health"
    interval_seconds: int = Field(default=30, ge=5, le=300)
    timeout_seconds: int = Field(default=5, ge=1, le=60)
    grace_period_seconds: int = Field(default=10, ge=0, le=600)

    @model_validator(mode="after")
    def _timeout_fits(self) -> HealthCheck:
        if self.timeout_seconds >= self.interval_seconds:
            raise_if(
                [
                    (
                        "timeoutSeconds",
                        f"{self.timeout_seconds} must be less than intervalSeconds ({self.interval_seconds})",
                    )
                ]
            )
        return self


class Restart(Model):
    policy: Literal["no", "always", "on-failure"] = "on-failure"
    max_retries: int = Field(default=10, ge=0, le=100)


class FlyConfig(Model):
    app: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    org: Slug = "personal"
    image: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][\w./-]*(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$")]
    regions: dict[FlyRegion, Annotated[int, Field(ge=0, le=20)]] = Field(min_length=1)
    guest: Guest = Field(default_factory=Guest)
    internal_port: int = Field(default=8080, ge=1, le=65535)
    concurrency: Concurrency = Field(default_factory=Concurrency)
    health_check: HealthCheck = Field(default_factory=HealthCheck)
    restart: Restart = Field(default_factory=Restart)
    autostop: Literal["off", "stop", "suspend"] = "off"
    env: dict[EnvName, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _regions(self) -> FlyConfig:
        problems = []
        if sum(self.regions.values()) < 1:
            problems.append(("regions", "at least one machine is needed"))
        problems += [(f"env.{k}", SECRET_IN_ENV) for k in self.env if looks_secret(k)]
        raise_if(problems)
        return self

    @property
    def pinned(self) -> bool:
        return "@sha256:" in self.image

    def production_problems(self) -> list[tuple[str, str]]:
        """What production asks of the app beyond a valid section, keyed as the stack file spells them."""
        problems = []
        if not self.pinned:
            problems.append(
                ("fly.image", f"{self.image!r}: production images are pinned by digest (…@sha256:<64 hex>)")
            )
        if sum(1 for n in self.regions.values() if n > 0) < 2:
            problems.append(("fly.regions", "production runs machines in at least two regions"))
        return problems
