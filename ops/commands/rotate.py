"""`ops rotate <stack> [SECRET ...]`: bump a secret's rotation record in the stack file, keeping comments and order.

The program derives the random resource's keepers from this record, so the reviewed one-line
change replaces exactly that secret's older slot on the next `pulumi up`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from components.secrets.config import SecretItem, SecretsConfig, fingerprint
from components.shared.base import PROJECT
from ops.offline.stackfile import StackFile, known_stacks, locate, read, shown

SECRETS_KEY = "platform:secrets"


class RotateError(Exception):
    pass


def _yaml(text: str) -> YAML:
    """A round-trip dumper that writes the file in its own indentation style."""
    # ruamel guesses the block-sequence style; the mapping indent is the first nested key's.
    _, sequence, offset = load_yaml_guess_indent(text)
    nested = [len(line) - len(line.lstrip(" ")) for line in text.splitlines()[1:] if line.strip() and line[0] == " "]
    mapping = min(nested) if nested else 2
    offset = offset or 0
    sequence = max(sequence or mapping, offset + 2)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines: the diff must show only the rotated record
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _write_atomically(path: Path, yaml: YAML, doc: object) -> None:
    """A temp file beside the stack file, then a rename: a failed dump never leaves it truncated."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yaml.dump(doc, out)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _refusal(name: str, item: SecretItem, overlap_days: int, on: dt.date) -> str | None:
    if item.last_rotated > on:
        return f"{name} was last rotated {item.last_rotated}, after {on}"
    if item.serves_previous(overlap_days, on):
        end = item.overlap_end(overlap_days)
        assert end is not None
        return (
            f"{name} was rotated on {item.last_rotated} and its previous value is served until the overlap "
            f"ends on {end}; rotating again before {end + dt.timedelta(days=1)} would stop serving it. "
            "For a compromised secret pass --force"
        )
    if item.kind == "provided" and item.last_rotated == on:
        return f"{name} was already rotated on {on}"
    return None


