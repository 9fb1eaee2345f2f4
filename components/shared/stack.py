"""The whole stack: its sections, the one rule for environment defaults, and the rules across sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, ModelWrapValidatorHandler, ValidationInfo, model_validator

from components.alerting.config import (
    ALERTS_KEY,
    ALERTS_REGION,
    KMS_FILTER_MAX,
    ONCALL,
    ONCALL_MISSING,
    WATCHDOG_KEY,
    AlertsConfig,
    kms_filter_length,
)
from components.alerting.dashboard_config import DashboardConfig
from components.backups.config import BackupsConfig
from components.database.config import PostgresConfig
from components.delivery.fly_config import FlyConfig
from components.delivery.github_config import GithubConfig
from components.delivery.vercel_config import VercelConfig
from components.keys.config import KeysConfig
from components.maintenance.config import MaintenanceConfig
from components.oncall.config import OncallConfig
from components.secrets.config import SecretsConfig, is_provided
from components.shared import names
from components.shared.base import AccountId, AwsRegion, Environment, Model, Slug, raise_if
from components.shared.delivery_rules import delivery_problems
from components.synthetics.config import SyntheticsConfig


def environment_of_stack(stack: str) -> Environment:
    """`prod`, or a name ending in `-prod` (`parker-flight-prod`), is production; any other stack is staging."""
    return "production" if stack == "prod" or stack.endswith("-prod") else "staging"


@dataclass(frozen=True)
class EnvironmentDefaults:
    """What a stack gets when its file does not say: production is protected, locked, replicated and strict."""

    protect: bool
    object_lock: bool
    replication: bool
    fail_when_stale: bool
    backup_encryption: Literal["AES256", "aws:kms"]  # production: the CMK, so the audit can say which key

    @classmethod
    def of(cls, environment: Environment) -> EnvironmentDefaults:
        prod = environment == "production"
        encryption: Literal["AES256", "aws:kms"] = "aws:kms" if prod else "AES256"
        return cls(protect=prod, object_lock=prod, replication=prod, fail_when_stale=prod, backup_encryption=encryption)


def _or(value: bool | None, default: bool) -> bool:
    return default if value is None else value


class StackConfig(Model):
    """Every section is optional: a product declares only the capabilities it runs."""

    app: Slug
    environment: Environment | None = None  # None: follows from the stack name
    aws_region: AwsRegion = Field(alias="aws:region")
    data_classification: Literal["public", "internal", "confidential", "restricted"] = "confidential"
    protect: bool | None = None  # None: the environment decides
    # The AWS account the stack deploys to. Optional; where given, checks that span stacks of one account
    # (a Slack channel Chatbot may configure only once per account) can run across stack files.
    account_id: AccountId | None = None
    keys: KeysConfig | None = None
    backups: BackupsConfig | None = None
    secrets: SecretsConfig | None = None
    vercel: VercelConfig | None = None
    fly: FlyConfig | None = None
    github: GithubConfig | None = None
    alerts: AlertsConfig | None = None
    dashboard: DashboardConfig | None = None
    postgres: PostgresConfig | None = None
    maintenance: MaintenanceConfig | None = None
    oncall: OncallConfig | None = None
    synthetics: SyntheticsConfig | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _resolve(cls, data: Any, handler: ModelWrapValidatorHandler[StackConfig], info: ValidationInfo) -> StackConfig:
        parsed = handler(data)
        return parsed.with_environment_defaults((info.context or {}).get("stack"))

    def with_environment_defaults(self, stack: str | None) -> StackConfig:
        """The one place environment defaults are applied; then the rules that need the resolved values."""
        implied = environment_of_stack(stack) if stack else None
        if self.environment is not None and implied is not None and self.environment != implied:
            raise_if(
                [
                    (
                        "environment",
                        f"{self.environment!r} contradicts stack {stack!r}, which is {implied} "
                        "(a stack named prod or *-prod is production); remove the key or rename the stack",
                    )
                ]
            )
        environment = self.environment or implied
        if environment is None:
            raise_if([("environment", "required when the stack name is not known")])
        assert environment is not None
        d = EnvironmentDefaults.of(environment)
        update: dict[str, Any] = {"environment": environment, "protect": _or(self.protect, d.protect)}
        if self.backups is not None:
            lock, repl = self.backups.object_lock, self.backups.replication
            update["backups"] = self.backups.model_copy(
                update={
                    "object_lock": lock.model_copy(update={"enabled": _or(lock.enabled, d.object_lock)}),
                    "replication": repl.model_copy(update={"enabled": _or(repl.enabled, d.replication)}),
                    "encryption": self.backups.encryption or d.backup_encryption,
                }
            )
        if self.secrets is not None:
            update["secrets"] = self.secrets.model_copy(
                update={"fail_when_stale": _or(self.secrets.fail_when_stale, d.fail_when_stale)}
            )
        resolved = self.model_copy(update=update)
        raise_if(resolved.problems_across_sections())
        return resolved

    def problems_across_sections(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        prod = self.production
        if prod and not self.protect:
            problems.append(("protect", "production resources are always protected"))
        if (b := self.backups) is not None:
            purposes = self.keys.purposes if self.keys is not None else []
            if b.encryption == "aws:kms" and b.kms_key not in purposes:
                problems.append(("backups.kmsKey", f"{b.kms_key!r} is not one of keys.purposes {purposes}"))
            if b.replicated and b.replication.region is None:
                problems.append(("backups.replication.region", "required when replication is enabled"))
            if b.replicated and b.replication.region == self.aws_region:
                problems.append(
                    (
                        "backups.replication.region",
                        f"must differ from aws:region ({self.aws_region}) to survive a regional disaster",
                    )
                )
        problems += delivery_problems(self.secrets, self.fly, self.vercel, self.github)
        items = self.secrets.items if self.secrets else {}
        problems += self.github.problems(items) if self.github is not None else []
        problems += self.oncall.problems(items, self.alerts) if self.oncall is not None else []
        problems += self.synthetics.problems(items, self.alerts) if self.synthetics is not None else []
        problems += [
            (section, f"{what}: declare platform:alerts")
            for section, what, given in (
                ("maintenance", "mutes this stack's alarms during the window", self.maintenance),
                ("dashboard", "shows this stack's alarms and metrics", self.dashboard),
            )
            if given is not None and self.alerts is None
        ]
        problems += self._alert_problems()
        if self.postgres is not None:
            problems += self.postgres.problems(self.production, items, self.fly, self.vercel, self.backups)
        problems += self._name_problems()
        if prod and self.fly is not None:
            problems += self.fly.production_problems()
        return problems

    def _alert_problems(self) -> list[tuple[str, str]]:
        a = self.alerts
        if a is None:
            return []
        problems = []
        if self.keys is None or ALERTS_KEY not in self.keys.purposes:
            problems.append(
                ("keys.purposes", f"alerts need a customer-managed key for their topics: add {ALERTS_KEY!r}")
            )
        items = self.secrets.items if self.secrets else {}
        for severity, channels in a.channels.items():
            name = channels.pagerduty
            if name == ONCALL and self.oncall is None:
                problems.append((f"alerts.channels.{severity}.pagerduty", ONCALL_MISSING))
            elif name != ONCALL and name is not None and not is_provided(items, name):
                problems.append(
                    (f"alerts.channels.{severity}.pagerduty", f"{name} is not a provided secret in secrets.items")
                )
        if a.kms.key_events:
            if self.keys is not None and WATCHDOG_KEY not in self.keys.purposes:
                problems.append(
                    (
                        "keys.purposes",
                        f"KMS key events need a second key in us-east-1 for the topic that reports on the "
                        f"{ALERTS_KEY!r} key (SNS cannot publish with a disabled key): add {WATCHDOG_KEY!r}, "
                        "or set alerts.kms.keyEvents: false",
                    )
                )
            # An organization trail lives in the management account, so the ARN's account is not checked.
            if a.kms.cloudtrail_trail_arn is None:
                problems.append(
                    (
                        "alerts.kms.cloudtrailTrailArn",
                        "KMS key events reach EventBridge only while a CloudTrail trail logs management events: "
                        "name that trail (arn:aws:cloudtrail:<region>:<account>:trail/<name>), "
                        "or set alerts.kms.keyEvents: false",
                    )
                )
        if a.kms.failure_rate is not None and self.keys is not None:
            replica = self.backups.replica_keys if self.backups else {}  # the replica's key is a key too
            keys = len(self.keys.purposes) + len(replica)
            region = max(len(r) for r in (self.aws_region, ALERTS_REGION, *replica.values()))
            longest = kms_filter_length(keys, region)
            if longest > KMS_FILTER_MAX:
                problems.append(
                    (
                        "alerts.kms.failureRate",
                        f"the error filter over {keys} keys would be {longest} characters; "
                        f"CloudWatch Logs allows {KMS_FILTER_MAX}: use fewer keys.purposes",
                    )
                )
        return problems

    def _name_problems(self) -> list[tuple[str, str]]:
        """Every AWS name the project may derive must fit, whether or not this stack declares it yet."""
        a, b = self.alerts, self.backups
        named = (
            [*(h.name for h in a.health_checks), *(o.name for o in a.slos), *(t.name for t in a.thresholds)]
            if a
            else []
        )
        replica = b.replica_keys if b is not None else {}  # a key in the replica's region
        regions = {self.aws_region, *replica.values()}
        fields = {
            "level": names.LEVELS,
            "window": names.WINDOWS,
            # a region other than alerting's that holds keys forwards their events under its own rule
            "region": tuple(sorted(r for r in regions if r != ALERTS_REGION)),
            "name": tuple(named),
            "purpose": (*self.keys.purposes, *replica) if self.keys else (),
            "day": ("20261213",) if self.maintenance else (),  # a maintenance window's date, YYYYMMDD
            "canary": tuple(c.name for c in self.synthetics.canaries) if self.synthetics else (),
        }
        return names.app_problems(self.app, self.env, fields)

    @property
    def env(self) -> Environment:
        assert self.environment is not None, "StackConfig is resolved when validated with a stack name"
        return self.environment

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def protected(self) -> bool:
        return bool(self.protect)

    def tags(self, classification: str | None = None) -> dict[str, str]:
        return {
            "app": self.app,
            "environment": self.env,
            "managed-by": "pulumi",
            "data-classification": classification or self.data_classification,
        }
