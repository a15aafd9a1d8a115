"""The kustomize target, checked with the real `kubectl kustomize`: every customer folder
builds, and the content hash of the realm ConfigMap reaches the Job that mounts it."""
from __future__ import annotations

import pytest

from apiops.generators import keycloak
from generators.support import CASES, generated, kustomize_build


@pytest.mark.parametrize("case", CASES)
def test_kustomization_lists_every_file_of_the_customer(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    tree = generated(case, tmp_path_factory)
    for name, plan in tree.plans.items():
        (kustomization,) = tree.documents(f"configs/{name}/kustomization.yaml")
        assert kustomization["namespace"] == plan.customer.namespace
        assert kustomization["labels"] == [{"pairs": {"app.kubernetes.io/managed-by": "apiops",
                                                      "apiops.io/customer": name}}]
        listed = set(kustomization["resources"])
        for generator in kustomization.get("configMapGenerator", []):
            listed |= {entry.partition("=")[2] for entry in generator["files"]}
        on_disk = {p.removeprefix(f"configs/{name}/") for p in tree.customer_files(name)}
        assert listed == on_disk - {"kustomization.yaml"}
        assert kustomization["resources"][0] == "namespace.yaml"
        (namespace,) = tree.documents(f"configs/{name}/namespace.yaml")
        assert namespace["metadata"]["name"] == plan.customer.namespace


@pytest.mark.parametrize("case", CASES)
def test_kubectl_kustomize_builds_every_customer(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    tree = generated(case, tmp_path_factory)
    for name, plan in tree.plans.items():
        built = kustomize_build(tree.root / "configs" / name)
        kinds = sorted({d["kind"] for d in built})
        assert "HTTPRoute" in kinds and "Namespace" in kinds, kinds
        for doc in built:
            meta = doc["metadata"]
            assert meta["labels"]["app.kubernetes.io/managed-by"] == "apiops", meta
            assert meta["labels"]["apiops.io/customer"] == name
            if doc["kind"] != "Namespace":
                assert meta["namespace"] == plan.customer.namespace, meta
        if "keycloak" not in plan.customer.targets:
            assert "Job" not in kinds and "ConfigMap" not in kinds
            continue
        (configmap,) = [d for d in built if d["kind"] == "ConfigMap"]
        (job,) = [d for d in built if d["kind"] == "Job"]
        hashed = configmap["metadata"]["name"]
        assert hashed.startswith(keycloak.REALM_CONFIGMAP + "-") and hashed != keycloak.REALM_CONFIGMAP
        volumes = job["spec"]["template"]["spec"]["volumes"]
        assert volumes == [{"name": "realm", "configMap": {"name": hashed}}]
        realm_file = tree.files[f"configs/{name}/keycloak/realm.yaml"].decode()
        assert configmap["data"] == {"realm.yaml": realm_file}


@pytest.mark.parametrize("case", CASES)
def test_kubectl_kustomize_builds_the_flux_folder(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    tree = generated(case, tmp_path_factory)
    built = kustomize_build(tree.root / "deploy" / "flux")
    assert sorted(d["metadata"]["name"] for d in built) == sorted(f"apiops-{n}" for n in tree.plans)
