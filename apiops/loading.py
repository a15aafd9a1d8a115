"""load -> validate -> model: turns the files of a monorepo into Settings, Customers
and per-customer plans, collecting every user error on the way."""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from apiops import schema
from apiops.cache import Cache, code_fingerprint
from apiops.cache import key as cache_key
from apiops.errors import ApiopsError, ParseError, Problem, Problems
from apiops.model import (
    Client,
    Customer,
    CustomerPlan,
    DeploySettings,
    Folders,
    KeycloakSettings,
    ParentRef,
    Pin,
    SecretRef,
    ServicePlan,
    ServiceVersion,
    Settings,
    Templates,
    Upstream,
)
from apiops.openapi import read_service_version
from apiops.yamlio import Source

SETTINGS_FILE = "apiops.yaml"
CUSTOMER_FILE = "customer.yaml"
DOCUMENT_NAMES = ("openapi.yaml", "openapi.yml", "openapi.json")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
_VAR = re.compile(r"\{([A-Za-z_]+)\}")
_SERVICE_URL = re.compile(r"^https?://(?P<name>[a-z0-9]([-a-z0-9]*[a-z0-9])?)"
                          r"(?:\.(?P<ns>[a-z0-9]([-a-z0-9]*[a-z0-9])?)(?:\.svc(?:\.cluster\.local)?)?)?"
                          r"(?::(?P<port>[0-9]{1,5}))?/?$")


def relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def load_source(root: Path, path: Path, problems: Problems) -> Source | None:
    try:
        return Source.load(path, relative(root, path))
    except ParseError as exc:
        problems.add(exc.problem)
        return None


# -- settings ---------------------------------------------------------------------------

def load_settings(root: Path, problems: Problems) -> tuple[Settings, Source | None]:
    path = root / SETTINGS_FILE
    if not path.exists():
        return default_settings(), None
    source = load_source(root, path, problems)
    if source is None:
        return default_settings(), None
    found = schema.check(source, "apiops")
    problems.extend(found)
    data = source.data if isinstance(source.data, dict) and not found else {}
    return settings_from_dict(data), source


def default_settings() -> Settings:
    return settings_from_dict({})


def settings_from_dict(data: Mapping[str, Any]) -> Settings:
    kc = data.get("keycloak", {})
    dep = data.get("deploy", {})
    secret = kc.get("adminSecret")
    return Settings(
        path=SETTINGS_FILE,
        folders=Folders(**data.get("folders", {})),
        targets=tuple(data.get("targets", ("envoy-gateway", "keycloak", "kustomize"))),
        templates=Templates(**data.get("templates", {})),
        parent_refs=tuple(ParentRef(r["name"], r.get("namespace"), r.get("sectionName"))
                          for r in data.get("gateway", {}).get("parentRefs", [{"name": "edge"}])),
        keycloak=KeycloakSettings(
            image=kc.get("image", KeycloakSettings.image),
            admin_user=kc.get("adminUser", KeycloakSettings.admin_user),
            admin_secret=SecretRef(secret["secretName"], secret["key"]) if secret
            else KeycloakSettings.admin_secret),
        deploy=DeploySettings(
            repo_url=dep.get("repoURL", DeploySettings.repo_url),
            revision=dep.get("revision", DeploySettings.revision),
            argocd_namespace=dep.get("argocd", {}).get("namespace", DeploySettings.argocd_namespace),
            argocd_project=dep.get("argocd", {}).get("project", DeploySettings.argocd_project),
            flux_namespace=dep.get("flux", {}).get("namespace", DeploySettings.flux_namespace),
            flux_source=dep.get("flux", {}).get("sourceRef", DeploySettings.flux_source),
            flux_interval=dep.get("flux", {}).get("interval", DeploySettings.flux_interval)),
    )


def render(template: str, values: Mapping[str, str | int], on_unknown: Source | None,
           name: str, problems: Problems) -> str:
    """Fill `{var}` placeholders once; an unknown variable is reported at the template."""
    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in values:
            return str(values[key])
        if on_unknown is not None:
            known = ", ".join("{" + k + "}" for k in values)
            problems.add(on_unknown.problem(("templates", name), f"unknown variable {{{key}}} "
                                            f"in template '{name}'; known: {known}",
                                            "unknown-template-variable"))
        return match.group(0)
    return _VAR.sub(fill, template)


