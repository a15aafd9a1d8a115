"""The deploy target: how Argo CD and Flux find every customer folder under configs/."""
from __future__ import annotations

import pytest

from generators.support import CASES, generated


@pytest.mark.parametrize("case", CASES)
def test_argocd_applicationset_generates_one_app_per_configs_folder(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    tree = generated(case, tmp_path_factory)
    settings = next(iter(tree.plans.values())).settings.deploy
    (appset,) = tree.documents("deploy/argocd/applicationset.yaml")
    assert appset["metadata"]["namespace"] == settings.argocd_namespace
    (gen,) = appset["spec"]["generators"]
    assert gen == {"git": {"repoURL": settings.repo_url, "revision": settings.revision,
                           "directories": [{"path": "configs/*"}]}}
    template = appset["spec"]["template"]["spec"]
    assert template["source"] == {"repoURL": settings.repo_url, "targetRevision": settings.revision,
                                  "path": "{{.path.path}}"}
    assert template["project"] == settings.argocd_project
    assert appset["spec"]["goTemplate"] is True
    # Each folder the directory generator will find is a customer with a kustomization.
    folders = {p.split("/")[1] for p in tree.files if p.startswith("configs/")}
    assert folders == set(tree.plans)
    assert all(f"configs/{name}/kustomization.yaml" in tree.files for name in folders)


@pytest.mark.parametrize("case", CASES)
def test_one_flux_kustomization_per_customer(case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    tree = generated(case, tmp_path_factory)
    settings = next(iter(tree.plans.values())).settings.deploy
    for name in tree.plans:
        (flux,) = tree.documents(f"deploy/flux/{name}.yaml")
        assert flux["metadata"] == {"name": f"apiops-{name}", "namespace": settings.flux_namespace,
                                    "labels": {"app.kubernetes.io/managed-by": "apiops"}}
        assert flux["spec"] == {"interval": settings.flux_interval, "path": f"./configs/{name}",
                                "prune": True,
                                "sourceRef": {"kind": "GitRepository", "name": settings.flux_source}}
    (index,) = tree.documents("deploy/flux/kustomization.yaml")
    assert index["resources"] == [f"{name}.yaml" for name in sorted(tree.plans)]
    assert sorted(p for p in tree.files if p.startswith("deploy/")) == sorted(
        ["deploy/argocd/applicationset.yaml", "deploy/flux/kustomization.yaml",
         *(f"deploy/flux/{name}.yaml" for name in tree.plans)])


def test_settings_reach_the_deploy_files(tmp_path_factory: pytest.TempPathFactory) -> None:
    """basic's apiops.yaml sets every deploy key; split has no apiops.yaml (defaults)."""
    basic = next(iter(generated("basic", tmp_path_factory).plans.values())).settings.deploy
    assert (basic.repo_url, basic.argocd_project, basic.flux_source, basic.flux_interval) == (
        "https://git.test.example/platform/apiops.git", "tenants", "platform", "10m")
    split = next(iter(generated("split", tmp_path_factory).plans.values())).settings.deploy
    assert split.repo_url != basic.repo_url
