"""What every IAM role a stack declares carries, so the CI deploy role that creates it cannot exceed it.

bootstrap/ creates the boundary policy once per account and lets the deploy roles create and change
roles only under ROLE_PATH and only with that boundary attached (the standard pattern for CI roles
that create roles: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
"""

from __future__ import annotations

from typing import Any

import pulumi

ROLE_PATH = "/platform/"
BOUNDARY_POLICY = "platform-stack-role-boundary"


def boundary_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:policy/{BOUNDARY_POLICY}"


def role_arn(account_id: str, name: str) -> str:
    """The ARN of a stack role, known before the role exists (aws:PrincipalArn includes the path)."""
    return f"arn:aws:iam::{account_id}:role{ROLE_PATH}{name}"


def bounded(account_id: pulumi.Input[str]) -> dict[str, Any]:
    """The path and permissions boundary of a stack role, as aws.iam.Role arguments."""
    return {"path": ROLE_PATH, "permissions_boundary": pulumi.Output.from_input(account_id).apply(boundary_arn)}
