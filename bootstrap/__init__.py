"""The bootstrap program: the state bucket, GitHub's OIDC provider and the CI roles, applied before CI runs."""
