"""components/maintenance: runbook 000's monthly window as alarm mute rules, across the DST changes."""

from __future__ import annotations

import datetime as dt

import pytest

from components.maintenance.config import MaintenanceConfig
from ops.offline.synth import Synth
from tests.helpers import SynthFn, error_of, parent_name

MUTE = "aws:cloudwatch/alarmMuteRule:AlarmMuteRule"
PD_WINDOW = "pagerduty:index/maintenanceWindow:MaintenanceWindow"
RUNBOOK = {"rrule": "FREQ=MONTHLY;BYDAY=2SU", "start": "02:00", "durationMinutes": 120, "timeZone": "America/New_York"}


def utc(year: int, month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def test_the_second_sunday_at_two_eastern_across_both_dst_changes() -> None:
    m = MaintenanceConfig.model_validate(RUNBOOK)
    # October is EDT (UTC-4); after the first Sunday of November, EST (UTC-5)
    assert m.occurrences(dt.date(2026, 10, 1)) == [
        (utc(2026, 10, 11, 6), utc(2026, 10, 11, 8)),
        (utc(2026, 11, 8, 7), utc(2026, 11, 8, 9)),
        (utc(2026, 12, 13, 7), utc(2026, 12, 13, 9)),
    ]
    # 2027-03-14 is the day the clocks go from 02:00 EST to 03:00 EDT: 02:00 does not exist, and the
    # window starts when the clock reaches it, 03:00 EDT = 07:00 UTC, for its two hours
    assert m.occurrences(dt.date(2027, 3, 1)) == [
        (utc(2027, 3, 14, 7), utc(2027, 3, 14, 9)),
        (utc(2027, 4, 11, 6), utc(2027, 4, 11, 8)),
        (utc(2027, 5, 9, 6), utc(2027, 5, 9, 8)),
    ]
    # on the day itself the window is still ahead
    assert m.occurrences(dt.date(2026, 12, 13), 1) == [(utc(2026, 12, 13, 7), utc(2026, 12, 13, 9))]


def test_prod_mutes_what_pages_during_the_next_three_windows(prod: Synth) -> None:
    rules = sorted(prod.of_type(MUTE), key=lambda r: r.name)
    assert [r.name for r in rules] == ["maintenance-20261213", "maintenance-20270110", "maintenance-20270214"]
    first = rules[0].inputs
    assert {k: first[k] for k in ("name", "region", "rule")} == {
        "name": "learning-accelerator-production-maintenance-20261213",
        "region": "us-east-1",
        "rule": {"schedule": {"expression": "at(2026-12-13T07:00)", "duration": "PT2H", "timezone": "UTC"}},
    }
    composites = sorted(c.inputs["alarmName"] for c in prod.of_type("aws:cloudwatch/compositeAlarm:CompositeAlarm"))
    down = sorted(
        a.inputs["name"] for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name.endswith("-down")
    )
    assert first["muteTargets"]["alarmNames"] == composites + down
    assert prod.outputs["maintenanceWindows"] == ["20261213", "20270110", "20270214"]


def test_pagerduty_holds_the_p1_service_for_the_same_windows_and_keeps_a_started_one(prod: Synth) -> None:
    windows = sorted(prod.of_type(PD_WINDOW), key=lambda r: r.name)
    assert [(w.name, w.inputs["startTime"], w.inputs["endTime"]) for w in windows] == [
        ("maintenance-20261213-pagerduty", "2026-12-13T07:00:00Z", "2026-12-13T09:00:00Z"),
        ("maintenance-20270110-pagerduty", "2027-01-10T07:00:00Z", "2027-01-10T09:00:00Z"),
        ("maintenance-20270214-pagerduty", "2027-02-14T07:00:00Z", "2027-02-14T09:00:00Z"),
    ]
    provider = next(r for r in prod.resources if r.type == "pulumi:providers:pagerduty")
    for w in windows:
        # the muted alarms page P1 only, so only its service is held
        assert w.inputs["services"] == ["oncall-p1-id"]
        assert w.inputs["description"] == "learning-accelerator production: runbook 000 monthly maintenance"
        # deleting a started window would end it early: a window that leaves the next three stays
        assert w.retain_on_delete is True
        assert w.provider == f"{provider.urn}::{provider.name}-id"
        assert parent_name(prod, w) == "maintenance"


def test_a_stack_without_oncall_mutes_alarms_only(synth: SynthFn) -> None:
    staging = synth("staging", {"platform:maintenance": RUNBOOK})
    assert (len(staging.of_type(MUTE)), staging.of_type(PD_WINDOW)) == (3, [])


def test_a_passed_window_goes_and_the_next_one_comes(synth: SynthFn) -> None:
    later = synth("prod", today=dt.date(2026, 12, 14))
    assert sorted(r.inputs["rule"]["schedule"]["expression"] for r in later.of_type(MUTE)) == [
        "at(2027-01-10T07:00)",
        "at(2027-02-14T07:00)",
        "at(2027-03-14T07:00)",
    ]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"rrule": "FREQ=SOMETIMES"}, "platform:maintenance.rrule: 'FREQ=SOMETIMES' is not an RFC 5545 RRULE"),
        ({"timeZone": "Eastern"}, "platform:maintenance.timeZone: 'Eastern' is not an IANA time zone"),
        ({"start": "2:00"}, "platform:maintenance.start: String should match pattern"),
        ({"durationMinutes": 5}, "platform:maintenance.durationMinutes: Input should be greater than or equal to 15"),
    ],
)
def test_a_bad_window_is_refused_with_its_key(override: dict[str, object], expected: str) -> None:
    assert expected in error_of("prod", {"platform:maintenance": override})


def test_a_window_needs_alarms_to_mute() -> None:
    message = error_of("staging", {"platform:maintenance": RUNBOOK, "platform:alerts": None})
    assert "platform:maintenance: mutes this stack's alarms during the window: declare platform:alerts" in message
