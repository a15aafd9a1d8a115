"""Text-first, lazy views of block-style YAML.

Even PyYAML's C loader parses only about 2 MB/s, because every object is still built in
Python, and a review diff of 200 customers would spend seconds parsing files that
barely changed. A `Node` is the text of one YAML node; it splits into its entries or
items by indentation alone (a regular expression per level) and is parsed only when its
value is asked for. Nodes with the same text are equal without being parsed, so the
unchanged bulk of a regenerated file never is. Whatever the splitter does not fully
understand (flow collections, anchors, tags, directives) is simply parsed whole.
"""
from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from apiops import yamlio
from apiops.errors import ParseError

_KEY = re.compile(r"""(?P<key>"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s#'"?:,\[\]{}&*!|>%@`-][^\n]*?"""
                  r"""|-[^\s][^\n]*?)[ \t]*:(?=[ \t\n]|$)""")
_SIGIL = re.compile(r"[&*!][^\s,\]}]")        # an anchor, alias or tag when it starts a token
_SEPARATOR = re.compile(r"^(?:---|\.\.\.)(?=\s|$)(.*)$", re.MULTILINE)
_LEADING = re.compile(r"\A(?:[ \t]*(?:#[^\n]*)?\n)*")
_KEEP_TRAILING = re.compile(r"[|>][1-9]?\+")
_FIRST_LINE = re.compile(r"\n( *)(?=[^ \n#])")
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./:+\-]*\Z")
# YAML 1.1 words PyYAML reads as booleans or null
_NOT_STR = frozenset("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF "
                     "null Null NULL ~".split())
_MISSING = object()


@cache
def _starts(column: int) -> re.Pattern[str]:
    """Lines that start a node at exactly this column (not blank, not a comment)."""
    return re.compile(rf"\n {{{column}}}(?=[^ \n#])")


class Parser:
    """Parses each distinct text once per run, on whichever side it shows up."""

    def __init__(self) -> None:
        self._parsed: dict[str, Any] = {}
        self.splits: dict[tuple[str, int, str], Any] = {}

    def parse(self, text: str) -> Any:
        found = self._parsed.get(text, _MISSING)
        if found is _MISSING:
            try:
                found = yamlio.parse(text, "<diff>.yaml")
            except ParseError:
                found = text     # not YAML after all: compare it as text
            self._parsed[text] = found
        return found


def _scalar(text: str) -> Any:
    """The value of a one-line scalar when it is obviously a string, else _MISSING."""
    if _PLAIN.match(text):
        return _MISSING if text in _NOT_STR or text.endswith(":") else text
    if len(text) >= 2 and text[0] == text[-1] == "'" and "'" not in text[1:-1]:
        return text[1:-1]
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return json.loads(text)   # JSON strings are YAML double-quoted strings
        except ValueError:
            return _MISSING
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return _MISSING


def _blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped[0] == "#"


def _is_item(src: str, at: int) -> bool:
    return src.startswith("- ", at) or src.startswith("-\n", at) or src.endswith("-") and at == len(src) - 1


def _open_value(value: str) -> bool:
    """A flow collection or quoted scalar that goes on past its first line, maybe on lines
    that look like the next entry (apiops never writes one; a person might)."""
    value = value.strip()
    closing = {"[": "]", "{": "}", '"': '"', "'": "'"}.get(value[:1])
    return closing is not None and (len(value) == 1 or not value.endswith(closing))


def _trim(text: str) -> str:
    """Without trailing blank and comment lines, unless a block scalar keeps them (`|+`)."""
    cut = text.rfind("\n")
    if cut < 0 or not _blank(text[cut + 1:]) or _KEEP_TRAILING.search(text):
        return text
    while cut >= 0 and _blank(text[cut + 1:]):
        text = text[:cut]
        cut = text.rfind("\n")
    return text


def _unsafe(src: str) -> bool:
    if "<<" in src or src.startswith("%") or "\n%" in src:
        return True
    if "&" not in src and "*" not in src and "!" not in src:
        return False                # the usual case, found without a regex
    return any(m.start() == 0 or src[m.start() - 1] in " \t\n[{," for m in _SIGIL.finditer(src))


