"""The keycloak target: realm for keycloak-config-cli plus the Job that applies it."""
from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from apiops.generators import keycloak
from apiops.model import Client, CustomerPlan, SecretRef
from generators.support import CASES, Generated, generated, walk

ENV_REF = re.compile(r"^\$\(env:([A-Z_][A-Z0-9_]*)\)$")


def realms(case: str, factory: pytest.TempPathFactory) -> list[tuple[CustomerPlan, dict[str, Any],
                                                                       dict[str, Any]]]:
    tree = generated(case, factory)
    found = []
    for plan in tree.plans.values():
        if "keycloak" in plan.customer.targets:
            base = f"configs/{plan.customer.name}/keycloak"
            (realm,) = tree.documents(f"{base}/realm.yaml")
            (job,) = tree.documents(f"{base}/job.yaml")
            found.append((plan, realm, job))
    assert found
    return found


def env_of(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (container,) = job["spec"]["template"]["spec"]["containers"]
    names = [e["name"] for e in container["env"]]
    assert len(set(names)) == len(names), f"duplicate environment variables: {names}"
    return {e["name"]: e for e in container["env"]}


@pytest.mark.parametrize("case", CASES)
def test_client_scopes_are_the_scopes_of_the_pinned_services(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    for plan, realm, _ in realms(case, tmp_path_factory):
        assert realm["realm"] == plan.customer.name
        assert realm["enabled"] is True
        expected = {s.name: s.description for s in plan.scopes}
        assert {s["name"]: s["description"] for s in realm["clientScopes"]} == expected
        assert [s["name"] for s in realm["clientScopes"]] == sorted(expected)
        for scope in realm["clientScopes"]:
            # A token granted the scope carries, as audience, each service that defines it:
            # the audience the gateway's JWT provider for that service checks.
            users = {s.name for s in plan.services if scope["name"] in {x.name for x in s.version.scopes}}
            mappers = scope.get("protocolMappers", [])
            assert all(m["protocolMapper"] == "oidc-audience-mapper" for m in mappers)
            assert {m["config"]["included.custom.audience"] for m in mappers} == users
            for mapper in mappers:
                assert mapper["config"]["access.token.claim"] == "true"
                assert all(isinstance(v, str) for v in mapper["config"].values())
            assert scope["attributes"]["include.in.token.scope"] == "true"


@pytest.mark.parametrize("case", CASES)
def test_every_scope_a_policy_requires_reaches_the_token_with_its_audience(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Gateway and IdP agree: a scope a SecurityPolicy requires is a client scope of the
    realm whose audience mapper names the audience that policy's JWT provider checks."""
    tree = generated(case, tmp_path_factory)
    for plan, realm, _ in realms(case, tmp_path_factory):
        audiences = {s["name"]: {m["config"]["included.custom.audience"]
                                 for m in s.get("protocolMappers", [])}
                     for s in realm["clientScopes"]}
        for name in tree.customer_files(plan.customer.name):
            if "/gateway/" not in name:
                continue
            for policy in (d for d in tree.documents(name) if d["kind"] == "SecurityPolicy"):
                (provider,) = policy["spec"]["jwt"]["providers"]
                for allow in policy["spec"]["authorization"]["rules"]:
                    for scope in allow["principal"]["jwt"].get("scopes", []):
                        assert scope in audiences, f"{name}: scope {scope} is not in the realm"
                        assert set(provider["audiences"]) <= audiences[scope], (name, scope)


@pytest.mark.parametrize("case", CASES)
def test_each_client_gets_exactly_the_scopes_it_requests(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    for plan, realm, _ in realms(case, tmp_path_factory):
        clients = {c["clientId"]: c for c in realm["clients"]}
        assert sorted(clients) == sorted(c.client_id for c in plan.customer.clients)
        for client in plan.customer.clients:
            out = clients[client.client_id]
            assert out["defaultClientScopes"] == sorted(client.scopes)
            assert out["optionalClientScopes"] == []
            assert out["fullScopeAllowed"] is False
            assert out["publicClient"] is client.public
            machine = client.flow == "client-credentials"
            assert out["serviceAccountsEnabled"] is machine
            assert out["standardFlowEnabled"] is not machine
            assert out["implicitFlowEnabled"] is False
            assert out["directAccessGrantsEnabled"] is False
            if not machine:
                assert out["redirectUris"] == list(client.redirect_uris)
                assert out["attributes"]["pkce.code.challenge.method"] == "S256"


@pytest.mark.parametrize("case", CASES)
def test_client_secrets_are_env_substitutions_fed_from_the_named_secret(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    for plan, realm, job in realms(case, tmp_path_factory):
        env = env_of(job)
        assert env["IMPORT_VARSUBSTITUTION_ENABLED"]["value"] == "true"
        clients = {c["clientId"]: c for c in realm["clients"]}
        for client in plan.customer.clients:
            out = clients[client.client_id]
            if client.public:
                assert "secret" not in out and "clientAuthenticatorType" not in out
                continue
            assert client.secret is not None
            match = ENV_REF.match(out["secret"])
            assert match, f"secret of {client.client_id} is not a $(env:NAME) reference: {out['secret']!r}"
            assert env[match[1]] == {"name": match[1], "valueFrom": {"secretKeyRef": {
                "name": client.secret.secret_name, "key": client.secret.key}}}
        admin = plan.settings.keycloak.admin_secret
        assert env["KEYCLOAK_PASSWORD"] == {"name": "KEYCLOAK_PASSWORD", "valueFrom": {"secretKeyRef": {
            "name": admin.secret_name, "key": admin.key}}}
        assert env["KEYCLOAK_URL"]["value"] == plan.customer.keycloak_url


@pytest.mark.parametrize("case", CASES)
def test_no_generated_file_holds_a_literal_secret(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    tree: Generated = generated(case, tmp_path_factory)
    for name in tree.files:
        for doc in tree.documents(name):
            for where, value in walk(doc):
                if where and where[-1] == "secret" and not isinstance(value, dict):
                    assert isinstance(value, str) and ENV_REF.match(value), f"{name}: {where} = {value!r}"
                if isinstance(value, dict) and "name" in value and re.search(
                        r"SECRET|PASSWORD|TOKEN", str(value["name"])) and "value" in value:
                    raise AssertionError(f"{name}: {where} sets {value['name']} to a literal value")


@pytest.mark.parametrize("case", CASES)
def test_job_applies_the_realm_configmap_and_is_named_by_content(
        case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    for plan, _, job in realms(case, tmp_path_factory):
        assert re.fullmatch(r"keycloak-config-cli-[0-9a-f]{10}", job["metadata"]["name"])
        assert job["metadata"]["namespace"] == plan.customer.namespace
        spec = job["spec"]["template"]["spec"]
        assert spec["restartPolicy"] == "Never"
        assert spec["volumes"] == [{"name": "realm", "configMap": {"name": keycloak.REALM_CONFIGMAP}}]
        (container,) = spec["containers"]
        assert container["image"] == plan.settings.keycloak.image
        assert env_of(job)["IMPORT_FILES_LOCATIONS"]["value"] == f"{keycloak.CONFIG_DIR}/*"
        assert container["volumeMounts"][0]["mountPath"] == keycloak.CONFIG_DIR


def test_a_changed_realm_renames_the_job_and_the_same_realm_keeps_it(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    plan = generated("basic", tmp_path_factory).plans["alpha"]

    def job_name(p: CustomerPlan) -> str:
        outputs = keycloak.render(p, ())
        return str(outputs[1].build()[0]["metadata"]["name"])

    first = plan.customer.clients[0]
    fewer = dataclasses.replace(first, scopes=first.scopes[:1])
    changed = dataclasses.replace(plan, customer=dataclasses.replace(
        plan.customer, clients=(fewer, *plan.customer.clients[1:])))
    assert job_name(plan) == job_name(plan)
    assert job_name(changed) != job_name(plan)


def test_client_ids_that_differ_in_dot_and_dash_get_distinct_secret_variables(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    plan = generated("basic", tmp_path_factory).plans["alpha"]
    twins = tuple(Client(client_id=cid, name=cid, flow="client-credentials", scopes=("shop:read",),
                         redirect_uris=(), web_origins=(), public=False,
                         secret=SecretRef("alpha-idp", cid)) for cid in ("erp.sync", "erp-sync", "other"))
    plan = dataclasses.replace(plan, customer=dataclasses.replace(plan.customer, clients=twins))
    realm_out, job_out = keycloak.render(plan, ())
    secrets = {c["clientId"]: ENV_REF.match(c["secret"])[1]  # type: ignore[index]
               for c in realm_out.build()[0]["clients"]}
    assert len(set(secrets.values())) == 3, secrets
    assert secrets["other"] == "CLIENT_SECRET_OTHER"
    env = env_of(job_out.build()[0])
    for cid, name in secrets.items():
        assert env[name]["valueFrom"]["secretKeyRef"] == {"name": "alpha-idp", "key": cid}
