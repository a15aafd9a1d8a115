"""The command, the hook, the output formats, lazy imports and the rule documentation."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT

from apiops.cli import main as apiops
from apiops.hooks.validate import main
from apiops.validation.findings import APIOPS_RULES, SPEC_ONLY_RULES
from validate.support import OK_DOC, write

BAD = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: {}\n"
HEAVY = ("openapi_spec_validator", "jsonschema", "referencing", "apiops.loading")


def test_text_format(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "bad.yaml", BAD)
    monkeypatch.chdir(tmp_path)
    assert apiops(["validate", "bad.yaml"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "bad.yaml:5:5: error: 'responses' is a required property [oas-schema]",
        "bad.yaml:5:5: error: GET /a has no operationId; apiops names its route after it "
        "[operation-id-missing]"]
    assert "2 error(s), 0 warning(s) in 1 file(s)" in err


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "bad.yaml", BAD)
    monkeypatch.chdir(tmp_path)
    assert main(["bad.yaml", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["errors"], report["warnings"]) == (False, 2, 0)
    assert report["problems"][1] == {
        "path": "bad.yaml", "line": 5, "column": 5, "severity": "error",
        "rule": "operation-id-missing",
        "message": "GET /a has no operationId; apiops names its route after it"}


def test_github_format(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "bad.yaml", BAD)
    monkeypatch.chdir(tmp_path)
    assert main(["bad.yaml", "--format", "github"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "::error file=bad.yaml,line=5,col=5,title=oas-schema::'responses' is a required property")


def test_clean_run_is_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "ok.yaml", OK_DOC)
    monkeypatch.chdir(tmp_path)
    assert main(["ok.yaml"]) == 0
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("args", [[], ["--max-bytes", "0", "x.yaml"], ["--format", "xml", "x.yaml"]])
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2


def _imported(args: list[str], cwd: Path) -> set[str]:
    """Top-level modules a fresh `python -m apiops.cli ARGS` imports."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "apiops.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:")}


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    modules = _imported(["--version"], tmp_path)
    assert "apiops.version" in modules
    assert not [m for m in modules if m.startswith(HEAVY)]


def test_a_cached_run_imports_no_validator(example_repo: Path) -> None:
    files = ["services/billing/2.0.0/openapi.yaml", "services/catalog/1.2.0/openapi.yaml"]
    proc = subprocess.run([sys.executable, "-m", "apiops.cli", "validate", *files],
                          cwd=example_repo, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    modules = _imported(["validate", *files], example_repo)
    assert "apiops.validation.run" in modules
    assert not [m for m in modules if m.startswith(HEAVY)]
    assert "openapi_spec_validator" in _imported(["validate", "--no-cache", *files], example_repo)


def test_console_script_and_manifest() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["apiops-validate"] == "apiops.hooks.validate:main"
    hooks = {h["id"]: h for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["apiops-validate"]
    assert (hook["entry"], hook["language"], hook["minimum_pre_commit_version"]) == (
        "apiops-validate", "python", "3.5.0")
    files = re.compile(hook["files"])
    for good in ["services/billing/2.0.0/openapi.yaml", "services/a/1.0.0-acme.1/openapi.yml",
                 "services/b/3.1.0/openapi.json", "customers/acme/customer.yaml", "apiops.yaml"]:
        assert files.search(good), good
    for bad in ["services/billing/openapi.yaml", "services/a/1/b/openapi.yaml", "docs/openapi.yaml",
                "customers/acme/notes.yaml", "configs/acme/kustomization.yaml", "x/apiops.yaml",
                "customers/customer.yaml", "services/a/1.0.0/openapi.yaml.orig"]:
        assert not files.search(bad), bad


def test_every_rule_is_documented() -> None:
    text = (PROJECT / "docs" / "validation.md").read_text()
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, re.MULTILINE))
    loading = (PROJECT / "apiops" / "loading.py").read_text()
    from_loading = set(re.findall(r'"([a-z]+(?:-[a-z]+)+)"\)', loading))
    assert SPEC_ONLY_RULES | APIOPS_RULES <= documented
    assert from_loading - {"http-bearer"} <= documented, from_loading - documented
