"""`platform:synthetics`: runbook 004's golden paths and runbook 001's health endpoints, every 5 minutes.

Each canary names a script in canaries/ (a JSON list of steps that canaries/checks.js runs) and the base
URL it runs against; its SuccessPercent alarm notifies the severity given here, through platform:alerts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import Field, model_validator

from components.alerting.config import AlertsConfig, HttpsUrl, Severity
from components.secrets.config import SecretItem, is_provided
from components.shared.base import EnvName, Model, SecretName, Slug, raise_if, repeated
from components.shared.catalogues import looks_secret
from components.synthetics.runtimes import PINNED, runtime_problem

SCRIPTS = Path(__file__).resolve().parents[2] / "canaries"
# Synthetics allows a rate of 1 to 60 minutes; runbook 004 runs its golden paths every 5.
EVERY_MINUTES = 5


def scripts() -> list[str]:
    return sorted(p.stem for p in SCRIPTS.glob("*.json"))


class Canary(Model):
    name: Slug  # in its AWS name: {app}-{env}-{name}
    script: Slug  # canaries/<script>.json
    base_url: HttpsUrl
    severity: Severity = "P2"
    every_minutes: int = Field(default=EVERY_MINUTES, ge=1, le=60)
    env: dict[EnvName, str] = Field(default_factory=dict)  # plain values the steps read as {{NAME}}
    secret_env: dict[EnvName, SecretName] = Field(default_factory=dict)  # NAME -> a provided secret


class SyntheticsConfig(Model):
    runtime: str = PINNED
    canaries: list[Canary] = Field(min_length=1)
    artifact_days: int = Field(default=31, ge=1, le=455)  # runs' screenshots and logs, then expired

    @model_validator(mode="after")
    def _valid(self) -> SyntheticsConfig:
        problems = []
        if (problem := runtime_problem(self.runtime)) is not None:
            problems.append(("runtime", problem))
        known = scripts()
        problems += [
            (f"canaries[{i}].script", f"{c.script!r} has no canaries/{c.script}.json (scripts: {', '.join(known)})")
            for i, c in enumerate(self.canaries)
            if c.script not in known
        ]
        names = [c.name for c in self.canaries]
        problems += [("canaries", f"{n!r} appears twice") for n in repeated(names)]
        raise_if(problems)
        return self

    def secret_names(self) -> list[str]:
        return sorted({s for c in self.canaries for s in c.secret_env.values()})

    def problems(self, items: Mapping[str, SecretItem], alerts: AlertsConfig | None) -> list[tuple[str, str]]:
        """Against the rest of the stack: alarms need alerting's topics and key; secrets are provided ones."""
        if alerts is None:
            return [("synthetics", "alarms on its canaries through platform:alerts: declare it")]
        problems = []
        for i, c in enumerate(self.canaries):
            if c.severity != "P4" and c.severity not in alerts.channels:
                problems.append(
                    (f"synthetics.canaries[{i}].severity", f"{c.severity} has no channel in alerts.channels")
                )
            problems += [
                (f"synthetics.canaries[{i}].secretEnv.{var}", f"{name} is not a provided secret in secrets.items")
                for var, name in sorted(c.secret_env.items())
                if not is_provided(items, name)
            ]
            problems += [
                (
                    f"synthetics.canaries[{i}].env.{var}",
                    "looks like a secret, and env values are plain text in the canary's configuration: "
                    "give it in secretEnv",
                )
                for var in sorted(c.env)
                if looks_secret(var)
            ]
        return problems
