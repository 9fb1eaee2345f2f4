"""The typed stack config: every setting a stack may declare, with the runbooks' defaults.

A stack file says only what differs from these defaults. Values a provider would reject are
rejected here, before any resource is registered, because mocks and `pulumi preview` do not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

PROJECT = "platform"

AWS_REGIONS = frozenset(
    [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "ca-west-1",
        "sa-east-1",
        "mx-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "ap-south-1",
        "ap-south-2",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-7",
        "me-south-1",
        "me-central-1",
        "il-central-1",
        "af-south-1",
    ]
)
# Fly.io's regions after its 2024-2025 consolidation; machines cannot be placed elsewhere.
FLY_REGIONS = frozenset(
    [
        "ams",
        "arn",
        "bom",
        "cdg",
        "dfw",
        "ewr",
        "fra",
        "gru",
        "iad",
        "jnb",
        "lax",
        "lhr",
        "nrt",
        "ord",
        "sin",
        "sjc",
        "syd",
        "yyz",
    ]
)
VERCEL_FUNCTION_REGIONS = frozenset(
    [
        "arn1",
        "bom1",
        "cdg1",
        "cle1",
        "cpt1",
        "dub1",
        "dxb1",
        "fra1",
        "gru1",
        "hkg1",
        "hnd1",
        "iad1",
        "icn1",
        "kix1",
        "lhr1",
        "pdx1",
        "sfo1",
        "sin1",
        "syd1",
    ]
)
VERCEL_FRAMEWORKS = frozenset(
    [
        "nextjs",
        "vite",
        "remix",
        "astro",
        "sveltekit",
        "sveltekit-1",
        "nuxtjs",
        "create-react-app",
        "gatsby",
        "angular",
        "vue",
        "ember",
        "svelte",
        "solidstart",
        "hono",
        "express",
        "fastapi",
        "flask",
    ]
)
# Fly guest limits per CPU (MB): shared 256..2048, performance 2048..8192, in 256 MB steps.
FLY_MEMORY_PER_CPU = {"shared": (256, 2048), "performance": (2048, 8192)}
FLY_CPUS = {"shared": (1, 2, 4, 8), "performance": (1, 2, 4, 8, 16)}


def one_of(allowed: frozenset[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {what} {value!r}; allowed: {', '.join(sorted(allowed))}")
        return value

    return AfterValidator(check)


AwsRegion = Annotated[str, one_of(AWS_REGIONS, "AWS region")]
FlyRegion = Annotated[str, one_of(FLY_REGIONS, "Fly.io region")]
VercelRegion = Annotated[str, one_of(VERCEL_FUNCTION_REGIONS, "Vercel function region")]
VercelFramework = Annotated[str, one_of(VERCEL_FRAMEWORKS, "Vercel framework")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*[a-z0-9]$", max_length=40)]
SecretName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$", max_length=64)]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)]
IamPrincipalArn = Annotated[
    str,
    StringConstraints(pattern=r"^arn:aws:iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)$", max_length=600),
]
RepoSlug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
Hostname = Annotated[str, StringConstraints(pattern=r"^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$", max_length=253)]
VercelTarget = Literal["production", "preview", "development"]
VERCEL_TARGETS: tuple[VercelTarget, ...] = ("production", "preview", "development")
Consumer = Literal["vercel:production", "vercel:preview", "vercel:development", "fly"]


def vercel_targets(consumers: Iterable[str]) -> list[str]:
    """The Vercel targets among a secret's consumers ("vercel:production" -> "production")."""
    return [c.split(":", 1)[1] for c in consumers if c.startswith("vercel:")]


class Problems(ValueError):
    """Several cross-field problems at once, each with the key path (relative to the section) it is about."""

    def __init__(self, items: list[tuple[str, str]]):
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in items))
        self.items = items


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


def _raise_if(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise Problems(problems)


# ---------------------------------------------------------------- backups


class GithubTrust(Model):
    repository: RepoSlug
    branch: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]+$")] | None = None
    environment: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]+$")] | None = None

    @model_validator(mode="after")
    def _one_ref(self) -> GithubTrust:
        if (self.branch is None) == (self.environment is None):
            raise Problems([("branch", "give exactly one of branch or environment")])
        return self

    @property
    def subject(self) -> str:
        if self.environment is not None:
            return f"repo:{self.repository}:environment:{self.environment}"
        return f"repo:{self.repository}:ref:refs/heads/{self.branch}"


class FlyTrust(Model):
    org: Slug
    app: Slug

    @property
    def subject(self) -> str:
        # Fly machine tokens carry sub = "<org>:<app>:<machine>"; any machine of the app may assume.
        return f"{self.org}:{self.app}:*"


class Trust(Model):
    """Who may assume a backup role: exactly one of github, fly, awsAccountId."""

    github: GithubTrust | None = None
    fly: FlyTrust | None = None
    aws_account_id: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Trust:
        given = [n for n in ("github", "fly", "awsAccountId") if getattr(self, to_snake(n)) is not None]
        if len(given) != 1:
            raise Problems([("", f"give exactly one of github, fly, awsAccountId (got {given or 'none'})")])
        return self


