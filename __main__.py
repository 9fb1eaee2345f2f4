"""The platform, in the order of the runbooks: config, keys, backups, secrets, delivery.

Each capability is wired only when the stack file declares its section; an absent one registers nothing.
"""

import functools

import pulumi
import pulumi_aws as aws

from components.alerting.alerting import Alerting, AlertingArgs
from components.alerting.config import ALERTS_KEY, ALERTS_REGION, ONCALL, WATCHDOG_KEY
from components.alerting.routing import TOPIC_PUBLISHERS
from components.backups.access import BackupAccess, BackupAccessArgs, drill_machines, reader_arn
from components.backups.storage import BackupStorage, BackupStorageArgs
from components.database.backup_job import BackupJobArgs, DatabaseBackupJob
from components.database.postgres import PostgresDatabase, PostgresDatabaseArgs, app_url
from components.delivery.fly import FlyApi, FlyApiArgs
from components.delivery.github_actions import GithubActionsSecrets, GithubActionsSecretsArgs
from components.delivery.vercel import VercelFrontend, VercelFrontendArgs
from components.keys.kms_keys import KmsKeys, KmsKeysArgs
from components.maintenance.mute_rules import MaintenanceWindows, MaintenanceWindowsArgs
from components.oncall.pagerduty import Oncall, OncallArgs
from components.secrets.inventory import FLY, GITHUB, VERCEL, SecretsInventory, SecretsInventoryArgs
from components.shared.loader import load_stack
from components.synthetics.canaries import Synthetics, SyntheticsArgs

# 1. Stack config: every bad key is reported here, before any resource is registered.
loaded = load_stack()
cfg = loaded.config


@functools.cache
def account_id() -> pulumi.Output[str]:
    """Asked only by stacks with AWS resources: a Vercel-only product needs no AWS credentials."""
    return aws.get_caller_identity_output().account_id


# 2. Keys (runbook 003). Replicated aws:kms backups add a key in the replica region.
keys = None
replica_keys = cfg.backups.replica_keys if cfg.backups else {}
if cfg.keys is not None:
    keys = KmsKeys(
        "keys",
        KmsKeysArgs(
            app=cfg.app,
            environment=cfg.env,
            region=cfg.aws_region,
            account_id=account_id(),
            keys=cfg.keys.model_copy(update={"purposes": [*cfg.keys.purposes, *replica_keys]}),
            tags=cfg.tags(),
            protect=cfg.protected,
            # The alert topics' key lives with them in us-east-1, usable by the services that publish.
            regions={ALERTS_KEY: ALERTS_REGION, WATCHDOG_KEY: ALERTS_REGION, **replica_keys},
            services={ALERTS_KEY: TOPIC_PUBLISHERS, WATCHDOG_KEY: ("events.amazonaws.com",)},
        ),
    )
    pulumi.export("kmsKeyArns", keys.key_arns)
    pulumi.export("kmsKeyAliases", keys.alias_names)

# 3. Backups (runbooks 000, 002): the bucket, and who may write and read it.
backups = access = None
if cfg.backups is not None:
    backup_key_arn = keys.keys[cfg.backups.kms_key].arn if keys and cfg.backups.encryption == "aws:kms" else None
    backups = BackupStorage(
        "backups",
        BackupStorageArgs(
            backups=cfg.backups,
            region=cfg.aws_region,
            account_id=account_id(),
            tags=cfg.tags(),
            protect=cfg.protected,
            kms_key_arn=backup_key_arn,
            readers=[reader_arn(account_id(), cfg.app, cfg.env)],
            replica_kms_key_arn=next((keys.keys[p].arn for p in replica_keys), None) if keys else None,
        ),
    )
    access = BackupAccess(
        "backup-access",
        BackupAccessArgs(
            app=cfg.app,
            environment=cfg.env,
            account_id=account_id(),
            bucket_arn=backups.primary.bucket.arn,
            prefix=cfg.backups.prefix,
            writer=cfg.backups.writer,
            reader=cfg.backups.reader,
            tags=cfg.tags(),
            kms_key_arn=backup_key_arn,
            drill_machines=drill_machines(cfg.postgres),
        ),
    )
    pulumi.export("backupBucket", backups.primary.bucket.bucket)
    pulumi.export("backupBucketArn", backups.primary.bucket.arn)
    pulumi.export("accessLogBucket", backups.logs.bucket.bucket)
    pulumi.export("replicaBucket", backups.replica.bucket.bucket if backups.replica else None)
    pulumi.export("replicaBucketArn", backups.replica.bucket.arn if backups.replica else None)
    pulumi.export("backupWriterRoleArn", access.writer.arn)
    pulumi.export("backupReaderRoleArn", access.reader.arn)

