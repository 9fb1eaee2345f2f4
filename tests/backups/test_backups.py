"""components/backups/storage.py and hardened_bucket.py through both real stacks (the roles: test_backup_access.py)."""

from __future__ import annotations

import json

from components.shared.policies import KMS_S3_ACTIONS
from ops.offline.synth import ACCOUNT_ID, Synth
from tests.helpers import BUCKET, BUCKET_POLICY, LIFECYCLE, LOGGING, ROLE, ROLE_POLICY, SynthFn, parent_name, statements

# Runbook 002: 30 days, noncurrent versions too; half-finished uploads never linger.
# The restore drills' records (drills/) stay 400 days: a year of quarterly drills for the audit.
BACKUP_RULES = [
    {
        "id": "expire-backups",
        "status": "Enabled",
        "filter": {"prefix": "postgres/"},
        "expiration": {"days": 30},
        "noncurrentVersionExpiration": {"noncurrentDays": 30},
    },
    {
        "id": "expire-drill-records",
        "status": "Enabled",
        "filter": {"prefix": "drills/"},
        "expiration": {"days": 400},
        "noncurrentVersionExpiration": {"noncurrentDays": 30},
    },
    # HardenedBucket's own: an interrupted upload anywhere in the bucket (CKV_AWS_300)
    {
        "id": "abort-incomplete-uploads",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
    },
]
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"


def test_backup_bucket_settings(prod: Synth, staging: Synth) -> None:
    # production: the general CMK with a bucket key; the replica its own key in us-west-2; staging AES-256
    keys = prod.outputs["kmsKeyArns"]
    assert keys["general-replica"].startswith(f"arn:aws:kms:us-west-2:{ACCOUNT_ID}:key/")
    for name, key in (("backups", keys["general"]), ("backups-replica", keys["general-replica"])):
        assert prod.get(SSE, name).inputs["rules"] == [
            {
                "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key},
                "bucketKeyEnabled": True,
            }
        ]
    assert staging.get(SSE, "backups").inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": False}
    ]
    for synth in (prod, staging):
        bucket = synth.get(BUCKET, "backups")
        assert bucket.inputs["forceDestroy"] is False
        assert synth.get("aws:s3/bucketVersioning:BucketVersioning", "backups").inputs["versioningConfiguration"] == {
            "status": "Enabled"
        }
        assert synth.get("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "backups").inputs == {
            "bucket": bucket.inputs.get("bucket") or synth.outputs["backupBucket"],
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        }
        assert synth.get("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "backups").inputs["rule"] == {
            "objectOwnership": "BucketOwnerEnforced"
        }
        assert synth.get(LIFECYCLE, "backups").inputs["rules"] == BACKUP_RULES


