"""deploy/: how Argo CD or Flux find the customers' folders under configs/."""
from __future__ import annotations

from collections.abc import Sequence

from apiops.generators import Document, Output, RepoGenerator
from apiops.generators.common import MANAGED_BY
from apiops.model import Customer, Settings


def application_set(settings: Settings) -> Document:
    dep = settings.deploy
    configs = settings.folders.configs.strip("/")
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "apiops-customers", "namespace": dep.argocd_namespace,
                     "labels": dict(MANAGED_BY)},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [{"git": {"repoURL": dep.repo_url, "revision": dep.revision,
                                    "directories": [{"path": f"{configs}/*"}]}}],
            "template": {
                "metadata": {"name": "apiops-{{.path.basename}}", "labels": dict(MANAGED_BY)},
                "spec": {
                    "project": dep.argocd_project,
                    "source": {"repoURL": dep.repo_url, "targetRevision": dep.revision,
                               "path": "{{.path.path}}"},
                    "destination": {"server": "https://kubernetes.default.svc"},
                    # A customer whose folder is removed loses its routes: leaving them
                    # live would keep serving an off-boarded tenant.
                    "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
                },
            },
        },
    }


def flux_kustomization(settings: Settings, customer: Customer) -> Document:
    dep = settings.deploy
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": f"apiops-{customer.name}", "namespace": dep.flux_namespace,
                     "labels": dict(MANAGED_BY)},
        "spec": {
            "interval": dep.flux_interval,
            "path": f"./{settings.folders.configs.strip('/')}/{customer.name}",
            "prune": True,
            "sourceRef": {"kind": "GitRepository", "name": dep.flux_source},
        },
    }


def render(settings: Settings, customers: Sequence[Customer]) -> list[Output]:
    ordered = sorted(customers, key=lambda c: c.name)
    outputs = [Output("argocd/applicationset.yaml", (application_set(settings),),
                      sources=(settings.path,))]
    outputs += [Output(f"flux/{c.name}.yaml", (flux_kustomization(settings, c),),
                       sources=(settings.path, c.path)) for c in ordered]
    outputs.append(Output("flux/kustomization.yaml", ({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [f"{c.name}.yaml" for c in ordered],
    },), sources=(settings.path,)))
    return outputs


GENERATOR = RepoGenerator("deploy", render)