def to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Transition(Model):
    storage_class: Literal["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]
    days: int = Field(ge=1)


class ObjectLock(Model):
    enabled: bool  # default per environment, see _environment_defaults
    mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    days: int | None = Field(default=None, ge=1, description="default retention; defaults to retentionDays")


class Replication(Model):
    enabled: bool  # default per environment
    region: AwsRegion | None = None


class BackupsConfig(Model):
    retention_days: int = Field(default=30, ge=1, le=3650)
    noncurrent_version_days: int = Field(default=30, ge=1, le=3650)
    prefix: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9/_-]*/$")] = "postgres/"
    encryption: Literal["AES256", "aws:kms"] = "AES256"
    kms_key: Slug = "general"
    transition: Transition | None = None
    object_lock: ObjectLock
    replication: Replication
    access_log_retention_days: int = Field(default=90, ge=1, le=3650)
    writer: Trust
    reader: Trust

    @model_validator(mode="after")
    def _fits_lifecycle(self) -> BackupsConfig:
        problems = []
        if self.transition is not None:
            t = self.transition
            if t.days >= self.retention_days:
                problems.append(
                    (
                        "transition.days",
                        f"{t.days} must be less than retentionDays ({self.retention_days}), "
                        "or objects expire before they move",
                    )
                )
            if t.storage_class in ("STANDARD_IA", "ONEZONE_IA") and t.days < 30:
                problems.append(("transition.days", f"{t.days}: S3 needs at least 30 days before {t.storage_class}"))
        lock_days = self.object_lock_days
        if self.object_lock.enabled and lock_days > self.retention_days:
            problems.append(
                (
                    "objectLock.days",
                    f"{lock_days} exceeds retentionDays ({self.retention_days}): locked backups "
                    "could not expire on schedule; use at most retentionDays",
                )
            )
        if self.replication.enabled and self.replication.region is None:
            problems.append(("replication.region", "required when replication is enabled"))
        _raise_if(problems)
        return self

    @property
    def object_lock_days(self) -> int:
        return self.object_lock.days if self.object_lock.days is not None else self.retention_days


# ---------------------------------------------------------------- keys


class KeysConfig(Model):
    purposes: list[Slug] = Field(default_factory=lambda: ["general"], min_length=1)
    # KMS allows 90..2560 days; the runbooks rotate keys quarterly.
    rotation_period_days: int = Field(default=90, ge=90, le=2560)
    deletion_window_days: int = Field(default=30, ge=7, le=30)
    administrators: list[IamPrincipalArn] = Field(default_factory=list)
    users: list[IamPrincipalArn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> KeysConfig:
        dupes = sorted({p for p in self.purposes if self.purposes.count(p) > 1})
        _raise_if([("purposes", f"duplicate purpose {d!r}") for d in dupes])
        return self


# ---------------------------------------------------------------- secrets

# Runbooks 000, 001, 002, 004: how each known secret is made and how often it rotates.
SECRET_CATALOGUE: dict[str, dict[str, Any]] = {
    "SECRET_KEY": {"kind": "generated", "encoding": "hex", "length": 32, "rotationDays": 90},
    "CRON_SECRET": {"kind": "generated", "encoding": "hex", "length": 16, "rotationDays": 90},
    "NEXTAUTH_SECRET": {"kind": "generated", "encoding": "base64", "length": 32, "rotationDays": 90},
    "ENCRYPTION_KEY": {"kind": "generated", "encoding": "base64", "length": 32, "rotationDays": 90},
    "KEYRING_TOKEN": {"kind": "generated", "encoding": "hex", "length": 32, "rotationDays": 180},
    "SUPABASE_SERVICE_ROLE_KEY": {"kind": "provided", "rotationDays": 90},
    "STRIPE_SECRET_KEY": {"kind": "provided", "rotationDays": 90},
    "RESEND_API_KEY": {"kind": "provided", "rotationDays": 90},
    "OPENAI_API_KEY": {"kind": "provided", "rotationDays": None},
    "ELEVENLABS_API_KEY": {"kind": "provided", "rotationDays": 90},
    "GOOGLE_AI_API_KEY": {"kind": "provided", "rotationDays": None},
    "GOOGLE_OAUTH_CLIENT_SECRET": {"kind": "provided", "rotationDays": None},
}


class Rotation(Model):
    """The record `python -m ops rotate` rewrites: one line in the stack file, so one line in review."""

    generation: int = Field(default=1, ge=1)
    last_rotated: dt.date


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
        dupes = sorted({c for c in self.consumers if self.consumers.count(c) > 1})
        problems += [("consumers", f"{d!r} listed twice") for d in dupes]
        _raise_if(problems)
        return self

    @property
    def vercel_targets(self) -> list[str]:
        return vercel_targets(self.consumers)

    def due(self) -> dt.date | None:
        return None if self.rotation_days is None else self.last_rotated + dt.timedelta(days=self.rotation_days)


class SecretsConfig(Model):
    fail_when_stale: bool  # default per environment
    overlap_days: int = Field(default=1, ge=0, le=30, description="days the previous value is still served")
    items: dict[SecretName, SecretItem] = Field(default_factory=dict)

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


# ---------------------------------------------------------------- vercel


class GitRepository(Model):
    type: Literal["github", "gitlab", "bitbucket"] = "github"
    repo: RepoSlug
    production_branch: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]+$")] = "main"


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
        if "MAINTENANCE_MODE" in self.env:
            raise Problems([("env.MAINTENANCE_MODE", "set platform:vercel.maintenanceMode instead")])
        return self


