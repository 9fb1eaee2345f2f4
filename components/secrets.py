"""The secrets inventory: generated secrets in two rotating slots, provider-issued ones from config.

A generated secret's generation counter picks its slot: odd generations live in slot "a", even in
slot "b". Rotating (generation + 1) changes the keepers of exactly one slot, so Pulumi replaces that
one random resource, and the other slot still holds the previous value for the overlap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pulumi
import pulumi_random as random

from components.config import SecretItem, SecretsConfig, vercel_targets

PREVIOUS_SUFFIX = "_PREVIOUS"


@dataclass(frozen=True)
class SecretEnv:
    """One environment variable fed by a secret, and where it goes."""

    key: str
    value: pulumi.Output[str]
    consumers: tuple[str, ...]


@dataclass(frozen=True)
class SecretsInventoryArgs:
    secrets: SecretsConfig
    provided: dict[str, pulumi.Output[str]]
    today: dt.date


def slot_of(generation: int) -> str:
    return "a" if generation % 2 else "b"


def slot_generation(slot: str, generation: int) -> int:
    """The latest generation at or below `generation` that lives in `slot`; 0 if the slot is unused yet."""
    return generation if slot_of(generation) == slot else generation - 1


def serves_previous(item: SecretItem, overlap_days: int, today: dt.date) -> bool:
    return item.generation >= 2 and today <= item.last_rotated + dt.timedelta(days=overlap_days)


class SecretsInventory(pulumi.ComponentResource):
    def __init__(self, name: str, args: SecretsInventoryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:secrets:SecretsInventory", name, None, opts)
        self.env: list[SecretEnv] = []
        self.generations: dict[str, int] = {}
        self._consumers: dict[str, tuple[str, ...]] = {}
        for secret, item in args.secrets.items.items():
            consumers = tuple(item.consumers)
            self.generations[secret] = item.generation
            self._consumers[secret] = consumers
            if item.kind == "provided":
                self.env.append(SecretEnv(secret, args.provided[secret], consumers))
                continue
            slots = {
                slot: self._random(secret, slot, gen, item)
                for slot in ("a", "b")
                if (gen := slot_generation(slot, item.generation)) >= 1
            }
            self.env.append(SecretEnv(secret, slots[slot_of(item.generation)], consumers))
            if serves_previous(item, args.secrets.overlap_days, args.today):
                previous = slots[slot_of(item.generation - 1)]
                self.env.append(SecretEnv(secret + PREVIOUS_SUFFIX, previous, consumers))
        self.register_outputs({"generations": self.generations})

    def _random(self, secret: str, slot: str, generation: int, item: SecretItem) -> pulumi.Output[str]:
        assert item.length is not None
        opts = pulumi.ResourceOptions(parent=self)
        keepers = {"generation": str(generation)}
        if item.encoding == "password":
            # Only URL-safe punctuation, so the value can sit in a connection string unescaped.
            password = random.RandomPassword(
                f"{secret}-{slot}",
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
        raw = random.RandomBytes(f"{secret}-{slot}", length=item.length, keepers=keepers, opts=opts)
        return pulumi.Output.secret(raw.hex if item.encoding == "hex" else raw.base64)

    def for_consumer(self, consumer: str) -> dict[str, pulumi.Output[str]]:
        return {e.key: e.value for e in self.env if consumer in e.consumers}

    def generations_for(self, consumer: str) -> dict[str, int]:
        return {s: g for s, g in self.generations.items() if consumer in self._consumers[s]}

    def for_vercel(self) -> list[tuple[str, pulumi.Output[str], list[str]]]:
        """(key, value, targets) for every value a Vercel target consumes."""
        out = []
        for e in self.env:
            targets = vercel_targets(e.consumers)
            if targets:
                out.append((e.key, e.value, targets))
        return out
