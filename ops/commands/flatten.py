"""Nested inputs as leaf paths, the way a review reads them: JSON held in strings opened, and list
elements named where they have a name, so that one changed statement, query or widget is one line."""

from __future__ import annotations

import json
import re
from typing import Any

KEYS = ("Sid", "id", "Id", "name", "Name", "key")  # what names a list's elements, where they have one


def _names(items: list[Any]) -> tuple[str, list[str]] | None:
    """What names each element of a list of objects: a statement's Sid, a query's id, or a dashboard
    widget's properties.title; None when no field names them all, uniquely."""
    if not all(isinstance(i, dict) for i in items):
        return None
    for key in KEYS:
        values = [_get(i, key) for i in items]
        if all(isinstance(v, str) and v for v in values) and len(set(values)) == len(values):
            return key, [str(v) for v in values]
    # dashboard widgets: by title, and the one text widget (which has none) by its type
    titles = [_get(i, "properties.title") or i.get("type") for i in items]
    if all(isinstance(v, str) and v for v in titles) and len(set(titles)) == len(titles):
        return "title", [str(v) for v in titles]
    return None


def _get(item: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        item = item.get(part) if isinstance(item, dict) else None  # type: ignore[assignment]
    return item


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaf paths to values: JSON held in a string (a policy, an event pattern) is read as JSON, and a list
    of objects is keyed by its elements' name (`metricQueries[id=burn].expression`), else by position, so
    one changed statement or query is one changed line."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, (dict, list)) and parsed:
            value = parsed
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{path}.{k}" if path else k))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        named = _names(value)
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{path}[{named[0]}={named[1][i]}]" if named else f"{path}[{i}]"))
        return out
    return {path: value}


ELEMENT = re.compile(r"\[[^\[\]=]+=[^\[\]]*\]")  # a named element of a list: [Sid=x], [title=y]


def whole_element(key: str, other: dict[str, Any]) -> str | None:
    """The named list element `key` lies in, when the other side has nothing of that element."""
    for found in ELEMENT.finditer(key):
        prefix = key[: found.end()]
        if not any(k == prefix or k.startswith((prefix + ".", prefix + "[")) for k in other):
            return prefix
    return None
