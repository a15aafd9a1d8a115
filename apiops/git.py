"""Every git operation; the only module that imports GitPython (lazily: it is slow to import)."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from apiops.errors import GitError


def _repo(path: Path) -> Any:
    import git

    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise GitError(f"{path} is not inside a git repository") from exc


def root(path: Path) -> Path:
    repo = _repo(path)
    if repo.working_tree_dir is None:
        raise GitError(f"{path}: a bare repository has no work tree")
    return Path(repo.working_tree_dir)


def git_dir(start: Path) -> Path | None:
    """The repository's common git directory, found on disk without starting git or
    importing GitPython: caches need it on every run, including the fast no-op ones."""
    for folder in (start, *start.parents):
        dotgit = folder / ".git"
        if dotgit.is_dir():
            return dotgit
        if dotgit.is_file():                      # a worktree or submodule: "gitdir: <path>"
            text = dotgit.read_text(encoding="utf-8", errors="replace").strip()
            if not text.startswith("gitdir:"):
                return None
            private = (folder / text[len("gitdir:"):].strip()).resolve()
            common = private / "commondir"
            if common.is_file():
                return (private / common.read_text().strip()).resolve()
            return private
    return None


# -- reading revisions without checking anything out (apiops diff) ----------------------

FETCH_HINT = ("fetch it first (`git fetch origin <branch>`); in CI check out the full history: "
              "actions/checkout `fetch-depth: 0`, GitLab CI `GIT_DEPTH: 0`")


def zsplit(out: str) -> list[str]:
    return [part for part in out.split("\0") if part]


def _command_error(exc: Any, what: str) -> GitError:
    stderr = (getattr(exc, "stderr", "") or "").strip() or str(exc)
    return GitError(f"{what}: {stderr.splitlines()[-1] if stderr else exc}")


def has_commits(path: Path) -> bool:
    """False in a repository whose first commit is still being made."""
    import git

    try:
        _repo(path).git.rev_parse("--verify", "--quiet", "HEAD^{commit}")
    except git.GitCommandError:
        return False
    return True


def resolve_commit(path: Path, rev: str) -> str:
    """The full id of the commit `rev` names; a missing revision (typically a shallow
    clone) is a GitError that says how to fetch it."""
    import git

    repo = _repo(path)
    try:
        return str(repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"))
    except git.GitCommandError as exc:
        try:
            shallow = repo.git.rev_parse("--is-shallow-repository") == "true"
        except git.GitCommandError:
            shallow = False
        where = "this shallow clone" if shallow else "this repository"
        raise GitError(f"revision '{rev}' is not in {where}: {FETCH_HINT}") from exc


def tree_files(path: Path, commit: str, folders: Sequence[str]) -> dict[str, str]:
    """Blob id of every file under `folders` (paths from the work-tree root) at `commit`,
    read from tree objects: no checkout, no index."""
    import git

    try:
        out = _repo(path).git.ls_tree("-r", "-z", "--full-tree", commit, "--", *folders)
    except git.GitCommandError as exc:
        raise _command_error(exc, f"cannot list the files of {commit}") from exc
    files: dict[str, str] = {}
    for record in zsplit(out):
        meta, _, name = record.partition("\t")
        _mode, kind, blob = meta.split()
        if kind == "blob":
            files[name] = blob
    return files


def read_blobs(path: Path, blob_ids: Iterable[str]) -> dict[str, bytes]:
    """Contents of many blobs through one `git cat-file --batch` process."""
    import git

    repo = _repo(path)
    out: dict[str, bytes] = {}
    try:
        for blob in blob_ids:
            if blob not in out:
                out[blob] = repo.odb.stream(bytes.fromhex(blob)).read()
    except (git.GitCommandError, ValueError) as exc:
        raise _command_error(exc, "cannot read a file from git") from exc
    finally:
        repo.close()
    return out


def blob_id(data: bytes, length: int = 40) -> str:
    """The id git gives `data` as a blob (SHA-1, or SHA-256 in a repository using it)."""
    digest = hashlib.sha1 if length == 40 else hashlib.sha256
    return digest(b"blob %d\0" % len(data) + data).hexdigest()


def changed_since(path: Path, commit: str, folders: Sequence[str]) -> list[str]:
    """Work-tree files under `folders` (paths from `path`) that differ from `commit`:
    modified, added, deleted or untracked. git answers from its index's stat data, so
    this costs little however many files are unchanged."""
    import git

    runner = git.Git(str(path))        # paths and --relative from `path`, not the top
    try:
        changed = runner.diff("--name-only", "--relative", "--no-renames", "-z", commit,
                                "--", *folders)
        untracked = runner.ls_files("-z", "--others", "--exclude-standard", "--", *folders)
    except git.GitCommandError as exc:
        raise _command_error(exc, f"cannot compare the work tree with {commit}") from exc
    return sorted(set(zsplit(changed)) | set(zsplit(untracked)))