# -- customers --------------------------------------------------------------------------

_UNLOADED = object()


@dataclass
class Inputs:
    """What a run found on disk: settings, customer sources and document paths."""

    root: Path
    settings: Settings
    loaded_settings_source: Source | None | object   # _UNLOADED until a problem needs it
    customers: dict[str, Path] = field(default_factory=dict)          # folder -> customer.yaml
    customer_sources: dict[str, Source] = field(default_factory=dict)

    @property
    def settings_source(self) -> Source | None:
        if self.loaded_settings_source is _UNLOADED:
            path = self.root / SETTINGS_FILE
            self.loaded_settings_source = (load_source(self.root, path, Problems())
                                           if path.exists() else None)
        return self.loaded_settings_source  # type: ignore[return-value]

    def customer_source(self, folder: str) -> Source | None:
        if folder not in self.customer_sources:
            source = load_source(self.root, self.customers[folder], Problems())
            if source is None:
                return None
            self.customer_sources[folder] = source
        return self.customer_sources[folder]
    documents: dict[str, dict[str, Path]] = field(default_factory=dict)  # service -> version -> path


def discover(root: Path, problems: Problems, cache: Cache | None = None) -> Inputs:
    settings_path = root / SETTINGS_FILE
    digest = cache.file_hash(settings_path) if cache else None
    key = cache_key(code_fingerprint(cache), "settings", digest) if digest else None
    hit = cache.get("settings", key) if cache and key else None
    if hit is not None:
        settings, found = hit
        problems.extend(found)
        inputs = Inputs(root, settings, _UNLOADED)
    else:
        found = Problems()
        settings, settings_source = load_settings(root, found)
        problems.extend(found)
        if cache and key:
            cache.put("settings", key, (settings, found.items))
        inputs = Inputs(root, settings, settings_source)
    services_dir = root / settings.folders.services
    for service, version, name in _documents(services_dir):
        doc = services_dir / service / version / name
        shown = f"{settings.folders.services.strip('/')}/{service}/{version}/{name}"
        if not DNS_LABEL.match(service):
            problems.add(Problem(shown, 1, 1, f"service folder '{service}' is not a DNS label",
                                 "dns-label"))
            continue
        if not SEMVER.match(version):
            problems.add(Problem(shown, 1, 1, f"version folder '{version}' is not SemVer "
                                 "(MAJOR.MINOR.PATCH[-PRERELEASE])", "invalid-version"))
            continue
        if version in inputs.documents.setdefault(service, {}):
            problems.add(Problem(shown, 1, 1, "two documents for one service version",
                                 "duplicate-document"))
            continue
        inputs.documents[service][version] = doc
    customers_dir = root / settings.folders.customers
    for folder in _subfolders(customers_dir):
        path = customers_dir / folder / CUSTOMER_FILE
        if path.is_file():
            inputs.customers[folder] = path
    return inputs


def _subfolders(folder: Path | str) -> list[str]:
    # os.scandir: pathlib's glob was a fifth of a no-op run over 200 customers.
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))
    except OSError:
        return []


def _documents(services_dir: Path) -> list[tuple[str, str, str]]:
    """(service, version, file name) of every document, in a stable order."""
    found = []
    for service in _subfolders(services_dir):
        for version in _subfolders(os.path.join(services_dir, service)):
            folder = os.path.join(services_dir, service, version)
            found += [(service, version, name) for name in sorted(DOCUMENT_NAMES)
                      if os.path.isfile(os.path.join(folder, name))]
    return found


def load_customer(inputs: Inputs, folder: str, problems: Problems,
                  cache: Cache | None = None) -> Customer | None:
    """The customer of `customers/<folder>/`; with a cache, parsed and checked once per
    content of its file and of apiops.yaml."""
    path = inputs.customers[folder]
    digest = cache.file_hash(path) if cache else None
    if cache is None or digest is None:
        return _load_customer(inputs, folder, problems)
    settings = cache.file_hash(inputs.root / SETTINGS_FILE) or ""
    key = cache_key(code_fingerprint(cache), "customer", settings, folder, digest)
    hit = cache.get("customers", key)
    if hit is None:
        found = Problems()
        hit = (_load_customer(inputs, folder, found), found.items)
        cache.put("customers", key, hit)
    customer, found_items = hit
    problems.extend(found_items)
    return customer


