"""A deterministic synthetic monorepo for benchmarks: N customers pinning M services."""
from __future__ import annotations

import argparse
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Shape:
    customers: int = 200
    services: int = 40
    versions: int = 4
    operations: int = 40


def document(service: str, major: int, minor: int, operations: int) -> dict:
    paths: dict[str, dict] = {}
    for i in range(operations):
        resource = f"/things{i // 4}"
        kind = i % 4
        path = resource if kind in (0, 1) else f"{resource}/{{thingId}}"
        method = {0: "get", 1: "post", 2: "get", 3: "delete"}[kind]
        op: dict = {
            "operationId": f"op{i}",
            "summary": f"Operation {i} of {service}",
            "responses": {"200": {"description": "ok"}},
        }
        if "{" in path:
            op["parameters"] = [{"name": "thingId", "in": "path", "required": True,
                                 "schema": {"type": "string"}}]
        if method != "get":
            op["security"] = [{"oauth2": [f"{service}:write"]}]
        if i == 0 and minor % 2 == 0:
            op["security"] = []
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": service, "version": f"{major}.{minor}.0"},
        "servers": [{"url": f"https://api.example.com/{service}/v{major}"}],
        "security": [{"oauth2": [f"{service}:read"]}],
        "paths": paths,
        "components": {"securitySchemes": {"oauth2": {"type": "oauth2", "flows": {
            "clientCredentials": {"tokenUrl": "https://id.example.com/token", "scopes": {
                f"{service}:read": f"Read {service}", f"{service}:write": f"Change {service}"}}}}}},
    }


def version_of(customer: int, service: int, shape: Shape) -> tuple[int, int]:
    pick = (customer * 7 + service) % shape.versions
    return 1 + pick // 2, pick % 2


def build(root: Path, shape: Shape) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "apiops.yaml").write_text(
        "targets: [envoy-gateway, keycloak, kustomize]\n"
        "templates:\n  namespace: 'tenant-{customer}'\n"
        "  upstream: 'http://{service}-v{major}.{namespace}.svc.cluster.local:8080'\n")
    for s in range(shape.services):
        service = f"svc{s:03d}"
        for v in range(shape.versions):
            major, minor = 1 + v // 2, v % 2
            folder = root / "services" / service / f"{major}.{minor}.0"
            folder.mkdir(parents=True, exist_ok=True)
            text = yaml.safe_dump(document(service, major, minor, shape.operations), sort_keys=False)
            (folder / "openapi.yaml").write_text(text)
    for c in range(shape.customers):
        name = f"customer{c:04d}"
        pins = {}
        for s in range(shape.services):
            major, minor = version_of(c, s, shape)
            pins[f"svc{s:03d}"] = f"{major}.{minor}.0"
        scopes = [f"svc{s:03d}:read" for s in range(0, shape.services, 3)]
        data = {"customer": name, "services": pins, "idp": {"clients": [
            {"clientId": f"{name}-erp", "flow": "client-credentials", "scopes": scopes,
             "secret": {"secretName": f"{name}-clients", "key": "erp"}},
            {"clientId": f"{name}-portal", "flow": "authorization-code", "scopes": scopes[:2],
             "redirectUris": [f"https://{name}.example.com/callback"], "publicClient": True},
        ]}}
        folder = root / "customers" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "customer.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def git_init(root: Path) -> None:
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "synthetic monorepo"]):
        subprocess.run(["git", *args], cwd=root, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    for field in Shape.__dataclass_fields__:
        parser.add_argument(f"--{field}", type=int, default=getattr(Shape, field))
    args = parser.parse_args()
    build(args.root, Shape(args.customers, args.services, args.versions, args.operations))
    git_init(args.root)


if __name__ == "__main__":
    main()
