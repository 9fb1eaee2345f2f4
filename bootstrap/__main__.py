"""Bootstrap: the state bucket for `pulumi login s3://…`, GitHub's OIDC provider, and the CI roles."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for components/

import pulumi
import pulumi_aws as aws

from bootstrap.ci_access import CiAccess, CiAccessArgs
from bootstrap.config import BootstrapConfig
from components.backups.hardened_bucket import HardenedBucket, HardenedBucketArgs

settings = pulumi.Config("bootstrap")
cfg = BootstrapConfig.model_validate(
    {
        "repository": settings.require("repository"),
        **({"ownerId": settings.require_int("ownerId")} if settings.get("ownerId") else {}),
        **({"repositoryId": settings.require_int("repositoryId")} if settings.get("repositoryId") else {}),
        **({"environments": settings.require_object("environments")} if settings.get("environments") else {}),
    }
)
tags = {"app": "platform", "environment": "ci", "managed-by": "pulumi", "data-classification": "confidential"}
account_id = aws.get_caller_identity_output().account_id

# The state of every stack: versioned (old states kept for noncurrentStateDays), encrypted, private,
# TLS-only, never expired, protected.
rule = aws.s3.BucketLifecycleConfigurationRuleArgs(
    id="expire-old-states",
    status="Enabled",
    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
        noncurrent_days=cfg.noncurrent_state_days
    ),
    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
        days_after_initiation=1
    ),
)
state = HardenedBucket("state", HardenedBucketArgs(tags=tags, protect=True, lifecycle_rules=[rule]))
access = CiAccess(
    "ci",
    CiAccessArgs(
        subject_prefix=cfg.subject_prefix,
        environments=cfg.environments,
        state_bucket_arn=state.bucket.arn,
        account_id=account_id,
        tags=tags,
    ),
)

pulumi.export("stateBucket", state.bucket.bucket)
pulumi.export("loginUrl", state.bucket.bucket.apply(lambda b: f"s3://{b}"))
pulumi.export("oidcProviderArn", access.provider.arn)
pulumi.export("previewRoleArn", access.preview.arn)
pulumi.export("deployRoleArns", {env: role.arn for env, role in access.deploy.items()})
pulumi.export("stackRoleBoundaryArn", access.boundary.arn)
