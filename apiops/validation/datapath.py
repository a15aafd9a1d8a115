"""A stand-in for jsonschema-path's SchemaPath over plain data.

openapi-spec-validator's keyword validators walk the document through SchemaPath,
whose generic lookups cost most of its run time (22 of 33 s on GitHub's description).
`DataPath` offers the few operations those validators use, resolving each `$ref` once,
through the same `referencing` registry, and `RefContext` records every `$ref` it
cannot follow as a finding instead of fetching or failing.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from referencing import Registry, Resource
from referencing._core import Resolved, Resolver
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from apiops.validation.findings import Finding, KeyPath
from apiops.validation.refs import RefFiles, refusal

_UNSET: Any = object()


class RefContext:
    """Resolution state of one validation run: the registry and the refused `$ref`s."""

    def __init__(self, document: Any, base_uri: str, files: RefFiles) -> None:
        self.files = files
        self.document = document
        self.findings: dict[tuple[KeyPath, str], Finding] = {}
        registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        registry = registry.with_resource(base_uri, DRAFT202012.create_resource(document))
        self.resolver: Resolver[Any] = registry.resolver(base_uri=base_uri)
        self._lookups: dict[tuple[int, str], tuple[Resolver[Any], Resolved[Any]]] = {}
        self.root = DataPath(self, None, None)

    def _retrieve(self, uri: str) -> Resource[Any]:
        return DRAFT202012.create_resource(self.files.load(uri))

    def lookup(self, ref: str, resolver: Resolver[Any], where: DataPath) -> Resolved[Any]:
        key = (id(resolver), ref)
        hit = self._lookups.get(key)
        if hit is not None:
            return hit[1]
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable as exc:
            self.refused(ref, exc, (*where.parts, "$ref"))
            resolved = _resolved({}, resolver)
        self._lookups[key] = (resolver, resolved)  # keeps the resolver alive: ids stay unique
        return resolved

    def refused(self, ref: str, exc: BaseException, keys: KeyPath) -> None:
        cause = refusal(exc)
        if cause is not None:
            finding = Finding(keys, f"$ref '{ref}': {cause.reason}", cause.rule)
        else:
            reason = str(exc) if isinstance(exc, RecursionError) else \
                type(exc).__name__.replace("PointerToNowhere", "points to nowhere")
            finding = Finding(keys, f"$ref '{ref}' cannot be resolved ({reason})",
                              "unresolvable-ref")
        self.findings.setdefault((keys, finding.message), finding)


class DataPath:
    """A lazily resolved location in the document: parent, key, and, once read, the node."""

    __slots__ = ("ctx", "parent", "key", "_node", "_resolver")

    def __init__(self, ctx: RefContext, parent: DataPath | None, key: str | int | None) -> None:
        self.ctx = ctx
        self.parent = parent
        self.key = key
        self._node: Any = _UNSET
        self._resolver: Any = None

    @property
    def parts(self) -> KeyPath:
        keys: list[str | int] = []
        path: DataPath | None = self
        while path is not None and path.parent is not None:
            keys.append(path.key)  # type: ignore[arg-type]
            path = path.parent
        return tuple(reversed(keys))

    def _get(self) -> tuple[Any, Resolver[Any]]:
        if self._node is _UNSET:
            if self.parent is None:
                node, resolver = self.ctx.document, self.ctx.resolver
            else:
                parent, resolver = self.parent._get()
                node = _child(parent, self.key)
            seen: set[int] = set()
            while isinstance(node, dict) and isinstance(node.get("$ref"), str):
                if id(node) in seen:
                    self.ctx.refused(node["$ref"], RecursionError("circular $ref chain"),
                                     (*self.parts, "$ref"))
                    node = {}
                    break
                seen.add(id(node))
                resolved = self.ctx.lookup(node["$ref"], resolver, self)
                node, resolver = resolved.contents, resolved.resolver
            self._node, self._resolver = node, resolver
        return self._node, self._resolver

    def __truediv__(self, key: str | int) -> DataPath:
        return DataPath(self.ctx, self, key)

    def __contains__(self, key: object) -> bool:
        try:
            node = self._get()[0]
        except KeyError:
            return False
        if isinstance(node, Mapping):
            return key in node
        if isinstance(node, list):
            return isinstance(key, int) and 0 <= key < len(node)
        return False

    def keys(self) -> list[Any]:
        node = self._get()[0]
        if isinstance(node, Mapping):
            return list(node.keys())
        if isinstance(node, list):
            return list(range(len(node)))
        raise KeyError(self.key)

    def __iter__(self) -> Iterator[DataPath]:
        for key in self.keys():
            yield DataPath(self.ctx, self, key)

    def items(self) -> Iterator[tuple[Any, DataPath]]:
        for key in self.keys():
            yield key, DataPath(self.ctx, self, key)

    def __getitem__(self, key: str | int) -> Any:
        raw = _child(self._get()[0], key)
        return DataPath(self.ctx, self, key) if isinstance(raw, (Mapping, list)) else raw

    def read_value(self) -> Any:
        return self._get()[0]

    def read_str(self, default: Any = _UNSET) -> Any:
        try:
            value = self._get()[0]
        except KeyError:
            if default is not _UNSET:
                return default
            raise
        if not isinstance(value, str):
            raise TypeError(f"Expected a string value, got {type(value)}")
        return value

    def resolve(self) -> AbstractContextManager[Resolved[Any]]:
        node, resolver = self._get()
        return nullcontext(_resolved(node, resolver))

    def _clone_with_parts(self, parts: KeyPath) -> DataPath:
        path = self.ctx.root
        for key in parts:
            path = path / key
        return path

    def __repr__(self) -> str:
        return "DataPath(" + "/".join(map(str, self.parts)) + ")"


def _resolved(contents: Any, resolver: Resolver[Any]) -> Resolved[Any]:
    make: Any = Resolved     # attrs class: mypy does not see its generated __init__
    resolved: Resolved[Any] = make(contents=contents, resolver=resolver)
    return resolved


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, Mapping):
        if key in node:
            return node[key]
    elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    raise KeyError(key)
