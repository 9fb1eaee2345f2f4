"""The typed stack config: every setting a stack may declare, with the runbooks' defaults.

A stack file says only what differs from these defaults. Values a provider would reject are
rejected here, before any resource is registered, because mocks and `pulumi preview` do not.
One module per section; `stack` holds the environment rule and the rules across sections.
"""

from components.config.alerts import ALERTS_REGION, AlertsConfig, Severity
from components.config.backups import AwsTrust, BackupsConfig, FlyTrust, GithubTrust, Transition, Trust
from components.config.base import PROJECT, Environment, Problems
from components.config.catalogues import SECRET_CATALOGUE, looks_secret
from components.config.fly import FlyConfig
from components.config.keys import KeysConfig
from components.config.postgres import PostgresConfig
from components.config.secrets import SecretItem, SecretsConfig, vercel_targets
from components.config.stack import ALERTS_KEY, WATCHDOG_KEY, EnvironmentDefaults, StackConfig, environment_of_stack
from components.config.vercel import VERCEL_TARGETS, VercelConfig

__all__ = [
    "ALERTS_KEY",
    "ALERTS_REGION",
    "PROJECT",
    "SECRET_CATALOGUE",
    "VERCEL_TARGETS",
    "WATCHDOG_KEY",
    "AlertsConfig",
    "AwsTrust",
    "BackupsConfig",
    "Environment",
    "EnvironmentDefaults",
    "FlyConfig",
    "FlyTrust",
    "GithubTrust",
    "KeysConfig",
    "PostgresConfig",
    "Problems",
    "SecretItem",
    "SecretsConfig",
    "Severity",
    "StackConfig",
    "Transition",
    "Trust",
    "VercelConfig",
    "environment_of_stack",
    "looks_secret",
    "vercel_targets",
]
