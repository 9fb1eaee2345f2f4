"""components/delivery/fly.py: the app, machines as counts per region, health checks, secrets, rolling order."""

from __future__ import annotations

import datetime as dt

from ops.offline.synth import Synth
from tests.helpers import FLY_APP, FLY_IP, FLY_MACHINE, FLY_SECRETS, RANDOM_BYTES, SynthFn, api_machines, changed

PROD_MACHINES = ["api-iad-1", "api-iad-2", "api-ord-1"]


def test_machine_counts_per_region(prod: Synth, staging: Synth) -> None:
    assert sorted(m.name for m in api_machines(prod)) == PROD_MACHINES
    assert {m.name: m.inputs["region"] for m in api_machines(prod)} == {
        PROD_MACHINES[0]: "iad",
        PROD_MACHINES[1]: "iad",
        PROD_MACHINES[2]: "ord",
    }
    # pulumi-flyio drops a machine's name (Create/Update send Name = nil, provider/pkg/provider/machine.go)
    # and diffs the one it dropped on every preview: none is sent.
    assert [m for m in prod.of_type(FLY_MACHINE) if "name" in m.inputs] == []
    # and every update is health-gated: bluegreen waits for the new machine's checks (machine.go, Update)
    assert {m.inputs["deploymentStrategy"] for m in api_machines(prod)} == {"bluegreen"}
    assert sorted(m.name for m in api_machines(staging)) == ["api-iad-1"]
    app = prod.get(FLY_APP, "api")
    assert (app.inputs, app.protect) == ({"name": "learning-accelerator-api", "org": "learning-accelerator"}, True)
    assert staging.get(FLY_APP, "api").protect is False


def test_the_app_has_a_public_address(prod: Synth, staging: Synth) -> None:
    # An app made through the API has none until allocated; `<app>.fly.dev` would not resolve.
    ips = {ip.name: (ip.inputs, ip.protect) for ip in prod.of_type(FLY_IP)}
    assert ips == {
        "api-ipv4": ({"app": "learning-accelerator-api", "addrType": "shared_v4"}, True),
        "api-ipv6": ({"app": "learning-accelerator-api", "addrType": "v6", "region": "iad"}, True),
    }
    assert {ip.protect for ip in staging.of_type(FLY_IP)} == {False}


def test_machine_config_and_health_check(prod: Synth) -> None:
    for machine in api_machines(prod):
        assert machine.inputs["app"] == "learning-accelerator-api"
        cfg = machine.inputs["config"]
        assert cfg["image"].startswith("registry.fly.io/learning-accelerator-api@sha256:")
        assert cfg["guest"] == {"cpuKind": "shared", "cpus": 1, "memoryMb": 1024}
        assert cfg["env"] == {"LOG_LEVEL": "info"}
        assert cfg["restart"] == {"policy": "on-failure", "maxRetries": 10}
        assert cfg["services"] == [
            {
                "protocol": "tcp",
                "internalPort": 8080,
                "autostart": True,
                "autostop": "off",
                "ports": [
                    {"port": 80, "handlers": ["http"], "forceHttps": True},
                    {"port": 443, "handlers": ["tls", "http"]},
                ],
                "concurrency": {"type": "requests", "softLimit": 200, "hardLimit": 250},
                "checks": [
                    {
                        "type": "http",
                        "protocol": "http",
                        "method": "GET",
                        "port": 8080,
                        "path": "/health",
                        "interval": "30s",
                        "timeout": "5s",
                        "gracePeriod": "10s",
                    }
                ],
            }
        ]


def test_machines_roll_one_at_a_time_per_region(prod: Synth) -> None:
    secrets_urn = prod.get(FLY_SECRETS, "api").urn
    machine_urns = {m.urn for m in api_machines(prod)}
    deps = {
        m.name: sorted(prod.by_urn(u).name for u in m.dependencies if u in machine_urns) for m in api_machines(prod)
    }
    assert deps == {PROD_MACHINES[0]: [], PROD_MACHINES[1]: [PROD_MACHINES[0]], PROD_MACHINES[2]: []}
    assert all(secrets_urn in m.dependencies for m in api_machines(prod))


def test_scaling_three_to_four_adds_exactly_one_machine(prod: Synth, synth: SynthFn) -> None:
    scaled = synth("prod", {"platform:fly": {"regions": {"ord": 2}}})
    added, removed, inputs_changed = changed(prod, scaled)
    assert (added, removed, inputs_changed) == ({(FLY_MACHINE, "api-ord-2")}, set(), set())
    assert scaled.outputs["flyMachines"] == {"iad": 2, "ord": 2}


