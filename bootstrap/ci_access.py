"""GitHub's OIDC provider and the roles CI assumes through it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.shared.policies import Statement, document
from components.shared.roles import BOUNDARY_POLICY, ROLE_PATH, boundary_arn

GITHUB_OIDC = "token.actions.githubusercontent.com"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
# Everything but IAM; the roles the stacks declare are granted below, action by action.
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
# Roles the stacks declare live under ROLE_PATH with the boundary (components/shared/roles.py). Creating
# or granting is allowed only there and only with the boundary attached; the boundary itself may not be
# changed; removing a role or its grants (which cannot escalate) is allowed anywhere, so a role moved
# under the path can leave its old place. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PermissionsBoundary
BOUNDED = sorted(["iam:AttachRolePolicy", "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"])
UNDER_PATH = sorted(["iam:PassRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole"])
REMOVE_OR_READ = sorted(
    [
        "iam:DeleteRole",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:ListRolePolicies",
    ]
)
BOUNDARY_CHANGES = sorted(
    ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"]
)


def boundary_policy() -> str:
    """What any stack role may ever do: everything but IAM, Organizations and account settings, the
    PowerUserAccess line; a role the deploy role creates can therefore never grant itself more."""
    return document(
        [
            {
                "Sid": "AnythingButIdentity",
                "Effect": "Allow",
                "NotAction": ["account:*", "iam:*", "organizations:*"],
                "Resource": "*",
            }
        ]
    )


@dataclass(frozen=True, kw_only=True)
class CiAccessArgs:
    subject_prefix: str  # repo:owner/repo, or repo:owner@id/repo@id
    environments: Sequence[str]
    state_bucket_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    tags: dict[str, str]


def trust(provider_arn: str, subjects: list[str]) -> str:
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{GITHUB_OIDC}:aud": "sts.amazonaws.com", f"{GITHUB_OIDC}:sub": subjects}
                },
            }
        ]
    )


def state_access(bucket_arn: str, write: bool) -> str:
    """Read the state; a preview writes only the lock files, an update writes the state too."""
    statements: list[Statement] = [
        {"Sid": "ListState", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
        {"Sid": "ReadState", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{bucket_arn}/*"},
        {
            "Sid": "WriteState" if write else "WriteLocks",
            "Effect": "Allow",
            "Action": ["s3:DeleteObject", "s3:PutObject"],
            "Resource": f"{bucket_arn}/*" if write else f"{bucket_arn}/.pulumi/locks/*",
        },
    ]
    return document(statements)


def role_management(account_id: str) -> str:
    stack_roles = f"arn:aws:iam::{account_id}:role{ROLE_PATH}*"
    boundary = boundary_arn(account_id)
    return document(
        [
            {
                "Sid": "CreateAndGrantOnlyWithTheBoundary",
                "Effect": "Allow",
                "Action": BOUNDED,
                "Resource": stack_roles,
                "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}},
            },
            {"Sid": "ChangeOnlyStackRoles", "Effect": "Allow", "Action": UNDER_PATH, "Resource": stack_roles},
            {
                "Sid": "RemoveOrRead",
                "Effect": "Allow",
                "Action": REMOVE_OR_READ,
                "Resource": f"arn:aws:iam::{account_id}:role/*",
            },
            {"Sid": "KeepTheBoundary", "Effect": "Deny", "Action": BOUNDARY_CHANGES, "Resource": boundary},
            {
                "Sid": "NeverDropABoundary",
                "Effect": "Deny",
                "Action": "iam:DeleteRolePermissionsBoundary",
                "Resource": "*",
            },
        ]
    )


class CiAccess(pulumi.ComponentResource):
    """GitHub's OIDC provider; a preview role (read-only, and the state's lock files) for pull requests
    and the daily drift check; one deploy role per environment, trusted only for that GitHub
    environment of this repository (`<prefix>:environment:<env>`); and the permissions boundary that
    every role a deploy role creates must carry.
    """

    def __init__(self, name: str, args: CiAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:bootstrap:CiAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.boundary = aws.iam.Policy(
            f"{name}-stack-role-boundary",
            name=BOUNDARY_POLICY,
            description="Permissions boundary of every role the stacks declare: no IAM, Organizations or account",
            policy=boundary_policy(),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        self.provider = aws.iam.OpenIdConnectProvider(
            f"{name}-github",
            url=f"https://{GITHUB_OIDC}",
            client_id_lists=["sts.amazonaws.com"],
            tags=args.tags,
            opts=child,
        )
        preview_subjects = [f"{args.subject_prefix}:pull_request", f"{args.subject_prefix}:ref:refs/heads/main"]
        self.preview = self._role(name, "preview", preview_subjects, READ_ONLY, args, write=False)
        self.deploy = {
            env: self._role(
                name, f"deploy-{env}", [f"{args.subject_prefix}:environment:{env}"], POWER_USER, args, write=True
            )
            for env in args.environments
        }
        self.register_outputs(
            {"previewRoleArn": self.preview.arn, "deployRoleArns": {e: r.arn for e, r in self.deploy.items()}}
        )

    def _role(
        self, name: str, purpose: str, subjects: list[str], managed: str, args: CiAccessArgs, *, write: bool
    ) -> aws.iam.Role:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-{purpose}",
            name=f"platform-ci-{purpose}",
            assume_role_policy=self.provider.arn.apply(lambda arn: trust(arn, subjects)),
            max_session_duration=3600,
            tags=args.tags,
            opts=child,
        )
        aws.iam.RolePolicyAttachment(f"{name}-{purpose}", role=role.name, policy_arn=managed, opts=child)
        aws.iam.RolePolicy(
            f"{name}-{purpose}-state",
            role=role.id,
            policy=pulumi.Output.from_input(args.state_bucket_arn).apply(lambda arn: state_access(arn, write)),
            opts=child,
        )
        if write:
            aws.iam.RolePolicy(
                f"{name}-{purpose}-roles",
                role=role.id,
                policy=pulumi.Output.from_input(args.account_id).apply(role_management),
                opts=child,
            )
        return role
