"""Whole stacks: the real __main__.py with the real Pulumi.prod.yaml and Pulumi.staging.yaml under mocks."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pulumi_aws as aws
import pytest

from ops.offline.synth import ACCOUNT_ID, Synth, synthesize
from tests.helpers import BUCKET, KEY, api_machines, load_with

URNS_BEFORE = Path(__file__).parent.parent / "fixtures" / "urns-before-components-carried-their-names.json"


def test_prod_declares_exactly_these_resources(prod: Synth) -> None:
    assert Counter(r.type for r in prod.resources) == {
        "platform:security:KmsKeys": 1,
        "aws:kms/key:Key": 4,
        "aws:kms/alias:Alias": 4,
        "platform:backups:BackupStorage": 1,
        "platform:storage:HardenedBucket": 4,
        "aws:s3/bucket:Bucket": 4,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 4,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 4,
        "aws:s3/bucketVersioning:BucketVersioning": 4,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 4,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 4,
        "aws:s3/bucketPolicy:BucketPolicy": 4,
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": 2,
        "aws:s3/bucketNotification:BucketNotification": 1,
        "aws:s3/bucketLogging:BucketLogging": 2,
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig": 1,
        "platform:backups:BackupAccess": 1,
        "aws:iam/role:Role": 5,
        "aws:iam/rolePolicy:RolePolicy": 4,
        "platform:secrets:SecretsInventory": 1,
        "random:index/randomBytes:RandomBytes": 8,
        "platform:delivery:VercelFrontend": 1,
        "vercel:index/project:Project": 1,
        "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": 6,
        "vercel:index/projectDomain:ProjectDomain": 1,
        "platform:delivery:FlyApi": 1,
        "flyio:index:App": 2,  # the API and the backup job
        "flyio:index:Secrets": 2,
        "flyio:index:Machine": 4,
        "flyio:index:IP": 2,  # shared IPv4 and IPv6: an API-made app has no address otherwise
        "platform:alerts:Dashboard": 1,
        "platform:maintenance:MaintenanceWindows": 1,
        "platform:oncall:Oncall": 1,
        "pulumi:providers:pagerduty": 1,
        "pagerduty:index/schedule:Schedule": 2,  # runbook 000's weekly and monthly rotations
        "pagerduty:index/escalationPolicy:EscalationPolicy": 1,
        "pagerduty:index/service:Service": 1,  # P1, the one severity that pages through oncall
        "pagerduty:index/serviceIntegration:ServiceIntegration": 1,  # its Amazon CloudWatch integration
        "aws:cloudwatch/alarmMuteRule:AlarmMuteRule": 3,  # the next three monthly windows
        "pagerduty:index/maintenanceWindow:MaintenanceWindow": 3,  # and PagerDuty's, on the P1 service
        "aws:cloudwatch/dashboard:Dashboard": 1,
        "platform:delivery:GithubActionsSecrets": 1,
        "pulumi:providers:github": 1,
        "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": 2,  # OPENAI_API_KEY, ELEVENLABS_API_KEY
        "random:index/randomPassword:RandomPassword": 5,
        "platform:data:PostgresDatabase": 1,
        "pulumi:providers:postgresql": 1,
        "postgresql:index/role:Role": 7,
        "postgresql:index/database:Database": 1,
        "postgresql:index/schema:Schema": 1,
        "postgresql:index/grant:Grant": 9,
        "postgresql:index/defaultPrivileges:DefaultPrivileges": 4,
        "platform:data:DatabaseBackupJob": 1,
        "platform:alerts:Alerting": 1,
        "platform:alerts:AlertRouting": 1,
        "aws:sns/topic:Topic": 4,
        "aws:sns/topicPolicy:TopicPolicy": 4,
        "aws:sns/topicSubscription:TopicSubscription": 3,
        "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": 2,  # one per channel
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
        "platform:alerts:HealthChecks": 1,
        "aws:route53/healthCheck:HealthCheck": 2,
        "platform:alerts:SloAlarms": 1,
        "aws:cloudwatch/compositeAlarm:CompositeAlarm": 6,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 16,
        "platform:alerts:ThresholdAlarms": 1,
        "platform:alerts:OperationsAlarms": 1,
        "aws:cloudwatch/eventRule:EventRule": 4,
        "aws:cloudwatch/eventTarget:EventTarget": 3,
    }


def test_staging_is_the_small_unreplicated_shape(staging: Synth) -> None:
    counts = Counter(r.type for r in staging.resources)
    assert counts["aws:s3/bucket:Bucket"] == 2
    assert counts["aws:s3/bucketReplicationConfig:BucketReplicationConfig"] == 0
    assert counts["aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"] == 0
    assert counts["flyio:index:Machine"] == 2  # the API's and the backup job's
    cfg = load_with("staging", {})
    assert cfg.fly and cfg.secrets and cfg.vercel
    generated = [i for i in cfg.secrets.items.values() if i.kind == "generated"]
    vercel_secrets = [i for i in cfg.secrets.items.values() if i.vercel_targets]
    assert counts["random:index/randomBytes:RandomBytes"] + counts["random:index/randomPassword:RandomPassword"] == sum(
        min(2, i.generation) for i in generated
    )
    assert counts["vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"] == (
        len(cfg.vercel.env) + 1 + len(vercel_secrets)  # plain values, MAINTENANCE_MODE, secrets
    )
    assert len(api_machines(staging)) == sum(cfg.fly.regions.values())


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_every_resource_is_parented_to_a_component(stack: str, request: pytest.FixtureRequest) -> None:
    synth: Synth = request.getfixturevalue(stack)
    for r in synth.resources:
        parent = synth.parent_of(r)
        if r.custom:
            assert parent is not None and not parent.custom, f"{r.type} {r.name} is not inside a component"
            assert parent.type.startswith("platform:")


def test_prod_protects_every_bucket_and_key_and_staging_none(prod: Synth, staging: Synth) -> None:
    for r in prod.of_type(BUCKET) + prod.of_type(KEY):
        assert (r.protect, r.retain_on_delete) == (True, True), r.name
    for r in staging.of_type(BUCKET) + staging.of_type(KEY):
        assert (r.protect, r.retain_on_delete) == (False, False), r.name
    protected = sorted((r.type, r.name) for r in prod.resources if r.protect)
    assert protected == sorted(
        [(BUCKET, n) for n in ("backups", "backups-access-logs", "backups-replica", "backups-replica-access-logs")]
        + [
            (KEY, "keys-general"),
            (KEY, "keys-alerts"),
            (KEY, "keys-watchdog"),
            (KEY, "keys-general-replica"),
            ("vercel:index/project:Project", "frontend"),
        ]
        + [("flyio:index:App", "api"), ("flyio:index:App", "database-backup")]
        + [("flyio:index:IP", "api-ipv4"), ("flyio:index:IP", "api-ipv6")]
        + [("postgresql:index/database:Database", "postgres-database")]
        + [("postgresql:index/schema:Schema", "postgres-schema")]
    )


def test_every_taggable_aws_resource_carries_the_four_tags(prod: Synth) -> None:
    for r in prod.resources:
        if r.type.startswith("aws:") and "tags" in r.inputs:
            tags = r.inputs["tags"]
            assert {k: tags[k] for k in ("app", "environment", "managed-by", "data-classification")} == {
                "app": "learning-accelerator",
                "environment": "production",
                "managed-by": "pulumi",
                "data-classification": "confidential",
            }, r.name


def test_prod_exports(prod: Synth) -> None:
    out = prod.outputs
    assert out["kmsKeyAliases"] == {
        "general": "alias/learning-accelerator-general-production",
        "alerts": "alias/learning-accelerator-alerts-production",
        "watchdog": "alias/learning-accelerator-watchdog-production",
        # replicated aws:kms backups: the replica's key, in us-west-2
        "general-replica": "alias/learning-accelerator-general-replica-production",
    }
    assert out["alertTopicArns"] == {
        p: f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:learning-accelerator-production-alerts-{p.lower()}"
        for p in ("P1", "P2", "P3")
    }
    assert sorted(out["healthCheckIds"]) == ["api", "frontend"]
    assert (
        out["backupWriterRoleArn"]
        == f"arn:aws:iam::{ACCOUNT_ID}:role/platform/learning-accelerator-production-backup-writer"
    )
    assert (
        out["backupReaderRoleArn"]
        == f"arn:aws:iam::{ACCOUNT_ID}:role/platform/learning-accelerator-production-backup-reader"
    )
    assert out["backupBucketArn"] == f"arn:aws:s3:::{out['backupBucket']}"
    assert out["replicaBucketArn"] == f"arn:aws:s3:::{out['replicaBucket']}"
    assert out["kmsKeyArns"]["general"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/")
    assert out["flyApp"] == "learning-accelerator-api"
    assert out["flyAppUrl"] == "https://learning-accelerator-api.fly.dev"
    assert out["flyMachines"] == {"iad": 2, "ord": 1}
    assert out["vercelProject"] == "learning-accelerator"
    assert out["vercelDomains"] == ["app.learningaccelerator.com"]
    assert out["maintenanceMode"] is False
    assert out["secretGenerations"] == {
        "SECRET_KEY": 3,
        "CRON_SECRET": 2,
        "NEXTAUTH_SECRET": 4,
        "ENCRYPTION_KEY": 2,
        "SUPABASE_SERVICE_ROLE_KEY": 1,
        "OPENAI_API_KEY": 1,
        "ELEVENLABS_API_KEY": 1,
        "DATABASE_PASSWORD": 2,
        "DB_MIGRATOR_PASSWORD": 1,
        "DB_READONLY_PASSWORD": 1,
        "DB_BACKUP_PASSWORD": 1,
        "GITHUB_ADMIN_TOKEN": 1,
        "PAGERDUTY_API_TOKEN": 1,
        "POSTGRES_ADMIN_PASSWORD": 1,
    }


def test_staging_exports_no_replica(staging: Synth) -> None:
    assert staging.outputs["replicaBucket"] is None
    assert staging.outputs["kmsKeyAliases"] == {
        "general": "alias/learning-accelerator-general-staging",
        "alerts": "alias/learning-accelerator-alerts-staging",
        "watchdog": "alias/learning-accelerator-watchdog-staging",
    }


def test_no_export_carries_a_secret_value(prod: Synth) -> None:
    fakes = {v for r in prod.resources for k, v in r.outputs.items() if k in ("hex", "base64", "result")}
    passwords = prod.of_type("random:index/randomPassword:RandomPassword")
    assert len(fakes) == 2 * len(prod.of_type("random:index/randomBytes:RandomBytes")) + len(passwords) > 0
    text = repr(prod.outputs)
    # the one secret export is the deploy hook's URL (it starts a deployment for whoever holds it)
    assert sorted(k for k, v in prod.outputs.items() if v == "[secret]") == ["manualSecrets", "vercelDeployHookUrl"]
    assert not any(f in text for f in fakes)


def test_a_deprecated_resource_type_in_the_program_fails_the_tests(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text("import pulumi_aws as aws\naws.s3.BucketV2('legacy')\n")
    with pytest.raises(DeprecationWarning, match="BucketV2 is deprecated"):
        synthesize("staging", {"aws:region": "us-east-1"}, program=program)


def test_a_deprecated_argument_in_project_code_fails_the_tests() -> None:
    with pytest.raises(DeprecationWarning, match="acl is deprecated"):
        aws.s3.BucketArgs(acl="private")


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_every_urn_an_existing_stack_has_is_kept_or_aliased(stack: str, request: pytest.FixtureRequest) -> None:
    """The URNs both stacks had before children carried their component's name: none may be replaced."""
    synth: Synth = request.getfixturevalue(stack)
    before = set(json.loads(URNS_BEFORE.read_text())[stack])
    now = {r.urn for r in synth.resources}
    aliased = {a for r in synth.resources for a in r.aliases}
    assert before - now - aliased == set()
    assert {a for a in aliased if a in before} == before - now  # each renamed resource keeps its old URN