def test_scaling_down_removes_the_last_machine_of_that_region(prod: Synth, synth: SynthFn) -> None:
    smaller = synth("prod", {"platform:fly": {"regions": {"iad": 1}}})
    added, removed, inputs_changed = changed(prod, smaller)
    assert (added, removed, inputs_changed) == (set(), {(FLY_MACHINE, "api-iad-2")}, set())


def test_app_secrets_are_secret_and_environment_is_plain(staging: Synth) -> None:
    secrets = staging.get(FLY_SECRETS, "api")
    assert secrets.inputs["app"] == "learning-accelerator-api-staging"
    assert secrets.secret_paths == ["values"]
    assert sorted(secrets.inputs["values"]) == [
        "CRON_SECRET",
        "DATABASE_URL",
        "OPENAI_API_KEY",
        "SECRET_KEY",
        "SUPABASE_SERVICE_ROLE_KEY",
    ]
    machine = staging.get(FLY_MACHINE, "api-iad-1")
    assert machine.secret_paths == [] and machine.inputs["config"]["env"] == {"LOG_LEVEL": "debug"}
    assert machine.inputs["config"]["metadata"] == {
        "secrets-served": "CRON_SECRET=1,DATABASE_URL=1,OPENAI_API_KEY=1,SECRET_KEY=1,SUPABASE_SERVICE_ROLE_KEY=1"
    }


ROTATED = {"platform:secrets": {"items": {"SECRET_KEY": {"rotation": {"generation": 4, "lastRotated": "2026-11-20"}}}}}


def slot_hex(synth: Synth, slot: str) -> str:
    return str(synth.get(RANDOM_BYTES, f"secrets-SECRET_KEY-{slot}").outputs["hex"])


def test_fly_serves_the_previous_value_during_the_overlap_and_never_after(synth: SynthFn) -> None:
    during = synth("prod", ROTATED, today=dt.date(2026, 11, 21))  # overlapDays 1: 11-20 and 11-21
    after = synth("prod", ROTATED, today=dt.date(2026, 11, 22))
    # generation 4 lives in slot b, generation 3 in slot a
    values = during.get(FLY_SECRETS, "api").inputs["values"]
    assert (values["SECRET_KEY"], values["SECRET_KEY_PREVIOUS"]) == (slot_hex(during, "b"), slot_hex(during, "a"))
    # Fly never unsets a removed key, so the key stays and carries the current value: the old one is gone
    values = after.get(FLY_SECRETS, "api").inputs["values"]
    assert (values["SECRET_KEY"], values["SECRET_KEY_PREVIOUS"]) == (slot_hex(after, "b"), slot_hex(after, "b"))
    assert slot_hex(after, "a") not in values.values()


def test_the_end_of_the_overlap_restarts_every_machine(synth: SynthFn) -> None:
    during = synth("prod", ROTATED, today=dt.date(2026, 11, 21))
    after = synth("prod", ROTATED, today=dt.date(2026, 11, 22))
    served = {m.inputs["config"]["metadata"]["secrets-served"] for m in api_machines(during)}
    assert served == {
        "CRON_SECRET=2,CRON_SECRET_PREVIOUS=2,DATABASE_URL=2,DATABASE_URL_PREVIOUS=2,ELEVENLABS_API_KEY=1,"
        "OPENAI_API_KEY=1,SECRET_KEY=4,SECRET_KEY_PREVIOUS=3,SUPABASE_SERVICE_ROLE_KEY=1"
    }
    added, removed, inputs_changed = changed(during, after)
    assert (added, removed) == (set(), set())
    assert inputs_changed == {(FLY_SECRETS, "api"), *{(FLY_MACHINE, n) for n in PROD_MACHINES}}
    assert {m.inputs["config"]["metadata"]["secrets-served"] for m in api_machines(after)} == {
        "CRON_SECRET=2,CRON_SECRET_PREVIOUS=2,DATABASE_URL=2,DATABASE_URL_PREVIOUS=2,ELEVENLABS_API_KEY=1,"
        "OPENAI_API_KEY=1,SECRET_KEY=4,SECRET_KEY_PREVIOUS=4,SUPABASE_SERVICE_ROLE_KEY=1"
    }


def test_renamed_machines_keep_their_urns_through_aliases(prod: Synth) -> None:
    prefix = "urn:pulumi:prod::platform::platform:delivery:FlyApi$flyio:index:Machine::"
    assert {m.name: m.aliases for m in api_machines(prod)} == {
        n: [prefix + "learning-accelerator-" + n] for n in PROD_MACHINES
    }
