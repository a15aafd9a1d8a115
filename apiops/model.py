"""The typed, immutable model: settings, customers, service versions and per-customer plans.

Raw dicts stop at loading.py; generators only ever see these objects.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Flow = Literal["client-credentials", "authorization-code"]
# An operation's security: None when the document declares none at all, () when it is
# public, else one tuple of required scopes per alternative (OpenAPI's OR of requirements).
Security = tuple[tuple[str, ...], ...] | None


@dataclass(frozen=True)
class Folders:
    services: str = "services"
    customers: str = "customers"
    configs: str = "configs"
    deploy: str = "deploy"


@dataclass(frozen=True)
class Templates:
    namespace: str = "{customer}"
    hostname: str = "{customer}.api.example.com"
    upstream: str = "http://{service}.{namespace}.svc.cluster.local:8080"
    issuer: str = "https://id.example.com/realms/{customer}"
    jwks: str = "{issuer}/protocol/openid-connect/certs"
    keycloakUrl: str = "http://keycloak.keycloak.svc.cluster.local:8080"  # noqa: N815


@dataclass(frozen=True)
class SecretRef:
    secret_name: str
    key: str


@dataclass(frozen=True)
class ParentRef:
    name: str
    namespace: str | None = None
    section_name: str | None = None


@dataclass(frozen=True)
class KeycloakSettings:
    image: str = "adorsys/keycloak-config-cli:6.4.0-26.1.0"
    admin_user: str = "admin"
    admin_secret: SecretRef = SecretRef("keycloak-admin", "password")


@dataclass(frozen=True)
class DeploySettings:
    repo_url: str = "https://github.com/example/apiops-monorepo.git"
    revision: str = "main"
    argocd_namespace: str = "argocd"
    argocd_project: str = "default"
    flux_namespace: str = "flux-system"
    flux_source: str = "apiops"
    flux_interval: str = "10m"


@dataclass(frozen=True)
class Settings:
    path: str
    folders: Folders
    targets: tuple[str, ...]
    templates: Templates
    parent_refs: tuple[ParentRef, ...]
    keycloak: KeycloakSettings
    deploy: DeploySettings


@dataclass(frozen=True)
class Operation:
    method: str          # upper case
    path: str            # public path template, base path included: /billing/v2/invoices/{id}
    operation_id: str
    summary: str
    security: Security
    where: tuple[str | int, ...]  # key path of the operation in its document
    route: str = ""      # the path with every parameter written `{}`: what the gateway matches


@dataclass(frozen=True)
class Scope:
    name: str
    description: str


@dataclass(frozen=True)
class ServiceVersion:
    service: str
    version: str
    path: str            # repository-relative path of the document
    base_path: str
    operations: tuple[Operation, ...]
    scopes: tuple[Scope, ...]   # declared by the document's OAuth2 flows or required by it
    allows_public: bool         # the document opts operations without security into public
    digest: str = ""            # sha256 of the document's text: names this content in cache keys

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0])


@dataclass(frozen=True)
class Pin:
    service: str
    version: str
    upstream: str | None = None


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    flow: Flow
    scopes: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    web_origins: tuple[str, ...]
    public: bool
    secret: SecretRef | None


@dataclass(frozen=True)
class Customer:
    name: str
    path: str
    namespace: str
    hostnames: tuple[str, ...]
    targets: tuple[str, ...]
    public_routes: bool
    pins: tuple[Pin, ...]
    issuer: str
    jwks_uri: str
    keycloak_url: str
    clients: tuple[Client, ...]


@dataclass(frozen=True)
class Upstream:
    name: str
    namespace: str
    port: int


@dataclass(frozen=True)
class ServicePlan:
    """One pinned service version as one customer runs it."""

    version: ServiceVersion
    upstream: Upstream

    @property
    def name(self) -> str:
        return self.version.service


@dataclass(frozen=True)
class CustomerPlan:
    """Everything a generator needs for one customer; nothing else is read."""

    customer: Customer
    settings: Settings
    services: tuple[ServicePlan, ...]

    @property
    def scopes(self) -> tuple[Scope, ...]:
        """Every scope the customer's pinned services define, first description wins."""
        seen: dict[str, Scope] = {}
        for plan in self.services:
            for scope in plan.version.scopes:
                if scope.name not in seen or not seen[scope.name].description:
                    seen[scope.name] = scope
        return tuple(seen[name] for name in sorted(seen))

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.settings.path, self.customer.path,
                *sorted(plan.version.path for plan in self.services))