# ---------------------------------------------------------------- fly


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
        _raise_if(problems)
        return self


class Concurrency(Model):
    type: Literal["requests", "connections"] = "requests"
    soft_limit: int = Field(default=200, ge=1)
    hard_limit: int = Field(default=250, ge=1)

    @model_validator(mode="after")
    def _order(self) -> Concurrency:
        if self.soft_limit > self.hard_limit:
            raise Problems([("softLimit", f"{self.soft_limit} exceeds hardLimit ({self.hard_limit})")])
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
            raise Problems(
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
        if sum(self.regions.values()) < 1:
            raise Problems([("regions", "at least one machine is needed")])
        return self

    @property
    def pinned(self) -> bool:
        return "@sha256:" in self.image


# ---------------------------------------------------------------- the stack


class StackConfig(Model):
    app: Slug
    environment: Literal["staging", "production"]
    aws_region: AwsRegion
    data_classification: Literal["public", "internal", "confidential", "restricted"] = "confidential"
    protect: bool  # default per environment
    backups: BackupsConfig
    keys: KeysConfig = Field(default_factory=KeysConfig)
    secrets: SecretsConfig
    vercel: VercelConfig
    fly: FlyConfig

    @model_validator(mode="before")
    @classmethod
    def _environment_defaults(cls, data: Any) -> Any:
        """Production is protected, locked, replicated and strict about stale secrets unless told otherwise."""
        if not isinstance(data, dict):
            return data
        prod = data.get("environment") == "production"
        data = dict(data)
        data.setdefault("protect", prod)

        backups = data.get("backups")
        if isinstance(backups, dict):
            data["backups"] = {
                **backups,
                **{
                    part: {"enabled": prod, **backups.get(part, {})}
                    for part in ("objectLock", "replication")
                    if isinstance(backups.get(part, {}), dict)
                },
            }
        secrets = data.get("secrets", {})
        if isinstance(secrets, dict):
            data["secrets"] = {"failWhenStale": prod, **secrets}
        return data

    @model_validator(mode="after")
    def _across_sections(self) -> StackConfig:
        problems: list[tuple[str, str]] = []
        prod = self.environment == "production"
        if prod and not self.protect:
            problems.append(("protect", "production resources are always protected"))
        b = self.backups
        if b.encryption == "aws:kms" and b.kms_key not in self.keys.purposes:
            problems.append(("backups.kmsKey", f"{b.kms_key!r} is not one of keys.purposes {self.keys.purposes}"))
        if b.replication.enabled and b.replication.region == self.aws_region:
            problems.append(
                (
                    "backups.replication.region",
                    f"must differ from aws:region ({self.aws_region}) to survive a regional disaster",
                )
            )
        if b.replication.enabled and b.encryption == "aws:kms":
            problems.append(
                (
                    "backups.encryption",
                    "replication of aws:kms backups needs a key in the replica "
                    "region, which is not supported yet; use AES256 with replication",
                )
            )
        for name, item in self.secrets.items.items():
            if name.startswith("NEXT_PUBLIC_") and item.vercel_targets:
                problems.append(
                    (
                        f"secrets.items.{name}.consumers",
                        "a NEXT_PUBLIC_* variable is sent to the browser and can never carry a secret",
                    )
                )
            for var in (name, f"{name}_PREVIOUS"):
                if var in self.vercel.env and item.vercel_targets:
                    problems.append((f"vercel.env.{var}", f"also delivered from secrets.items.{name}; remove it"))
                if var in self.fly.env and "fly" in item.consumers:
                    problems.append((f"fly.env.{var}", f"also delivered from secrets.items.{name}; remove it"))
        if prod and not self.fly.pinned:
            problems.append(
                ("fly.image", f"{self.fly.image!r}: production images are pinned by digest (…@sha256:<64 hex>)")
            )
        if prod and sum(1 for n in self.fly.regions.values() if n > 0) < 2:
            problems.append(("fly.regions", "production runs machines in at least two regions"))
        _raise_if(problems)
        return self

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def tags(self, classification: str | None = None) -> dict[str, str]:
        return {
            "app": self.app,
            "environment": self.environment,
            "managed-by": "pulumi",
            "data-classification": classification or self.data_classification,
        }
