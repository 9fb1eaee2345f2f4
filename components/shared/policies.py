"""IAM and resource policy documents, as plain data so tests can compare them statement by statement."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

Statement = dict[str, Any]


def document(statements: list[Statement]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def service_trust(service: str, source_account: str | None = None) -> str:
    """A role's trust in one AWS service; with `source_account`, only on behalf of that account (the
    confused-deputy guard, for services that send aws:SourceAccount)."""
    statement: Statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return document([statement])


def deny_insecure_transport(bucket_arn: str) -> list[Statement]:
    # Deny statements must cover every principal and action, or a request could slip past them.
    resources = [bucket_arn, f"{bucket_arn}/*"]
    return [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "DenyTlsBelow12",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
        },
    ]


# Every way to read an object's bytes or attributes; HeadObject is authorized as GetObject.
OBJECT_READS = ["s3:GetObject", "s3:GetObjectAttributes", "s3:GetObjectVersion", "s3:GetObjectVersionAttributes"]


def deny_object_reads_except(bucket_arn: str, readers: Sequence[str]) -> Statement:
    """Identity policies such as ReadOnlyAccess grant s3:GetObject on every bucket; an explicit deny in the
    bucket policy wins over any allow, so only `readers` (by aws:PrincipalArn, which names the role of an
    assumed-role session) can read the dumps. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn"""
    return {
        "Sid": "DenyObjectReadsButReaders",
        "Effect": "Deny",
        "Principal": "*",
        "Action": OBJECT_READS,
        "Resource": f"{bucket_arn}/*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": sorted(readers)}},
    }


def allow_access_logs(log_bucket_arn: str, source_bucket_arn: str, account_id: str, prefix: str) -> Statement:
    return {
        "Sid": "AllowS3ServerAccessLogs",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{log_bucket_arn}/{prefix}*",
        "Condition": {
            "ArnLike": {"aws:SourceArn": source_bucket_arn},
            "StringEquals": {"aws:SourceAccount": account_id},
        },
    }


KMS_ADMIN_ACTIONS = sorted(
    [
        "kms:CancelKeyDeletion",
        "kms:CreateAlias",
        "kms:DeleteAlias",
        "kms:DescribeKey",
        "kms:DisableKey",
        "kms:DisableKeyRotation",
        "kms:EnableKey",
        "kms:EnableKeyRotation",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListGrants",
        "kms:ListKeyRotations",
        "kms:ListResourceTags",
        "kms:PutKeyPolicy",
        "kms:RetireGrant",
        "kms:RevokeGrant",
        "kms:RotateKeyOnDemand",
        "kms:ScheduleKeyDeletion",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:UpdateAlias",
        "kms:UpdateKeyDescription",
    ]
)
KMS_USE_ACTIONS = sorted(
    [
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
    ]
)
KMS_S3_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]


def kms_key_policy(
    account_id: str, region: str, administrators: list[str], users: list[str], services: Sequence[str] = ()
) -> str:
    """Administrators manage, named users use, and IAM principals of this account may use it through S3 only.

    In a key policy, Resource "*" means "this key": the key's own ARN is not known until it exists.
    """
    root = f"arn:aws:iam::{account_id}:root"
    statements: list[Statement] = [
        {
            "Sid": "KeyAdministrators",
            "Effect": "Allow",
            "Principal": {"AWS": administrators or [root]},
            "Action": KMS_ADMIN_ACTIONS,
            "Resource": "*",
        },
        {
            # Lets the backup roles' own IAM policies grant use of the key, but only for S3 requests
            # of this account, without naming the roles here (they are created after the key).
            "Sid": "UseThroughS3InThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": KMS_S3_ACTIONS,
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com", "kms:CallerAccount": account_id}
            },
        },
    ]
    if services:
        # CloudWatch and EventBridge publish to topics encrypted with this key; without this statement
        # their notifications fail silently. (EventBridge sends no SourceArn, so no condition here.)
        statements.append(
            {
                "Sid": "AlertingServicesEncryptNotifications",
                "Effect": "Allow",
                "Principal": {"Service": sorted(services)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            }
        )
    if users:
        statements.append(
            {
                "Sid": "KeyUsers",
                "Effect": "Allow",
                "Principal": {"AWS": users},
                "Action": KMS_USE_ACTIONS,
                "Resource": "*",
            }
        )
    return document(statements)


def sns_topic_policy(topic_arn: str, account_id: str, region: str) -> str:
    """Only this account's CloudWatch alarms and EventBridge rules publish; nothing over plain HTTP."""
    publishers = (
        (
            "CloudWatchAlarmsOfThisAccount",
            "cloudwatch.amazonaws.com",
            f"arn:aws:cloudwatch:{region}:{account_id}:alarm:*",
        ),
        ("EventBridgeRulesOfThisAccount", "events.amazonaws.com", f"arn:aws:events:{region}:{account_id}:rule/*"),
    )
    statements: list[Statement] = [
        {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"ArnLike": {"aws:SourceArn": source}, "StringEquals": {"aws:SourceAccount": account_id}},
        }
        for sid, service, source in publishers
    ]
    statements.append(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:*",
            "Resource": topic_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
    return document(statements)