# 4. Secrets (runbooks 000, 001, 002, 004): one inventory feeds every consumer.
secrets = None
if cfg.secrets is not None:
    secrets = SecretsInventory(
        "secrets", SecretsInventoryArgs(secrets=cfg.secrets, provided=loaded.provided, today=loaded.today)
    )
    pulumi.export("secretGenerations", secrets.generations)

# 5. The database (every runbook), its nightly backup and restore drill (runbooks 000, 002).
if (pg := cfg.postgres) is not None:
    assert secrets is not None  # the config requires the logins' passwords in the inventory
    PostgresDatabase(
        "postgres",
        PostgresDatabaseArgs(
            postgres=pg,
            admin_password=loaded.provided[pg.admin_password_secret],
            slots=secrets.slots,
            current={
                r.password_secret: secrets.current(r.password_secret) for r in (pg.migrator, pg.readonly, pg.backup)
            },
            protect=cfg.protected,
        ),
    )
    # DATABASE_URL follows the app password's slots: a rotation moves it to the other login role.
    secrets.derive("DATABASE_URL", pg.app.password_secret, app_url(pg), pg.app.url_consumers)
    if pg.backup_job is not None and backups is not None and access is not None:
        drill_secret = pg.restore_drill.target_url_secret if pg.restore_drill and pg.restore_drill.schedule else None
        DatabaseBackupJob(
            "database-backup",
            BackupJobArgs(
                app=cfg.app,
                environment=cfg.env,
                postgres=pg,
                bucket=backups.primary.bucket.bucket,
                prefix=cfg.backups.prefix if cfg.backups else "",
                bucket_region=cfg.aws_region,
                writer_role_arn=access.writer.arn,
                reader_role_arn=access.reader.arn,
                kms_key_arn=backup_key_arn,
                secret_env={
                    "PGPASSWORD": secrets.current(pg.backup.password_secret),
                    **({"DRILL_DATABASE_URL": loaded.provided[drill_secret]} if drill_secret else {}),
                },
                served={"PGPASSWORD": secrets.generations[pg.backup.password_secret]},
                protect=cfg.protected,
            ),
        )

if secrets is not None:
    pulumi.export("manualSecrets", secrets.undelivered())

# 6. Delivery: Vercel frontend, Fly.io API, GitHub Actions environment secrets.
if cfg.vercel is not None:
    frontend = VercelFrontend(
        "frontend",
        VercelFrontendArgs(
            vercel=cfg.vercel,
            protect=cfg.protected,
            secret_env=secrets.for_vercel() if secrets else [],
            served=secrets.served(VERCEL) if secrets else {},
        ),
    )
    pulumi.export("vercelProject", frontend.project_name)
    pulumi.export("vercelDomains", frontend.domain_names)
    pulumi.export("maintenanceMode", frontend.maintenance_mode)
    pulumi.export("vercelEnvFingerprint", frontend.env_fingerprint)
    if frontend.deploy_hook_url is not None:
        pulumi.export("vercelDeployHookUrl", frontend.deploy_hook_url)

if cfg.fly is not None:
    api = FlyApi(
        "api",
        FlyApiArgs(
            fly=cfg.fly,
            protect=cfg.protected,
            secret_env=secrets.for_consumer(FLY) if secrets else {},
            served=secrets.served(FLY) if secrets else {},
        ),
    )
    pulumi.export("flyApp", api.app.name)
    pulumi.export("flyAppUrl", api.url)
    pulumi.export("flyMachines", api.machine_counts)

