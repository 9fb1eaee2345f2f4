"""The Fly.io API app of runbook 000: machines declared as counts per region, health-checked, rolled one by one."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_flyio as flyio
from pulumi_flyio import flyio as fly

from components.config import FlyConfig


@dataclass(frozen=True)
class FlyApiArgs:
    fly: FlyConfig
    protect: bool
    secret_env: dict[str, pulumi.Output[str]] = field(default_factory=dict)
    # Secret name -> generation: changes roll the machines, so they boot with the rotated values.
    secret_generations: dict[str, int] = field(default_factory=dict)


def machine_names(app: str, regions: dict[str, int]) -> list[tuple[str, str]]:
    """(region, name) for every machine; names are stable, so scaling down removes a region's last ones."""
    return [(region, f"{app}-{region}-{i}") for region in sorted(regions) for i in range(1, regions[region] + 1)]


def machine_config(cfg: FlyConfig, generations: dict[str, int]) -> fly.FlyMachineConfigArgs:
    hc = cfg.health_check
    return fly.FlyMachineConfigArgs(
        image=cfg.image,
        guest=fly.FlyMachineGuestArgs(cpu_kind=cfg.guest.cpu_kind, cpus=cfg.guest.cpus, memory_mb=cfg.guest.memory_mb),
        env=dict(cfg.env),
        metadata={"secrets-generations": ",".join(f"{k}={v}" for k, v in sorted(generations.items()))}
        if generations
        else None,
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
        config = machine_config(cfg, args.secret_generations)
        self.machines: dict[str, flyio.Machine] = {}
        previous_in_region: dict[str, flyio.Machine] = {}
        for region, machine_name in machine_names(cfg.app, cfg.regions):
            # Each machine waits for the one before it in its region: a rolling update, one machine
            # per region at a time, while the other regions keep serving.
            depends: list[pulumi.Resource] = [m for m in (previous_in_region.get(region), self.secrets) if m]
            machine = flyio.Machine(
                machine_name,
                app=self.app.name,
                region=region,
                name=machine_name,
                config=config,
                opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
            )
            self.machines[machine_name] = previous_in_region[region] = machine
        self.register_outputs({"app": self.app.name, "machines": sorted(self.machines)})
