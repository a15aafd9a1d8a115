"""Every generated object against the strict JSON Schemas of ../shared/schemas (CRD-derived
files validate the whole object: apiVersion, kind, metadata, spec), the CEL rules of those
CRDs that a JSON Schema run cannot see, and apiops' own schemas for its inputs."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PROJECT, shared_path
from generators.support import CASES, EXAMPLE, documents, generated, read_tree, schema_errors, schema_name

from apiops import schema as apiops_schema

SCHEMAS = ("gateway-api-httproute-v1.strict", "envoy-gateway-securitypolicy-v1alpha1.strict",
           "argocd-applicationset-v1alpha1.strict", "flux-kustomization-v1.strict",
           "kustomization.schemastore", "keycloak-realm-representation.strict")


def example_documents(name: str) -> Iterator[tuple[str, Any]]:
    folder = shared_path("schemas", "examples")
    for path in sorted(folder.glob(f"{name.removesuffix('.strict')}--*")):
        text = path.read_text(encoding="utf-8")
        docs = [json.loads(text)] if path.suffix == ".json" else documents(text)
        for doc in docs:
            yield path.name, doc


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_wired_as_its_examples_say(name: str) -> None:
    """Guards the harness: `--valid` examples pass; `--invalid` ones fail; and for the
    strict variants `--invalid-strict` ones fail too (so strictness is really on)."""
    seen = set()
    for example, doc in example_documents(name):
        kind = example.split("--")[1].split(".")[0]
        if kind == "invalid-strict" and not name.endswith(".strict"):
            continue
        errors = schema_errors(name, doc)
        assert bool(errors) == (kind != "valid"), f"{example}: {errors}"
        seen.add(kind)
    assert "valid" in seen and "invalid" in seen
    if name.endswith(".strict"):
        assert "invalid-strict" in seen


def outputs(case: str, factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The example's committed configs/ and deploy/ (what GitOps deploys), else a fixture's."""
    if case == EXAMPLE:
        return read_tree(PROJECT)
    return generated(case, factory).files


@pytest.mark.parametrize("case", CASES)
def test_every_generated_object_validates_against_its_strict_schema(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    checked: dict[str, int] = {}
    failures = []
    for path, data in outputs(case, tmp_path_factory).items():
        for i, doc in enumerate(documents(data)):
            name = schema_name(doc)
            if name is None:
                continue
            checked[name] = checked.get(name, 0) + 1
            failures += [f"{path} (document {i + 1}) vs {name}: {e}" for e in schema_errors(name, doc)]
    assert not failures, "\n".join(failures)
    assert set(checked) == set(SCHEMAS), f"not every kind was generated: {checked}"


# -- CEL rules (x-kubernetes-validations) that matter for what we generate --------------

def cel_violations(doc: dict[str, Any]) -> list[str]:
    """The CRDs' CEL rules that bear on our output, restated; the API server enforces them,
    jsonschema does not (see ../shared/schemas/SOURCES.md)."""
    found = []
    if doc["kind"] == "HTTPRoute":
        rules = doc["spec"]["rules"]
        if sum(len(r.get("matches", [])) for r in rules) > 128:
            found.append("total matches across all rules in a route must be <= 128")
        names = [r["name"] for r in rules if "name" in r]
        if len(names) != len(set(names)):
            found.append(f"rule names must be unique: {names}")
        for rule in rules:
            for match in rule.get("matches", []):
                path = match["path"]
                if path["type"] in ("Exact", "PathPrefix"):
                    value = path["value"]
                    if not value.startswith("/") or any(s in value for s in ("//", "/./", "/../", "#")):
                        found.append(f"invalid {path['type']} path {value!r}")
    if doc["kind"] == "SecurityPolicy":
        spec = doc["spec"]
        if ("targetRef" in spec) == ("targetRefs" in spec):
            found.append("either targetRef or targetRefs must be used")
        for rule in spec.get("authorization", {}).get("rules", []):
            jwt = rule.get("principal", {}).get("jwt")
            if jwt is not None:
                if "jwt" not in spec:
                    found.append("if authorization.rules.principal.jwt is used, jwt must be defined")
                if "claims" not in jwt and "scopes" not in jwt:
                    found.append(f"rule {rule.get('name')}: "
                                 "at least one of claims or scopes must be specified")
                names = {p["name"] for p in spec.get("jwt", {}).get("providers", [])}
                if jwt["provider"] not in names:
                    found.append(f"rule {rule.get('name')}: unknown provider {jwt['provider']}")
        for provider in spec.get("jwt", {}).get("providers", []):
            if ("remoteJWKS" in provider) == ("localJWKS" in provider):
                found.append("exactly one of remoteJWKS or localJWKS must be specified")
    return found


@pytest.mark.parametrize("case", CASES)
def test_generated_objects_satisfy_the_crds_cel_rules(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    failures = []
    for path, data in outputs(case, tmp_path_factory).items():
        for doc in documents(data):
            if doc.get("kind") in ("HTTPRoute", "SecurityPolicy"):
                failures += [f"{path}: {doc['metadata']['name']}: {v}" for v in cel_violations(doc)]
    assert not failures, "\n".join(failures)


def test_cel_restatement_catches_a_scopeless_jwt_principal() -> None:
    policy = {"kind": "SecurityPolicy", "spec": {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "r"}],
        "jwt": {"providers": [{"name": "k", "remoteJWKS": {"uri": "https://id/certs"}}]},
        "authorization": {"defaultAction": "Deny", "rules": [
            {"name": "allow", "action": "Allow", "principal": {"jwt": {"provider": "k"}}}]}}}
    assert cel_violations(policy) == ["rule allow: at least one of claims or scopes must be specified"]


# -- apiops' own schemas for apiops.yaml and customer.yaml ------------------------------

@pytest.mark.parametrize("name", ["apiops", "customer"])
def test_shipped_input_schemas_are_valid_draft_2020_12(name: str) -> None:
    from jsonschema import Draft202012Validator

    schema = apiops_schema.load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("case", CASES)
def test_inputs_of_every_case_satisfy_the_shipped_schemas(case: str) -> None:
    from jsonschema import Draft202012Validator

    root = PROJECT if case == EXAMPLE else PROJECT / "tests" / "fixtures" / case
    files: list[tuple[Path, str]] = [(p, "customer") for p in sorted(root.glob("customers/*/customer.yaml"))]
    if (root / "apiops.yaml").exists():
        files.append((root / "apiops.yaml", "apiops"))
    assert files
    for path, name in files:
        validator = Draft202012Validator(apiops_schema.load_schema(name))
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert not errors, f"{path}: {errors}"