def rotate(
    stack: str,
    names: list[str],
    *,
    due: bool,
    on: dt.date,
    force: bool = False,
    root: Path | None = None,
    pr_body: Path | None = None,
) -> list[str]:
    """Bump the records; with `pr_body`, also write the scheduled pull request's description there."""
    path, stack_name = locate(stack, root)
    if not path.exists():
        raise RotateError(f"unknown stack {stack!r}: no {path.name}; stacks here: {known_stacks(path.parent)}")
    stack_file = read(path, stack_name)  # a malformed file fails here, with its line
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise RotateError(f"{path.name} is read-only; nothing was changed")
    section = stack_file.config.get(SECRETS_KEY)
    if not isinstance(section, dict) or not section.get("items"):
        raise RotateError(f"{path.name} declares no {SECRETS_KEY}.items")
    try:
        secrets = SecretsConfig.model_validate(section)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RotateError(
            f"{path.name}: line {stack_file.line_of(f'{SECRETS_KEY}.{where}')}: {SECRETS_KEY}.{where}: "
            f"{first['msg']}; run `uv run ops plan {stack}` for every problem"
        ) from None
    inventory = secrets.items

    lines: list[str] = []
    unknown = [n for n in names if n not in inventory]
    if unknown:
        near = [m for n in unknown for m in difflib.get_close_matches(n, list(inventory), n=1, cutoff=0.6)]
        guess = f"did you mean {', '.join(near)}? " if near else ""
        raise RotateError(
            f"unknown secret(s) {', '.join(unknown)} in {path.name}; {guess}known: {', '.join(inventory)}"
        )
    chosen = list(dict.fromkeys(names))
    lines += [f"{n} was named more than once; rotating it once" for n in chosen if names.count(n) > 1]
    if due:
        chosen += [n for n, item in inventory.items() if (d := item.due()) is not None and on > d and n not in chosen]
    if not chosen and due:
        # a scheduled run with nothing to do has succeeded: the stack file stays as it is
        return [*lines, f"no secret of stack {stack_file.stack!r} is due on {on.isoformat()}; nothing changed"]
    if not chosen:
        raise RotateError("name the secrets to rotate, or pass --due")

    for name in chosen:
        refusal = _refusal(name, inventory[name], secrets.overlap_days, on)
        if refusal and not (force and inventory[name].last_rotated <= on):
            raise RotateError(f"{refusal}; nothing was changed")

    text = path.read_text(encoding="utf-8")
    yaml = _yaml(text)
    doc = yaml.load(text)
    records = doc["config"][SECRETS_KEY]["items"]
    for name in chosen:
        item = inventory[name]
        record = records[name]["rotation"]
        record["generation"] = item.generation + 1
        record["lastRotated"] = DoubleQuotedScalarString(on.isoformat())
        if record.pop("exception", None) is not None:
            lines.append(f"{name}: its exception to the rotation period is removed, as it is rotated")
        if item.serves_previous(secrets.overlap_days, on):
            lines.append(
                f"{name}: FORCED inside the overlap. The value from generation {item.generation - 1} stops "
                f"working at the next `pulumi up`: tokens, sessions and data signed or encrypted with it no "
                f"longer verify or decrypt"
            )
        if item.kind == "generated":
            lines.append(
                f"{name}: generation {item.generation} -> {item.generation + 1}; a new value replaces the "
                f"older slot, the current one is served as {name}_PREVIOUS for {secrets.overlap_days} day(s)"
            )
        else:
            stored = doc["config"].get(f"{PROJECT}:{name}")
            if isinstance(stored, dict) and isinstance(stored.get("secure"), str):
                record["replaces"] = fingerprint(stored["secure"])  # `ops plan` flags it until the value changes
            lines.append(
                f"{name}: generation {item.generation} -> {item.generation + 1}; set the new value too: "
                f"pulumi config set --secret {name} --stack {stack_name}"
            )
    _write_atomically(path, yaml, doc)
    lines.append(f"updated {shown(path)}; review with `git diff`, then `pulumi preview --diff -s {stack_name}`")
    if pr_body is not None:
        provided = [n for n in chosen if inventory[n].kind == "provided"]
        pr_body.write_text(pull_request_body(stack_name, shown(path), lines, provided, on), encoding="utf-8")
    return lines


def pull_request_body(stack: str, file: str, lines: list[str], provided: list[str], on: dt.date) -> str:
    """The scheduled rotation's pull request: what was bumped and, per provider-issued secret, what a person
    must still do. `ops plan` fails the pull request until each of those holds a new value."""
    out = [f"Scheduled rotation of stack `{stack}`: `ops rotate --due` on {on.isoformat()} bumped `{file}`.", ""]
    out += [f"- {line}" for line in lines[:-1]]
    if provided:
        out += ["", "Provider-issued secrets: a bump alone rotates nothing. Before merging, for each:"]
        out += [
            f"- [ ] `{name}`: mint a new value at its provider, run "
            f"`pulumi config set --secret {name} --stack {stack}` on this branch and push; revoke the old "
            "value at the provider after `pulumi up`"
            for name in provided
        ]
        out += ["", "Until the stack file holds each new value, `ops plan` names it and this pull request fails."]
    out += ["", "Merging applies it: `deploy.yml` runs `pulumi up`, then `ops verify`.", ""]
    return "\n".join(out)


def unchanged_values(stack_file: StackFile) -> list[str]:
    """Provided secrets whose last rotation recorded the encrypted value it replaces, and whose stack
    file still holds that very value: the generation was bumped, the secret was not changed."""
    items = ((stack_file.config.get(SECRETS_KEY) or {}).get("items")) or {}
    found = []
    for name, raw in sorted(items.items()):
        replaces = ((raw or {}).get("rotation") or {}).get("replaces")
        stored = stack_file.config.get(f"{PROJECT}:{name}")
        if replaces and isinstance(stored, dict) and fingerprint(str(stored.get("secure"))) == replaces:
            found.append(name)
    return found
