from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import git

from apiops.hooks import diff as diff_hook
from apiops.hooks import generate as generate_hook

GOLDEN = Path(__file__).resolve().parent / "golden"
SHA = re.compile(r"^[0-9a-f]{40}$")
JOB_HASH = re.compile(r"(?<=keycloak-config-cli-)[0-9a-f]{10}\b")


def mask_job_hashes(text: str) -> str:
    """The Job's name carries a hash of the realm: <hash-1>, <hash-2>... in order of
    appearance, so the reports do not depend on every byte the generators write."""
    seen: dict[str, str] = {}
    return JOB_HASH.sub(lambda m: seen.setdefault(m.group(0), f"<hash-{len(seen) + 1}>"), text)


def commit_generated(repo: Path, message: str) -> None:
    """Regenerate configs/ and deploy/ and commit everything (inputs included)."""
    assert generate_hook.main(["-C", str(repo)]) in (0, 1)     # 1: files were written
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message, "--allow-empty")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def generated_repo(example_repo: Path) -> Path:
    """The example monorepo with its generated configs committed."""
    commit_generated(example_repo, "generated")
    return example_repo


@pytest.fixture
def run_diff(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    def run(repo: Path, *args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = diff_hook.main(["-C", str(repo), *args])
        return code, capsys.readouterr().out
    return run


@pytest.fixture
def diff_json(run_diff: Callable[..., tuple[int, str]]) -> Callable[..., dict]:
    """The JSON report of HEAD~1..HEAD, with the commit ids checked and then masked."""
    def run(repo: Path, *args: str) -> dict:
        code, out = run_diff(repo, "--base", "HEAD~1", "--head", "HEAD", "--format", "json", *args)
        assert code == 0
        data = json.loads(mask_job_hashes(out))
        for side in ("base", "head"):
            assert SHA.match(data[side]["commit"])
            data[side]["commit"] = "<commit>"
        return data
    return run


def check_golden(name: str, text: str, commits: dict[str, str]) -> None:
    """Compare with tests/diff/golden/<name>; APIOPS_UPDATE_GOLDEN=1 rewrites it."""
    import os

    for label, commit in commits.items():
        text = text.replace(commit[:12], f"<{label}>")
    text = mask_job_hashes(text)
    path = GOLDEN / name
    if os.environ.get("APIOPS_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"{path} is missing: run with APIOPS_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text()
