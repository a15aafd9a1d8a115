"""$ref policy: validation never reaches the network and never reads outside the repository.

Every file a `$ref` names is read here (referencing calls `RefFiles.retrieve`), so this is
the one place that decides; the validator never gets a chance to fetch anything itself.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from apiops.errors import ParseError
from apiops.yamlio import DEFAULT_MAX_BYTES, parse, read_text


class RefRefused(Exception):
    """A $ref apiops will not follow; `rule` is the finding's rule id."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason


@dataclass
class RefFiles:
    """Reads the local files `$ref`s name, inside `boundary` only, and remembers each one:
    a cached verdict is only valid while those files are unchanged."""

    boundary: Path
    max_bytes: int = DEFAULT_MAX_BYTES
    deps: set[str] = field(default_factory=set)
    _loaded: dict[str, Any] = field(default_factory=dict, repr=False)

    def load(self, uri: str) -> Any:
        # Resolvers on older registries ask again for a file already read: read it once.
        if uri not in self._loaded:
            self._loaded[uri] = self._read(uri)
        return self._loaded[uri]

    def _read(self, uri: str) -> Any:
        path = local_path(uri)
        if path is None:
            raise RefRefused("remote-ref", "remote references are refused: apiops validates "
                             "offline; copy the document into the repository and refer to it "
                             "by a relative path")
        resolved = path.resolve()
        if not resolved.is_relative_to(self.boundary):
            raise RefRefused("ref-outside-repo", f"{resolved} is outside the repository "
                             f"({self.boundary}); local references must stay inside it")
        if not resolved.is_file():
            raise RefRefused("unresolvable-ref", f"file {self._shown(resolved)} does not exist")
        try:
            text = read_text(resolved, self._shown(resolved), self.max_bytes)
            data = parse(text, self._shown(resolved))
        except ParseError as exc:
            raise RefRefused("unresolvable-ref", f"cannot read the file it names: {exc}") from exc
        self.deps.add(str(resolved))
        return data

    def _shown(self, path: Path) -> str:
        return path.relative_to(self.boundary).as_posix()


def local_path(uri: str) -> Path | None:
    """The file a `file:` URI names; None for anything that would go over the network."""
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return Path(url2pathname(parts.path))


def refusal(exc: BaseException) -> RefRefused | None:
    """The RefRefused behind a referencing error, however deeply it was wrapped."""
    seen: Iterator[BaseException | None] = _chain(exc)
    for cause in seen:
        if isinstance(cause, RefRefused):
            return cause
    return None


def _chain(exc: BaseException | None) -> Iterator[BaseException | None]:
    depth = 0
    while exc is not None and depth < 20:
        yield exc
        exc = exc.__cause__ or exc.__context__
        depth += 1
