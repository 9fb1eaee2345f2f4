"""components/backups/access.py through both real stacks: what each role may do, and who may assume it."""

from __future__ import annotations

from ops.offline.synth import ACCOUNT_ID, Synth
from tests.helpers import ROLE, ROLE_POLICY, SCHEDULED_DRILL, SynthFn, statements


def test_writer_can_only_put_under_its_prefix_and_reader_only_read(prod: Synth) -> None:
    bucket_arn = prod.outputs["backupBucketArn"]
    key = prod.outputs["kmsKeyArns"]["general"]  # production backups are SSE-KMS with the general key
    assert statements(prod.get(ROLE_POLICY, "backup-access-writer")) == [
        {
            "Sid": "PutNewBackups",
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
            "Resource": f"{bucket_arn}/postgres/*",
        },
        {"Sid": "PublishBackupMetric", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
        {"Sid": "EncryptBackups", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key},
    ]
    assert statements(prod.get(ROLE_POLICY, "backup-access-reader")) == [
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
        {"Sid": "RecordDrills", "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{bucket_arn}/drills/*"},
        {"Sid": "PublishDrillMetric", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
        {"Sid": "DecryptBackups", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key},
    ]


# Actions that take no resource ARN (AWS Service Authorization Reference: "Resource types" is empty).
NO_RESOURCE_LEVEL = {"cloudwatch:PutMetricData"}


def test_no_iam_policy_has_a_wildcard_action_or_resource(prod: Synth) -> None:
    for policy in prod.of_type(ROLE_POLICY):
        for s in statements(policy):
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            assert not any(a == "*" or a.endswith(":*") for a in actions), policy.name
            assert s["Resource"] != "*" or set(actions) <= NO_RESOURCE_LEVEL, policy.name


def test_trust_policies_per_kind(prod: Synth, staging: Synth, synth: SynthFn) -> None:
    # prod's writer is the backup machine (Fly OIDC); a GitHub-trusted writer, as a CI job would use:
    github = synth(
        "staging",
        {
            "platform:postgres": {"backupJob": None},
            "platform:backups": {
                "writer": {
                    "fly": None,
                    "github": {"repository": "learning-accelerator/platform", "environment": "production"},
                }
            },
        },
    )
    provider = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
    assert statements(github.get(ROLE, "backup-access-writer"), "assumeRolePolicy") == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": (
                        "repo:learning-accelerator/platform:environment:production"
                    ),
                }
            },
        }
    ]
    assert statements(staging.get(ROLE, "backup-access-reader"), "assumeRolePolicy")[0]["Condition"]["StringEquals"][
        "token.actions.githubusercontent.com:sub"
    ] == ("repo:learning-accelerator/platform:ref:refs/heads/main")
    assert statements(prod.get(ROLE, "backup-access-writer"), "assumeRolePolicy")[0]["Condition"] == {
        "StringEquals": {"oidc.fly.io/learning-accelerator:aud": "sts.amazonaws.com"},
        "StringLike": {"oidc.fly.io/learning-accelerator:sub": "learning-accelerator:learning-accelerator-db-backup:*"},
    }
    # Named roles only: never the bare account root, which any principal of that account could use (CKV_AWS_61).
    assert statements(prod.get(ROLE, "backup-access-reader"), "assumeRolePolicy") == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::111122223333:role/restore-drill"]},
            "Action": "sts:AssumeRole",
        }
    ]
    org = synth(
        "prod",
        {
            "platform:backups": {
                "reader": {"aws": {"roleArns": None, "accountId": "111122223333", "principalOrgId": "o-abcdefghij"}}
            }
        },
    )
    assert statements(org.get(ROLE, "backup-access-reader"), "assumeRolePolicy") == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
        }
    ]
    fly = synth(
        "staging",
        {
            "platform:postgres": {"backupJob": None},
            "platform:backups": {"writer": {"fly": {"org": "acme", "app": "api"}}},
        },
    )
    assert statements(fly.get(ROLE, "backup-access-writer"), "assumeRolePolicy") == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/oidc.fly.io/acme"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"oidc.fly.io/acme:aud": "sts.amazonaws.com"},
                "StringLike": {"oidc.fly.io/acme:sub": "acme:api:*"},
            },
        }
    ]


def test_a_scheduled_drill_machine_may_assume_the_reader(prod: Synth, synth: SynthFn) -> None:
    # prod's drill runs from the ops account: the reader trusts that role only
    assert len(statements(prod.get(ROLE, "backup-access-reader"), "assumeRolePolicy")) == 1
    scheduled = synth("prod", SCHEDULED_DRILL)
    host = "oidc.fly.io/learning-accelerator"
    # the drill machine runs in the backup job's Fly app with AWS_ROLE_ARN = the reader (Fly OIDC)
    drill = scheduled.get("flyio:index:Machine", "database-backup-restore-drill")
    assert drill.inputs["config"]["env"]["AWS_ROLE_ARN"] == scheduled.outputs["backupReaderRoleArn"]
    assert statements(scheduled.get(ROLE, "backup-access-reader"), "assumeRolePolicy") == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::111122223333:role/restore-drill"]},
            "Action": "sts:AssumeRole",
        },
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{host}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{host}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{host}:sub": "learning-accelerator:learning-accelerator-db-backup:*"},
            },
        },
    ]
