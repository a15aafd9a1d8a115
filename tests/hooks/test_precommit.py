"""The commit loop through the real pre-commit framework and real git.

The temporary monorepo's .pre-commit-config.yaml is built from this project's own
.pre-commit-hooks.yaml (ids, files patterns, pass_filenames, require_serial, verbose),
with each entry pointing at the console script installed beside the running Python,
so what is tested is the manifest users get, without a network install."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT, git

BIN = Path(sys.executable).parent
MANIFEST = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
HOOK_IDS = {hook["id"] for hook in MANIFEST}


def local_config(ids: list[str]) -> str:
    hooks = []
    for hook in MANIFEST:
        if hook["id"] in ids:
            local = {k: v for k, v in hook.items() if k not in ("description", "minimum_pre_commit_version")}
            local.update(language="system", entry=str(BIN / hook["entry"]))
            hooks.append(local)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=repo, capture_output=True, text=True)


@pytest.fixture
def hooked_repo(example_repo: Path) -> Path:
    assert run(example_repo, str(BIN / "apiops"), "generate").returncode == 1  # wrote configs
    (example_repo / ".pre-commit-config.yaml").write_text(
        local_config(["apiops-validate", "apiops-generate", "apiops-diff"]))
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-qm", "generated configs and hooks")
    installed = run(example_repo, str(BIN / "pre-commit"), "install")
    assert installed.returncode == 0, installed.stderr
    return example_repo


def test_manifest_hooks_have_console_scripts() -> None:
    pyproject = (PROJECT / "pyproject.toml").read_text()
    readme = (PROJECT / "README.md").read_text()
    assert {"apiops-validate", "apiops-generate", "apiops-diff"} <= HOOK_IDS
    for hook in MANIFEST:
        assert f'{hook["entry"]} = "apiops.hooks.' in pyproject, hook["id"]
        assert (BIN / hook["entry"]).exists(), hook["entry"]
        assert hook["id"] in readme, f"{hook['id']} is not documented in README.md"
        assert hook.get("minimum_pre_commit_version")


@pytest.mark.parametrize(("hook_id", "path", "matches"), [
    ("apiops-generate", "services/billing/2.0.0/openapi.yaml", True),
    ("apiops-generate", "services/billing/2.0.0/openapi.json", True),
    ("apiops-generate", "customers/acme/customer.yaml", True),
    ("apiops-generate", "apiops.yaml", True),
    ("apiops-generate", "configs/acme/gateway/billing.yaml", True),
    ("apiops-generate", "README.md", False),
    ("apiops-generate", "services/billing/openapi.yaml", False),
    ("apiops-generate", "tests/fixtures/x/customers/acme/customer.yaml", False),
    ("apiops-diff", "configs/acme/keycloak/realm.yaml", True),
    ("apiops-diff", "deploy/flux/acme.yaml", True),
    ("apiops-diff", "services/billing/2.0.0/openapi.yaml", False),
    ("apiops-validate", "services/orders/1.4.0-globex.1/openapi.yaml", True),
    ("apiops-validate", "customers/acme/customer.yaml", True),
    ("apiops-validate", "apiops.yaml", True),
    ("apiops-validate", "configs/acme/kustomization.yaml", False),
    ("apiops-validate", "services/orders/1.4.0/schemas/order.yaml", False),
])
def test_files_patterns(hook_id: str, path: str, matches: bool) -> None:
    hook = next(h for h in MANIFEST if h["id"] == hook_id)
    assert bool(re.search(hook["files"], path)) is matches


def test_generate_hook_is_serial_and_diff_hook_verbose() -> None:
    hooks = {h["id"]: h for h in MANIFEST}
    assert hooks["apiops-generate"]["require_serial"] is True
    assert hooks["apiops-generate"]["pass_filenames"] is False
    assert hooks["apiops-diff"]["verbose"] is True
    assert hooks["apiops-validate"].get("pass_filenames", True) is True


def test_commit_regenerates_then_succeeds_after_restaging(hooked_repo: Path) -> None:
    document = hooked_repo / "services/catalog/2.1.0/openapi.yaml"
    text = document.read_text()
    # umbrella pins catalog 2.1.0: make its category listing public.
    assert "operationId: listCategories" in text
    document.write_text(text.replace("operationId: listCategories",
                                     "operationId: listCategories\n      security: []", 1))
    git(hooked_repo, "add", str(document))

    first = run(hooked_repo, "git", "commit", "-m", "make categories public")
    output = first.stdout + first.stderr
    assert first.returncode != 0, output
    assert re.search(r"apiops generate\.+Failed", output), output
    assert "Writing configs/umbrella/gateway/catalog.yaml" in output
    assert "configs/acme" not in output            # acme pins catalog 1.2.0: untouched
    assert git(hooked_repo, "log", "--format=%s", "-1").strip() == "generated configs and hooks"

    git(hooked_repo, "add", "-A")
    second = run(hooked_repo, "git", "commit", "-m", "make categories public")
    output = second.stdout + second.stderr
    assert second.returncode == 0, output
    assert re.search(r"apiops generate\.+Passed", output), output
    assert re.search(r"apiops diff\.+Passed", output), output
    assert "/catalog/v2/categories" in output          # the diff names the changed route
    assert "umbrella" in output
    assert git(hooked_repo, "status", "--porcelain") == ""


def test_invalid_document_blocks_the_commit(hooked_repo: Path) -> None:
    document = hooked_repo / "services/billing/2.0.0/openapi.yaml"
    document.write_text(document.read_text() + "paths: {}\n")   # duplicate key
    git(hooked_repo, "add", str(document))
    result = run(hooked_repo, "git", "commit", "-m", "broken")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(r"apiops validate\.+Failed", output), output
    assert "services/billing/2.0.0/openapi.yaml:" in output
    assert "Traceback" not in output
