"""Caches under the repository's git directory (shared by its worktrees), keyed by
content hashes: parsed documents and customers, and file hashes by stat, so that
unchanged inputs are never parsed or hashed twice. A missing or damaged cache only
costs time: every read failure is a miss."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import time
from pathlib import Path
from typing import Any

from apiops.version import __version__

FOLDER = "apiops"
SETTLED_NS = 3_000_000_000


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Cache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        from apiops.git import git_dir

        found = git_dir(root) if enabled and not os.environ.get("APIOPS_NO_CACHE") else None
        self.folder = found / FOLDER / __version__ if found else None
        self.root = root
        self._stats: dict[str, list[Any]] = {}
        self._stats_dirty = False
        self._hashes: dict[str, str] = {}
        if self.folder is not None:
            with contextlib.suppress(OSError, ValueError):
                self._stats = json.loads((self.folder / "stat.json").read_text())

    # -- pickled objects by key ---------------------------------------------------------

    def get(self, kind: str, key: str) -> Any:
        if self.folder is None:
            return None
        try:
            with open(self.folder / kind / key[:2] / key, "rb") as handle:
                return pickle.load(handle)
        except Exception:  # noqa: BLE001 - a cache miss, whatever went wrong
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        if self.folder is None:
            return
        path = self.folder / kind / key[:2] / key
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{key}.{os.getpid()}")
            tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, path)

    # -- file hashes, trusted while size and mtime are unchanged (as git's index does) ---

    def file_hash(self, path: Path | str) -> str | None:
        """sha256 of the file's bytes, None when it does not exist."""
        name = str(path)
        if name in self._hashes:
            return self._hashes[name]
        try:
            stat = os.stat(name)
        except OSError:
            return None
        known = self._stats.get(name)
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        if known is not None and known[:3] == signature:
            digest: str = known[3]
        else:
            try:
                with open(name, "rb") as handle:
                    digest = _sha256(handle.read())
            except OSError:
                return None
            # A file changed within the clock's granularity could keep its signature
            # ("racily clean" in git's words): only remember files that have settled.
            if time.time_ns() - stat.st_mtime_ns > SETTLED_NS:
                self._stats[name] = [*signature, digest]
                self._stats_dirty = True
        self._hashes[name] = digest
        return digest

    def forget(self, path: Path | str) -> None:
        self._hashes.pop(str(path), None)
        if self._stats.pop(str(path), None) is not None:
            self._stats_dirty = True

    def save(self) -> None:
        if self.folder is None or not self._stats_dirty:
            return
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".stat.json.{os.getpid()}"
            tmp.write_text(json.dumps(self._stats))
            os.replace(tmp, self.folder / "stat.json")
            self._stats_dirty = False


def source_hash(*names: str) -> str:
    """sha256 of apiops' own files under these package-relative names (modules or
    subpackages; "." is the whole package, its JSON Schemas included)."""
    package = Path(__file__).parent
    files: list[Path] = []
    for name in names:
        target = package / name
        files += ([*target.rglob("*.py"), *target.glob("schemas/*.json")] if target.is_dir()
                  else [target])
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(set(files)):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _installed_stamp() -> str:
    """Installing, upgrading or removing a distribution changes its sys.path folder's
    mtime: a local, cheap stand-in for the list of installed plugins."""
    import sys

    stamps = []
    for folder in sys.path:
        with contextlib.suppress(OSError):
            stamps.append(f"{folder}:{os.stat(folder).st_mtime_ns}")
    return key(*stamps)


def _plugins(cache: Cache | None) -> str:
    """The generator plugins and their versions. importlib.metadata costs a no-op run a
    sixth of its time, so the listing is kept in the cache while nothing was installed."""
    stamp = _installed_stamp()
    found = cache.get("plugins", stamp) if cache is not None else None
    if isinstance(found, str):
        return found
    from importlib.metadata import entry_points

    listing = key(*sorted(f"{e.name}={e.value}@{e.dist.version if e.dist else ''}"
                          for e in entry_points(group="apiops.generators")))
    if cache is not None:
        cache.put("plugins", stamp, listing)
    return listing


_CODE: list[str] = []


def code_fingerprint(cache: Cache | None = None) -> str:
    """apiops' own code and its generator plugins, the same on every machine that has the
    same of both (the lock file, which is committed, records it). A change of either
    re-renders every customer and invalidates cached parses, even without a version bump."""
    if not _CODE:
        _CODE.append(key(source_hash("."), _plugins(cache)))
    return _CODE[0]


def key(*parts: str) -> str:
    return _sha256("\0".join(parts).encode())
