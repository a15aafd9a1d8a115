"""Keycloak realm for keycloak-config-cli, plus the Job that applies it.

The realm is shipped as a ConfigMap (kustomize configMapGenerator). Client secrets are
never written: the realm says `$(env:NAME)` and the Job feeds NAME from the Kubernetes
Secret that customer.yaml names. The Job's name carries a hash of the realm and of its
own spec, so any change creates a new Job and keycloak-config-cli runs again.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import cache, partial
from typing import Any

from apiops.generators import CustomerGenerator, Document, Output
from apiops.generators.common import content_hash, customer_labels
from apiops.model import Client, CustomerPlan

REALM_CONFIGMAP = "keycloak-realm"
REALM_FILE = "keycloak/realm.yaml"
CONFIG_DIR = "/config"


def secret_env(client: Client, clients: Sequence[Client] = ()) -> str:
    """`acme-erp` -> CLIENT_SECRET_ACME_ERP. Client ids that differ only in `.` and `-`
    (`acme.erp`, `acme-erp`) would share one variable, and so one secret: those get a
    hash of their id appended."""
    def plain(entry: Client) -> str:
        return "CLIENT_SECRET_" + re.sub(r"[^A-Z0-9]+", "_", entry.client_id.upper()).strip("_")

    name = plain(client)
    if any(plain(other) == name and other.client_id != client.client_id for other in clients):
        name += "_" + hashlib.sha256(client.client_id.encode()).hexdigest()[:8].upper()
    return name


def client_scope(name: str, description: str, audiences: Sequence[str]) -> Document:
    scope: Document = {
        "name": name,
        "description": description,
        "protocol": "openid-connect",
        "attributes": {"include.in.token.scope": "true", "display.on.consent.screen": "true"},
    }
    if audiences:
        # A token granted this scope names the services that require it as audience,
        # which is what the gateway's JWT providers check.
        scope["protocolMappers"] = [{
            "name": f"audience-{service}",
            "protocol": "openid-connect",
            "protocolMapper": "oidc-audience-mapper",
            "consentRequired": False,
            "config": {"included.custom.audience": service, "access.token.claim": "true",
                       "id.token.claim": "false", "introspection.token.claim": "true"},
        } for service in audiences]
    return scope


def client(entry: Client, clients: Sequence[Client] = ()) -> Document:
    machine = entry.flow == "client-credentials"
    out: Document = {
        "clientId": entry.client_id,
        "name": entry.name,
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": entry.public,
        "standardFlowEnabled": not machine,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": machine,
        "fullScopeAllowed": False,
        "defaultClientScopes": sorted(entry.scopes),
        "optionalClientScopes": [],
    }
    if not entry.public:
        out["clientAuthenticatorType"] = "client-secret"
        out["secret"] = f"$(env:{secret_env(entry, clients)})"
    if not machine:
        out["redirectUris"] = list(entry.redirect_uris)
        out["webOrigins"] = list(entry.web_origins)
        out["attributes"] = {"pkce.code.challenge.method": "S256"}
    return out


def realm(plan: CustomerPlan) -> Document:
    audiences: dict[str, list[str]] = {}
    for service in plan.services:
        for scope in service.version.scopes:
            audiences.setdefault(scope.name, []).append(service.name)
    return {
        "realm": plan.customer.name,
        "enabled": True,
        "clientScopes": [client_scope(s.name, s.description, sorted(set(audiences[s.name])))
                         for s in plan.scopes],
        "clients": [client(c, plan.customer.clients)
                    for c in sorted(plan.customer.clients, key=lambda c: c.client_id)],
    }


def _env(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "value": value}


def _secret_env(name: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def job(plan: CustomerPlan, realm_doc: Document) -> Document:
    kc = plan.settings.keycloak
    env = [
        _env("KEYCLOAK_URL", plan.customer.keycloak_url),
        _env("KEYCLOAK_USER", kc.admin_user),
        _secret_env("KEYCLOAK_PASSWORD", kc.admin_secret.secret_name, kc.admin_secret.key),
        _env("KEYCLOAK_AVAILABILITYCHECK_ENABLED", "true"),
        _env("KEYCLOAK_AVAILABILITYCHECK_TIMEOUT", "120s"),
        _env("IMPORT_FILES_LOCATIONS", f"{CONFIG_DIR}/*"),
        _env("IMPORT_VARSUBSTITUTION_ENABLED", "true"),
    ]
    env += [_secret_env(secret_env(c, plan.customer.clients), c.secret.secret_name, c.secret.key)
            for c in sorted(plan.customer.clients, key=lambda c: c.client_id) if c.secret]
    spec: Document = {
        "backoffLimit": 1,
        "template": {
            "metadata": {"labels": customer_labels(plan)},
            "spec": {
                "restartPolicy": "Never",
                "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{
                    "name": "keycloak-config-cli",
                    "image": kc.image,
                    "env": env,
                    "volumeMounts": [{"name": "realm", "mountPath": CONFIG_DIR, "readOnly": True}],
                    "securityContext": {"allowPrivilegeEscalation": False,
                                        "capabilities": {"drop": ["ALL"]}},
                }],
                "volumes": [{"name": "realm", "configMap": {"name": REALM_CONFIGMAP}}],
            },
        },
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": f"keycloak-config-cli-{content_hash([realm_doc, spec])}",
                     "namespace": plan.customer.namespace, "labels": customer_labels(plan)},
        "spec": spec,
    }


def _key(plan: CustomerPlan) -> str:
    """The realm and the Job depend on the customer, the Keycloak settings and the scopes
    of the pinned services, not on the rest of the documents."""
    audiences = sorted((scope.name, service.name) for service in plan.services
                       for scope in service.version.scopes)
    inputs = (plan.customer, plan.settings.keycloak, plan.scopes, audiences, plan.sources)
    return hashlib.sha256(repr(inputs).encode()).hexdigest()


def render(plan: CustomerPlan, produced: Sequence[Output]) -> list[Output]:
    realm_doc = cache(partial(realm, plan))      # built once, and only if a file needs it
    key = _key(plan)
    return [
        Output(REALM_FILE, lambda: (realm_doc(),), configmap=REALM_CONFIGMAP, key=key),
        Output("keycloak/job.yaml", lambda: (job(plan, realm_doc()),), key=key),
    ]


GENERATOR = CustomerGenerator("keycloak", render, order=20)
