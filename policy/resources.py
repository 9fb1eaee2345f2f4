"""What the controls read: a resource as CrossGuard or the offline plan sees it, and its props, which
raise Unknown where a preview has not computed a value yet. Both controls.py and checks.py use these,
so they live apart from either."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class Unknown(Exception):
    """A prop a control needs is not known yet (a computed value during a preview)."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


class _NeverRaised(Exception):
    pass


class Props(Mapping[str, Any]):
    """A resource's props as the controls read them: an unknown value, at any depth, raises Unknown with
    its path when a control reads it, and only then. CrossGuard's preview proxy raises its own
    UnknownValueError on access (pulumi_policy/proxy.py); `unknown_error` names that class."""

    def __init__(self, target: Mapping[str, Any], unknown_error: type[Exception] = _NeverRaised, path: str = ""):
        self._target, self._unknown, self._path = target, unknown_error, path

    def __getitem__(self, key: str) -> Any:
        where = f"{self._path}.{key}" if self._path else str(key)
        try:
            value = self._target[key]
        except self._unknown:
            raise Unknown(where) from None
        return _wrap(value, self._unknown, where)

    def __iter__(self) -> Iterator[str]:
        return iter(self._target)

    def __len__(self) -> int:
        return len(self._target)


def _wrap(value: Any, unknown_error: type[Exception], path: str) -> Any:
    if isinstance(value, Mapping):
        return Props(value, unknown_error, path)
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = []
        for i in range(len(value)):
            try:
                items.append(_wrap(value[i], unknown_error, f"{path}[{i}]"))
            except unknown_error:
                raise Unknown(f"{path}[{i}]") from None
        return items
    return value


@dataclass(frozen=True)
class Res:
    type: str
    name: str
    urn: str
    parent: str
    props: Mapping[str, Any]
    protect: bool


Check = Callable[[list[Res], bool], Iterable[tuple[Res, str]]]
