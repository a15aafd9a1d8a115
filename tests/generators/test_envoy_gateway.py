"""The envoy-gateway target against the transform rules, for every customer of the example
monorepo and of the fixtures: each generated file is read back and checked against the
model it came from, so a rule broken anywhere fails here, not only in one golden file."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from apiops.generators import envoy_gateway
from apiops.model import CustomerPlan, Operation, ServicePlan
from generators.support import CASES, generated

MAX_RULES, MAX_MATCHES_PER_RULE, MAX_MATCHES_PER_ROUTE = 16, 64, 128
TEMPLATE = re.compile(r"\{[^}/]*\}")
ROUTE_REF = {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}


def services(case: str, factory: pytest.TempPathFactory) -> list[tuple[CustomerPlan, ServicePlan,
                                                                          list[dict[str, Any]]]]:
    tree = generated(case, factory)
    found = []
    for plan in tree.plans.values():
        if "envoy-gateway" not in plan.customer.targets:
            continue
        for service in plan.services:
            path = f"configs/{plan.customer.name}/gateway/{service.name}.yaml"
            found.append((plan, service, tree.documents(path)))
    assert found
    return found


def sample(path: str, value: str = "x1") -> str:
    return TEMPLATE.sub(value, path)


def template_of(regex: str) -> str:
    """The path template a generated regex stands for: `^/a/[^/]+\\.png$` -> `/a/{}.png`."""
    assert regex.startswith("^") and regex.endswith("$"), f"regex not anchored: {regex}"
    return re.sub(r"\\(.)", r"\1", regex[1:-1].replace("[^/]+", "{}"))


def operation_of(match: dict[str, Any], operations: list[Operation]) -> Operation:
    path = match["path"]
    if path["type"] == "Exact":
        found = [op for op in operations if op.method == match["method"] and op.path == path["value"]]
    else:
        assert path["type"] == "RegularExpression", path
        found = [op for op in operations if op.method == match["method"]
                 and TEMPLATE.sub("{}", op.path) == template_of(path["value"])]
    assert len(found) == 1, f"{match} stands for {len(found)} operations"
    return found[0]


@pytest.mark.parametrize("case", CASES)
def test_one_match_per_operation_and_nothing_else(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    for plan, service, docs in services(case, tmp_path_factory):
        operations = list(service.version.operations)
        routed: Counter[Operation] = Counter()
        for route in (d for d in docs if d["kind"] == "HTTPRoute"):
            for rule in route["spec"]["rules"]:
                for match in rule["matches"]:
                    routed[operation_of(match, operations)] += 1
        assert routed == Counter(operations), f"{plan.customer.name}/{service.name}"


@pytest.mark.parametrize("case", CASES)
def test_paths_exact_or_anchored_one_segment_regex(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    for _, service, docs in services(case, tmp_path_factory):
        for route in (d for d in docs if d["kind"] == "HTTPRoute"):
            for rule in route["spec"]["rules"]:
                for match in rule["matches"]:
                    op = operation_of(match, list(service.version.operations))
                    value = match["path"]["value"]
                    if not TEMPLATE.search(op.path):
                        assert match["path"] == {"type": "Exact", "value": op.path}
                        continue
                    assert match["path"]["type"] == "RegularExpression"
                    assert re.fullmatch(value, sample(op.path)), (value, op.path)
                    # A parameter is exactly one non-empty path segment, and the regex is anchored.
                    assert not re.fullmatch(value, sample(op.path, "a/b")), value
                    assert not re.fullmatch(value, sample(op.path, "")), value
                    assert not re.fullmatch(value, sample(op.path) + "/more"), value
                    assert not re.fullmatch(value, "/prefix" + sample(op.path)), value


@pytest.mark.parametrize("case", CASES)
def test_route_limits_names_and_backends(case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    for plan, service, docs in services(case, tmp_path_factory):
        customer = plan.customer
        routes = [d for d in docs if d["kind"] == "HTTPRoute"]
        assert len({r["metadata"]["name"] for r in routes}) == len(routes)
        for route in routes:
            spec = route["spec"]
            assert route["metadata"]["namespace"] == customer.namespace
            assert route["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "apiops"
            assert spec["hostnames"] == list(customer.hostnames)
            assert [p["name"] for p in spec["parentRefs"]] == [r.name for r in plan.settings.parent_refs]
            assert 1 <= len(spec["rules"]) <= MAX_RULES
            assert sum(len(r["matches"]) for r in spec["rules"]) <= MAX_MATCHES_PER_ROUTE
            names = [r["name"] for r in spec["rules"]]
            assert len(set(names)) == len(names), f"rule names must be unique in a route: {names}"
            backend = {"name": service.upstream.name, "port": service.upstream.port}
            if service.upstream.namespace != customer.namespace:
                backend = {"name": service.upstream.name, "namespace": service.upstream.namespace,
                           "port": service.upstream.port}
            for rule in spec["rules"]:
                assert 1 <= len(rule["matches"]) <= MAX_MATCHES_PER_RULE
                assert rule["backendRefs"] == [backend]


@pytest.mark.parametrize("case", CASES)
def test_security_policies_enforce_each_operations_requirements(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Default deny: a rule holding an operation with security is targeted by exactly one
    SecurityPolicy (JWT from the customer's issuer, the service as audience, an Allow rule
    per alternative with exactly its scopes); a public operation's rule by none."""
    for plan, service, docs in services(case, tmp_path_factory):
        customer = plan.customer
        policies: dict[tuple[str, str], dict[str, Any]] = {}
        for policy in (d for d in docs if d["kind"] == "SecurityPolicy"):
            (ref,) = policy["spec"]["targetRefs"]
            assert {k: ref[k] for k in ROUTE_REF} == ROUTE_REF
            key = (ref["name"], ref["sectionName"])
            assert key not in policies, f"two policies target {key}"
            policies[key] = policy
        rules = {(route["metadata"]["name"], rule["name"]): rule
                 for route in docs if route["kind"] == "HTTPRoute" for rule in route["spec"]["rules"]}
        assert set(policies) <= set(rules), "a policy targets a rule that does not exist"
        allows_public = customer.public_routes or service.version.allows_public
        for key, rule in rules.items():
            ops = [operation_of(m, list(service.version.operations)) for m in rule["matches"]]
            public = [op for op in ops if op.security == () or (op.security is None and allows_public)]
            if key not in policies:
                assert public == ops, f"{key}: operations with security in a rule no policy guards"
                continue
            assert not public, f"{key}: public operations behind a JWT policy"
            spec = policies[key]["spec"]
            assert policies[key]["metadata"]["namespace"] == customer.namespace
            provider = {"name": envoy_gateway.JWT_PROVIDER, "issuer": customer.issuer,
                        "remoteJWKS": {"uri": customer.jwks_uri}}
            # The audience comes from a scope's mapper: only asked for when every
            # alternative requires a scope, or scope-less tokens could never pass.
            if all(ops[0].security or ()):
                provider["audiences"] = [service.name]
            assert spec["jwt"] == {"providers": [provider]}
            authz = spec["authorization"]
            assert authz["defaultAction"] == "Deny"
            assert all(r["action"] == "Allow" for r in authz["rules"])
            granted = set()
            for allow in authz["rules"]:
                jwt = allow["principal"]["jwt"]
                assert jwt["provider"] == envoy_gateway.JWT_PROVIDER
                if "scopes" in jwt:
                    granted.add(tuple(jwt["scopes"]))
                else:   # any token of the issuer: the one claim every accepted token carries
                    assert jwt["claims"] == [{"name": "iss", "values": [customer.issuer]}]
                    granted.add(())
            for op in ops:
                assert granted == set(op.security or ()), f"{op.method} {op.path}"


