"""`platform:backups`: the PostgreSQL backup bucket of runbooks 000 and 002, and who may write and read it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from components.shared.base import AccountId, AwsRegion, GitRef, Model, RepoSlug, Slug, raise_if

RoleArn = Annotated[str, StringConstraints(pattern=r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$", max_length=600)]
OrgId = Annotated[str, StringConstraints(pattern=r"^o-[a-z0-9]{10,32}$")]


DRILLS = "drills/"  # where restore drills leave their records (jobs/restore_drill.py RECORDS)
DRILL_RECORD_DAYS = 400  # a year of quarterly drills and a quarter more, whatever the backups' retention


class GithubTrust(Model):
    repository: RepoSlug
    branch: GitRef | None = None
    environment: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]+$")] | None = None

    @model_validator(mode="after")
    def _one_ref(self) -> GithubTrust:
        if (self.branch is None) == (self.environment is None):
            raise_if([("branch", "give exactly one of branch or environment")])
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


class AwsTrust(Model):
    """Principals of another AWS account: named roles, or the account's principals inside one organization.

    Never the bare account root: that lets every principal of the account assume the role (CKV_AWS_61).
    """

    role_arns: list[RoleArn] | None = Field(default=None, min_length=1)
    account_id: AccountId | None = None
    principal_org_id: OrgId | None = None

    @model_validator(mode="after")
    def _one_form(self) -> AwsTrust:
        named = self.role_arns is not None
        org = self.account_id is not None or self.principal_org_id is not None
        if named == org:
            raise_if([("", "give either roleArns, or accountId with principalOrgId")])
        if org and (self.account_id is None or self.principal_org_id is None):
            raise_if([("principalOrgId", "accountId and principalOrgId go together")])
        return self


class Trust(Model):
    """Who may assume a backup role: exactly one of github, fly, aws."""

    github: GithubTrust | None = None
    fly: FlyTrust | None = None
    aws: AwsTrust | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Trust:
        given = [n for n in ("github", "fly", "aws") if getattr(self, n) is not None]
        if len(given) != 1:
            raise_if([("", f"give exactly one of github, fly, aws (got {given or 'none'})")])
        return self


class Transition(Model):
    storage_class: Literal["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]
    days: int = Field(ge=1)


class ObjectLock(Model):
    enabled: bool | None = None  # None: the environment decides (components.shared.stack.EnvironmentDefaults)
    mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    days: int | None = Field(default=None, ge=1, description="default retention; defaults to retentionDays")


class Replication(Model):
    enabled: bool | None = None  # None: the environment decides
    region: AwsRegion | None = None


class BackupsConfig(Model):
    retention_days: int = Field(default=30, ge=1, le=3650)
    noncurrent_version_days: int = Field(default=30, ge=1, le=3650)
    prefix: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9/_-]*/$")] = "postgres/"
    encryption: Literal["AES256", "aws:kms"] | None = None  # None: the environment decides (prod: aws:kms)
    kms_key: Slug = "general"
    transition: Transition | None = None
    object_lock: ObjectLock = Field(default_factory=ObjectLock)
    replication: Replication = Field(default_factory=Replication)
    access_log_retention_days: int = Field(default=90, ge=1, le=3650)
    writer: Trust
    reader: Trust
    # A role that may also read the dumps in an emergency (it needs its own s3:GetObject); none by default.
    break_glass_role_arn: RoleArn | None = None

    @model_validator(mode="after")
    def _fits_lifecycle(self) -> BackupsConfig:
        problems = []
        if self.prefix.startswith(DRILLS):
            problems.append(("prefix", f"{self.prefix!r}: {DRILLS} holds the restore drills' records"))
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
        if self.object_lock.days is not None and self.object_lock.days > self.retention_days:
            problems.append(
                (
                    "objectLock.days",
                    f"{self.object_lock.days} exceeds retentionDays ({self.retention_days}): locked backups "
                    "could not expire on schedule; use at most retentionDays",
                )
            )
        raise_if(problems)
        return self

    @property
    def replica_key_purpose(self) -> str | None:
        """The key that encrypts the replica of aws:kms backups: KMS keys stay in their region."""
        return f"{self.kms_key}-replica" if self.replicated and self.encryption == "aws:kms" else None

    @property
    def replica_keys(self) -> dict[str, str]:
        """That key's purpose -> its region, or nothing."""
        purpose, region = self.replica_key_purpose, self.replication.region
        return {purpose: region} if purpose and region else {}

    @property
    def locked(self) -> bool:
        return bool(self.object_lock.enabled)

    @property
    def replicated(self) -> bool:
        return bool(self.replication.enabled)

    @property
    def object_lock_days(self) -> int:
        return self.object_lock.days if self.object_lock.days is not None else self.retention_days
