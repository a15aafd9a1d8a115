"""User errors: one line each, `path:line:col: error: message [rule]`, exit 1, no traceback,
nothing written, every error of the run reported.

Each case is a folder tests/fixtures/negative/<case>/: files laid over a copy of
tests/fixtures/basic/ (a repository that generates cleanly), plus `expected.txt`, the exact
error lines. A new case is just files.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, overlay
from generators.support import documents, read_tree

from apiops.cli import main

NEGATIVE = FIXTURES / "negative"
CASES = sorted(p.name for p in NEGATIVE.iterdir() if (p / "expected.txt").is_file())
# Run through a real process (console script module, exit status, streams); the rest in-process.
SUBPROCESS = {"unknown-service", "syntax-customer", "two-bad-customers", "literal-secret"}


def run(repo: Path, args: list[str], capsys: pytest.CaptureFixture[str], subprocess_: bool
        ) -> tuple[int, str, str]:
    if subprocess_:
        proc = subprocess.run([sys.executable, "-m", "apiops.cli", *args], cwd=repo,
                              capture_output=True, text=True, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr
    capsys.readouterr()
    code = main([*args, "-C", str(repo)])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_case_has_inputs_and_expected_lines() -> None:
    assert len(CASES) >= 14
    for case in CASES:
        assert any(p.is_file() and p.name != "expected.txt" for p in (NEGATIVE / case).rglob("*")), case
        assert (NEGATIVE / case / "expected.txt").read_text().strip(), case


@pytest.mark.parametrize("case", CASES)
def test_user_error(case: str, make_repo: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo("basic")
    assert run(repo, ["generate"], capsys, False)[0] == 1      # 1: files were written
    before = read_tree(repo, lock=True)
    assert before
    overlay(case, repo)
    expected = (NEGATIVE / case / "expected.txt").read_text().splitlines()

    code, out, err = run(repo, ["generate"], capsys, case in SUBPROCESS)

    assert code == 1, err
    assert "Traceback" not in out + err
    assert out == ""
    assert err.splitlines() == [*expected, f"apiops: {len(expected)} error(s); nothing was written"]
    assert read_tree(repo, lock=True) == before, "an input error must leave configs/ and deploy/ alone"


@pytest.mark.parametrize("case", ["unknown-scope", "syntax-document"])
def test_user_error_on_a_fresh_repository_writes_nothing(
        case: str, make_repo: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo("basic")
    overlay(case, repo)
    expected = (NEGATIVE / case / "expected.txt").read_text().splitlines()
    for command in (["generate"], ["check"], ["generate", "--check"]):
        code, _, err = run(repo, command, capsys, False)
        assert code == 1
        assert err.splitlines()[:-1] == expected
    assert not (repo / "configs").exists()
    assert not (repo / "deploy").exists()


def public_notes(repo: Path) -> list[dict[str, object]]:
    docs = documents((repo / "configs/alpha/gateway/notes.yaml").read_bytes())
    assert [d["kind"] for d in docs] == ["HTTPRoute"], "a public service needs no SecurityPolicy"
    (rule,) = docs[0]["spec"]["rules"]  # type: ignore[index]
    assert rule["name"] == "public"
    return docs


def test_public_routes_opt_in_in_customer_yaml(make_repo: Callable[..., Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo("basic")
    overlay("missing-security", repo)                # alpha pins notes, which has no security
    customer = repo / "customers/alpha/customer.yaml"
    customer.write_text(customer.read_text() + "publicRoutes: true\n")
    code, _, err = run(repo, ["generate"], capsys, False)
    assert (code, err) == (1, "")
    public_notes(repo)


def test_public_routes_opt_in_at_the_document_root(make_repo: Callable[..., Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo("basic")
    overlay("missing-security", repo)
    for name in ("notes", "shop"):
        doc = repo / f"services/{name}/1.0.0/openapi.yaml"
        doc.write_text("x-apiops-public: true\n" + doc.read_text())
    code, _, err = run(repo, ["generate"], capsys, False)
    assert (code, err) == (1, "")
    public_notes(repo)
    # The opt-in covers operations that declare no security, not those that do.
    shop = documents((repo / "configs/alpha/gateway/shop.yaml").read_bytes())
    assert sum(d["kind"] == "SecurityPolicy" for d in shop) == 5