if cfg.github is not None and secrets is not None:
    repository = GithubActionsSecrets(
        "github",
        GithubActionsSecretsArgs(
            github=cfg.github,
            token=loaded.provided[cfg.github.token_secret],
            secret_env=secrets.for_consumer(GITHUB),
        ),
    )
    pulumi.export("githubSecrets", sorted(repository.secrets))

# 7. On-call (runbooks 000, 002, 004): PagerDuty's people, rotations, escalation, and a service per
# severity that pages through it, whose CloudWatch integration the alert topics subscribe.
oncall = None
if cfg.oncall is not None:
    oncall = Oncall(
        "oncall",
        OncallArgs(
            app=cfg.app,
            environment=cfg.env,
            oncall=cfg.oncall,
            token=loaded.provided[cfg.oncall.token_secret],
            severities=cfg.alerts.oncall_severities() if cfg.alerts else (),
        ),
    )
    pulumi.export("escalationPolicy", oncall.policy.id)

# 8. Alerting (runbooks 000-004): topics per severity, health checks, SLO burn rates, thresholds.
if (alerts := cfg.alerts) is not None:
    assert keys is not None  # the config requires the alerts key
    alerting = Alerting(
        "alerts",
        AlertingArgs(
            app=cfg.app,
            environment=cfg.env,
            account_id=account_id(),
            alerts=alerts,
            topic_key_arn=keys.keys[ALERTS_KEY].arn,
            pagerduty_urls={
                s: oncall.endpoints[s] if oncall and c.pagerduty == ONCALL else loaded.provided[c.pagerduty]
                for s, c in alerts.channels.items()
                if c.pagerduty
            },
            key_arns=keys.key_arns,
            key_regions=keys.key_regions,
            watch_backups=cfg.backups is not None,
            backup_bucket=backups.primary.bucket.bucket if backups else None,
            backup_prefix=cfg.backups.prefix if cfg.backups else "",
            backup_region=cfg.aws_region,
            tags=cfg.tags(),
            links={
                **({f"Fly.io app {cfg.fly.app}": f"https://fly.io/apps/{cfg.fly.app}/monitoring"} if cfg.fly else {}),
                **({f"Vercel project {cfg.vercel.project_name}": "https://vercel.com/dashboard"} if cfg.vercel else {}),
            },
            dashboard=cfg.dashboard,
        ),
    )
    pulumi.export("alertTopicArns", alerting.topic_arns)
    if alerting.dashboard is not None:
        pulumi.export("dashboardName", alerting.dashboard.dashboard_name)
    pulumi.export("healthCheckIds", alerting.health_check_ids)

    # 9. Golden paths (runbooks 001, 004): canaries every 5 minutes, each alarmed to its severity.
    if cfg.synthetics is not None:
        synthetics = Synthetics(
            "synthetics",
            SyntheticsArgs(
                app=cfg.app,
                environment=cfg.env,
                synthetics=cfg.synthetics,
                account_id=account_id(),
                kms_key_arn=keys.keys[ALERTS_KEY].arn,
                topic_arns=alerting.topic_arns,
                secrets={n: loaded.provided[n] for n in cfg.synthetics.secret_names()},
                tags=cfg.tags(),
                protect=cfg.protected,
            ),
        )
        pulumi.export("canaries", sorted(synthetics.canaries))

    # 10. Maintenance windows (runbook 000): the next ones mute what would page during planned work.
    if cfg.maintenance is not None:
        windows = MaintenanceWindows(
            "maintenance",
            MaintenanceWindowsArgs(
                app=cfg.app,
                environment=cfg.env,
                maintenance=cfg.maintenance,
                today=loaded.today,
                alarm_names=alerting.paging_alarm_names,
                tags=cfg.tags(),
                pagerduty_provider=oncall.provider if oncall else None,
                pagerduty_services=[
                    oncall.services[s].id for s in alerting.paging_severities if oncall and s in oncall.services
                ],
            ),
        )
        pulumi.export("maintenanceWindows", sorted(windows.windows))
