"""configs/<customer>/kustomization.yaml: ties the other generators' files together."""
from __future__ import annotations

import posixpath
from collections.abc import Sequence

from apiops.generators import CustomerGenerator, Document, Output
from apiops.generators.common import customer_labels
from apiops.model import CustomerPlan

NAMESPACE_FILE = "namespace.yaml"


def namespace(plan: CustomerPlan) -> Document:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": plan.customer.namespace, "labels": customer_labels(plan)}}


def kustomization(plan: CustomerPlan, produced: Sequence[Output]) -> Document:
    resources = [NAMESPACE_FILE] + sorted(o.path for o in produced if o.configmap is None)
    generators: dict[str, list[str]] = {}
    for output in produced:
        if output.configmap is not None:
            generators.setdefault(output.configmap, []).append(
                f"{posixpath.basename(output.path)}={output.path}")
    doc: Document = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": plan.customer.namespace,
        "labels": [{"pairs": customer_labels(plan)}],
        "resources": resources,
    }
    if generators:
        doc["configMapGenerator"] = [{"name": name, "files": sorted(files)}
                                     for name, files in sorted(generators.items())]
    return doc


def render(plan: CustomerPlan, produced: Sequence[Output]) -> list[Output]:
    c = plan.customer
    files = [(o.path, o.configmap) for o in produced]
    return [
        Output(NAMESPACE_FILE, (namespace(plan),), sources=(plan.settings.path, c.path),
               key=repr((c.name, c.namespace, plan.settings.path, c.path))),
        Output("kustomization.yaml", lambda: (kustomization(plan, produced),),
               key=repr((c.name, c.namespace, files, plan.sources))),
    ]


GENERATOR = CustomerGenerator("kustomize", render, order=90)
