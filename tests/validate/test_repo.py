"""customer.yaml and apiops.yaml: JSON Schemas and cross-references; the verdict cache."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, overlay

from apiops.validation.run import Options, validate
from validate.conftest import Run
from validate.support import where, write

NEGATIVE = FIXTURES / "negative"
CASES = sorted(p.name for p in NEGATIVE.iterdir() if (p / "expected.txt").is_file())


def lines(problems: list[dict[str, object]]) -> list[str]:
    return [f"{p['path']}:{p['line']}:{p['column']}: {p['severity']}: {p['message']} [{p['rule']}]"
            for p in problems]


def test_the_example_monorepo_is_valid(example_repo: Path, run_json: Run) -> None:
    assert run_json("--all", cwd=example_repo) == (0, [])


@pytest.mark.parametrize("case", CASES)
def test_loading_errors_are_reported_by_validate_all(case: str, make_repo: Callable[..., Path],
                                                      run_json: Run) -> None:
    """The user errors `apiops generate` stops on (tests/fixtures/negative) are found first
    by `apiops validate --all`, with the same lines."""
    repo = make_repo("basic")
    overlay(case, repo)
    code, problems = run_json("--all", cwd=repo)
    assert code == 1
    expected = (NEGATIVE / case / "expected.txt").read_text().splitlines()
    assert set(expected) <= set(lines(problems)), lines(problems)


def test_customer_cross_references(example_repo: Path, run_json: Run) -> None:
    customer = example_repo / "customers/acme/customer.yaml"
    text = customer.read_text().replace("orders: 1.3.0", "orders: 9.9.9")
    customer.write_text(text.replace("'orders:read']", "'orders:read', 'reports:read']", 1))
    code, problems = run_json("customers/acme/customer.yaml", cwd=example_repo)
    assert code == 1
    assert where(problems) == [("customers/acme/customer.yaml", 6, 11, "unknown-version")]


def test_unknown_scope(example_repo: Path, run_json: Run) -> None:
    customer = example_repo / "customers/acme/customer.yaml"
    customer.write_text(customer.read_text().replace("'orders:read']", "'orders:read', 'reports:read']", 1))
    code, problems = run_json("customers/acme/customer.yaml", cwd=example_repo)
    assert (code, where(problems)) == (1, [("customers/acme/customer.yaml", 14, 64, "unknown-scope")])


def test_settings_schema_and_every_customer(example_repo: Path, run_json: Run) -> None:
    settings = example_repo / "apiops.yaml"
    settings.write_text(settings.read_text() + "colour: blue\n")
    code, problems = run_json("apiops.yaml", cwd=example_repo)
    assert code == 1
    assert where(problems)[0] == ("apiops.yaml", 45, 1, "unknown-key")
    # Every customer is checked against the settings; initech's upstream override only
    # fits the repository's own template, which the broken file no longer provides.
    assert {p["path"] for p in problems} == {"apiops.yaml", "customers/initech/customer.yaml"}


def test_unknown_target(example_repo: Path, run_json: Run) -> None:
    customer = example_repo / "customers/acme/customer.yaml"
    customer.write_text(customer.read_text() + "targets: [envoy-gateway, nginx]\n")
    code, problems = run_json("customers/acme/customer.yaml", cwd=example_repo)
    assert (code, where(problems)) == (1, [("customers/acme/customer.yaml", 30, 26, "unknown-target")])


def test_a_changed_document_rechecks_the_customers_pinning_it(example_repo: Path, run_json: Run) -> None:
    doc = example_repo / "services/billing/1.3.0/openapi.yaml"
    text = doc.read_text()
    assert "security:" in text
    # An operation without security: an error for every customer pinning billing 1.3.0.
    text = text.replace("paths:\n", "paths:\n  /health:\n    get:\n      operationId: health\n"
                        "      security: null\n      responses:\n        '200': {description: ok}\n", 1)
    doc.write_text(text.replace("\nsecurity:", "\nx-root-security:", 1))
    code, problems = run_json("services/billing/1.3.0/openapi.yaml", cwd=example_repo)
    assert code == 1
    assert "missing-security" in {p["rule"] for p in problems}
    assert {p["path"] for p in problems} == {"services/billing/1.3.0/openapi.yaml"}


def test_verdicts_are_cached_and_invalidated_by_edits(example_repo: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(example_repo)
    files = ["services/billing/2.0.0/openapi.yaml", "customers/acme/customer.yaml"]
    first = validate(files)
    assert (first.ok, first.cached) == (True, 0)
    second = validate(files)
    # The document, apiops.yaml's own problems, acme, and the two customers pinning
    # billing 2.0.0 (checked with it).
    assert (second.ok, second.cached) == (True, 5)
    doc = example_repo / files[0]
    doc.write_text(doc.read_text().replace("      operationId: listAccountInvoices\n", ""))
    third = validate(files)
    assert [p.rule for p in third.problems] == ["operation-id-missing"]
    assert third.cached == 2             # apiops.yaml and acme, which does not pin billing 2.0.0
    assert validate(files, options=Options(cache=False)).cached == 0


def test_outside_a_repository_nothing_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "openapi.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n")
    monkeypatch.chdir(tmp_path)
    assert validate(["openapi.yaml"]).cached == 0
    assert validate(["openapi.yaml"]).cached == 0
    assert not (tmp_path / ".git").exists()


def test_all_needs_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from apiops.hooks.validate import main

    monkeypatch.chdir(tmp_path)
    assert main(["--all"]) == 1
    assert "--all needs a monorepo" in capsys.readouterr().err
