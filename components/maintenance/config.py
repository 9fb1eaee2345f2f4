"""`platform:maintenance`: runbook 000's "Monthly - 2nd Sunday 2-4 AM EST", as a recurrence rule.

The window is wall-clock time in its time zone: "EST" in the runbook is read as US Eastern time, the
clock the team keeps (EST in winter, EDT in summer), not a fixed UTC-5. A start that does not exist on
the day the clocks go forward (02:00 on the second Sunday of March in America/New_York) begins when the
clock reaches it, at 03:00 EDT, the same instant as 02:00 EST; the window keeps its length. A start in
the hour the clocks repeat when they go back is the first of the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from pydantic import Field, StringConstraints, model_validator

from components.shared.base import Model, is_time_zone, raise_if

UPCOMING = 3  # the windows declared ahead: each monthly preview shows the next three


class MaintenanceConfig(Model):
    rrule: Annotated[str, StringConstraints(pattern=r"^FREQ=[A-Z]+(;[A-Z]+=[A-Z0-9,+-]+)*$")]
    start: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]  # local wall-clock time
    duration_minutes: int = Field(ge=15, le=24 * 60)
    time_zone: str
    # pages: the SLO composites and health-check alarms, what would page during planned work
    mute: Literal["pages"] = "pages"

    @model_validator(mode="after")
    def _valid(self) -> MaintenanceConfig:
        problems = []
        if not is_time_zone(self.time_zone):
            problems.append(("timeZone", f"{self.time_zone!r} is not an IANA time zone (America/New_York, UTC)"))
        try:
            rrulestr(self.rrule, dtstart=dt.datetime(2026, 1, 1))
        except (ValueError, TypeError) as exc:
            problems.append(("rrule", f"{self.rrule!r} is not an RFC 5545 RRULE: {exc}"))
        raise_if(problems)
        return self

    def occurrences(self, after: dt.date, count: int = UPCOMING) -> list[tuple[dt.datetime, dt.datetime]]:
        """The next `count` windows starting on or after `after`, as (start, end) in UTC."""
        zone = ZoneInfo(self.time_zone)
        hour, minute = (int(x) for x in self.start.split(":"))
        first = dt.datetime.combine(after, dt.time(hour, minute))
        days = rrulestr(self.rrule, dtstart=first)
        out = []
        for local in days.xafter(first, count=count, inc=True):
            # zoneinfo reads a wall-clock time that the clocks skip with the offset before the change:
            # 02:00 on the March Sunday is 07:00 UTC, which the clock shows as 03:00 EDT
            start = local.replace(tzinfo=zone).astimezone(dt.UTC)
            out.append((start, start + dt.timedelta(minutes=self.duration_minutes)))
        return out
