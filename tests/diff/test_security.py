"""Security changes in words, for the changes the six main cases do not cover."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .conftest import commit_generated, edit

DiffJson = Callable[..., dict]


def security(repo: Path, diff_json: DiffJson) -> list[tuple[str, str, str]]:
    return [(s["customer"], s["kind"], s["message"]) for s in diff_json(repo)["security"]]


def test_new_service_on_known_hostnames_adds_no_hostname(generated_repo: Path, diff_json: DiffJson) -> None:
    """acme starts using notifications 1.1.0: a new route (with one public operation) on the
    hostname acme's unchanged routes already serve."""
    edit(generated_repo / "customers/acme/customer.yaml", "  catalog: 1.2.0\n",
         "  catalog: 1.2.0\n  notifications: 1.1.0\n")
    commit_generated(generated_repo, "notifications for acme")
    found = security(generated_repo, diff_json)
    assert [kind for _, kind, _ in found] == ["public-operation-added"]
    assert found[0][0] == "acme" and found[0][2].startswith("new public operation GET /notifications/")


def test_hostname_added_and_issuer_changed(generated_repo: Path, diff_json: DiffJson) -> None:
    edit(generated_repo / "customers/globex/customer.yaml", "  - api.globex.com\n",
         "  - api.globex.com\n  - partners.globex.com\n")
    edit(generated_repo / "apiops.yaml", 'issuer: "https://id.example.com/realms/{customer}"',
         'issuer: "https://login.example.com/realms/{customer}"')
    commit_generated(generated_repo, "new hostname and issuer")
    found = security(generated_repo, diff_json)
    assert ("globex", "hostname-added", "now served on hostname partners.globex.com") in found
    issuers = [m for c, k, m in found if c == "acme" and k == "issuer-changed"]
    assert len(issuers) == 1
    assert issuers[0].startswith("JWT issuer of ")
    assert issuers[0].endswith(" operations changed: https://id.example.com/realms/acme → "
                               "https://login.example.com/realms/acme")
    assert {k for c, k, _ in found if c == "acme"} == {"issuer-changed", "jwks-changed"}
    assert {c for c, _, _ in found} == {"acme", "globex", "initech", "umbrella"}


def test_no_longer_public_and_client_narrowed(generated_repo: Path, diff_json: DiffJson) -> None:
    document = generated_repo / "services/notifications/1.0.0/openapi.yaml"   # initech
    text = document.read_text()
    assert text.count("      security: []\n") == 1
    document.write_text(text.replace("      security: []\n",
                                     "      security:\n        - oauth2: ['notifications:read']\n"))
    edit(generated_repo / "customers/initech/customer.yaml",
         "scopes: ['orders:read', 'notifications:read', 'notifications:send']",
         "scopes: ['orders:read', 'notifications:read']")
    commit_generated(generated_repo, "close the public notification route")
    found = security(generated_repo, diff_json)
    assert [(c, k) for c, k, _ in found] == [("initech", "no-longer-public"),
                                            ("initech", "client-scopes-narrowed")]
    assert found[0][2].endswith(" now requires notifications:read (was public)")
    assert found[1][2] == "client initech-ops-console loses scope(s) notifications:send"
