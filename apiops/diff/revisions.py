"""The two sides of a diff: the files under configs/ and deploy/ at a revision (read
from git objects, never checked out) or in the working tree."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from apiops import git
from apiops.diff.model import Revision

WORKTREE = "working tree"


@dataclass
class Side:
    revision: Revision
    files: dict[str, str]                       # path from the monorepo root -> git blob id
    fetch: Callable[[list[str]], dict[str, bytes]] = field(repr=False)

    def read(self, paths: Iterable[str]) -> dict[str, str]:
        wanted = [p for p in paths if p in self.files]
        found = self.fetch(wanted) if wanted else {}
        return {path: data.decode("utf-8", errors="replace") for path, data in found.items()}


def _hidden(path: str) -> bool:
    """The lock file and half-written temporary files are not content."""
    return any(part.startswith(".") for part in path.split("/"))


def _commit_side(root: Path, prefix: str, label: str, folders: Sequence[str]) -> Side:
    commit = git.resolve_commit(root, label)
    blobs = git.tree_files(root, commit, [prefix + f for f in folders])
    files = {path[len(prefix):]: blob for path, blob in blobs.items() if not _hidden(path[len(prefix):])}

    def fetch(paths: list[str]) -> dict[str, bytes]:
        data = git.read_blobs(root, (files[p] for p in paths))
        return {p: data[files[p]] for p in paths}

    return Side(Revision(label, commit), files, fetch)


def _worktree_side(root: Path, folders: Sequence[str], id_length: int) -> Side:
    contents: dict[str, bytes] = {}
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(root / folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in filenames:
                path = Path(dirpath, name)
                relative = path.relative_to(root).as_posix()
                if not _hidden(relative) and path.is_file():
                    contents[relative] = path.read_bytes()
    files = {path: git.blob_id(data, id_length) for path, data in contents.items()}
    return Side(Revision(WORKTREE, None), files, lambda paths: {p: contents[p] for p in paths})


def _worktree_over(root: Path, old: Side, folders: Sequence[str], id_length: int) -> Side:
    """The work tree as `old` plus the files git reports changed since it: only those are
    read, where reading all of a 200-customer configs/ took most of the hook's time."""
    assert old.revision.commit is not None
    files = dict(old.files)
    contents: dict[str, bytes] = {}
    for relative in git.changed_since(root, old.revision.commit, folders):
        if _hidden(relative):
            continue
        path = root / relative
        if path.is_file():
            contents[relative] = path.read_bytes()
            files[relative] = git.blob_id(contents[relative], id_length)
        else:
            files.pop(relative, None)

    def fetch(paths: list[str]) -> dict[str, bytes]:
        unchanged = [p for p in paths if p not in contents]
        found = old.fetch(unchanged) if unchanged else {}
        return {p: contents[p] if p in contents else found[p] for p in paths}

    return Side(Revision(WORKTREE, None), files, fetch)


def _empty_side(label: str) -> Side:
    return Side(Revision(label, None), {}, lambda paths: {})


def load(root: Path, base: str | None, head: str | None, folders: Sequence[str]) -> tuple[Side, Side]:
    """Without a base: the working tree against HEAD (nothing at all before the first commit)."""
    top = git.root(root)
    relative = root.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if relative == "." else relative + "/"
    if base is None and not git.has_commits(root):
        old = _empty_side("HEAD")
    else:
        old = _commit_side(root, prefix, base or "HEAD", folders)
    length = len(next(iter(old.files.values()), "0" * 40))
    if head:
        new = _commit_side(root, prefix, head, folders)
    elif old.revision.commit is not None:
        new = _worktree_over(root, old, folders, length)
    else:
        new = _worktree_side(root, folders, length)
    return old, new
