"""configs/.apiops.lock: per customer, the fingerprint of its inputs and the hash of
every file it owns. It is how generation skips unchanged customers, removes files no
longer produced, and recognises a generated file edited by hand."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from apiops.errors import ApiopsError
from apiops.version import __version__

LOCK_NAME = ".apiops.lock"
DEPLOY_OWNER = ":deploy"   # not a DNS label, so it can never clash with a customer


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@dataclass
class Entry:
    fingerprint: str
    files: dict[str, str] = field(default_factory=dict)   # repo-relative path -> sha256


@dataclass
class Lock:
    entries: dict[str, Entry] = field(default_factory=dict)
    path_exists: bool = False

    @classmethod
    def read(cls, path: Path) -> Lock:
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entries = {owner: Entry(e["fingerprint"], dict(e["files"]))
                       for owner, e in raw["owners"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ApiopsError(f"{path}: the lock file is damaged ({exc}); delete it and run "
                              "`apiops generate --force` to rebuild it") from exc
        return cls(entries, True)

    def owner_of(self) -> dict[str, str]:
        return {file: owner for owner, entry in self.entries.items() for file in entry.files}

    def dumps(self) -> str:
        owners = {owner: {"fingerprint": e.fingerprint, "files": dict(sorted(e.files.items()))}
                  for owner, e in sorted(self.entries.items())}
        return json.dumps({"generator": "apiops", "version": __version__, "owners": owners},
                          indent=1, sort_keys=False) + "\n"