def _load_customer(inputs: Inputs, folder: str, problems: Problems) -> Customer | None:
    source = load_source(inputs.root, inputs.customers[folder], problems)
    if source is None:
        return None
    inputs.customer_sources[folder] = source
    found = schema.check(source, "customer")
    problems.extend(found)
    if found or not isinstance(source.data, dict):
        return None
    data = source.data
    before = len(problems.errors)
    name = data["customer"]
    if name != folder:
        problems.add(source.problem(("customer",), f"customer '{name}' lives in folder "
                                    f"'{folder}'; the name must equal the folder name",
                                    "customer-folder-mismatch"))
    settings, tmpl, sset = inputs.settings, inputs.settings.templates, inputs.settings_source
    namespace = data.get("namespace") or render(tmpl.namespace, {"customer": name}, sset,
                                                "namespace", problems)
    values = {"customer": name, "namespace": namespace}
    hostnames = tuple(data.get("hostnames") or
                      [render(tmpl.hostname, values, sset, "hostname", problems)])
    idp = data.get("idp", {})
    issuer = idp.get("issuer") or render(tmpl.issuer, values, sset, "issuer", problems)
    jwks = render(tmpl.jwks, {**values, "issuer": issuer}, sset, "jwks", problems)
    keycloak_url = idp.get("keycloakUrl") or render(tmpl.keycloakUrl, values, sset,
                                                    "keycloakUrl", problems)
    targets = tuple(data.get("targets") or settings.targets)
    from apiops.generators import customer_targets

    known = customer_targets()
    for i, target in enumerate(targets):
        if target not in known:
            where = ("targets", i) if "targets" in data else None
            shown = source if where else sset
            problem_keys = where or ("targets",)
            if shown is not None:
                problems.add(shown.problem(problem_keys, f"unknown target '{target}'; known: "
                                           f"{', '.join(sorted(known))}", "unknown-target"))
    pins = []
    for service, pin in data["services"].items():
        if isinstance(pin, str):
            pins.append(Pin(service, pin))
        else:
            pins.append(Pin(service, pin["version"], pin.get("upstream")))
    clients = []
    for i, raw in enumerate(idp.get("clients", [])):
        clients.append(_client(source, i, raw, problems))
    if len(problems.errors) > before:
        return None
    return Customer(name=name, path=source.display, namespace=namespace, hostnames=hostnames,
                    targets=targets, public_routes=bool(data.get("publicRoutes", False)),
                    pins=tuple(sorted(pins, key=lambda p: p.service)), issuer=issuer,
                    jwks_uri=jwks, keycloak_url=keycloak_url, clients=tuple(clients))


def _client(source: Source, i: int, raw: Mapping[str, Any], problems: Problems) -> Client:
    where = ("idp", "clients", i)
    public = bool(raw.get("publicClient", False))
    secret = raw.get("secret")
    if raw["flow"] == "authorization-code" and not raw.get("redirectUris"):
        problems.add(source.problem(where, f"client '{raw['clientId']}' uses the "
                                    "authorization-code flow but has no redirectUris",
                                    "missing-redirect-uris"))
    if public and raw["flow"] == "client-credentials":
        problems.add(source.problem((*where, "publicClient"), f"client '{raw['clientId']}': a "
                                    "public client cannot use the client-credentials flow",
                                    "public-client-credentials"))
    if not public and secret is None:
        problems.add(source.problem(where, f"client '{raw['clientId']}' is confidential and needs "
                                    "a secret reference {secretName, key} (or publicClient: true)",
                                    "missing-secret"))
    if public and secret is not None:
        problems.add(source.problem((*where, "secret"), f"client '{raw['clientId']}' is public "
                                    "and cannot have a secret", "public-client-secret"))
    return Client(client_id=raw["clientId"], name=raw.get("name", raw["clientId"]),
                  flow=raw["flow"], scopes=tuple(raw["scopes"]),
                  redirect_uris=tuple(raw.get("redirectUris", ())),
                  web_origins=tuple(raw.get("webOrigins", ())), public=public,
                  secret=SecretRef(secret["secretName"], secret["key"]) if secret else None)


# -- plans ------------------------------------------------------------------------------

def document_key(cache: Cache, root: Path, path: Path) -> str | None:
    digest = cache.file_hash(path)
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    return cache_key(code_fingerprint(cache), "document", shown, digest) if digest else None