def test_bucket_policies_deny_plain_http_and_old_tls(prod: Synth) -> None:
    backups_arn = f"arn:aws:s3:::{prod.outputs['backupBucket']}"
    assert statements(prod.get(BUCKET_POLICY, "backups")) == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [backups_arn, f"{backups_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "DenyTlsBelow12",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [backups_arn, f"{backups_arn}/*"],
            "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
        },
        {
            # ReadOnlyAccess (the PR preview role) grants s3:GetObject on every bucket: the explicit deny wins
            "Sid": "DenyObjectReadsButReaders",
            "Effect": "Deny",
            "Principal": "*",
            "Action": [
                "s3:GetObject",
                "s3:GetObjectAttributes",
                "s3:GetObjectVersion",
                "s3:GetObjectVersionAttributes",
            ],
            "Resource": f"{backups_arn}/*",
            "Condition": {
                "ArnNotLike": {
                    "aws:PrincipalArn": sorted(
                        [
                            f"arn:aws:iam::{ACCOUNT_ID}:role/platform/learning-accelerator-production-backup-reader",
                            prod.get(ROLE, "backups-replication").outputs["arn"],
                        ]
                    )
                }
            },
        },
    ]
    assert prod.outputs["backupReaderRoleArn"] == (
        f"arn:aws:iam::{ACCOUNT_ID}:role/platform/learning-accelerator-production-backup-reader"
    )
    # the replica holds the same dumps: only the reader; the access-log buckets have no dumps
    assert statements(prod.get(BUCKET_POLICY, "backups-replica"))[2]["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": [prod.outputs["backupReaderRoleArn"]]}
    }
    assert len(prod.of_type(BUCKET_POLICY)) == 4
    for policy in prod.of_type(BUCKET_POLICY):
        assert [s["Sid"] for s in statements(policy)][:2] == ["DenyInsecureTransport", "DenyTlsBelow12"]
        reads = "DenyObjectReadsButReaders" in [s["Sid"] for s in statements(policy)]
        assert reads == (policy.name in ("backups", "backups-replica")), policy.name


def test_a_break_glass_role_may_also_read(synth: SynthFn) -> None:
    glass = "arn:aws:iam::111122223333:role/break-glass"
    s = synth("prod", {"platform:backups": {"breakGlassRoleArn": glass}})
    for name in ("backups", "backups-replica"):
        assert glass in statements(s.get(BUCKET_POLICY, name))[2]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]


def test_access_logs_go_to_a_private_bucket_with_its_own_expiry(prod: Synth) -> None:
    logs_arn = f"arn:aws:s3:::{prod.outputs['accessLogBucket']}"
    backups_arn = f"arn:aws:s3:::{prod.outputs['backupBucket']}"
    assert statements(prod.get(BUCKET_POLICY, "backups-access-logs"))[2] == {
        "Sid": "AllowS3ServerAccessLogs",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{logs_arn}/s3-access/*",
        "Condition": {"ArnLike": {"aws:SourceArn": backups_arn}, "StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
    }
    logging = prod.get("aws:s3/bucketLogging:BucketLogging", "backups-access-logs")
    assert (logging.inputs["bucket"], logging.inputs["targetBucket"], logging.inputs["targetPrefix"]) == (
        prod.outputs["backupBucket"],
        prod.outputs["accessLogBucket"],
        "s3-access/",
    )
    assert prod.get(LIFECYCLE, "backups-access-logs").inputs["rules"][0]["expiration"] == {"days": 90}
    assert prod.get(SSE, "backups-access-logs").inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "AES256"
    }
    assert prod.get(BUCKET, "backups-access-logs").inputs["objectLockEnabled"] is False


def test_object_lock_in_prod_only(prod: Synth, staging: Synth) -> None:
    assert prod.get(BUCKET, "backups").inputs["objectLockEnabled"] is True
    assert prod.get(LOCK, "backups").inputs["rule"] == {"defaultRetention": {"mode": "GOVERNANCE", "days": 30}}
    assert prod.get(LOCK, "backups-replica").inputs["rule"] == {"defaultRetention": {"mode": "GOVERNANCE", "days": 30}}
    assert staging.get(BUCKET, "backups").inputs["objectLockEnabled"] is False
    assert staging.of_type(LOCK) == []


def test_replication_to_a_second_region_in_prod_only(prod: Synth, staging: Synth) -> None:
    replica = prod.get(BUCKET, "backups-replica")
    assert replica.inputs["region"] == "us-west-2"
    assert prod.get(BUCKET, "backups-replica-access-logs").inputs["region"] == "us-west-2"
    assert "region" not in prod.get(BUCKET, "backups").inputs
    for sub in (
        "aws:s3/bucketVersioning:BucketVersioning",
        SSE,
        LIFECYCLE,
        BUCKET_POLICY,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ):
        assert prod.get(sub, "backups-replica").inputs["region"] == "us-west-2", sub
    rule = prod.get(REPLICATION, "backups-replication")
    assert rule.inputs["bucket"] == prod.outputs["backupBucket"]
    assert rule.inputs["rules"] == [
        {
            "id": "replicate-backups",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "deleteMarkerReplication": {"status": "Disabled"},
            "destination": {
                "bucket": prod.outputs["replicaBucketArn"],
                "storageClass": "STANDARD",
                "encryptionConfiguration": {"replicaKmsKeyId": prod.outputs["kmsKeyArns"]["general-replica"]},
            },
            # S3 skips SSE-KMS objects unless told to replicate them
            "sourceSelectionCriteria": {"sseKmsEncryptedObjects": {"status": "Enabled"}},
        }
    ]
    role = prod.get(ROLE, "backups-replication")
    assert statements(role, "assumeRolePolicy") == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
        }
    ]
    src, dst = prod.outputs["backupBucketArn"], prod.outputs["replicaBucketArn"]
    assert [(s["Action"], s["Resource"]) for s in statements(prod.get(ROLE_POLICY, "backups-replication"))] == [
        (["s3:GetReplicationConfiguration", "s3:ListBucket"], src),
        (
            [
                "s3:GetObjectLegalHold",
                "s3:GetObjectRetention",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionTagging",
            ],
            f"{src}/*",
        ),
        (["s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"], f"{dst}/*"),
        ("kms:Decrypt", prod.outputs["kmsKeyArns"]["general"]),
        (["kms:Encrypt", "kms:GenerateDataKey"], prod.outputs["kmsKeyArns"]["general-replica"]),
    ]
    assert staging.of_type(REPLICATION) == [] and staging.outputs["replicaBucket"] is None


def test_kms_encryption_option_uses_the_stack_key_with_bucket_keys(synth: SynthFn) -> None:
    s = synth("staging", {"platform:backups": {"encryption": "aws:kms"}})
    key_arn = s.outputs["kmsKeyArns"]["general"]
    assert s.get(SSE, "backups").inputs["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn},
            "bucketKeyEnabled": True,
        }
    ]
    assert statements(s.get(ROLE_POLICY, "backup-access-writer"))[2] == {
        "Sid": "EncryptBackups",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": key_arn,
    }
    assert statements(s.get(ROLE_POLICY, "backup-access-reader"))[4] == {
        "Sid": "DecryptBackups",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],  # GenerateDataKey: the drill's record
        "Resource": key_arn,
    }
    # the key policy lets account principals use the key through S3 only
    key_policy = json.loads(s.get("aws:kms/key:Key", "keys-general").inputs["policy"])
    assert key_policy["Statement"][1]["Action"] == KMS_S3_ACTIONS


def test_transition_and_retention_reach_the_lifecycle(synth: SynthFn) -> None:
    s = synth(
        "staging",
        {
            "platform:backups": {
                "retentionDays": 90,
                "noncurrentVersionDays": 7,
                "transition": {"storageClass": "GLACIER_IR", "days": 30},
            }
        },
    )
    rule = s.get(LIFECYCLE, "backups").inputs["rules"][0]
    assert (rule["expiration"], rule["noncurrentVersionExpiration"], rule["transitions"]) == (
        {"days": 90},
        {"noncurrentDays": 7},
        [{"days": 30, "storageClass": "GLACIER_IR"}],
    )


def test_bucket_parts_live_inside_their_hardened_bucket(prod: Synth) -> None:
    assert parent_name(prod, prod.get(SSE, "backups-replica")) == "backups-replica"
    assert parent_name(prod, prod.get(BUCKET, "backups")) == "backups"
    assert prod.parent_of(prod.get(BUCKET, "backups")).type == "platform:storage:HardenedBucket"  # type: ignore[union-attr]


def test_the_replica_expires_on_the_same_schedule_as_the_primary(prod: Synth) -> None:
    rules = {r.name: r.inputs["rules"] for r in prod.of_type(LIFECYCLE)}
    assert rules["backups"] == rules["backups-replica"] == BACKUP_RULES
    assert rules["backups-replica-access-logs"][0]["expiration"] == {"days": 90}


def test_the_replicas_access_logging_lives_in_the_replica_region(prod: Synth) -> None:
    logging = {r.name: r for r in prod.of_type(LOGGING)}
    assert sorted(logging) == ["backups-access-logs", "backups-replica-access-logs"]
    replica = logging["backups-replica-access-logs"]
    assert replica.inputs["region"] == "us-west-2"
    assert replica.inputs["bucket"] == prod.get(BUCKET, "backups-replica").outputs["bucket"]
    assert replica.inputs["targetBucket"] == prod.get(BUCKET, "backups-replica-access-logs").outputs["bucket"]
    assert prod.get(BUCKET, "backups-replica-access-logs").inputs["region"] == "us-west-2"
    primary = logging["backups-access-logs"]
    assert "region" not in primary.inputs  # the provider's region, us-east-1
    assert primary.inputs["targetBucket"] == prod.get(BUCKET, "backups-access-logs").outputs["bucket"]
