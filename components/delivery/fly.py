"""The Fly.io API app of runbook 000: machines declared as counts per region, health-checked, rolled one by one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_flyio as flyio
from pulumi_flyio import flyio as fly

from components.delivery.fly_config import FlyConfig


@dataclass(frozen=True, kw_only=True)
class FlyApiArgs:
    fly: FlyConfig
    protect: bool
    secret_env: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    # Variable -> generation of the value it carries: any change restarts the machines, which is the
    # only way Fly hands a machine a changed secret (it injects them at boot).
    served: Mapping[str, int] = field(default_factory=dict)


def machine_names(app: str, regions: Mapping[str, int]) -> list[tuple[str, int, str]]:
    """(region, index, name) for every machine; stable, so scaling down removes a region's last ones."""
    return [(region, i, f"{app}-{region}-{i}") for region in sorted(regions) for i in range(1, regions[region] + 1)]


def primary_region(cfg: FlyConfig) -> str:
    """The region with the most machines (the first by name among equals): where the v6 address is allocated."""
    return min((r for r, n in cfg.regions.items() if n), key=lambda r: (-cfg.regions[r], r))


def served_metadata(served: Mapping[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(served.items()))


def machine_config(cfg: FlyConfig, served: Mapping[str, int]) -> fly.FlyMachineConfigArgs:
    hc = cfg.health_check
    return fly.FlyMachineConfigArgs(
        image=cfg.image,
        guest=fly.FlyMachineGuestArgs(cpu_kind=cfg.guest.cpu_kind, cpus=cfg.guest.cpus, memory_mb=cfg.guest.memory_mb),
        env=dict(cfg.env),
        metadata={"secrets-served": served_metadata(served)} if served else None,
        restart=fly.FlyMachineRestartArgs(policy=cfg.restart.policy, max_retries=cfg.restart.max_retries),
        services=[
            fly.FlyMachineServiceArgs(
                protocol="tcp",
                internal_port=cfg.internal_port,
                autostart=True,
                autostop=cfg.autostop,
                min_machines_running=1 if cfg.autostop != "off" else None,
                ports=[
                    fly.FlyMachinePortArgs(port=80, handlers=["http"], force_https=True),
                    fly.FlyMachinePortArgs(port=443, handlers=["tls", "http"]),
                ],
                concurrency=fly.FlyMachineServiceConcurrencyArgs(
                    type=cfg.concurrency.type,
                    soft_limit=cfg.concurrency.soft_limit,
                    hard_limit=cfg.concurrency.hard_limit,
                ),
                checks=[
                    fly.FlyMachineCheckArgs(
                        type="http",
                        protocol="http",
                        method="GET",
                        port=cfg.internal_port,
                        path=hc.path,
                        interval=f"{hc.interval_seconds}s",
                        timeout=f"{hc.timeout_seconds}s",
                        grace_period=f"{hc.grace_period_seconds}s",
                    )
                ],
            )
        ],
    )


class FlyApi(pulumi.ComponentResource):
    """The Fly.io app (protected when `protect`), its app-level secrets, and machines as counts per region.

    Every machine runs the same config: the image, guest size, an HTTP service on 80/443 with
    concurrency limits and a health check, a restart policy, and metadata naming the secret
    generations served, so a rotation restarts the machines one region-mate at a time.
    """

    def __init__(self, name: str, args: FlyApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:delivery:FlyApi", name, None, opts)
        cfg = args.fly
        self.app = flyio.App(
            name, name=cfg.app, org=cfg.org, opts=pulumi.ResourceOptions(parent=self, protect=args.protect)
        )
        self.secrets = (
            flyio.Secrets(name, app=self.app.name, values=args.secret_env, opts=pulumi.ResourceOptions(parent=self))
            if args.secret_env
            else None
        )
        # An app made through the Machines API has no public address until one is allocated: without these
        # <app>.fly.dev does not resolve. The provider replaces an Ip on any change (ipDiffOpts in
        # provider/pkg/provider/ip.go), and a new address breaks whoever pinned the old one: protected in prod.
        address = pulumi.ResourceOptions(parent=self, protect=args.protect)
        self.ips = [
            flyio.IP(f"{name}-ipv4", app=self.app.name, addr_type="shared_v4", opts=address),
            # the provider requires a region for any address but a shared v4 (IP.Create in ip.go)
            flyio.IP(f"{name}-ipv6", app=self.app.name, addr_type="v6", region=primary_region(cfg), opts=address),
        ]
        config = machine_config(cfg, args.served)
        self.machines: dict[str, flyio.Machine] = {}
        previous_in_region: dict[str, flyio.Machine] = {}
        for region, index, machine_name in machine_names(cfg.app, cfg.regions):
            # Each machine waits for the one before it in its region. With the bluegreen strategy the
            # provider's Update starts a new machine, waits for it to be started and for every check to
            # pass (waitForChecks, about 95 s at most), and only then destroys the old one
            # (provider/pkg/provider/machine.go); "immediate" returns once the update call does.
            depends: list[pulumi.Resource] = [m for m in (previous_in_region.get(region), self.secrets) if m]
            machine = flyio.Machine(
                f"{name}-{region}-{index}",
                app=self.app.name,
                region=region,
                # No `name`: the provider sends none to Fly (Create and Update set Name = nil) and keeps
                # none in state, so a name diffs on every preview and restarts every machine on every up.
                # A machine is known by its logical name and the ID Fly gives it.
                config=config,
                deployment_strategy="bluegreen",
                # Logical names once were the machine names; the alias keeps existing machines' URNs.
                opts=pulumi.ResourceOptions(parent=self, depends_on=depends, aliases=[pulumi.Alias(name=machine_name)]),
            )
            self.machines[machine_name] = previous_in_region[region] = machine
        self.url = self.app.name.apply(lambda app: f"https://{app}.fly.dev")
        self.machine_counts = pulumi.Output.all(*(m.region for m in self.machines.values())).apply(
            lambda regions: {r: regions.count(r) for r in sorted(set(regions))}
        )
        self.register_outputs({"app": self.app.name, "url": self.url, "machines": self.machine_counts})
