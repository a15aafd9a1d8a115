"""Every git operation; the only module that imports GitPython (lazily: it is slow to import)."""
from __future__ import annotations

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


def common_dir(path: Path) -> Path:
    """Where caches go: shared by every worktree of the repository."""
    import git

    try:
        out = _repo(path).git.rev_parse("--git-common-dir")
    except git.GitCommandError as exc:
        raise GitError(f"git rev-parse failed: {exc.stderr.strip()}") from exc
    result = Path(out)
    return result if result.is_absolute() else (path / result).resolve()
