"""Gateway API HTTPRoutes and Envoy Gateway SecurityPolicies, one file per pinned service.

Operations are grouped into route rules by the security they require, so that one
SecurityPolicy per rule (targeted through `sectionName`) enforces exactly that
requirement: JWT from the customer's issuer, the service as audience, the scopes,
deny by default. Public operations get a rule no policy targets. Rules and routes are
split deterministically to stay within the HTTPRoute limits.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from apiops.generators import CustomerGenerator, Document, Output
from apiops.generators.common import content_hash, customer_labels, dns_name, label_value
from apiops.model import CustomerPlan, Operation, ServicePlan

MAX_RULES_PER_ROUTE = 16
MAX_MATCHES_PER_RULE = 64
MAX_MATCHES_PER_ROUTE = 128
JWT_PROVIDER = "keycloak"
PUBLIC = "public"
_PARAM = re.compile(r"\{[^}/]*\}")
_RE2_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\])")


@dataclass(frozen=True)
class Rule:
    name: str
    alternatives: tuple[tuple[str, ...], ...] | None   # None: public
    operations: tuple[Operation, ...]


def path_match(path: str) -> dict[str, str]:
    """Exact for literal paths; an anchored RE2 regex where `{param}` is one segment."""
    if not _PARAM.search(path):
        return {"type": "Exact", "value": path}
    parts = _PARAM.split(path)
    regex = "[^/]+".join(_RE2_SPECIAL.sub(r"\\\1", part) for part in parts)
    return {"type": "RegularExpression", "value": f"^{regex}$"}


def rule_name(alternatives: tuple[tuple[str, ...], ...] | None) -> str:
    if alternatives is None:
        return PUBLIC
    words = ["-and-".join(scopes) if scopes else "authenticated" for scopes in alternatives]
    return dns_name("-or-".join(words))


def rules_of(service: ServicePlan) -> list[Rule]:
    groups: dict[tuple[tuple[str, ...], ...] | None, list[Operation]] = {}
    for op in service.version.operations:
        # security None reaches here only when the customer or document opted into public routes
        key = None if not op.security else op.security
        groups.setdefault(key, []).append(op)
    rules: list[Rule] = []
    taken: set[str] = set()
    for key, ops in sorted(groups.items(), key=lambda kv: (rule_name(kv[0]), repr(kv[0]))):
        base = rule_name(key)
        for part, start in enumerate(range(0, len(ops), MAX_MATCHES_PER_RULE)):
            name = dns_name(base if part == 0 else f"{base}-{part + 1}")
            if name in taken:  # requirements that read alike once DNS-safe, or a split's suffix
                name = dns_name(f"{base}-{content_hash([repr(key), part], 8)}")
            taken.add(name)
            rules.append(Rule(name, key, tuple(ops[start:start + MAX_MATCHES_PER_RULE])))
    return rules


def pack(rules: Sequence[Rule]) -> list[list[Rule]]:
    routes: list[list[Rule]] = [[]]
    for rule in rules:
        current = routes[-1]
        matches = sum(len(r.operations) for r in current)
        if current and (len(current) == MAX_RULES_PER_ROUTE
                        or matches + len(rule.operations) > MAX_MATCHES_PER_ROUTE):
            routes.append([])
        routes[-1].append(rule)
    return routes


def http_route(plan: CustomerPlan, service: ServicePlan, name: str, rules: Sequence[Rule]) -> Document:
    customer = plan.customer
    backend: dict[str, Any] = {"name": service.upstream.name, "port": service.upstream.port}
    if service.upstream.namespace != customer.namespace:
        backend = {"name": service.upstream.name, "namespace": service.upstream.namespace,
                   "port": service.upstream.port}
    parent_refs = []
    for ref in plan.settings.parent_refs:
        parent: dict[str, Any] = {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                  "name": ref.name}
        if ref.namespace:
            parent["namespace"] = ref.namespace
        if ref.section_name:
            parent["sectionName"] = ref.section_name
        parent_refs.append(parent)
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": customer.namespace,
                     "labels": _labels(plan, service)},
        "spec": {
            "parentRefs": parent_refs,
            "hostnames": list(customer.hostnames),
            "rules": [{
                "name": rule.name,
                "matches": [{"path": path_match(op.path), "method": op.method}
                            for op in rule.operations],
                "backendRefs": [backend],
            } for rule in rules],
        },
    }


def security_policy(plan: CustomerPlan, service: ServicePlan, route: str, rule: Rule) -> Document:
    customer = plan.customer
    allow = []
    for i, scopes in enumerate(rule.alternatives or ()):
        principal: dict[str, Any] = {"provider": JWT_PROVIDER}
        if scopes:
            principal["scopes"] = list(scopes)
        else:
            # A requirement without scopes (`bearer: []`): any token the provider accepted.
            # The CRD's CEL rule wants claims or scopes on a jwt principal, so name the issuer.
            principal["claims"] = [{"name": "iss", "values": [customer.issuer]}]
        allow.append({"name": f"allow-{i + 1}" if len(rule.alternatives or ()) > 1 else "allow",
                      "action": "Allow", "principal": {"jwt": principal}})
    provider: dict[str, Any] = {"name": JWT_PROVIDER, "issuer": customer.issuer}
    if all(rule.alternatives or ()):
        # Tokens name a service as audience through the scopes it requires (the realm's
        # audience mappers); a rule that accepts a token without scopes cannot ask for it.
        provider["audiences"] = [service.name]
    provider["remoteJWKS"] = {"uri": customer.jwks_uri}
    return {
        "apiVersion": "gateway.envoyproxy.io/v1alpha1",
        "kind": "SecurityPolicy",
        "metadata": {"name": dns_name(f"{route}-{rule.name}", 253),
                     "namespace": customer.namespace, "labels": _labels(plan, service)},
        "spec": {
            "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute",
                            "name": route, "sectionName": rule.name}],
            "jwt": {"providers": [provider]},
            "authorization": {"defaultAction": "Deny", "rules": allow},
        },
    }


def _labels(plan: CustomerPlan, service: ServicePlan) -> dict[str, str]:
    return {**customer_labels(plan), "app.kubernetes.io/name": service.name,
            "app.kubernetes.io/version": label_value(service.version.version)}


def service_documents(plan: CustomerPlan, service: ServicePlan) -> list[Document]:
    routes = pack(rules_of(service))
    documents: list[Document] = []
    for i, rules in enumerate(routes):
        name = service.name if len(routes) == 1 else dns_name(f"{service.name}-{i + 1}", 253)
        documents.append(http_route(plan, service, name, rules))
        documents += [security_policy(plan, service, name, rule)
                      for rule in rules if rule.alternatives is not None]
    return documents


def service_file(plan: CustomerPlan, service: ServicePlan) -> tuple[Document, ...]:
    return tuple(service_documents(plan, service))


def _key(plan: CustomerPlan, service: ServicePlan) -> str:
    """Everything a service's file is made of: a customer's other pins do not matter."""
    c, version = plan.customer, service.version
    inputs = (c.name, c.namespace, c.hostnames, c.issuer, c.jwks_uri, c.path,
              plan.settings.parent_refs, plan.settings.path, service.upstream,
              version.service, version.version, version.path, version.digest)
    return hashlib.sha256(repr(inputs).encode()).hexdigest()


def render(plan: CustomerPlan, produced: Sequence[Output]) -> list[Output]:
    return [Output(f"gateway/{service.name}.yaml",
                   partial(service_file, plan, service),
                   sources=(plan.settings.path, plan.customer.path, service.version.path),
                   key=_key(plan, service))
            for service in plan.services if service.version.operations]


GENERATOR = CustomerGenerator("envoy-gateway", render, order=10)
