"""`apiops generate` / `apiops check` end to end on real git repositories: the repository's
own configs/, determinism, and the incremental writer behind configs/.apiops.lock."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PROJECT, git
from generators.support import LOCK, copy_inputs, read_tree

from apiops import pipeline
from apiops.cli import main
from apiops.yamlio import parse

OLD = 1_000_000_000 * 10**9      # an mtime (ns) no write made by a test can produce


def apiops(repo: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], list[str]]:
    capsys.readouterr()
    code = main([*args, "-C", str(repo)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out.splitlines(), err.splitlines()


def age(repo: Path) -> None:
    """Give every output file an old mtime, so a later write is visible."""
    for path in read_tree(repo, lock=True):
        os.utime(repo / path, ns=(OLD, OLD))


def rewritten(repo: Path) -> set[str]:
    return {p for p in read_tree(repo) if (repo / p).stat().st_mtime_ns != OLD}


@pytest.fixture
def basic(make_repo: Callable[..., Path]) -> Path:
    """tests/fixtures/basic, generated and committed: alpha pins shop, legacy and status;
    beta pins shop and notes."""
    repo = make_repo("basic")
    assert pipeline.generate(repo).changes
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "generated")
    return repo


# -- the repository itself ---------------------------------------------------------------

def test_repository_configs_are_what_generation_produces() -> None:
    proc = subprocess.run([sys.executable, "-m", "apiops.cli", "check"], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (
        "configs/ or deploy/ of the repository are not what `apiops generate` produces:\n"
        + proc.stdout + proc.stderr)
    assert "Traceback" not in proc.stderr


# -- determinism ------------------------------------------------------------------------

def reversed_keys(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: reversed_keys(node[key]) for key in reversed(list(node))}
    if isinstance(node, list):
        return [reversed_keys(item) for item in node]
    return node


@pytest.mark.parametrize("case", ["example", "basic", "split"])
def test_generation_is_byte_identical_twice_and_with_reordered_keys(case: str, tmp_path: Path) -> None:
    first, second, shuffled = tmp_path / "first", tmp_path / "second", tmp_path / "shuffled"
    for root in (first, second, shuffled):
        copy_inputs(case, root)
        git(root, "init", "-q")
    inputs = sorted(p for p in shuffled.rglob("*.yaml") if ".git" not in p.parts)
    assert inputs
    for path in inputs:
        text = path.read_text(encoding="utf-8")
        data = reversed_keys(parse(text, path.name))
        new = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1 << 16)
        assert new != text
        path.write_text(new, encoding="utf-8")

    for root in (first, second, shuffled):
        assert pipeline.generate(root).changes
    produced = read_tree(first, lock=True)
    assert read_tree(second, lock=True) == produced
    # The lock file holds hashes of the input bytes, which reordering changes on purpose.
    assert read_tree(shuffled) == read_tree(first)
    again = pipeline.generate(first, force=True)
    assert again.ok and read_tree(first, lock=True) == produced


# -- incremental writer -----------------------------------------------------------------

def test_only_customers_pinning_a_changed_document_are_rewritten(
        basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    age(basic)
    notes = basic / "services/notes/1.0.0/openapi.yaml"     # pinned by beta only
    notes.write_text(notes.read_text() + "  /archive:\n    get:\n      responses:\n"
                     "        '200': {description: OK}\n")
    result = pipeline.generate(basic)
    assert (result.rendered, result.skipped) == (["beta"], ["alpha"])
    assert rewritten(basic) == {"configs/beta/gateway/notes.yaml"}
    assert b"/notes/archive" in (basic / "configs/beta/gateway/notes.yaml").read_bytes()
    code, out, _ = apiops(basic, "generate", capsys=capsys)
    assert (code, out) == (0, [])


def test_a_change_seen_by_every_customer_rewrites_only_files_whose_content_changed(
        basic: Path) -> None:
    age(basic)
    settings = basic / "apiops.yaml"
    settings.write_text(settings.read_text().replace("interval: 10m", "interval: 15m"))
    result = pipeline.generate(basic)
    assert result.rendered == ["alpha", "beta"]
    assert rewritten(basic) == {"deploy/flux/alpha.yaml", "deploy/flux/beta.yaml"}


def test_a_removed_customer_loses_its_files(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    age(basic)
    shutil.rmtree(basic / "customers/beta")
    code, out, _ = apiops(basic, "generate", capsys=capsys)
    assert code == 1
    assert not (basic / "configs/beta").exists()
    assert not (basic / "deploy/flux/beta.yaml").exists()
    assert "Removing configs/beta/gateway/shop.yaml" in out
    assert "beta" not in json.loads((basic / LOCK).read_text())["owners"]
    assert rewritten(basic) == {"deploy/flux/kustomization.yaml"}
    assert apiops(basic, "check", capsys=capsys)[0] == 0


def test_a_hand_edited_file_is_reported_not_overwritten_until_forced(
        basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edited = basic / "configs/alpha/gateway/shop.yaml"
    generated = edited.read_text()
    edited.write_text(generated.replace("port: 8080", "port: 8081"))
    hand = edited.read_text()

    for _ in range(2):      # reported on every run, not accepted silently the second time
        code, out, _ = apiops(basic, "generate", capsys=capsys)
        assert code == 1
        assert out == ["configs/alpha/gateway/shop.yaml: edited by hand; not overwritten "
                       "(run `apiops generate --force` to replace it)"]
        assert edited.read_text() == hand
    code, out, _ = apiops(basic, "check", capsys=capsys)
    assert code == 1 and "configs/alpha/gateway/shop.yaml: edited by hand" in out

    code, out, _ = apiops(basic, "generate", "--force", capsys=capsys)
    assert (code, out) == (1, ["Writing configs/alpha/gateway/shop.yaml"])
    assert edited.read_text() == generated
    assert apiops(basic, "check", capsys=capsys)[:2] == (0, [])


def test_files_apiops_does_not_own_are_left_alone(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = basic / "configs/alpha/extra.yaml"
    mine.write_text("kind: ConfigMap\n")
    squatter = basic / "configs/beta/keycloak/realm.yaml"   # beta has no keycloak target
    squatter.parent.mkdir()
    squatter.write_text("realm: beta\n")
    code, out, _ = apiops(basic, "generate", "--force", capsys=capsys)
    assert (code, out) == (0, [])
    assert mine.read_text() == "kind: ConfigMap\n" and squatter.read_text() == "realm: beta\n"


def test_an_existing_file_at_a_generated_path_is_not_overwritten(
        make_repo: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo("basic")
    theirs = repo / "configs/alpha/namespace.yaml"
    theirs.parent.mkdir(parents=True)
    theirs.write_text("kind: Namespace\n")
    code, out, _ = apiops(repo, "generate", capsys=capsys)
    assert code == 1
    assert "configs/alpha/namespace.yaml: exists but was not generated by apiops; not overwritten " \
           "(run `apiops generate --force` to replace it)" in out
    assert theirs.read_text() == "kind: Namespace\n"
    assert (repo / "configs/alpha/kustomization.yaml").exists()


def test_check_writes_nothing_and_lists_missing_stale_and_removed_files(
        make_repo: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo("basic")
    missing = []
    for command in (["check"], ["generate", "--check"]):
        code, out, _ = apiops(repo, *command, capsys=capsys)
        assert code == 1
        missing.append(sorted(line.removesuffix(": missing") for line in out if line.endswith(": missing")))
        assert not (repo / "configs").exists() and not (repo / "deploy").exists()

    assert apiops(repo, "generate", capsys=capsys)[0] == 1
    assert missing == [sorted(read_tree(repo))] * 2
    assert apiops(repo, "check", capsys=capsys)[:2] == (0, [])
    assert apiops(repo, "generate", "--check", capsys=capsys)[:2] == (0, [])
    before = read_tree(repo, lock=True)

    shop = repo / "services/shop/1.0.0/openapi.yaml"
    shop.write_text(shop.read_text().replace("/shop/v1", "/shop/v1.1"))
    shutil.rmtree(repo / "customers/beta")
    code, out, _ = apiops(repo, "check", capsys=capsys)
    assert code == 1
    assert "configs/alpha/gateway/shop.yaml: stale" in out
    assert "configs/beta/gateway/shop.yaml: no longer generated" in out
    assert "deploy/flux/beta.yaml: no longer generated" in out
    assert read_tree(repo, lock=True) == before


def test_customer_option_limits_the_run(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shop = basic / "services/shop/1.0.0/openapi.yaml"        # pinned by alpha and beta
    shop.write_text(shop.read_text().replace("/shop/v1", "/shop/v1.1"))
    age(basic)
    code, out, _ = apiops(basic, "generate", "--customer", "beta", capsys=capsys)
    assert code == 1
    assert rewritten(basic) == {"configs/beta/gateway/shop.yaml"}
    code, out, _ = apiops(basic, "check", capsys=capsys)
    assert code == 1
    assert [line for line in out if line.endswith(": stale")] == ["configs/alpha/gateway/shop.yaml: stale"]
    assert apiops(basic, "check", "--customer", "beta", capsys=capsys)[:2] == (0, [])
    assert apiops(basic, "generate", capsys=capsys)[0] == 1
    assert apiops(basic, "check", capsys=capsys)[:2] == (0, [])


def test_unknown_customer_option(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = read_tree(basic, lock=True)
    code, out, err = apiops(basic, "generate", "--customer", "gamma", capsys=capsys)
    assert (code, out) == (1, [])
    assert err == ["apiops: error: unknown customer(s): gamma; known: alpha, beta"]
    assert read_tree(basic, lock=True) == before


def test_cross_namespace_upstream_is_generated_with_a_warning(example_repo: Path) -> None:
    customer = example_repo / "customers/initech/customer.yaml"
    text = customer.read_text()
    assert "billing-legacy.tenant-initech.svc" in text
    customer.write_text(text.replace("billing-legacy.tenant-initech.svc", "billing-legacy.erp.svc"))
    line = next(i for i, row in enumerate(customer.read_text().splitlines(), 1) if "upstream:" in row)
    result = subprocess.run([sys.executable, "-m", "apiops.cli", "generate"], cwd=example_repo,
                            capture_output=True, text=True)
    assert result.returncode == 1                       # files were written
    warning = [row for row in result.stderr.splitlines() if "[upstream-cross-namespace]" in row]
    assert len(warning) == 1
    assert warning[0].startswith(f"customers/initech/customer.yaml:{line}:")
    assert ": warning: " in warning[0] and "ReferenceGrant" in warning[0]
    route = (example_repo / "configs/initech/gateway/billing.yaml").read_text()
    assert "namespace: erp" in route


def test_check_validates_every_input_before_comparing(example_repo: Path) -> None:
    assert main(["generate", "-C", str(example_repo)]) == 1
    document = example_repo / "services/orders/2.0.0/openapi.yaml"
    # Generation needs no `info`; the OpenAPI specification requires it.
    text = document.read_text()
    document.write_text(text.replace("info:", "x-info:", 1))
    result = subprocess.run([sys.executable, "-m", "apiops.cli", "check"], cwd=example_repo,
                            capture_output=True, text=True)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(row.startswith("services/orders/2.0.0/openapi.yaml:") and "[oas-schema]" in row
               for row in lines), result.stderr
    assert lines[-1].endswith("nothing was written")


def test_check_reports_a_lock_written_by_another_apiops(example_repo: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "-C", str(example_repo)]) == 1
    lock = example_repo / "configs/.apiops.lock"
    data = json.loads(lock.read_text())
    data["owners"]["acme"]["fingerprint"] = "0" * 64     # as another version would have it
    lock.write_text(json.dumps(data, indent=1) + "\n")
    capsys.readouterr()
    assert main(["check", "-C", str(example_repo)]) == 1
    assert "configs/.apiops.lock: stale" in capsys.readouterr().out
    assert main(["generate", "-C", str(example_repo)]) == 1  # rewrites the lock, and says so
    assert capsys.readouterr().out.splitlines() == ["Writing configs/.apiops.lock"]
    assert json.loads(lock.read_text())["owners"]["acme"]["fingerprint"] != "0" * 64
    assert main(["check", "-C", str(example_repo)]) == 0


@pytest.mark.parametrize("edit", [
    ("customers/umbrella/customer.yaml", "api.umbrella-corp.com", "api2.umbrella-corp.com"),
    ("apiops.yaml", "realms/{customer}", "realms/tenant-{customer}"),
    ("apiops.yaml", "sectionName: https", "sectionName: tls"),
    ("apiops.yaml", "keycloak-config-cli:6.4.0", "keycloak-config-cli:6.5.0"),
    ("services/catalog/2.1.0/openapi.yaml", "Read products, prices and categories", "Read products"),
    ("services/orders/2.0.0/openapi.yaml", "/orders/v2", "/orders/v2beta"),
])
def test_files_skipped_by_their_key_are_exactly_what_a_full_render_gives(
        example_repo: Path, edit: tuple[str, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    """generate builds only the files whose inputs changed (Output.key); check renders
    every file from scratch, so any input a key forgot shows up as a stale file."""
    assert main(["generate", "-C", str(example_repo)]) == 1
    path, old, new = edit
    target = example_repo / path
    assert old in target.read_text(), edit
    target.write_text(target.read_text().replace(old, new))
    assert main(["generate", "-C", str(example_repo)]) == 1
    capsys.readouterr()
    assert main(["check", "-C", str(example_repo)]) == 0, capsys.readouterr().out


def test_validate_leaves_the_extracted_document_for_generate(
        example_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed document is parsed once in the hook chain: validate stores the model that
    generate (and the customers validate re-checks) load instead of parsing again."""
    from apiops import loading
    from apiops.cache import Cache

    assert main(["generate", "-C", str(example_repo)]) == 1    # every document cached
    document = example_repo / "services/orders/2.0.0/openapi.yaml"
    document.write_text(document.read_text().replace("/orders/v2", "/orders/v2beta"))
    key = loading.document_key(Cache(example_repo), example_repo, document)
    assert key is not None and Cache(example_repo).get("documents", key) is None

    def parsed_again(*args: object) -> None:
        raise AssertionError("the customers pinning the document parsed it a second time")

    monkeypatch.setattr(loading, "read_service_version", parsed_again)
    assert main(["validate", "-C", str(example_repo), str(document)]) == 0
    stored, problems = Cache(example_repo).get("documents", key)
    assert (stored.service, stored.version, stored.path) == ("orders", "2.0.0",
                                                            "services/orders/2.0.0/openapi.yaml")
    assert any(op.path.startswith("/orders/v2beta/") for op in stored.operations)
    assert problems == []
