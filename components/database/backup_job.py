"""The nightly `pg_dump` of runbooks 000 and 002 (and runbook 000's restore drill) as scheduled Fly machines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_flyio as flyio
from pulumi_flyio import flyio as fly

from components.alerting.config import ALERTS_REGION
from components.database.config import PostgresConfig
from components.delivery.fly import served_metadata


@dataclass(frozen=True, kw_only=True)
class BackupJobArgs:
    app: str
    environment: str
    postgres: PostgresConfig
    bucket: pulumi.Input[str]
    prefix: str
    bucket_region: str
    writer_role_arn: pulumi.Input[str]
    reader_role_arn: pulumi.Input[str]
    # The backup bucket's CMK when it encrypts with aws:kms: the job asks for it explicitly.
    kms_key_arn: pulumi.Input[str] | None = None
    secret_env: Mapping[str, pulumi.Output[str]]  # PGPASSWORD, and DRILL_DATABASE_URL for a scheduled drill
    served: Mapping[str, int] = field(default_factory=dict)
    protect: bool = False


class DatabaseBackupJob(pulumi.ComponentResource):
    """A Fly app of its own with the backup login's password as an app secret, and a machine on Fly's
    schedule that runs `python -m jobs.pg_backup` from the backup image: `pg_dump` in custom format, upload
    to the backup bucket with the writer role (Fly OIDC: `AWS_ROLE_ARN`, no static keys), and the
    `BackupSucceeded` metric the freshness alarm watches. Where the stack schedules the restore drill,
    a second machine runs `python -m jobs.restore_drill` monthly with the reader role.
    """

    def __init__(self, name: str, args: BackupJobArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:data:DatabaseBackupJob", name, None, opts)
        job = args.postgres.backup_job
        assert job is not None  # wired only when the stack declares one
        pg = args.postgres
        self._job = job
        self.app = flyio.App(
            name, name=job.app, org=job.org, opts=pulumi.ResourceOptions(parent=self, protect=args.protect)
        )
        secrets = flyio.Secrets(
            name, app=self.app.name, values=args.secret_env, opts=pulumi.ResourceOptions(parent=self)
        )
        common = {
            "APP": args.app,
            "ENVIRONMENT": args.environment,
            "PGHOST": pg.host,
            "PGPORT": str(pg.port),
            "PGDATABASE": pg.database,
            "PGSSLMODE": pg.sslmode,
            "BACKUP_BUCKET": args.bucket,
            "BACKUP_PREFIX": args.prefix,
            "AWS_REGION": args.bucket_region,
            "METRICS_REGION": ALERTS_REGION,
        }
        backup_env = {
            **common,
            "PGUSER": pg.backup.name,
            "AWS_ROLE_ARN": args.writer_role_arn,
            "JOB_DEADLINE_SECONDS": str(job.deadline_minutes * 60),
        }
        if args.kms_key_arn is not None:
            backup_env["BACKUP_KMS_KEY_ARN"] = args.kms_key_arn
        metadata = {"secrets-served": served_metadata(args.served)} if args.served else None
        self.machines = {
            "backup": self._machine(
                name,
                "backup",
                job.schedule,
                ["python", "-m", "jobs.pg_backup"],
                backup_env,
                metadata,
                secrets,
            )
        }
        drill = pg.restore_drill
        if drill is not None and drill.schedule is not None:
            drill_env = {
                **common,
                "AWS_ROLE_ARN": args.reader_role_arn,
                **drill.job_env(pg.schema_name),
            }
            self.machines["restore-drill"] = self._machine(
                name,
                "restore-drill",
                drill.schedule,
                ["python", "-m", "jobs.restore_drill"],
                drill_env,
                metadata,
                secrets,
            )
        self.register_outputs({"app": self.app.name, "machines": sorted(self.machines)})

    def _machine(
        self,
        name: str,
        purpose: str,
        schedule: str,
        cmd: list[str],
        env: Mapping[str, pulumi.Input[str]],
        metadata: dict[str, str] | None,
        secrets: flyio.Secrets,
    ) -> flyio.Machine:
        job = self._job
        return flyio.Machine(
            f"{name}-{purpose}",
            app=self.app.name,
            region=job.region,  # no `name`: pulumi-flyio drops it (see components/delivery/fly.py)
            config=fly.FlyMachineConfigArgs(
                image=job.image,
                schedule=schedule,
                init=fly.FlyMachineInitArgs(cmd=cmd),
                env=dict(env),
                guest=fly.FlyMachineGuestArgs(cpu_kind="shared", cpus=1, memory_mb=512),
                # a failed run exits non-zero and waits for the next schedule; the freshness alarm pages
                restart=fly.FlyMachineRestartArgs(policy="no"),
                metadata=metadata,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[secrets]),
        )
