"""The effective security of every operation of one customer, on one side of a diff,
derived from the HTTPRoutes and the SecurityPolicies that target their rules.

An operation is a route match (method + path). Its access is that of the SecurityPolicy
targeting its rule (`sectionName`), else of the one targeting its whole route, else none:
public. Only the routes and policies of changed files are read (apiops writes each route
with its policies into one file), and of those only the rules whose text or policy changed.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from apiops.diff.blocks import Node
from apiops.diff.model import ResourceKey
from apiops.diff.resources import Unit
from apiops.diff.structure import operation

ROUTE_API = "gateway.networking.k8s.io/"
POLICY_API = "gateway.envoyproxy.io/"


@dataclass(frozen=True)
class Access:
    public: bool
    alternatives: tuple[tuple[str, ...], ...] = ()   # any one of these scope sets is enough
    issuers: tuple[str, ...] = ()
    jwks: tuple[str, ...] = ()

    def words(self) -> str:
        if self.public:
            return "public"
        if not self.alternatives:
            return "nobody (deny all)"
        return " or ".join(" and ".join(alt) if alt else "any valid token"
                           for alt in self.alternatives)

    def data(self) -> Any:
        return "public" if self.public else [list(alt) for alt in self.alternatives]


PUBLIC = Access(True)


def policy_access(jwt: Any, authorization: Any) -> Access:
    """Access granted by a SecurityPolicy with these `spec.jwt` and `spec.authorization`."""
    found = jwt.get("providers") if isinstance(jwt, dict) else None
    providers = [p for p in found if isinstance(p, dict)] if isinstance(found, list) else []
    auth = authorization if isinstance(authorization, dict) else {}
    if not providers and not auth:
        return PUBLIC               # a policy that neither checks a token nor authorizes
    alternatives = set()
    for rule in auth.get("rules") or []:
        if isinstance(rule, dict) and rule.get("action") == "Allow":
            principal = (rule.get("principal") or {}).get("jwt") or {}
            alternatives.add(tuple(sorted(str(s) for s in principal.get("scopes") or [])))
    if auth.get("defaultAction", "Deny") == "Allow" and providers:
        alternatives.add(())        # any valid token
    issuers = {str(p["issuer"]) for p in providers if p.get("issuer")}
    jwks = {str(uri) for p in providers if (uri := (p.get("remoteJWKS") or {}).get("uri"))}
    return Access(False, tuple(sorted(alternatives)), tuple(sorted(issuers)), tuple(sorted(jwks)))


def _targets(policy: Node) -> list[tuple[str, str, str | None]]:
    namespace = str(policy.get("metadata", "namespace") or "")
    refs = policy.get("spec", "targetRefs") or []
    single = policy.get("spec", "targetRef")
    refs = (list(refs) if isinstance(refs, list) else []) + ([single] if isinstance(single, dict) else [])
    return [(namespace, str(r.get("name")), r.get("sectionName")) for r in refs
            if isinstance(r, dict) and r.get("kind") == "HTTPRoute"]


def _kind(unit: Unit, api: str, kind: str) -> bool:
    if unit.family != "k8s" or unit.node.get("kind") != kind:
        return False
    return str(unit.node.get("apiVersion") or "").startswith(api)


class Gateway:
    """One customer's routes and policies on one side of the diff; a policy is read
    only when an operation it protects changed."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.routes: dict[tuple[str, str], Node] = {}
        self._policies: dict[tuple[str, str, str | None], Node] = {}
        for unit in units:
            if _kind(unit, ROUTE_API, "HTTPRoute"):
                namespace = str(unit.node.get("metadata", "namespace") or "")
                self.routes[(namespace, str(unit.node.get("metadata", "name")))] = unit.node
            elif _kind(unit, POLICY_API, "SecurityPolicy"):
                for target in _targets(unit.node):
                    self._policies[target] = unit.node

    def policy(self, route: tuple[str, str], rule: Any) -> Node | None:
        """The policy that applies: the one targeting the rule, else the whole route."""
        namespace, name = route
        found = self._policies.get((namespace, name, rule)) if rule else None
        return found or self._policies.get((namespace, name, None))

    def access(self, route: tuple[str, str], rule: Any) -> Access:
        found = self.policy(route, rule)
        if found is None:
            return PUBLIC
        return policy_access(found.get("spec", "jwt"), found.get("spec", "authorization"))


def title(route: tuple[str, str]) -> str:
    return ResourceKey(ROUTE_API, "HTTPRoute", *route).title


def _rules(route: Node | None) -> dict[str, Node]:
    rules = route.child("spec", "rules") if route is not None else None
    return {str(rule.get("name") or i): rule for i, rule in enumerate(rules.items() if rules else [])}


def _matches(rule: Node | None) -> list[Node]:
    if rule is None:
        return []
    found = rule.child("matches")
    return found.items() if found is not None else [Node.of_value({}, rule.parser)]


def _same_text(a: Node | None, b: Node | None) -> bool:
    return a is b or (a is not None and b is not None and a.src == b.src)


def hostnames(route: Node | None) -> set[str]:
    found = route.get("spec", "hostnames") if route is not None else None
    return {str(h) for h in found} if isinstance(found, list) else set()


Seen = dict[str, tuple[str, Access, str]]      # operation -> (label, access, route title)


def _add(seen: Seen, matches: Iterable[Node], route: tuple[str, str], access: Access) -> None:
    for node in matches:
        match = node.value if node.value else {"path": {"type": "PathPrefix", "value": "/"}}
        if isinstance(match, dict):
            key, label = operation(match)
            seen.setdefault(key, (label, access, title(route)))


Moves = Counter[tuple[tuple[str, ...], tuple[str, ...]]]   # (old, new) issuers or JWKS URIs -> operations


@dataclass
class Operations:
    """The operations whose rule or policy changed, with their access on each side."""

    old: Seen = field(default_factory=dict)
    new: Seen = field(default_factory=dict)
    issuers: Moves = field(default_factory=Counter)
    jwks: Moves = field(default_factory=Counter)

    def moved(self, was: Access, now: Access, count: int) -> None:
        if was.issuers != now.issuers:
            self.issuers[(was.issuers, now.issuers)] += count
        if was.jwks != now.jwks:
            self.jwks[(was.jwks, now.jwks)] += count


def operations(before: Gateway, after: Gateway) -> Operations:
    """A match whose text, rule and access are the same on both sides is not even parsed;
    nor is one whose rule only trusts another issuer (it is counted)."""
    found = Operations()
    for route in sorted(before.routes.keys() | after.routes.keys()):
        rules_a, rules_b = _rules(before.routes.get(route)), _rules(after.routes.get(route))
        for name in sorted(rules_a.keys() | rules_b.keys()):
            ra, rb = rules_a.get(name), rules_b.get(name)
            same_rule = ra is not None and rb is not None and ra.src == rb.src
            if same_rule and _same_text(before.policy(route, name), after.policy(route, name)):
                continue
            was = before.access(route, name) if ra is not None else None
            now = after.access(route, name) if rb is not None else None
            if same_rule and was and now and (was.public, was.alternatives) == (now.public, now.alternatives):
                found.moved(was, now, len(_matches(ra)))
                continue
            matches_a, matches_b = _matches(ra), _matches(rb)
            if was is not None and was == now:      # same rule, same access: only moved matches
                same = {m.src for m in matches_a} & {m.src for m in matches_b}
                matches_a = [m for m in matches_a if m.src not in same]
                matches_b = [m for m in matches_b if m.src not in same]
            if was is not None:
                _add(found.old, matches_a, route, was)
            if now is not None:
                _add(found.new, matches_b, route, now)
    return found