def test_fixtures_cover_the_interesting_cases(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Guards the fixtures themselves: the checks above only mean something if the inputs
    hold a public operation, an OR, an AND, a scope-less requirement, a parameter inside a
    segment, a cross-namespace upstream override, and a service split over routes."""
    basic = generated("basic", tmp_path_factory).plans["alpha"]
    ops = [op for s in basic.services for op in s.version.operations]
    assert any(op.security == () for op in ops)
    assert any(op.security and len(op.security) > 1 for op in ops)
    assert any(op.security and any(len(alt) > 1 for alt in op.security) for op in ops)
    assert any(op.security and () in op.security for op in ops)
    assert any(re.search(r"\}[^/]", op.path) for op in ops)
    assert any(s.upstream.port == 9000 for s in basic.services)   # the short-form override
    split = generated("split", tmp_path_factory)
    routes = [d for d in split.documents("configs/solo/gateway/big.yaml") if d["kind"] == "HTTPRoute"]
    assert len(routes) > 1
    assert any(len(r["spec"]["rules"]) == MAX_RULES for r in routes)
    assert any(len(rule["matches"]) == MAX_MATCHES_PER_RULE for r in routes for rule in r["spec"]["rules"])
    (big,) = split.plans["solo"].services
    assert len({op.security for op in big.version.operations}) > MAX_RULES
    assert len(big.version.operations) > MAX_MATCHES_PER_ROUTE


def test_split_is_deterministic_and_fills_routes_in_order() -> None:
    """pack(): rules go to the current route until 16 rules or 128 matches, then a new one."""
    op = Operation("GET", "/x", "", "", (("s",),), ())

    def rule(name: str, n: int) -> envoy_gateway.Rule:
        return envoy_gateway.Rule(name, (("s",),), (op,) * n)

    routes = envoy_gateway.pack([rule("a", 64), rule("b", 64), rule("c", 1)])
    assert [[r.name for r in route] for route in routes] == [["a", "b"], ["c"]]
    routes = envoy_gateway.pack([rule(f"r{i:02d}", 1) for i in range(17)])
    assert [len(route) for route in routes] == [16, 1]
