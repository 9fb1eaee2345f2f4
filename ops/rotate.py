"""`python -m ops rotate`: bump a secret's rotation record in the stack file, keeping comments and order.

The program derives the random resource's keepers from this record, so the reviewed one-line
change replaces exactly that secret's older slot on the next `pulumi up`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from components.config import SecretsConfig
from ops.synth import ROOT, known_stacks, plain, stack_file

SECRETS_KEY = "platform:secrets"


class RotateError(Exception):
    pass


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines: the diff must show only the rotated record
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def rotate(stack: str, names: list[str], *, due: bool, on: dt.date, root: Path = ROOT) -> list[str]:
    path = stack_file(stack, root)
    if not path.exists():
        raise RotateError(f"unknown stack {stack!r}: no {path.name}; stacks here: {known_stacks(root)}")
    yaml = _yaml()
    doc = yaml.load(path.read_text())
    items = ((doc.get("config") or {}).get(SECRETS_KEY) or {}).get("items") or {}
    if not items:
        raise RotateError(f"{path.name} declares no {SECRETS_KEY}.items")
    try:
        inventory = SecretsConfig.model_validate({"failWhenStale": False, "items": plain(items)}).items
    except ValidationError as exc:
        raise RotateError(f"{path.name}: {SECRETS_KEY} is invalid; run `python -m ops plan {stack}`: {exc}") from exc

    unknown = [n for n in names if n not in items]
    if unknown:
        raise RotateError(f"unknown secret(s) {', '.join(unknown)} in {path.name}; known: {', '.join(items)}")
    chosen = list(names)
    if due:
        chosen += [n for n, item in inventory.items() if (d := item.due()) is not None and on > d and n not in chosen]
    if not chosen:
        raise RotateError("name the secrets to rotate, or pass --due" if not due else "no secret is due")

    lines = []
    for name in chosen:
        record = items[name]["rotation"]
        item = inventory[name]
        if item.last_rotated >= on:
            raise RotateError(
                f"{name} was last rotated {item.last_rotated}; rotating again on {on} would drop "
                "the value still served as the previous one"
            )
        record["generation"] = item.generation + 1
        record["lastRotated"] = DoubleQuotedScalarString(on.isoformat())
        if item.kind == "generated":
            lines.append(
                f"{name}: generation {item.generation} -> {item.generation + 1}; a new value replaces the "
                f"older slot, the current one is served as {name}_PREVIOUS during the overlap"
            )
        else:
            lines.append(
                f"{name}: generation {item.generation} -> {item.generation + 1}; set the new value too: "
                f"pulumi config set --secret {name} --stack {stack}"
            )
    with path.open("w") as out:
        yaml.dump(doc, out)
    lines.append(f"updated {path.name}; review with `git diff`, then `pulumi preview --diff -s {stack}`")
    return lines
