"""The secrets inventory: generated secrets in two rotating slots, provider-issued ones from config.

A generated secret's generation counter picks its slot: odd generations live in slot "a", even in
slot "b". Rotating (generation + 1) changes the keepers of exactly one slot, so Pulumi replaces that
one random resource, and the other slot still holds the previous value for the overlap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_random as random

from components.secrets.config import SecretItem, SecretsConfig, vercel_targets

PREVIOUS_SUFFIX = "_PREVIOUS"
INVENTORY_TYPE = "platform:secrets:SecretsInventory"
SLOTS = ("a", "b")
FLY = "fly"
VERCEL = "vercel"
GITHUB = "github"


def _consumes(consumers: tuple[str, ...], consumer: str) -> bool:
    """`fly` matches "fly"; `vercel` matches every "vercel:<target>"."""
    return any(c == consumer or c.startswith(consumer + ":") for c in consumers)


@dataclass(frozen=True, kw_only=True)
class SecretEnv:
    """One environment variable fed by a secret: its value, where it goes, and which generation it holds."""

    key: str
    value: pulumi.Output[str]
    consumers: tuple[str, ...]
    generation: int


@dataclass(frozen=True, kw_only=True)
class VercelSecret:
    key: str
    value: pulumi.Output[str]
    targets: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class SecretsInventoryArgs:
    secrets: SecretsConfig
    provided: Mapping[str, pulumi.Output[str]]
    today: dt.date


def random_names(inventory: str, secret: str) -> list[str]:
    """The logical names of a generated secret's two random resources."""
    return [f"{inventory}-{secret}-{slot}" for slot in SLOTS]


def slot_of(generation: int) -> str:
    return "a" if generation % 2 else "b"


def slot_generation(slot: str, generation: int) -> int:
    """The latest generation at or below `generation` that lives in `slot`; 0 if the slot is unused yet."""
    return generation if slot_of(generation) == slot else generation - 1


class SecretsInventory(pulumi.ComponentResource):
    """Every secret of the stack, born secret and delivered to its consumers.

    Creates two random resources (slots a and b) per generated secret, keyed by generation, and
    wraps provider-issued values. `env` lists what each consumer receives: `<NAME>` and, during the
    overlap after a rotation, `<NAME>_PREVIOUS` with the value it replaced.
    """

    def __init__(self, name: str, args: SecretsInventoryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(INVENTORY_TYPE, name, None, opts)
        self._name = name
        self._config = args.secrets
        self._today = args.today
        self.env: list[SecretEnv] = []
        self.generations: dict[str, int] = {}
        # generated secret -> slot -> its value; what derived values (a DATABASE_URL) are built from
        self.slots: dict[str, dict[str, pulumi.Output[str]]] = {}
        for secret, item in args.secrets.items.items():
            self.generations[secret] = item.generation
            if item.kind == "provided":
                consumers = tuple(item.consumers)
                self.env.append(
                    SecretEnv(key=secret, value=args.provided[secret], consumers=consumers, generation=item.generation)
                )
                continue
            self.slots[secret] = {
                slot: self._random(secret, slot, slot_gen, item)
                for slot in SLOTS
                if (slot_gen := slot_generation(slot, item.generation)) >= 1
            }
            self._serve(secret, item, self.slots[secret], tuple(item.consumers))
        self.register_outputs({"generations": self.generations})

    def _serve(
        self, key: str, item: SecretItem, values: Mapping[str, pulumi.Output[str]], consumers: tuple[str, ...]
    ) -> None:
        """`key` with the current slot's value and, during the overlap, `key_PREVIOUS` with the other's."""
        gen = item.generation
        current = values[slot_of(gen)]
        self.env.append(SecretEnv(key=key, value=current, consumers=consumers, generation=gen))
        previous = key + PREVIOUS_SUFFIX
        if item.serves_previous(self._config.overlap_days, self._today):
            self.env.append(
                SecretEnv(key=previous, value=values[slot_of(gen - 1)], consumers=consumers, generation=gen - 1)
            )
        elif gen >= 2 and FLY in consumers:
            # Fly's Secrets resource never unsets a removed key, so after the overlap the key stays
            # and carries the current value: the old one is served nowhere.
            self.env.append(SecretEnv(key=previous, value=current, consumers=(FLY,), generation=gen))

    def derive(
        self,
        key: str,
        source: str,
        build: Callable[[str, pulumi.Output[str]], pulumi.Output[str]],
        consumers: Sequence[str],
    ) -> None:
        """Serve `key`, built per slot from the generated secret `source` (DATABASE_URL from
        DATABASE_PASSWORD), to `consumers`, rotating and overlapping exactly as `source` does."""
        values: dict[str, pulumi.Output[str]] = {
            slot: pulumi.Output.secret(build(slot, value)) for slot, value in self.slots[source].items()
        }
        self._serve(key, self._config.items[source], values, tuple(consumers))

    def undelivered(self) -> pulumi.Output[dict[str, str]]:
        """Generated and derived values no consumer here receives (Supabase's secret store, a migration
        runner): a secret output the operator reads with `pulumi stack output --show-secrets`."""
        provided = {n for n, i in self._config.items.items() if i.kind == "provided"}
        values = {e.key: e.value for e in self.env if not e.consumers and e.key not in provided}
        return pulumi.Output.secret(pulumi.Output.all(**values))

    def current(self, secret: str) -> pulumi.Output[str]:
        return next(e.value for e in self.env if e.key == secret)

    def _random(self, secret: str, slot: str, generation: int, item: SecretItem) -> pulumi.Output[str]:
        assert item.length is not None
        old_name = f"{secret}-{slot}"  # before children carried their component's name
        opts = pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name=old_name)])
        keepers = {"generation": str(generation)}
        logical = f"{self._name}-{old_name}"
        if item.encoding == "password":
            # Only URL-safe punctuation, so the value can sit in a connection string unescaped.
            password = random.RandomPassword(
                logical,
                length=item.length,
                special=True,
                override_special="-_.~",
                min_lower=1,
                min_upper=1,
                min_numeric=1,
                keepers=keepers,
                opts=opts,
            )
            return pulumi.Output.secret(password.result)
        raw = random.RandomBytes(logical, length=item.length, keepers=keepers, opts=opts)
        return pulumi.Output.secret(raw.hex if item.encoding == "hex" else raw.base64)

    def for_consumer(self, consumer: str) -> dict[str, pulumi.Output[str]]:
        return {e.key: e.value for e in self.env if _consumes(e.consumers, consumer)}

    def served(self, consumer: str) -> dict[str, int]:
        """Which generation each variable a consumer receives holds: names and numbers, never values."""
        return {e.key: e.generation for e in self.env if _consumes(e.consumers, consumer)}

    def for_vercel(self) -> list[VercelSecret]:
        """Every value a Vercel target consumes, with its targets."""
        return [
            VercelSecret(key=e.key, value=e.value, targets=tuple(targets))
            for e in self.env
            if (targets := vercel_targets(e.consumers))
        ]
