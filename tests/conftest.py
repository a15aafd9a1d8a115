from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_INPUTS = ("apiops.yaml", "services", "customers")


def shared_path(*parts: str) -> Path:
    """A file of ../shared; skips the test only where ../shared is absent (never in CI)."""
    path = SHARED.joinpath(*parts)
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail("../shared is missing in CI")
        pytest.skip("../shared is not beside the project")
    return path


@pytest.fixture(autouse=True, scope="session")
def _git_identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Real git, isolated from the user's configuration and home."""
    home = tmp_path_factory.mktemp("home")
    template = tmp_path_factory.mktemp("git-template")
    saved = dict(os.environ)
    os.environ.update({
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TEMPLATE_DIR": str(template),
        "PRE_COMMIT_HOME": str(tmp_path_factory.getbasetemp() / "pre-commit-home"),
    })
    os.environ.pop("NO_COLOR", None)
    subprocess.run(["git", "config", "--global", "init.defaultBranch", "main"], check=True)
    yield
    os.environ.clear()
    os.environ.update(saved)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """A real git repository holding a copy of the example monorepo's inputs
    (or of tests/fixtures/<case>/), committed."""

    def make(case: str | None = None, commit: bool = True) -> Path:
        repo = tmp_path / "repo"
        repo.mkdir()
        source = FIXTURES / case if case else PROJECT
        names = sorted(p.name for p in source.iterdir()) if case else EXAMPLE_INPUTS
        for name in names:
            src = source / name
            if src.is_dir():
                shutil.copytree(src, repo / name)
            else:
                shutil.copy2(src, repo / name)
        git(repo, "init", "-q")
        if commit:
            git(repo, "add", "-A")
            git(repo, "commit", "-qm", "inputs")
        return repo

    return make


def overlay(case: str, repo: Path) -> None:
    """Lay tests/fixtures/negative/<case>/ over a monorepo (its expected.txt stays out)."""
    source = FIXTURES / "negative" / case
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.name != "expected.txt":
            target = repo / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


@pytest.fixture
def example_repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo()
