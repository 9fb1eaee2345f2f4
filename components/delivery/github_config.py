"""`platform:github`: where runbook 000's `gh secret set OPENAI_API_KEY` goes, as a GitHub Actions environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import StringConstraints

from components.secrets.config import SecretItem, is_provided
from components.shared.base import Model, SecretName

# GitHub's rules for the names (docs.github.com, "Creating a new account" / "Repository names"): a login of
# letters, digits and single inner hyphens, up to 39 characters; a repository of letters, digits, '.', '-'
# and '_', up to 100; an environment up to 255 characters.
GithubLogin = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9](?:-?[A-Za-z0-9])*$", max_length=39)]
GithubRepository = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,100}$")]
GithubEnvironment = Annotated[str, StringConstraints(pattern=r"^[^/,:;'\"`]{1,255}$")]


class GithubConfig(Model):
    owner: GithubLogin
    repository: GithubRepository
    environment: GithubEnvironment
    # A provided secret in secrets.items: a token that may write this repository's environment secrets
    # (a fine-grained token with "Secrets: write", or a GitHub App's). Never the runner's GITHUB_TOKEN.
    token_secret: SecretName = "GITHUB_ADMIN_TOKEN"

    def problems(self, items: Mapping[str, SecretItem]) -> list[tuple[str, str]]:
        """The rules between this section and the inventory, keyed as the stack file spells them."""
        problems = [
            (f"secrets.items.{name}.consumers", "GitHub refuses secret names that start with GITHUB_")
            for name, item in items.items()
            if "github" in item.consumers and name.startswith("GITHUB_")
        ]
        if not is_provided(items, self.token_secret):
            problems.append(("github.tokenSecret", f"{self.token_secret} must be a provided secret in secrets.items"))
        elif items[self.token_secret].consumers:
            where = f"secrets.items.{self.token_secret}.consumers"
            problems.append((where, "the GitHub token is the provider's; deliver it nowhere"))
        return problems