class Node:
    """One YAML node. `src` is its text as in the file, starting at its first character
    (at `column`); the value is the whole document's, the value under `key` of a mapping
    entry, or the single item of a sequence item (`- ...`)."""

    __slots__ = ("src", "column", "mode", "key", "parser", "splittable", "_children", "_value")

    def __init__(self, src: str, parser: Parser, mode: str = "doc", key: str = "",
                 column: int = 0, splittable: bool = True) -> None:
        self.src = src
        self.column = column
        self.mode = mode            # doc | entry | item | value (already parsed)
        self.key = key
        self.parser = parser
        self.splittable = splittable
        self._children: dict[str, Node] | list[Node] | None | object = _MISSING
        self._value: Any = _MISSING

    @classmethod
    def of_value(cls, value: Any, parser: Parser) -> Node:
        node = cls(json.dumps(value, sort_keys=True, default=str), parser, "value")
        node._value = value
        return node

    def __repr__(self) -> str:
        return f"Node({self.mode}, {self.src[:40]!r})"

    @property
    def value(self) -> Any:
        if self._value is _MISSING:
            self._value = self._compute()
        return self._value

    def _standalone(self) -> str:
        """The text as a document of its own (a block scalar's last line break included)."""
        if not self.column or "\n" not in self.src:
            return self.src + "\n"
        lines = self.src.split("\n")
        pad = self.column
        return "\n".join([lines[0], *("" if line[:pad].strip() else line[pad:] for line in lines[1:])]) + "\n"

    def _compute(self) -> Any:
        if self.mode == "doc":
            return self.parser.parse(self.src + "\n")
        if "\n" not in self.src:
            inline = self.src[1:] if self.mode == "item" else self.src[_KEY.match(self.src).end() + 1:]  # type: ignore[union-attr]
            found = _scalar(inline.strip())
            if found is not _MISSING:
                return found
        parsed = self.parser.parse(self._standalone())
        if self.mode == "item":
            return parsed[0] if isinstance(parsed, list) and parsed else parsed
        return parsed.get(self.key) if isinstance(parsed, dict) else parsed

    def _body(self) -> tuple[int, int] | None:
        """(offset in src, column) of the node's first child, or None for a leaf."""
        src = self.src
        if self.mode == "doc":
            return (0, 0) if src[:1] not in ("", " ", "#") else None
        first_end = src.find("\n")
        first_line = src if first_end < 0 else src[:first_end]
        if self.mode == "entry":
            match = _KEY.match(src)
            if match is None or not _blank(first_line[match.end() + 1:]):
                return None         # a value on the key's line: a leaf
            rest = ""
        else:
            rest = first_line[1:]
        if not _blank(rest):        # an item's content starts on its own line: `- key: value`
            offset = 1 + len(rest) - len(rest.lstrip(" "))
            if not (_KEY.match(src, offset) or _is_item(src, offset)):
                return None
            return offset, self.column + offset
        if first_end < 0:
            return None
        found = _FIRST_LINE.search(src, first_end)
        if found is None:
            return None
        indent, at = len(found.group(1)), found.end()
        indentless = self.mode == "entry" and indent == self.column and _is_item(src, at)
        return (at, indent) if indent > self.column or indentless else None

    def children(self) -> dict[str, Node] | list[Node] | None:
        """Entries (by key) or items, without parsing; None for a leaf or an unsplittable node.
        The same text on the other side of the diff is split only once."""
        if self._children is _MISSING:
            if self.mode == "value" or not self.splittable:
                self._children = self._wrap() if self.mode == "value" else None
            else:
                key = (self.mode, self.column, self.src)
                found = self.parser.splits.get(key, _MISSING)
                if found is _MISSING:
                    found = self.parser.splits[key] = self._split()
                self._children = found
        return self._children  # type: ignore[return-value]

    def _split(self) -> dict[str, Node] | list[Node] | None:
        body = self._body()
        if body is None:
            return None
        src = self.src
        offset, column = body
        starts = [offset] + [m.end() for m in _starts(column).finditer(src, offset)]
        items = _is_item(src, offset)
        if items:
            if not all(_is_item(src, at) for at in starts):
                return None
        else:
            starts = [at for at in starts if not _is_item(src, at)]  # sequences at their key's indent
        ends = [*(s - column - 1 for s in starts[1:]), len(src)]    # each ends before the next line
        chunks = [_trim(src[at:end]) for at, end in zip(starts, ends, strict=True)]
        if items:
            if any(_open_value(chunk.partition("\n")[0][1:]) for chunk in chunks):
                return None
            return [Node(chunk, self.parser, "item", column=column) for chunk in chunks]
        entries: dict[str, Node] = {}
        for chunk in chunks:
            match = _KEY.match(chunk)
            if match is None or _open_value(chunk.partition("\n")[0][match.end() + 1:]):
                return None         # odd keys, multi-line values: let the parser decide
            key = self._key(match.group("key"))
            if key is None or key in entries:
                return None         # a duplicate key is the parser's to report
            entries[key] = Node(chunk, self.parser, "entry", key, column)
        return entries

    def _key(self, text: str) -> str | None:
        found = _scalar(text)
        if isinstance(found, str):
            return found
        parsed = self.parser.parse(f"{text}: null")
        return next(iter(parsed)) if isinstance(parsed, dict) and len(parsed) == 1 else None

    def _wrap(self) -> dict[str, Node] | list[Node] | None:
        value = self.value
        if isinstance(value, dict):
            return {str(k): Node.of_value(v, self.parser) for k, v in value.items()}
        if isinstance(value, list):
            return [Node.of_value(v, self.parser) for v in value]
        return None

    def child(self, *keys: str) -> Node | None:
        node: Node | None = self
        for key in keys:
            if node is None:
                return None
            children = node.children()
            if isinstance(children, dict):
                node = children.get(key)
            elif isinstance(node.value, dict) and key in node.value:
                node = Node.of_value(node.value[key], self.parser)
            else:
                return None
        return node

    def get(self, *keys: str, default: Any = None) -> Any:
        node = self.child(*keys)
        return default if node is None else node.value

    def items(self) -> list[Node]:
        """The items of a sequence node (parsed whole when it cannot be split)."""
        children = self.children()
        if isinstance(children, list):
            return children
        value = self.value
        return [Node.of_value(v, self.parser) for v in value] if isinstance(value, list) else []


def documents(text: str, parser: Parser) -> list[Node] | None:
    """The documents of a YAML file, or None when it cannot be cut at `---` lines."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    parts: list[str] = []
    start = 0
    if text.startswith(("---", "...")) or "\n---" in text or "\n..." in text:
        for match in _SEPARATOR.finditer(text):
            if not _blank(match.group(1)):
                return None         # `--- value`: content on the marker line
            parts.append(text[start:match.start()])
            start = match.end() + 1
    parts.append(text[start:])
    nodes = []
    for part in parts:
        # header comments name the sources, not content
        src = _trim(part[_LEADING.match(part).end():])  # type: ignore[union-attr]
        if src.strip():
            nodes.append(Node(src, parser, "doc", splittable=not _unsafe(src)))
    return nodes
