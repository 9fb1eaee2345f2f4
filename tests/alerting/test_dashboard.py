"""components/alerting/dashboard.py: the key-metrics dashboard, from the same definitions as the alarms."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from components.alerting.config import AlertsConfig
from components.alerting.dashboard import MAX_ALARMS_PER_WIDGET, DashboardArgs, body
from ops.offline.stackfile import stack_files
from ops.offline.synth import Synth, synthesize_stack
from tests.helpers import TODAY, SynthFn, error_of, file_config

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
GOLDEN = Path(__file__).parent / "golden" / "prod-dashboard.json"


def widgets(synth: Synth) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(synth.get(DASHBOARD, "alerts-dashboard").inputs["dashboardBody"])[
        "widgets"
    ]
    return found


def test_the_prod_body_reads_as_pinned(prod: Synth) -> None:
    """`UPDATE_GOLDEN=1 pytest tests/alerting/test_dashboard.py` rewrites it; review its diff like code."""
    dashboard = prod.get(DASHBOARD, "alerts-dashboard")
    assert (dashboard.inputs["dashboardName"], dashboard.inputs["region"]) == (
        "learning-accelerator-production",
        "us-east-1",
    )
    text = json.dumps(json.loads(dashboard.inputs["dashboardBody"]), indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


@pytest.mark.parametrize("path", [p for p in stack_files() if "platform:alerts" in p.read_text()], ids=lambda p: p.name)
def test_every_stack_has_a_widget_per_definition(path: Path) -> None:
    synth = synthesize_stack(str(path), today=TODAY)
    alerts = AlertsConfig.model_validate(file_config(path.name[len("Pulumi.") : -len(".yaml")])["platform:alerts"])
    if not (alerts.slos or alerts.thresholds or alerts.health_checks):
        assert synth.of_type(DASHBOARD) == []  # nothing to show: no dashboard
        return
    alarms = len(synth.of_type("aws:cloudwatch/compositeAlarm:CompositeAlarm")) + len(
        [a for a in synth.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name.endswith("-down")]
    )
    measured = any(c.measure_latency for c in alerts.health_checks)
    got = widgets(synth)
    assert [w["type"] for w in got].count("alarm") == math.ceil(alarms / MAX_ALARMS_PER_WIDGET)
    assert len(got) == math.ceil(alarms / 100) + 3 * len(alerts.slos) + len(alerts.thresholds) + measured + 1
    # the alarm widget shows exactly the SLO composites and the health-check alarms
    shown = sorted(a for w in got if w["type"] == "alarm" for a in w["properties"]["alarms"])
    composites = [c.outputs["arn"] for c in synth.of_type("aws:cloudwatch/compositeAlarm:CompositeAlarm")]
    down = [
        a.outputs["arn"] for a in synth.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name.endswith("-down")
    ]
    assert shown == sorted(composites + down)
    # nothing overlaps on the 24-column grid
    cells = [
        (x, y) for w in got for x in range(w["x"], w["x"] + w["width"]) for y in range(w["y"], w["y"] + w["height"])
    ]
    assert len(cells) == len(set(cells)) and max(w["x"] + w["width"] for w in got) <= 24


def test_each_slo_has_its_sli_burn_rate_lines_and_budget(prod: Synth) -> None:
    by_title = {w["properties"].get("title"): w for w in widgets(prod)}
    burn = by_title["SLO availability: burn rate"]["properties"]
    assert burn["metrics"][0] == [{"expression": "(100 - good) / 0.5", "label": "burn rate", "id": "burn"}]
    assert [a["value"] for a in burn["annotations"]["horizontal"]] == [14.4, 6.0, 3.0]  # the alarms' windows
    budget = by_title["SLO latency: error budget left over 30 days (%)"]["properties"]
    assert (budget["view"], budget["start"], budget["metrics"][0][0]["expression"]) == (
        "singleValue",
        "-PT720H",
        "100 - (100 - good) / 5 * 100",
    )
    assert budget["metrics"][1][-1] == {"stat": "PR(:0.5)", "id": "good", "visible": False, "period": 300}


def test_a_threshold_shades_its_breaching_side(prod: Synth) -> None:
    rows = [dict(r) for r in file_config("prod")["platform:alerts"]["thresholds"]]
    row = {**rows[0], "comparison": "LessThanThreshold", "warning": 5, "critical": 2}
    alerts = AlertsConfig.model_validate({**file_config("prod")["platform:alerts"], "thresholds": [row]})
    args = DashboardArgs(
        app="a",
        environment="production",
        alerts=alerts,
        health_check_ids={"api": "h1", "frontend": "h2"},
        alarm_arns=[],
        links={},
    )
    (widget,) = [w for w in body(args)["widgets"] if w["properties"].get("title", "").startswith("error-rate")]
    assert widget["properties"]["annotations"]["horizontal"] == [
        {"label": "warning 5", "value": 5, "color": "#ff7f0e", "fill": "below"},
        {"label": "critical 2", "value": 2, "color": "#d62728", "fill": "below"},
    ]


def test_more_than_100_alarms_take_more_alarm_widgets() -> None:
    alerts = AlertsConfig.model_validate(file_config("prod")["platform:alerts"])
    arns = [f"arn:aws:cloudwatch:us-east-1:1:alarm:a{i}" for i in range(250)]
    args = DashboardArgs(
        app="a",
        environment="e",
        alerts=alerts,
        health_check_ids={"api": "h1", "frontend": "h2"},
        alarm_arns=arns,
        links={},
    )
    alarm_widgets = [w for w in body(args)["widgets"] if w["type"] == "alarm"]
    assert [len(w["properties"]["alarms"]) for w in alarm_widgets] == [100, 100, 50]
    assert [w["properties"]["title"] for w in alarm_widgets] == [
        f"Alarms: SLOs and health checks ({n}/3)" for n in (1, 2, 3)
    ]


def test_platform_dashboard_adds_links_or_turns_the_dashboard_off(synth: SynthFn) -> None:
    linked = synth("prod", {"platform:dashboard": {"links": {"Status page": "https://status.learningaccelerator.com"}}})
    body = json.loads(linked.get(DASHBOARD, "alerts-dashboard").inputs["dashboardBody"])
    text = body["widgets"][-1]["properties"]["markdown"]
    assert "- [Status page](https://status.learningaccelerator.com)" in text
    off = synth("prod", {"platform:dashboard": {"enabled": False}})
    assert (off.of_type(DASHBOARD), "dashboardName" in off.outputs) == ([], False)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"platform:dashboard": {"links": {"Status": "http://status.example.com"}}},
            "platform:dashboard.links.Status: String should match pattern",
        ),
        ({"platform:dashboard": {"widgets": 3}}, "platform:dashboard.widgets: unknown key"),
        (
            {"platform:dashboard": {"enabled": True}, "platform:alerts": None, "platform:maintenance": None},
            "platform:dashboard: shows this stack's alarms and metrics: declare platform:alerts",
        ),
    ],
)
def test_a_bad_dashboard_section_is_refused_with_its_key(override: dict[str, object], expected: str) -> None:
    assert expected in error_of("prod", override)
