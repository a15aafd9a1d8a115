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
from collections.abc import Iterable, Sequence
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
    return ParseError(Problem(path, line, col, message, rule))


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
                if isinstance(key, (dict, list)):
                    mark = key_node.start_mark
                    raise _fail(getattr(self, "display_name", "?"), mark.line + 1, mark.column + 1,
                                "a mapping key must be a scalar, not a list or a mapping", "syntax")
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
    # 1e5 is a float, as in YAML 1.2, JSON and openapi-spec-validator's loader (jsonschema-path).
    Loader.add_implicit_resolver("tag:yaml.org,2002:float", _SCIENTIFIC, list("-+0123456789."))
    return Loader


_SCIENTIFIC = re.compile(r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+|(?:0|[1-9][0-9]*))"
                         r"[eE][-+]?[0-9]+)$")
_UNUSUAL: Any = object()
_PLAIN_TAGS = {"tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null")}


def _event_load(text: str, display: str, loader: type) -> Any:
    """Plain data straight from libyaml's parser events, without the node tree that
    SafeLoader composes first: half the memory, and each distinct scalar is resolved and
    constructed once. Explicit tags, merge keys, complex keys and multi-document streams
    return _UNUSUAL and take the SafeLoader path, which knows all of YAML."""
    import yaml

    constructor = yaml.constructor.SafeConstructor()
    build = {"tag:yaml.org,2002:int": constructor.construct_yaml_int,
             "tag:yaml.org,2002:float": constructor.construct_yaml_float,
             "tag:yaml.org,2002:bool": constructor.construct_yaml_bool,
             "tag:yaml.org,2002:null": constructor.construct_yaml_null}
    resolvers = loader.yaml_implicit_resolvers  # type: ignore[attr-defined]
    plain: dict[str, Any] = {}                  # plain scalar text -> its value
    anchors: dict[str, Any] = {}
    # One frame per open collection: [container, pending key, keys seen as written]
    stack: list[list[Any]] = []
    root: Any = _UNUSUAL
    documents = 0

    def scalar(event: Any) -> Any:
        tag, value = event.tag, event.value
        if tag not in (None, "!"):
            if tag not in _PLAIN_TAGS:
                return _UNUSUAL
            if tag == "tag:yaml.org,2002:str":
                return value
            return build[tag](yaml.ScalarNode(tag, value))
        if not event.implicit[0]:
            return value
        if value in plain:
            return plain[value]
        tag = "tag:yaml.org,2002:str"
        for candidate, regexp in [*resolvers.get(value[:1], ()), *resolvers.get(None, ())]:
            if regexp.match(value):
                tag = candidate
                break
        if tag == "tag:yaml.org,2002:str":
            result = value
        elif tag in build:
            result = build[tag](yaml.ScalarNode(tag, value))
        else:                                   # merge keys, `=`: the full loader's business
            return _UNUSUAL
        plain[value] = result
        return result

    event: Any   # PyYAML's event classes carry their attributes per subclass
    for event in yaml.parse(text, Loader=loader):
        kind = type(event)
        if kind is yaml.ScalarEvent:
            node = scalar(event)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.tag not in (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
                return _UNUSUAL
            node = {} if kind is yaml.MappingStartEvent else []
        elif kind is yaml.AliasEvent:
            if event.anchor not in anchors:
                return _UNUSUAL                 # let the full loader word the error
            node = anchors[event.anchor]
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            continue
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                return _UNUSUAL
            continue
        else:
            continue
        if node is _UNUSUAL:
            return _UNUSUAL
        anchor = getattr(event, "anchor", None)
        if anchor is not None and kind is not yaml.AliasEvent:
            anchors[anchor] = node
        if not stack:
            root = node
        else:
            frame = stack[-1]
            container = frame[0]
            if type(container) is list:
                container.append(node)
            elif frame[1] is _UNUSUAL:          # a key
                if isinstance(node, (dict, list)):
                    return _UNUSUAL
                if node in frame[2]:
                    line, col = _mark(event.start_mark)
                    raise _fail(display, line, col, f"duplicate key {node!r}", "duplicate-key")
                frame[2].add(node)
                frame[1] = node if isinstance(node, str) else str(node)
            else:
                container[frame[1]] = node
                frame[1] = _UNUSUAL
        if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            stack.append([node, _UNUSUAL, set()])
    return None if root is _UNUSUAL and documents == 0 else root


_LOADER: type | None = None


def _mark(mark: Any) -> tuple[int, int]:
    """1-based line and column of a PyYAML mark (which can be missing)."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


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
        except RecursionError as exc:
            raise _fail(display, 1, 1, "document nests too deeply", "syntax") from exc
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
    loader = None
    try:
        data = _event_load(text, display, _LOADER)
        if data is _UNUSUAL:
            loader = _LOADER(text)
            loader.display_name = display
            data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "malformed YAML"
        if exc.context and exc.context_mark and "end of stream" in reason:
            # An unclosed quote or bracket: the end of the file says little, its start more.
            mark, reason = exc.context_mark, f"{reason} {exc.context} that starts here"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise _fail(display, line, col, f"invalid YAML: {reason}", "syntax") from exc
    except yaml.YAMLError as exc:
        raise _fail(display, 1, 1, f"invalid YAML: {exc}", "syntax") from exc
    except RecursionError as exc:
        raise _fail(display, 1, 1, "document nests too deeply", "syntax") from exc
    finally:
        if loader is not None:
            loader.dispose()
    _check_expansion(data, display)
    return data


def _position_of_duplicate(text: str, message: str) -> tuple[int, int]:
    """Where the first repeated key of a JSON object is: json.loads does not say. Walks
    the (otherwise valid) text once, decoding only keys and scalars."""
    decoder = json.JSONDecoder()
    scan = json.decoder.scanstring  # type: ignore[attr-defined]
    stack: list[set[str] | None] = []       # a set of keys per open object, None per array
    i = _WS.match(text, 0).end()  # type: ignore[union-attr]
    expect_key = False
    while i < len(text):
        ch = text[i]
        if ch in "]}":
            stack.pop()
            i += 1
        elif ch in ",:":
            expect_key = ch == "," and bool(stack) and stack[-1] is not None
            i += 1
        elif ch == "{":
            stack.append(set())
            expect_key = True
            i += 1
        elif ch == "[":
            stack.append(None)
            i += 1
        elif expect_key and ch == '"':
            key, end = scan(text, i + 1)
            keys = stack[-1]
            assert keys is not None
            if key in keys:
                return _line_col(text, i)
            keys.add(key)
            expect_key = False
            i = end
        else:
            i = decoder.raw_decode(text, i)[1]
        i = _WS.match(text, i).end()  # type: ignore[union-attr]
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
    _positions: dict[tuple[tuple[str | int, ...], str], tuple[int, int]] = field(
        default_factory=dict, repr=False)
    _json: Any = field(default=None, repr=False)

    @classmethod
    def load(cls, path: Path, display: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
        text = read_text(path, display, max_bytes)
        if not text.strip():
            raise _fail(display, 1, 1, "file is empty", "empty-file")
        return cls(path, display, text, parse(text, display))

    def position(self, keys: KeyPath, at: Literal["key", "value"] = "value") -> tuple[int, int]:
        """1-based line and column of the node at `keys` (or of its nearest existing ancestor)."""
        wanted = (tuple(keys), at)
        if wanted in self._positions:
            return self._positions[wanted]
        if self._streamed():
            self.locate([keys])
            return self._positions[wanted]
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

    def locate(self, paths: Iterable[KeyPath]) -> None:
        """Find many key paths at once. Large YAML files and JSON files are not loaded
        through ruamel (minutes and hundreds of MB for a 10 MB document): JSON is walked
        from the key path's offsets, YAML is read once as a stream of parser events."""
        wanted = {tuple(p) for p in paths} - {k for k, _ in self._positions}
        if not wanted or not self._streamed():
            return
        if self._json is None and _looks_like_json(self.text):
            self._json = _JsonIndex(self.text)
        if self._json is not None:
            try:
                self._positions.update(self._json.positions(wanted))
                return
            except ValueError:    # YAML in flow style after all
                self._json = False
        self._positions.update(_event_positions(self.text, wanted))

    def _streamed(self) -> bool:
        return len(self.text) > ROUND_TRIP_MAX_CHARS or _looks_like_json(self.text)

    def problem(self, keys: KeyPath, message: str, rule: str,
                at: Literal["key", "value"] = "value", severity: Severity = "error") -> Problem:
        line, col = self.position(keys, at)
        return Problem(self.display, line, col, message, rule, severity)


_MISSING = object()
# Above this size positions come from a parser-event stream, not a ruamel round trip.
ROUND_TRIP_MAX_CHARS = 512 * 1024
_WS = re.compile(r"[ \t\n\r]*")


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] == "{"


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


