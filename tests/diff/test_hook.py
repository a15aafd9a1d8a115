"""The apiops-diff entry point: the working tree against HEAD, revisions, filters, exit codes
and the errors a user can run into (shallow clones, unknown names)."""
from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import git

from apiops import cli
from apiops.hooks import diff as diff_hook
from apiops.hooks import generate as generate_hook

from .conftest import commit_generated, edit

RunDiff = Callable[..., tuple[int, str]]


def widen_acme_client(repo: Path) -> None:
    edit(repo / "customers/acme/customer.yaml",
         "scopes: ['billing:read', 'billing:write', 'orders:read']",
         "scopes: ['billing:read', 'billing:write', 'orders:read', 'orders:write']")
    assert generate_hook.main(["-C", str(repo)]) == 1


def test_working_tree_against_head(generated_repo: Path, run_diff: RunDiff) -> None:
    widen_acme_client(generated_repo)                  # regenerated, not committed: the hook's view
    code, out = run_diff(generated_repo)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("apiops diff: HEAD (") and lines[0].endswith(") → working tree")
    assert "  acme: client acme-erp gains scope(s) orders:write  (KeycloakClient acme-erp)" in lines
    assert "      + defaultClientScopes[orders:write]: added orders:write" in lines
    assert lines[-1] == "1 customer touched · resources: 0 added, 0 removed, 2 changed · 1 security change"


def test_fail_on_change(generated_repo: Path, run_diff: RunDiff) -> None:
    code, out = run_diff(generated_repo, "--fail-on-change")
    assert code == 0 and out.splitlines()[-1] == "no changes to configs/ or deploy/"
    widen_acme_client(generated_repo)
    assert run_diff(generated_repo, "--fail-on-change")[0] == 1
    assert run_diff(generated_repo)[0] == 0            # informs, never fails by default


def test_customer_filter(generated_repo: Path, run_diff: RunDiff) -> None:
    widen_acme_client(generated_repo)
    code, out = run_diff(generated_repo, "--customer", "globex", "--format", "json")
    assert code == 0 and json.loads(out)["groups"] == []
    data = json.loads(run_diff(generated_repo, "--customer", "acme", "--format", "json")[1])
    assert [g["name"] for g in data["groups"]] == ["acme"]


def test_unknown_customer_is_one_line(generated_repo: Path, run_diff: RunDiff,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert diff_hook.main(["-C", str(generated_repo), "--customer", "nobody"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("apiops: error: unknown customer(s): nobody; known: acme, globex, "
                           "initech, umbrella")


def test_shallow_clone_says_how_to_fetch(generated_repo: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    widen_acme_client(generated_repo)
    commit_generated(generated_repo, "widen")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{generated_repo}", str(shallow)],
                   check=True)
    capsys.readouterr()
    assert diff_hook.main(["-C", str(shallow), "--base", "HEAD~1", "--format", "markdown"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert captured.err.strip() == (
        "apiops: error: revision 'HEAD~1' is not in this shallow clone: fetch it first "
        "(`git fetch origin <branch>`); in CI check out the full history: actions/checkout "
        "`fetch-depth: 0`, GitLab CI `GIT_DEPTH: 0`")


def test_before_the_first_commit_everything_is_added(make_repo: Callable[..., Path],
                                                     run_diff: RunDiff) -> None:
    repo = make_repo(commit=False)
    assert generate_hook.main(["-C", str(repo)]) == 1
    data = json.loads(run_diff(repo, "--format", "json")[1])
    assert data["base"] == {"revision": "HEAD", "commit": None}
    assert [(g["name"], g["status"]) for g in data["groups"]] == [
        ("acme", "added"), ("globex", "added"), ("initech", "added"), ("umbrella", "added"),
        ("deploy", "changed")]
    assert {s["kind"] for s in data["security"]} == {"client-added", "hostname-added",
                                                     "public-operation-added"}


def test_pre_commit_range_from_the_environment(generated_repo: Path, run_diff: RunDiff,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    widen_acme_client(generated_repo)
    commit_generated(generated_repo, "widen")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", git(generated_repo, "rev-parse", "HEAD~1").strip())
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "HEAD")
    data = json.loads(run_diff(generated_repo, "--format", "json")[1])
    assert data["head"]["revision"] == "HEAD"
    assert data["summary"]["security"] == 1


def test_apiops_diff_command(generated_repo: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(generated_repo / "configs")     # the monorepo is found from any folder
    capsys.readouterr()
    assert cli.main(["diff", "--format", "json", "--no-color"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["customers"] == 0


def test_monorepo_in_a_subfolder_of_the_repository(generated_repo: Path, tmp_path: Path,
                                                   run_diff: RunDiff) -> None:
    outer = tmp_path / "outer"
    (outer / "platform").mkdir(parents=True)
    for name in ("apiops.yaml", "services", "customers", "configs", "deploy"):
        (generated_repo / name).rename(outer / "platform" / name)
    git(outer, "init", "-q")
    git(outer, "add", "-A")
    git(outer, "commit", "-qm", "monorepo in platform/")
    widen_acme_client(outer / "platform")
    data = json.loads(run_diff(outer / "platform", "--format", "json")[1])
    assert [r["file"] for g in data["groups"] for r in g["resources"]] == [
        "configs/acme/keycloak/job.yaml", "configs/acme/keycloak/realm.yaml"]