def remember_document(cache: Cache, root: Path, path: Path, version: ServiceVersion,
                      problems: list[Problem]) -> None:
    """Store what the validate command extracted from a document, so that the customers
    it re-checks, and the next generate, need not parse it again."""
    key = document_key(cache, root, path)
    if key:
        cache.put("documents", key, (version, problems))


class DocumentCache:
    """Parses each pinned document once per run, whatever the number of customers, and,
    given a Cache, once per content: later runs load the extracted model instead."""

    def __init__(self, inputs: Inputs, cache: Cache | None = None) -> None:
        self.inputs = inputs
        self.cache = cache
        self.sources: dict[Path, Source | None] = {}
        self.versions: dict[Path, ServiceVersion | None] = {}

    def get(self, service: str, version: str, problems: Problems) -> ServiceVersion | None:
        path = self.inputs.documents[service][version]
        if path not in self.versions:
            key = self._key(path)
            hit = self.cache.get("documents", key) if self.cache and key else None
            if hit is not None:
                result, found = hit
            else:
                found = Problems()
                source = self._load(path, found)
                result = None
                if source is not None:
                    result, extracted = read_service_version(source, service, version)
                    found.extend(extracted)
                found = found.items
                if self.cache and key:
                    self.cache.put("documents", key, (result, found))
            problems.extend(found)
            self.versions[path] = None if any(p.severity == "error" for p in found) else result
        return self.versions[path]

    def _key(self, path: Path) -> str | None:
        if self.cache is None:                    # DocumentCache(inputs): this run only
            return None
        return document_key(self.cache, self.inputs.root, path)

    def _load(self, path: Path, problems: Problems) -> Source | None:
        if path not in self.sources:
            self.sources[path] = load_source(self.inputs.root, path, problems)
        return self.sources[path]

    def source(self, path: str) -> Source | None:
        """The document's source, parsed on demand: positions are only needed for errors."""
        return self._load(self.inputs.root / path, Problems())


def plan_customer(inputs: Inputs, customer: Customer, docs: DocumentCache,
                  problems: Problems) -> CustomerPlan | None:
    csource = cast(Source, _LazySource(inputs, customer.name))
    before = len(problems.errors)
    services: list[ServicePlan] = []
    for pin in customer.pins:
        versions = inputs.documents.get(pin.service)
        if versions is None:
            _at_pin(csource, customer, ("services", pin.service), "key", problems,
                    f"service '{pin.service}' does not exist under "
                    f"{inputs.settings.folders.services}/", "unknown-service")
            continue
        if pin.version not in versions:
            keys = ("services", pin.service) + (("version",) if pin.upstream is not None or
                                                _is_long_pin(csource, pin.service) else ())
            known = ", ".join(sorted(versions, key=_semver_key))
            _at_pin(csource, customer, keys, "value", problems,
                    f"version {pin.version} of service '{pin.service}' does not exist; "
                    f"available: {known}", "unknown-version")
            continue
        version = docs.get(pin.service, pin.version, problems)
        if version is None:
            continue
        upstream = _upstream(inputs, customer, pin, version, csource, problems)
        if upstream is not None:
            services.append(ServicePlan(version, upstream))
    _check_security(customer, services, docs, problems)
    _check_routes(services, docs, problems)
    if len(services) == len(customer.pins):  # else scopes of the unresolved pins would cascade
        _check_clients(customer, services, csource, problems)
    if len(problems.errors) > before:
        return None
    return CustomerPlan(customer, inputs.settings, tuple(services))


class _LazySource:
    """A customer's Source, parsed only when a problem needs a position in it."""

    def __init__(self, inputs: Inputs, folder: str) -> None:
        self._inputs, self._folder = inputs, folder

    def __getattr__(self, name: str) -> Any:
        source = self._inputs.customer_source(self._folder)
        if source is None:
            raise ApiopsError(f"{self._inputs.customers[self._folder]} cannot be read again")
        return getattr(source, name)


def _is_long_pin(source: Source | None, service: str) -> bool:
    return source is not None and isinstance(source.data["services"].get(service), dict)


def _at_pin(source: Source | None, customer: Customer, keys: tuple[str, ...], at: str,
            problems: Problems, message: str, rule: str) -> None:
    if source is not None:
        problems.add(source.problem(keys, message, rule, at))  # type: ignore[arg-type]
    else:
        problems.add(Problem(customer.path, 1, 1, message, rule))


