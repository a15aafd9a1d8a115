"""Every YAML/JSON read and write.

Inputs are parsed fast (the C libyaml loader, or `json` for JSON files) into plain
dicts, lists and scalars. Line and column are only needed when something is wrong,
so they are resolved afterwards, on demand, with ruamel.yaml's round-trip loader.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from apiops.errors import ParseError, Problem, Severity

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# A document that expands to more nodes than this through aliases is refused
# ("billion laughs"); real OpenAPI documents stay far below it.
MAX_EXPANDED_NODES = 5_000_000

KeyPath = Sequence[str | int]
_CONFLICT = re.compile(rb"^(<{7}|>{7}|={7})(?: |$)", re.MULTILINE)


def _fail(path: str, line: int, col: int, message: str, rule: str) -> ParseError:
    return ParseError(str(Problem(path, line, col, message, rule)))


def read_text(path: Path, display: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text; refuses oversized, non-UTF-8 and conflicted files."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _fail(name, 1, 1, f"file is {size} bytes, over the limit of {max_bytes}",
                        "file-too-large")
        raw = path.read_bytes()
    except OSError as exc:
        raise _fail(name, 1, 1, f"cannot read file: {exc.strerror}", "unreadable") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(name, line, col, "file is not valid UTF-8", "encoding") from exc
    conflict = _CONFLICT.search(raw)
    if conflict:
        line = raw.count(b"\n", 0, conflict.start()) + 1
        raise _fail(name, line, 1, "unresolved merge-conflict marker", "merge-conflict")
    return text


def _safe_loader() -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc,valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    mark = key_node.start_mark
                    raise _fail(getattr(self, "display_name", "?"), mark.line + 1,
                                mark.column + 1, f"duplicate key {key!r}", "duplicate-key")
                seen.add(key)
            mapping = super().construct_mapping(node, deep=deep)
            return {str(k) if not isinstance(k, str) else k: v for k, v in mapping.items()}

    # Dates stay strings: schemas and generated files want the text as written.
    Loader.yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for ch, resolvers in base.yaml_implicit_resolvers.items()
    }
    return Loader


_LOADER: type | None = None


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse(text: str, display: str) -> Any:
    """Plain data of a YAML or JSON document (JSON is tried first when it looks like JSON)."""
    global _LOADER
    stripped = text.lstrip()
    if display.endswith(".json") or stripped.startswith("{"):
        try:
            data = json.loads(text, object_pairs_hook=_json_object)
        except ValueError as exc:
            if display.endswith(".json"):
                lineno = getattr(exc, "lineno", None)
                colno = getattr(exc, "colno", None)
                if lineno is None:
                    lineno, colno = _position_of_duplicate(text, str(exc))
                msg = getattr(exc, "msg", str(exc))
                rule = "duplicate-key" if msg.startswith("duplicate key") else "syntax"
                raise _fail(display, lineno, colno or 1, f"invalid JSON: {msg}", rule) from exc
        else:
            _check_expansion(data, display)
            return data
    import yaml

    if _LOADER is None:
        _LOADER = _safe_loader()
    loader = _LOADER(text)
    loader.display_name = display
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "malformed YAML"
        raise _fail(display, line, col, f"invalid YAML: {reason}", "syntax") from exc
    except yaml.YAMLError as exc:
        raise _fail(display, 1, 1, f"invalid YAML: {exc}", "syntax") from exc
    except RecursionError as exc:
        raise _fail(display, 1, 1, "document nests too deeply", "syntax") from exc
    finally:
        loader.dispose()
    _check_expansion(data, display)
    return data


def _position_of_duplicate(text: str, message: str) -> tuple[int, int]:
    match = re.search(r"duplicate key '(.*)'", message)
    if match:
        needle = json.dumps(match.group(1))
        first = text.find(needle)
        second = text.find(needle, first + 1) if first >= 0 else -1
        if second >= 0:
            line = text.count("\n", 0, second) + 1
            return line, second - (text.rfind("\n", 0, second) + 1) + 1
    return 1, 1


def _check_expansion(data: Any, display: str) -> None:
    """Refuse alias bombs: count nodes as if aliases were expanded, sharing work by id."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _fail(display, 1, 1, "recursive alias: the document refers to itself",
                        "alias-bomb")
        active.add(key)
        children = node.values() if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                raise _fail(display, 1, 1, f"aliases expand the document past "
                            f"{MAX_EXPANDED_NODES} nodes", "alias-bomb")
        active.discard(key)
        sizes[key] = total
        return total

    try:
        size(data)
    except RecursionError as exc:
        raise _fail(display, 1, 1, "document nests too deeply", "syntax") from exc


