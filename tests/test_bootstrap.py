"""bootstrap/: the state bucket, GitHub's OIDC provider and the CI roles, under mocks like the stacks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ops.offline.fakes import ACCOUNT_ID
from ops.offline.stackfile import ROOT, read, stack_files
from ops.offline.synth import Synth, synthesize, to_config_value
from tests.helpers import TODAY

PROGRAM = ROOT / "bootstrap" / "__main__.py"
ROLE = "aws:iam/role:Role"
PROVIDER = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"


def bootstrap(**override: Any) -> Synth:
    config = {**read(ROOT / "bootstrap" / "Pulumi.ci.yaml", "ci").config, **override}
    return synthesize("ci", {k: to_config_value(v) for k, v in config.items()}, program=PROGRAM)


@pytest.fixture(scope="module")
def ci() -> Synth:
    return bootstrap()


def subjects(synth: Synth, name: str) -> list[str]:
    statement = json.loads(synth.get(ROLE, name).inputs["assumeRolePolicy"])["Statement"][0]
    assert statement["Principal"] == {"Federated": PROVIDER}
    assert statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    return list(statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"])


def test_the_state_bucket_is_versioned_private_tls_only_protected_and_never_expires(ci: Synth) -> None:
    bucket = ci.get("aws:s3/bucket:Bucket", "state")
    assert (bucket.protect, bucket.retain_on_delete, bucket.inputs["forceDestroy"]) == (True, True, False)
    versioning = ci.get("aws:s3/bucketVersioning:BucketVersioning", "state").inputs
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    rule = ci.get("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "state").inputs["rules"][0]
    assert "expiration" not in rule and rule["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
    assert ci.outputs["loginUrl"] == f"s3://{ci.outputs['stateBucket']}"
    from ops.commands.policy_check import violations

    # the one advisory gap: the state bucket keeps no server access log (CloudTrail records its API calls)
    assert [(v.control, v.resource) for v in violations(ci)] == [("buckets-access-logged", "state")]


def test_the_github_oidc_provider(ci: Synth) -> None:
    provider = ci.get("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "ci-github").inputs
    assert (provider["url"], provider["clientIdLists"]) == (
        "https://token.actions.githubusercontent.com",
        ["sts.amazonaws.com"],
    )


def test_preview_is_read_only_for_pull_requests_and_main(ci: Synth) -> None:
    assert subjects(ci, "ci-preview") == [
        "repo:learning-accelerator/platform:pull_request",
        "repo:learning-accelerator/platform:ref:refs/heads/main",
    ]
    attached = ci.get("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ci-preview").inputs["policyArn"]
    assert attached == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    state = json.loads(ci.get("aws:iam/rolePolicy:RolePolicy", "ci-preview-state").inputs["policy"])["Statement"]
    assert state[2]["Resource"].endswith("/.pulumi/locks/*")  # a preview writes only its lock


def test_one_deploy_role_per_environment_trusted_for_that_environment_only(ci: Synth) -> None:
    assert subjects(ci, "ci-deploy-staging") == ["repo:learning-accelerator/platform:environment:staging"]
    assert subjects(ci, "ci-deploy-prod") == ["repo:learning-accelerator/platform:environment:prod"]
    assert subjects(ci, "ci-deploy-life-platform-prod") == [
        "repo:learning-accelerator/platform:environment:life-platform-prod"
    ]
    assert sorted(ci.outputs["deployRoleArns"]) == [
        "flashfusion-prod",
        "life-platform-prod",
        "parker-flight-prod",
        "prod",
        "staging",
        "vercel-supabase-prod",
    ]


def test_deploy_roles_create_roles_only_under_the_path_and_with_the_boundary(ci: Synth) -> None:
    """Without this, PowerUserAccess plus iam:CreateRole/AttachRolePolicy on role/* could mint an admin role."""
    boundary = f"arn:aws:iam::{ACCOUNT_ID}:policy/platform-stack-role-boundary"
    stack_roles = f"arn:aws:iam::{ACCOUNT_ID}:role/platform/*"
    for env in ci.outputs["deployRoleArns"]:
        policy = json.loads(ci.get("aws:iam/rolePolicy:RolePolicy", f"ci-deploy-{env}-roles").inputs["policy"])
        assert policy["Statement"] == [
            {
                "Sid": "CreateAndGrantOnlyWithTheBoundary",
                "Effect": "Allow",
                "Action": [
                    "iam:AttachRolePolicy",
                    "iam:CreateRole",
                    "iam:PutRolePermissionsBoundary",
                    "iam:PutRolePolicy",
                ],
                "Resource": stack_roles,
                "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}},
            },
            {
                "Sid": "ChangeOnlyStackRoles",
                "Effect": "Allow",
                "Action": [
                    "iam:PassRole",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:UpdateRole",
                ],
                "Resource": stack_roles,
            },
            {
                "Sid": "RemoveOrRead",
                "Effect": "Allow",
                "Action": [
                    "iam:DeleteRole",
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                    "iam:ListRolePolicies",
                ],
                "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/*",
            },
            {
                "Sid": "KeepTheBoundary",
                "Effect": "Deny",
                "Action": [
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicy",
                    "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion",
                ],
                "Resource": boundary,
            },
            {
                "Sid": "NeverDropABoundary",
                "Effect": "Deny",
                "Action": "iam:DeleteRolePermissionsBoundary",
                "Resource": "*",
            },
        ]
    policy = ci.get("aws:iam/policy:Policy", "ci-stack-role-boundary")
    assert (policy.inputs["name"], policy.protect, ci.outputs["stackRoleBoundaryArn"]) == (
        "platform-stack-role-boundary",
        True,
        boundary,
    )
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "AnythingButIdentity",
            "Effect": "Allow",
            "NotAction": ["account:*", "iam:*", "organizations:*"],
            "Resource": "*",
        }
    ]


def test_every_role_a_stack_declares_sits_under_the_path_with_the_boundary() -> None:
    from ops.offline.synth import synthesize_stack

    paths = stack_files()
    roles = [r for p in paths for r in synthesize_stack(str(p), today=TODAY).of_type(ROLE)]
    assert len(roles) > 10
    boundary = f"arn:aws:iam::{ACCOUNT_ID}:policy/platform-stack-role-boundary"
    assert {(r.inputs["path"], r.inputs["permissionsBoundary"]) for r in roles} == {("/platform/", boundary)}
    assert all(r.outputs["arn"].startswith(f"arn:aws:iam::{ACCOUNT_ID}:role/platform/") for r in roles)


def test_the_immutable_subject_form_of_new_repositories() -> None:
    s = bootstrap(**{"bootstrap:ownerId": 123456, "bootstrap:repositoryId": 456789})
    assert subjects(s, "ci-deploy-prod") == ["repo:learning-accelerator@123456/platform@456789:environment:prod"]
