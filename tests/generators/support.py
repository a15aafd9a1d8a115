"""What the generator, schema and pipeline tests share: input trees generated once per
session, the model they were generated from, the strict JSON Schemas of ../shared, and
`kubectl kustomize`."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE_INPUTS, FIXTURES, PROJECT, git, shared_path

from apiops import loading, pipeline
from apiops.errors import Problems
from apiops.model import CustomerPlan

TESTS = PROJECT / "tests"
GOLDEN = TESTS / "golden"
EXAMPLE = "example"                       # the project's own example monorepo
GOLDEN_CASES = ("basic", "split")         # tests/fixtures/<case>/ with tests/golden/<case>/
CASES = (EXAMPLE, *GOLDEN_CASES)
OUTPUTS = ("configs", "deploy")
LOCK = "configs/.apiops.lock"
GENERATORS = ("envoy-gateway", "keycloak", "kustomize", "deploy")


# -- input trees ------------------------------------------------------------------------

def copy_inputs(case: str, dest: Path) -> None:
    """The inputs of a case (never its outputs) into `dest`."""
    source = PROJECT if case == EXAMPLE else FIXTURES / case
    names = EXAMPLE_INPUTS if case == EXAMPLE else sorted(p.name for p in source.iterdir())
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        if (source / name).is_dir():
            shutil.copytree(source / name, dest / name)
        else:
            shutil.copy2(source / name, dest / name)


def read_tree(root: Path, lock: bool = False) -> dict[str, bytes]:
    """Every file under configs/ and deploy/ (the lock file only when asked for)."""
    files = {}
    for top in OUTPUTS:
        for path in sorted((root / top).rglob("*")):
            name = path.relative_to(root).as_posix()
            if path.is_file() and (lock or name != LOCK):
                files[name] = path.read_bytes()
    return files


def plans(root: Path) -> dict[str, CustomerPlan]:
    """The model generation used, built through the same loading functions."""
    problems = Problems()
    inputs = loading.discover(root, problems)
    docs = loading.DocumentCache(inputs)
    out = {}
    for folder in inputs.customers:
        customer = loading.load_customer(inputs, folder, problems)
        assert customer is not None, problems.sorted()
        plan = loading.plan_customer(inputs, customer, docs, problems)
        assert plan is not None, problems.sorted()
        out[customer.name] = plan
    assert problems.ok, problems.sorted()
    return out


@dataclass(frozen=True)
class Generated:
    root: Path
    files: dict[str, bytes]               # configs/ and deploy/, without the lock file
    plans: dict[str, CustomerPlan]

    def documents(self, path: str) -> list[Any]:
        return documents(self.files[path])

    def customer_files(self, customer: str) -> dict[str, bytes]:
        prefix = f"configs/{customer}/"
        return {p: b for p, b in self.files.items() if p.startswith(prefix)}


_GENERATED: dict[str, Generated] = {}


def generated(case: str, factory: pytest.TempPathFactory) -> Generated:
    """A real git repository holding the case's inputs, generated once per session.
    Tests read it; they must not change it."""
    if case not in _GENERATED:
        root = factory.mktemp(f"generated-{case}") / "repo"
        copy_inputs(case, root)
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "inputs")
        result = pipeline.generate(root)
        assert not result.conflicts
        _GENERATED[case] = Generated(root, read_tree(root), plans(root))
    return _GENERATED[case]


def documents(data: bytes | str) -> list[Any]:
    return [d for d in yaml.safe_load_all(data) if d is not None]


def owner(path: str) -> str:
    """The generator that writes a file of configs/ or deploy/."""
    top, _, rest = path.partition("/")
    if top == "deploy":
        return "deploy"
    inner = rest.partition("/")[2]
    if inner.startswith("gateway/"):
        return "envoy-gateway"
    if inner.startswith("keycloak/"):
        return "keycloak"
    if inner in ("kustomization.yaml", "namespace.yaml"):
        return "kustomize"
    raise AssertionError(f"no generator owns {path}")


# -- JSON Schemas of ../shared/schemas ---------------------------------------------------

# Kinds with no schema in ../shared (core Kubernetes objects) are checked by kubectl kustomize.
WITHOUT_SCHEMA = {("v1", "Namespace"), ("batch/v1", "Job")}


def schema_name(doc: dict[str, Any]) -> str | None:
    """The strict schema a generated document must satisfy; None for kinds without one."""
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key in WITHOUT_SCHEMA:
        return None
    names = {
        ("gateway.networking.k8s.io/v1", "HTTPRoute"): "gateway-api-httproute-v1.strict",
        ("gateway.envoyproxy.io/v1alpha1", "SecurityPolicy"):
            "envoy-gateway-securitypolicy-v1alpha1.strict",
        ("argoproj.io/v1alpha1", "ApplicationSet"): "argocd-applicationset-v1alpha1.strict",
        ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"): "flux-kustomization-v1.strict",
        ("kustomize.config.k8s.io/v1beta1", "Kustomization"): "kustomization.schemastore",
        # keycloak-config-cli's realm file is a bare RealmRepresentation: no apiVersion/kind.
        (None, None): "keycloak-realm-representation.strict",
    }
    if key not in names:
        raise AssertionError(f"no schema known for {key}")
    if key == (None, None) and "realm" not in doc:
        raise AssertionError(f"neither a Kubernetes object nor a realm: {sorted(doc)}")
    return names[key]


@cache
def _validator(path: Path) -> Any:
    from jsonschema.validators import validator_for

    schema = json.loads(path.read_text(encoding="utf-8"))
    # validator_for picks the draft from `$schema` (2020-12 for the CRD-derived files,
    # draft-07 for SchemaStore's kustomization). check_schema is skipped: it takes ~10 s
    # for the ApplicationSet schema; test_schemas checks each schema against the examples
    # of ../shared/schemas instead.
    return validator_for(schema)(schema)


def validator(name: str) -> Any:
    return _validator(shared_path("schemas", f"{name}.schema.json"))


def schema_errors(name: str, doc: Any) -> list[str]:
    errors = sorted(validator(name).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    return ["/".join(map(str, e.absolute_path)) + ": " + e.message[:300] for e in errors]


# -- kubectl kustomize ------------------------------------------------------------------

def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("kubectl is not installed in CI")
        pytest.skip("kubectl is not installed")
    return found


def kustomize_build(folder: Path) -> list[dict[str, Any]]:
    proc = subprocess.run([kubectl(), "kustomize", str(folder)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, f"kubectl kustomize {folder} failed:\n{proc.stderr}"
    return documents(proc.stdout)


def walk(node: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (key path, value) of plain data, depth first."""
    yield where, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*where, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, (*where, i))
