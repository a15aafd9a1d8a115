"""`apiops diff --base HEAD~1 --head HEAD` on real git repositories: the example monorepo
generated and committed, an input changed, regenerated and committed again. The JSON
report is asserted exactly; the markdown one against tests/diff/golden/<case>.md
(APIOPS_UPDATE_GOLDEN=1 rewrites those)."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import git

from .conftest import check_golden, commit_generated, edit
from .expected import EXPECTED


def scope_added(repo: Path) -> None:
    """billing 2.0.0 (pinned by initech and umbrella only): one operation needs one more scope."""
    edit(repo / "services/billing/2.0.0/openapi.yaml",
         "      - $ref: '#/components/parameters/InvoiceId'\n    get:\n",
         "      - $ref: '#/components/parameters/InvoiceId'\n    get:\n"
         "      security:\n        - oauth2: ['billing:read', 'billing:write']\n")


def made_public(repo: Path) -> None:
    """orders 1.4.0 (initech): reading one order no longer needs a token."""
    edit(repo / "services/orders/1.4.0/openapi.yaml",
         "      - $ref: '#/components/parameters/OrderId'\n    get:\n",
         "      - $ref: '#/components/parameters/OrderId'\n    get:\n      security: []\n")


def client_widened(repo: Path) -> None:
    edit(repo / "customers/acme/customer.yaml",
         "scopes: ['billing:read', 'billing:write', 'orders:read']",
         "scopes: ['billing:read', 'billing:write', 'orders:read', 'orders:write']")


def service_upgraded(repo: Path) -> None:
    edit(repo / "customers/acme/customer.yaml", "  billing: 1.3.0", "  billing: 1.4.0")


def customers_added_and_removed(repo: Path) -> None:
    shutil.copytree(repo / "customers/acme", repo / "customers/hooli")
    path = repo / "customers/hooli/customer.yaml"
    path.write_text(path.read_text().replace("acme", "hooli").replace("ACME", "Hooli"))
    shutil.rmtree(repo / "customers/initech")


CASES: dict[str, Callable[[Path], None]] = {
    "scope_added": scope_added,
    "made_public": made_public,
    "client_widened": client_widened,
    "service_upgraded": service_upgraded,
    "customers_added_and_removed": customers_added_and_removed,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_case(case: str, generated_repo: Path, diff_json: Callable[..., dict],
              run_diff: Callable[..., tuple[int, str]]) -> None:
    CASES[case](generated_repo)
    commit_generated(generated_repo, case)
    assert diff_json(generated_repo) == EXPECTED[case]
    code, markdown = run_diff(generated_repo, "--base", "HEAD~1", "--head", "HEAD", "--format", "markdown")
    assert code == 0
    check_golden(f"{case}.md", markdown, {"base": git(generated_repo, "rev-parse", "HEAD~1").strip(),
                                          "head": git(generated_repo, "rev-parse", "HEAD").strip()})


def _reversed(value: object) -> object:
    """Every list and every mapping in reverse order."""
    if isinstance(value, dict):
        return {k: _reversed(v) for k, v in reversed(list(value.items()))}
    if isinstance(value, list):
        return [_reversed(v) for v in reversed(value)]
    return value


def test_pure_reordering_is_no_change(generated_repo: Path, diff_json: Callable[..., dict],
                                      run_diff: Callable[..., tuple[int, str]]) -> None:
    """Documents, list items and keys reordered by hand (and re-indented by another dumper)."""
    for name in ("configs/umbrella/gateway/orders.yaml", "configs/umbrella/keycloak/realm.yaml",
                 "configs/umbrella/keycloak/job.yaml", "deploy/flux/kustomization.yaml"):
        path = generated_repo / name
        documents = list(yaml.safe_load_all(path.read_text()))
        path.write_text(yaml.safe_dump_all([_reversed(d) for d in reversed(documents)], indent=4))
    git(generated_repo, "commit", "-qam", "reordered")
    assert git(generated_repo, "diff", "--stat", "HEAD~1", "HEAD").count("|") == 4
    assert diff_json(generated_repo) == EXPECTED["pure_reordering"]
    code, markdown = run_diff(generated_repo, "--base", "HEAD~1", "--head", "HEAD", "--format", "markdown")
    check_golden("pure_reordering.md", markdown, {"base": git(generated_repo, "rev-parse", "HEAD~1").strip(),
                                                   "head": git(generated_repo, "rev-parse", "HEAD").strip()})