def _semver_key(version: str) -> tuple[Any, ...]:
    core, _, pre = version.partition("+")[0].partition("-")
    return (*(int(x) for x in core.split(".")), pre == "", pre)


def _upstream(inputs: Inputs, customer: Customer, pin: Pin, version: ServiceVersion,
              source: Source | None, problems: Problems) -> Upstream | None:
    values: dict[str, str | int] = {
        "customer": customer.name, "namespace": customer.namespace, "service": pin.service,
        "major": version.major, "version": version.version}
    url = pin.upstream or render(inputs.settings.templates.upstream, values,
                                 inputs.settings_source, "upstream", problems)
    match = _SERVICE_URL.match(url)
    if match:
        upstream = Upstream(match["name"], match["ns"] or customer.namespace,
                            int(match["port"] or (443 if url.startswith("https") else 80)))
        if upstream.namespace != customer.namespace:
            message = (f"upstream of service '{pin.service}' is in namespace '{upstream.namespace}', "
                       f"not '{customer.namespace}': Gateway API needs a ReferenceGrant there that "
                       f"allows HTTPRoutes from '{customer.namespace}' (apiops does not write "
                       "outside the customer's namespace)")
            where = (source, ("services", pin.service, "upstream")) if pin.upstream else (
                inputs.settings_source, ("templates", "upstream"))
            if where[0] is not None:
                problems.add(where[0].problem(where[1], message, "upstream-cross-namespace",
                                              severity="warning"))
        return upstream
    message = (f"upstream '{url}' of service '{pin.service}' is not a Kubernetes Service URL "
               "(http://<service>.<namespace>.svc.cluster.local:<port>)")
    if pin.upstream is not None and source is not None:
        problems.add(source.problem(("services", pin.service, "upstream"), message,
                                    "upstream-not-service"))
    elif inputs.settings_source is not None:
        problems.add(inputs.settings_source.problem(("templates", "upstream"), message,
                                                    "upstream-not-service"))
    else:
        problems.add(Problem(customer.path, 1, 1, message, "upstream-not-service"))
    return None


def _doc_problem(docs: DocumentCache, version: ServiceVersion, keys: Iterable[str | int],
                 message: str, rule: str) -> Problem:
    source = docs.source(version.path)
    if source is None:
        return Problem(version.path, 1, 1, message, rule)
    return source.problem(tuple(keys), message, rule, "key")


def _check_security(customer: Customer, services: list[ServicePlan], docs: DocumentCache,
                    problems: Problems) -> None:
    for plan in services:
        if customer.public_routes or plan.version.allows_public:
            continue
        for op in plan.version.operations:
            if op.security is None:
                problems.add(_doc_problem(
                    docs, plan.version, op.where,
                    f"{op.method} {op.path} declares no security and the document does not opt "
                    "into public routes; add `security` (or `security: []` to make it public)",
                    "missing-security"))


def _check_routes(services: list[ServicePlan], docs: DocumentCache, problems: Problems) -> None:
    claimed: dict[tuple[str, str], tuple[ServiceVersion, Any]] = {}
    for plan in services:
        for op in plan.version.operations:
            key = (op.method, op.route)
            if key in claimed and claimed[key][0].service != plan.name:
                other, other_op = claimed[key]
                source = docs.source(other.path)
                line, col = source.position(other_op.where, "key") if source else (1, 1)
                problems.add(_doc_problem(
                    docs, plan.version, op.where,
                    f"{op.method} {op.path} is also claimed by service '{other.service}' "
                    f"({other.path}:{line}:{col}); a customer pinning both cannot route it",
                    "duplicate-route"))
            else:
                claimed.setdefault(key, (plan.version, op))


def _check_clients(customer: Customer, services: list[ServicePlan], source: Source | None,
                   problems: Problems) -> None:
    defined = {scope.name for plan in services for scope in plan.version.scopes}
    for i, client in enumerate(customer.clients):
        for j, scope in enumerate(client.scopes):
            if scope not in defined:
                message = (f"client '{client.client_id}' requests scope '{scope}', which no "
                           f"service pinned by '{customer.name}' defines")
                _at_pin(source, customer, ("idp", "clients", i, "scopes", j), "value", problems,  # type: ignore[arg-type]
                        message, "unknown-scope")
