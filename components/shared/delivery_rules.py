"""The rules between the secrets inventory and the sections that deliver it (Fly, Vercel, GitHub)."""

from __future__ import annotations

from components.delivery.fly_config import FlyConfig
from components.delivery.github_config import GithubConfig
from components.delivery.vercel_config import VercelConfig
from components.secrets.config import SecretsConfig


def delivery_problems(
    secrets: SecretsConfig | None, fly: FlyConfig | None, vercel: VercelConfig | None, github: GithubConfig | None
) -> list[tuple[str, str]]:
    """Each secret reaches only consumers the stack declares, and never beside a plain copy."""
    problems: list[tuple[str, str]] = []
    sections = {"fly": fly, "vercel": vercel, "github": github}
    for name, item in (secrets.items if secrets else {}).items():
        where = f"secrets.items.{name}.consumers"
        if name.startswith("NEXT_PUBLIC_") and item.vercel_targets:
            problems.append((where, "a NEXT_PUBLIC_* variable is sent to the browser and can never carry a secret"))
        problems += [
            (where, f"this stack declares no platform:{consumer} section")
            for consumer, section in sections.items()
            if section is None and any(c.split(":")[0] == consumer for c in item.consumers)
        ]
        for var in (name, f"{name}_PREVIOUS"):
            if vercel is not None and var in vercel.env and item.vercel_targets:
                problems.append((f"vercel.env.{var}", f"also delivered from secrets.items.{name}; remove it"))
            if fly is not None and var in fly.env and "fly" in item.consumers:
                problems.append((f"fly.env.{var}", f"also delivered from secrets.items.{name}; remove it"))
    return problems
