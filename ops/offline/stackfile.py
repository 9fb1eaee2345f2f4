"""Reads a stack file the way a careful CLI would: bounded, UTF-8, plain YAML only, every key with its line.

Whatever is wrong is a StackFileError `Pulumi.<stack>.yaml: line N: what is wrong`, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 256 * 1024
# A stack file of this project has a few hundred nodes; aliases may not multiply it past this.
MAX_NODES = 20_000
PLAIN_TAGS = {
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
}
TOP_LEVEL_KEYS = {"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"}


class StackFileError(Exception):
    def __init__(self, path: Path, line: int, what: str):
        super().__init__(f"{path.name}: line {line}: {what}")
        self.path, self.line, self.what = path, line, what


@dataclass(frozen=True)
class StackFile:
    path: Path
    stack: str
    config: dict[str, Any]
    lines: dict[str, int]  # full config key (platform:backups.retentionDays) -> line
    config_line: int

    def line_of(self, key: str) -> int:
        """The line of the key, or of its nearest enclosing key the file has."""
        while key:
            if key in self.lines:
                return self.lines[key]
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else ""
        return self.config_line


def stack_name(path: Path) -> str:
    """`Pulumi.<stack>.yaml` -> `<stack>`."""
    return path.name[len("Pulumi.") : -len(".yaml")]


def stack_names(root: Path = ROOT) -> list[str]:
    return [stack_name(p) for p in stack_files(root)]


def stack_files(root: Path = ROOT) -> list[Path]:
    """Every stack file, where Pulumi reads them: `Pulumi.<stack>.yaml` beside `Pulumi.yaml`."""
    return sorted(p for p in root.glob("Pulumi.*.yaml") if p.name != "Pulumi.yaml")


PROJECT_NAME = "platform"


def project_name(directory: Path) -> str | None:
    """The name in the directory's Pulumi.yaml, if it has a readable one."""
    found = directory / "Pulumi.yaml"
    if not found.is_file():
        return None
    try:
        doc = YAML(typ="safe", pure=True).load(found.read_text(errors="replace"))
    except YAMLError:
        return None
    name = doc.get("name") if isinstance(doc, dict) else None
    return name if isinstance(name, str) else None


def project_root(start: Path | None = None) -> Path:
    """The directory of this project's Pulumi.yaml at or above `start` (the working directory), so `ops`
    runs from anywhere in the repository; outside it, one line saying where it looked."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if project_name(directory) == PROJECT_NAME:
            return directory
    raise FileNotFoundError(
        f"no Pulumi.yaml of project {PROJECT_NAME!r} in {here} or above it: run ops inside the repository, "
        "or give a stack file's path"
    )


def locate(stack_or_path: str, root: Path | None = None) -> tuple[Path, str]:
    """A stack name (`prod`, `life-platform-prod`), found beside the project's Pulumi.yaml (`root`, or the
    one at or above the working directory), or a stack file's path (`Pulumi.<stack>.yaml`)."""
    if stack_or_path.endswith(".yaml") or "/" in stack_or_path:
        path = Path(stack_or_path)
        if not path.is_absolute():
            path = (Path.cwd() / path).resolve()
        name = path.name
        if not (name.startswith("Pulumi.") and name.endswith(".yaml")) or name == "Pulumi.yaml":
            raise FileNotFoundError(f"{stack_or_path}: a stack file is named Pulumi.<stack>.yaml")
        return path, stack_name(path)
    return (root or project_root()) / f"Pulumi.{stack_or_path}.yaml", stack_or_path


def shown(path: Path) -> str:
    """A stack file's path as its repository spells it (bootstrap/Pulumi.ci.yaml, Pulumi.prod.yaml), in this
    checkout or a clone: relative to the outermost directory above it that holds a Pulumi.yaml."""
    full = path.resolve()
    tops = [d for d in full.parents if (d / "Pulumi.yaml").is_file()]
    return str(full.relative_to(tops[-1])) if tops else path.name


def known_stacks(root: Path = ROOT) -> str:
    return ", ".join(stack_names(root))


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _check_nodes(path: Path, root: Node) -> bool:
    """Refuse non-plain tags, and aliases that would expand the document past MAX_NODES."""
    sizes: dict[int, int] = {}
    on_stack: set[int] = set()

    def size(node: Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        tag = str(getattr(node.tag, "value", node.tag))
        if tag not in PLAIN_TAGS:
            raise StackFileError(path, _line(node), f"the tag {tag} is not allowed; a stack file is plain YAML")
        if id(node) in on_stack:
            raise StackFileError(path, _line(node), "a recursive alias is not allowed")
        on_stack.add(id(node))
        total = 1
        if isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            total += sum(size(v) for v in node.value)
        on_stack.discard(id(node))
        if total > MAX_NODES:
            raise StackFileError(
                path, _line(node), f"expands to more than {MAX_NODES} values through YAML aliases; write it out"
            )
        sizes[id(node)] = total
        return total

    size(root)
    return True


def _key_lines(node: MappingNode, prefix: str, lines: dict[str, int]) -> None:
    for key_node, value in node.value:
        if not isinstance(key_node, ScalarNode):
            continue
        key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
        lines[key] = _line(key_node)
        if isinstance(value, MappingNode):
            _key_lines(value, key, lines)
        elif isinstance(value, SequenceNode):
            for i, item in enumerate(value.value):
                lines[f"{key}[{i}]"] = _line(item)
                if isinstance(item, MappingNode):
                    _key_lines(item, f"{key}[{i}]", lines)


def read(path: Path, stack: str) -> StackFile:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise StackFileError(path, 1, f"cannot be read: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise StackFileError(path, 1, f"{len(data)} bytes; a stack file is at most {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StackFileError(path, data[: exc.start].count(b"\n") + 1, "is not UTF-8 text") from None
    try:
        # YAML 1.2, as the Pulumi CLI reads it (`yes` and `on` are strings, not booleans as in PyYAML)
        yaml = YAML(typ="safe", pure=True)
        root = yaml.compose(text)
        doc = yaml.constructor.construct_document(root) if root is not None and _check_nodes(path, root) else None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "is not valid YAML"
        raise StackFileError(path, line, f"invalid YAML: {what}") from None
    except YAMLError as exc:
        raise StackFileError(path, 1, f"invalid YAML: {str(exc).splitlines()[0]}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict) or not isinstance(root, (MappingNode, type(None))):
        raise StackFileError(path, 1, "the document must be a mapping with a `config:` key")
    lines: dict[str, int] = {}
    config_line = 1
    for key_node, value in root.value if root is not None else []:
        if key_node.value not in TOP_LEVEL_KEYS:
            raise StackFileError(
                path, _line(key_node), f"unknown top-level key {key_node.value!r}; allowed: {sorted(TOP_LEVEL_KEYS)}"
            )
        if key_node.value == "config":
            config_line = _line(key_node)
            if isinstance(value, MappingNode):
                _key_lines(value, "", lines)
    config = doc.get("config") or {}
    if not isinstance(config, dict):
        raise StackFileError(path, config_line, "`config` must be a mapping of namespaced keys")
    for key in config:
        if not isinstance(key, str) or ":" not in key:
            raise StackFileError(
                path, lines.get(str(key), config_line), f"{key!r}: config keys are namespaced (platform:<key>)"
            )
    return StackFile(path=path, stack=stack, config=config, lines=lines, config_line=config_line)