class _JsonIndex:
    """Offsets of JSON object members and array items, scanned lazily: reaching a key path
    decodes only the values before it in each container on the way."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root = _WS.match(text, 0).end()  # type: ignore[union-attr]
        self.containers: dict[int, list[Any]] = {}   # offset -> [members, resume offset]
        self.decoder = json.JSONDecoder()

    def member(self, offset: int, key: str | int) -> tuple[int, int] | None:
        """(key offset, value offset) of `key` in the container at `offset`."""
        text = self.text
        if text[offset] not in "{[":
            return None
        entry = self.containers.setdefault(offset, [{}, offset + 1])
        members: dict[Any, tuple[int, int]] = entry[0]
        wanted = str(key) if text[offset] == "{" else key
        while wanted not in members and entry[1] is not None:
            i = _WS.match(text, entry[1]).end()  # type: ignore[union-attr]
            if text[i] in "}]":
                entry[1] = None
                break
            if text[i] == ",":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            if text[offset] == "{":
                name, j = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                j = _WS.match(text, _WS.match(text, j).end() + 1).end()  # type: ignore[union-attr]
            else:
                name, j = len(members), i
            members[name] = (i, j)
            entry[1] = self.decoder.raw_decode(text, j)[1]
        return members.get(wanted)

    def positions(self, paths: Iterable[tuple[str | int, ...]]) -> dict[tuple[Any, str], tuple[int, int]]:
        found: dict[tuple[Any, str], tuple[int, int]] = {}
        for path in paths:
            value = key = self.root
            for part in path:
                hit = self.member(value, part)
                if hit is None:
                    key = value
                    break
                key, value = hit
            found[(path, "value")] = _line_col(self.text, value)
            found[(path, "key")] = _line_col(self.text, key)
        return found


def _event_positions(text: str, paths: set[tuple[str | int, ...]]) -> dict[tuple[Any, str], tuple[int, int]]:
    """Positions of `paths` from one pass over the libyaml parser's events."""
    import yaml

    prefixes = {path[:i] for path in paths for i in range(len(path) + 1)}
    keys: dict[Any, tuple[int, int]] = {}
    values: dict[Any, tuple[int, int]] = {(): (1, 1)}
    # A frame: [path or None when nothing wanted lies below, next map key or None, seq index]
    stack: list[list[Any]] = []
    expect_key: list[bool] = []
    for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            expect_key.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        mark = _mark(event.start_mark)
        path = None
        if stack:
            frame = stack[-1]
            if expect_key[-1] is True:          # a mapping key
                expect_key[-1] = False
                frame[1] = event.value if isinstance(event, yaml.ScalarEvent) else None
                if frame[0] is not None and frame[1] is not None:
                    keys.setdefault((*frame[0], frame[1]), mark)
                if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    stack.append([None, None, 0])
                    expect_key.append(isinstance(event, yaml.MappingStartEvent))
                continue
            if expect_key[-1] is False:         # a mapping value
                expect_key[-1] = True
                if frame[0] is not None and frame[1] is not None:
                    path = (*frame[0], frame[1])
            else:                               # a sequence item
                if frame[0] is not None:
                    path = (*frame[0], frame[2])
                frame[2] += 1
        else:
            path = ()
        if path is not None and path in prefixes:
            values.setdefault(path, mark)
        else:
            path = None
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append([path, None, 0])
            expect_key.append(True if isinstance(event, yaml.MappingStartEvent) else None)  # type: ignore[arg-type]
    found: dict[tuple[Any, str], tuple[int, int]] = {}
    for path in paths:
        depth = max(i for i in range(len(path) + 1) if path[:i] in values)
        found[(path, "value")] = values[path[:depth]]
        nearest = values[path[:depth]]
        found[(path, "key")] = keys.get(path, nearest) if depth == len(path) else nearest
    return found


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