@dataclass
class Source:
    """A parsed input file; finds line:col of a key path on demand."""

    path: Path
    display: str
    text: str
    data: Any
    _tree: Any = field(default=None, repr=False)

    @classmethod
    def load(cls, path: Path, display: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
        text = read_text(path, display, max_bytes)
        if not text.strip():
            raise _fail(display, 1, 1, "file is empty", "empty-file")
        return cls(path, display, text, parse(text, display))

    def position(self, keys: KeyPath, at: Literal["key", "value"] = "value") -> tuple[int, int]:
        """1-based line and column of the node at `keys` (or of its nearest existing ancestor)."""
        if self._tree is None:
            self._tree = _round_trip(self.text)
        node: Any = self._tree
        found = (0, 0)
        for i, key in enumerate(keys):
            lc = getattr(node, "lc", None)
            if lc is None:
                break
            if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                found = lc.item(key)
            elif isinstance(node, dict):
                real = _find_key(node, key)
                if real is _MISSING:
                    break
                last = i == len(keys) - 1
                found = lc.key(real) if (last and at == "key") else lc.value(real)
                key = real
            else:
                break
            node = node[key]
        return found[0] + 1, found[1] + 1

    def problem(self, keys: KeyPath, message: str, rule: str,
                at: Literal["key", "value"] = "value", severity: Severity = "error") -> Problem:
        line, col = self.position(keys, at)
        return Problem(self.display, line, col, message, rule, severity)


_MISSING = object()


def _find_key(mapping: dict[Any, Any], key: str | int) -> Any:
    if key in mapping:
        return key
    for candidate in mapping:  # YAML keys such as 200 or true were turned into strings
        if str(candidate) == str(key) or (isinstance(candidate, bool) and str(candidate).lower() == key):
            return candidate
    return _MISSING


def _round_trip(text: str) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True
    try:
        return yaml.load(text)
    except Exception:  # positions are best effort; the fast parse already succeeded
        return None


_PLAIN = re.compile(r"^[A-Za-z0-9_/.^$][-A-Za-z0-9_/.^$:+*()\[\]{}|\\@=~ ]*$")
_STRINGS: dict[str, str] = {}   # string -> its YAML form; generated files repeat most strings


def _string(value: str) -> str:
    """Plain when the string reads back as the same string in YAML 1.1 and 1.2 readers
    alike (kubectl, PyYAML, ruamel); otherwise JSON-quoted, which YAML reads as is."""
    found = _STRINGS.get(value)
    if found is None:
        plain = bool(_PLAIN.match(value)) and not (
            ": " in value or value.endswith((":", " ")) or " #" in value
            or _implicit_type(value) != "tag:yaml.org,2002:str")
        found = value if plain else json.dumps(value, ensure_ascii=False)
        if len(_STRINGS) < 200_000:
            _STRINGS[value] = found
    return found


def _implicit_type(value: str) -> str:
    import yaml

    tag: str = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))
    if tag == "tag:yaml.org,2002:str" and re.match(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+$", value):
        return "sexagesimal"       # YAML 1.1 reads 1:20 as the integer 80
    return tag


def _inline(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _STRINGS.get(value) or _string(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if kind is dict:
        return "{}"
    if kind is list or kind is tuple:
        return "[]"
    if kind is int or kind is float:
        return json.dumps(value)
    raise TypeError(f"cannot write {kind.__name__} to YAML")


def _emit_map(mapping: dict[str, Any], indent: str, out: list[str], first: str) -> None:
    """Block-style mapping; `first` prefixes the first line (the indent, or "- " in a list)."""
    prefix = first
    inner = indent + "  "
    for key, value in mapping.items():
        name = _STRINGS.get(key) or _string(str(key))
        kind = type(value)
        if kind is dict and value:
            out.append(f"{prefix}{name}:")
            _emit_map(value, inner, out, inner)
        elif (kind is list or kind is tuple) and value:
            out.append(f"{prefix}{name}:")
            _emit_seq(value, indent, out)
        else:
            out.append(f"{prefix}{name}: {_inline(value)}")
        prefix = indent


def _emit_seq(items: Sequence[Any], indent: str, out: list[str]) -> None:
    """Block-style sequence, items at the parent's indent (the kubectl style)."""
    dash = indent + "- "
    inner = indent + "  "
    for value in items:
        kind = type(value)
        if kind is dict and value:
            _emit_map(value, inner, out, dash)
        elif (kind is list or kind is tuple) and value:
            nested: list[str] = []
            _emit_seq(value, inner, nested)
            out.append(dash + nested[0][len(inner):])
            out.extend(nested[1:])
        else:
            out.append(dash + _inline(value))


def dump(documents: Sequence[Any], header: str = "") -> str:
    """Deterministic YAML text: keys in the order the generator built them, one
    `---`-separated document each, no line folding, a trailing newline.
    A small emitter of our own: PyYAML's representer was 90% of a cold run's time."""
    out: list[str] = []
    for document in documents:
        if len(documents) > 1:
            out.append("---")
        if type(document) is dict and document:
            _emit_map(document, "", out, "")
        elif type(document) in (list, tuple) and document:
            _emit_seq(document, "", out)
        else:
            out.append(_inline(document))
    return header + "\n".join(out) + "\n"


def comment_block(lines: Sequence[str]) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)


_MADE: set[Path] = set()


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and rename it into place, so a
    reader (or a crash) never sees half a file."""
    folder = path.parent
    if folder not in _MADE:
        folder.mkdir(parents=True, exist_ok=True)
        _MADE.add(folder)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
