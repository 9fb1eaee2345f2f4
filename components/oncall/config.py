"""`platform:oncall`: runbook 000's rotations and the runbooks' escalation levels, for PagerDuty.

The runbooks write escalation as cumulative response times ("team lead within 15 min, executive within
30 min"); PagerDuty's `escalation_delay_in_minutes` is per rule, the time before the next rule is
notified. `rule_delays` converts one into the other.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from components.alerting.config import AlertsConfig, Email, Severity
from components.secrets.config import SecretItem, is_provided
from components.shared.base import IsoDate, Model, SecretName, Slug, is_time_zone, raise_if

WEEK = 7 * 24 * 3600
# PagerDuty's classic Schedule has layers of fixed length only; a calendar month needs Schedulev2's
# RRULE, which this project has not verified against PagerDuty (provider issues #1123, #1125), so a
# "monthly" rotation is a 28-day layer, drifting from calendar months by two or three days a month.
MONTHLY_FALLBACK = 28 * 24 * 3600


class Rotation(Model):
    members: list[Slug] = Field(min_length=1)
    rotation: Literal["weekly", "monthly"]
    time_zone: str
    handoff: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "09:00"
    start: IsoDate  # the first handoff; also the layer's rotation_virtual_start

    @property
    def turn_seconds(self) -> int:
        return WEEK if self.rotation == "weekly" else MONTHLY_FALLBACK


class Level(Model):
    notify: Slug  # a schedule name (primary, secondary) or a person
    within_minutes: int = Field(ge=0, le=24 * 60)  # cumulative, as the runbook writes it


Urgency = Literal["high", "low"]
# PagerDuty's urgency per severity: high notifies by the responders' high-urgency rules (phone, SMS),
# low by their low-urgency ones; runbook 004's P3 "Medium" goes to Slack and a digest, so it is low.
URGENCY: dict[str, Urgency] = {"P1": "high", "P2": "high", "P3": "low"}


class PagedService(Model):
    """The PagerDuty service of one severity whose channel is `pagerduty: oncall`."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None  # default "<app> <env> P1"
    urgency: Urgency | None = None  # default: URGENCY


class OncallConfig(Model):
    token_secret: SecretName = "PAGERDUTY_API_TOKEN"  # a provided secret: the provider's API token
    people: dict[Slug, Email] = Field(min_length=1)  # looked up by email, never created (each is a licence)
    schedules: dict[Slug, Rotation] = Field(default_factory=dict)
    escalation: list[Level] = Field(min_length=1)
    loops: int = Field(default=2, ge=0, le=9)
    # overrides for the services of the severities whose alerts channel is `pagerduty: oncall`
    services: dict[Severity, PagedService] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> OncallConfig:
        problems = []
        for name, s in self.schedules.items():
            problems += [
                (f"schedules.{name}.members", f"{m!r} is not one of people ({', '.join(self.people)})")
                for m in s.members
                if m not in self.people
            ]
            if not is_time_zone(s.time_zone):
                problems.append((f"schedules.{name}.timeZone", f"{s.time_zone!r} is not an IANA time zone"))
        for i, level in enumerate(self.escalation):
            if level.notify not in self.schedules and level.notify not in self.people:
                problems.append((f"escalation[{i}].notify", f"{level.notify!r} is neither a schedule nor a person"))
        times = [level.within_minutes for level in self.escalation]
        if any(b <= a for a, b in itertools.pairwise(times)):
            problems.append(("escalation", f"withinMinutes must increase level by level, not {times}"))
        raise_if(problems)
        return self

    def problems(self, items: Mapping[str, SecretItem], alerts: AlertsConfig | None) -> list[tuple[str, str]]:
        """Against the rest of the stack: the token is a provided secret, and each service override is
        for a severity that pages through oncall."""
        problems = []
        if not is_provided(items, self.token_secret):
            problems.append(("oncall.tokenSecret", f"{self.token_secret} must be a provided secret in secrets.items"))
        paged = alerts.oncall_severities() if alerts else []
        problems += [
            (f"oncall.services.{s}", f"{s} does not page through oncall: alerts.channels.{s}.pagerduty is not 'oncall'")
            for s in sorted(self.services)
            if s not in paged
        ]
        return problems

    def service(self, app: str, environment: str, severity: Severity) -> tuple[str, Urgency]:
        """The name and urgency of the severity's PagerDuty service."""
        spec = self.services.get(severity, PagedService())
        return spec.name or f"{app} {environment} {severity}", spec.urgency or URGENCY[severity]

    def rule_delays(self) -> list[int]:
        """Per rule, the minutes PagerDuty waits before notifying the next: the gap to the next level's
        cumulative time. The last rule's delay only matters when the policy loops; it repeats the gap
        before it (at least 1 minute, PagerDuty's floor)."""
        times = [level.within_minutes for level in self.escalation]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        return [*gaps, max(gaps[-1] if gaps else 30, 1)]
