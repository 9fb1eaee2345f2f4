"""Least-privilege roles for the backup bucket: a writer that can only add backups, a reader for restores."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.backups.config import DRILLS, FlyTrust, Trust
from components.database.config import PostgresConfig
from components.shared.policies import Statement, document
from components.shared.roles import bounded, role_arn

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"


@dataclass(frozen=True, kw_only=True)
class BackupAccessArgs:
    app: str
    environment: str
    account_id: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    prefix: str
    writer: Trust
    reader: Trust
    tags: dict[str, str]
    kms_key_arn: pulumi.Input[str] | None = None
    # The scheduled restore drill's Fly app: its machines assume the reader with Fly's OIDC token too.
    drill_machines: FlyTrust | None = None


def role_name(app: str, environment: str, purpose: str) -> str:
    return f"{app}-{environment}-backup-{purpose}"


def reader_arn(account_id: pulumi.Input[str], app: str, environment: str) -> pulumi.Output[str]:
    """Known before the role exists, for the bucket policy that lets only it read."""
    return pulumi.Output.from_input(account_id).apply(lambda a: role_arn(a, role_name(app, environment, "reader")))


def drill_machines(pg: PostgresConfig | None) -> FlyTrust | None:
    """The Fly app whose scheduled machine runs the restore drill (the backup job's app), if one is scheduled."""
    if pg is None or pg.backup_job is None or pg.restore_drill is None or pg.restore_drill.schedule is None:
        return None
    return FlyTrust(org=pg.backup_job.org, app=pg.backup_job.app)


def trust_policy(trust: Trust, account_id: str, also: FlyTrust | None = None) -> str:
    """Who may assume the role. The OIDC providers are account-wide and created once, outside this stack."""
    statements = [trust_statement(trust, account_id)]
    if also is not None and also != trust.fly:
        statements.append(trust_statement(Trust(fly=also), account_id))
    return document(statements)


def trust_statement(trust: Trust, account_id: str) -> Statement:
    if trust.github is not None:
        provider = f"arn:aws:iam::{account_id}:oidc-provider/{GITHUB_OIDC_HOST}"
        statement: Statement = {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                    f"{GITHUB_OIDC_HOST}:sub": trust.github.subject,
                }
            },
        }
    elif trust.fly is not None:
        host = f"oidc.fly.io/{trust.fly.org}"
        statement = {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{account_id}:oidc-provider/{host}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{host}:aud": STS_AUDIENCE},
                "StringLike": {f"{host}:sub": trust.fly.subject},
            },
        }
    elif trust.aws is not None and trust.aws.role_arns is not None:
        statement = {"Effect": "Allow", "Principal": {"AWS": trust.aws.role_arns}, "Action": "sts:AssumeRole"}
    else:
        assert trust.aws is not None  # the config model requires exactly one kind of trust
        # The account root as principal, narrowed to that account's principals inside one organization.
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{trust.aws.account_id}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": trust.aws.principal_org_id}},
        }
    return statement


def writer_policy(bucket_arn: str, prefix: str, kms_key_arn: str | None) -> str:
    statements: list[Statement] = [
        # What jobs/pg_backup.py calls, and no read or delete: with versioning and object lock, a leaked
        # writer cannot erase history. PutObject covers CreateMultipartUpload, UploadPart and
        # CompleteMultipartUpload; AbortMultipartUpload lets a failed run clean up after itself.
        {
            "Sid": "PutNewBackups",
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
            "Resource": f"{bucket_arn}/{prefix}*",
        },
        # PutMetricData has no resource-level permissions. A cloudwatch:namespace condition would narrow
        # it to Platform/Backups, but moto, the only IAM engine these tests run, evaluates no condition in
        # an identity policy (it would deny), so the policy could not be proven; the writer may publish
        # metrics, which reads and changes nothing else.
        {"Sid": "PublishBackupMetric", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
    ]
    if kms_key_arn:
        # Decrypt is needed to complete multipart uploads of SSE-KMS objects.
        statements.append(
            {
                "Sid": "EncryptBackups",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": kms_key_arn,
            }
        )
    return document(statements)


def reader_policy(bucket_arn: str, kms_key_arn: str | None) -> str:
    statements: list[Statement] = [
        {
            "Sid": "ListBackups",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:ListBucketVersions"],
            "Resource": bucket_arn,
        },
        {
            "Sid": "ReadBackups",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": f"{bucket_arn}/*",
        },
        # jobs/restore_drill.py's evidence: a record per drill under drills/ (no overwrite of a backup, no
        # delete), and its RestoreDrillSucceeded metric (PutMetricData has no resource-level permissions)
        {"Sid": "RecordDrills", "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{bucket_arn}/{DRILLS}*"},
        {"Sid": "PublishDrillMetric", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
    ]
    if kms_key_arn:
        # GenerateDataKey: the drill's record is written under the bucket's SSE-KMS default
        statements.append(
            {
                "Sid": "DecryptBackups",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": kms_key_arn,
            }
        )
    return document(statements)


class BackupAccess(pulumi.ComponentResource):
    """The two roles that touch backups: a writer that can only add objects under the prefix, and a
    reader for restores. Each is an IAM role with its trust policy (GitHub OIDC, Fly OIDC or named
    AWS principals) and one inline policy.
    """

    def __init__(self, name: str, args: BackupAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:backups:BackupAccess", name, None, opts)
        key = (
            pulumi.Output.from_input(args.kms_key_arn) if args.kms_key_arn is not None else pulumi.Output.from_input("")
        )
        self.writer = self._role(
            f"{name}-writer",
            role_name(args.app, args.environment, "writer"),
            args.writer,
            None,
            args,
            pulumi.Output.all(args.bucket_arn, key).apply(lambda a: writer_policy(a[0], args.prefix, a[1] or None)),
            f"Writes new {args.app} {args.environment} backups under {args.prefix}; cannot read or delete",
        )
        self.reader = self._role(
            f"{name}-reader",
            role_name(args.app, args.environment, "reader"),
            args.reader,
            args.drill_machines,
            args,
            pulumi.Output.all(args.bucket_arn, key).apply(lambda a: reader_policy(a[0], a[1] or None)),
            f"Reads {args.app} {args.environment} backups and their versions for restores",
        )
        self.register_outputs({"writerRoleArn": self.writer.arn, "readerRoleArn": self.reader.arn})

    def _role(
        self,
        name: str,
        role_name: str,
        trust: Trust,
        also: FlyTrust | None,
        args: BackupAccessArgs,
        policy: pulumi.Output[str],
        description: str,
    ) -> aws.iam.Role:
        role = aws.iam.Role(
            name,
            name=role_name,
            description=description,
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(lambda a: trust_policy(trust, a, also)),
            max_session_duration=3600,
            tags=args.tags,
            **bounded(args.account_id),
            # the name stays while the path moved: the old role must go before the new one can exist
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        aws.iam.RolePolicy(name, role=role.id, policy=policy, opts=pulumi.ResourceOptions(parent=self))
        return role
