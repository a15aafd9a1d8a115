"""The monorepo around the files: apiops.yaml, customer.yaml and their cross-references.

customer.yaml and apiops.yaml are checked through apiops.loading, as `apiops generate`
loads them (JSON Schemas, pinned versions, targets, scopes, routes, security). A
changed document also re-checks the customers that pin it: a new operation without
security or a route another pinned service claims is an error for them.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from apiops.cache import code_fingerprint, key
from apiops.errors import ApiopsError, Problem, Problems
from apiops.validation.run import CUSTOMER_FILE, DOCUMENT_NAMES, SETTINGS_FILE, Run, document_fingerprint

if TYPE_CHECKING:
    from apiops.loading import DocumentCache, Inputs

# discover() reports these for every folder under services/; each document reports its own.
_FOLDER_RULES = frozenset({"dns-label", "invalid-version", "duplicate-document"})


def folders(run: Run) -> tuple[str, str]:
    """The services and customers folders apiops.yaml names (cached by its hash)."""
    assert run.root is not None
    settings = run.root / SETTINGS_FILE
    digest = run.cache.file_hash(settings) if run.cache is not None else None
    if digest is None and settings.exists():
        digest = "uncached"
    entry = key("folders", digest or "default")
    hit = run.cache.get("validate", entry) if run.cache is not None else None
    if hit is None:
        from apiops.loading import load_settings

        named = load_settings(run.root, Problems())[0].folders
        hit = (named.services, named.customers)
        if run.cache is not None and digest != "uncached":
            run.cache.put("validate", entry, hit)
    return hit[0], hit[1]


def service_folder(run: Run, path: Path) -> tuple[str, str] | None:
    """(service, version) of <services>/<service>/<version>/openapi.*, else None."""
    if run.root is None or not path.is_relative_to(run.root) or path.name not in DOCUMENT_NAMES:
        return None
    parts = path.relative_to(run.root).parts
    if len(parts) == 4 and parts[0] == folders(run)[0]:
        return parts[1], parts[2]
    return None


def check(run: Run, docs: list[Path], customers: list[Path], settings: bool) -> list[Problem]:
    """Problems of apiops.yaml and of the customers named, pinning `docs`, or (when
    apiops.yaml is among the files) of every customer. Cached verdicts need no loading."""
    assert run.root is not None
    chosen = {path.parent.name for path in customers}
    if not settings and not run.options.spec_only and docs:
        chosen |= _pinning(run, docs)
    problems = _duplicates(run, docs)
    if not settings and not chosen:
        return problems
    services, customers_folder = folders(run)
    found = {p.parent.name: p for p in (run.root / customers_folder).glob(f"*/{CUSTOMER_FILE}")}
    if settings:
        chosen |= set(found)
    layout = key(*sorted(p.relative_to(run.root).as_posix() for n in DOCUMENT_NAMES
                         for p in (run.root / services).glob(f"*/*/{n}")))
    context = _Context(run)
    settings_file = run.root / SETTINGS_FILE
    digest = run.cache.file_hash(settings_file) if run.cache is not None else None
    problems += run.cached("settings", [_fingerprint(run), digest or "none", layout],
                           lambda: (context.settings_problems(), [str(settings_file)] if digest else []))
    for name in sorted(chosen & set(found)):
        problems += _customer(run, context, name, found[name], layout)
    return problems


class _Context:
    """apiops.loading's view of the repository, built only when a verdict is not cached."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self._inputs: Inputs | None = None
        self._docs: DocumentCache | None = None
        self._found = Problems()

    @property
    def inputs(self) -> Inputs:
        if self._inputs is None:
            from apiops import loading

            assert self.run.root is not None
            self._inputs = loading.discover(self.run.root, self._found, self.run.cache)
        return self._inputs

    @property
    def docs(self) -> DocumentCache:
        """One parse of each pinned document for all the customers checked."""
        if self._docs is None:
            from apiops import loading

            self._docs = loading.DocumentCache(self.inputs, self.run.cache)
        return self._docs

    def settings_problems(self) -> list[Problem]:
        _ = self.inputs
        return [p for p in self._found.items if p.rule not in _FOLDER_RULES]


def _customer(run: Run, context: _Context, name: str, path: Path, layout: str) -> list[Problem]:
    assert run.root is not None
    settings = run.root / SETTINGS_FILE

    def compute() -> tuple[list[Problem], Iterable[str]]:
        from apiops import loading

        inputs = context.inputs
        problems = Problems()
        customer = loading.load_customer(inputs, name, problems, run.cache)
        deps = [str(path), *([str(settings)] if settings.exists() else [])]
        if customer is not None:
            loading.plan_customer(inputs, customer, context.docs, problems)
            deps += [str(inputs.documents[p.service][p.version]) for p in customer.pins
                     if p.version in inputs.documents.get(p.service, {})]
        return problems.items, deps

    digest = run.cache.file_hash(path) if run.cache is not None else None
    if digest is None:
        return compute()[0]
    return run.cached("customer", [_fingerprint(run), name, digest, layout], compute)


def _duplicates(run: Run, docs: list[Path]) -> list[Problem]:
    """loading.discover's duplicate-document, for the documents being validated."""
    problems = []
    for doc in docs:
        siblings = sorted(doc.parent / n for n in DOCUMENT_NAMES if (doc.parent / n).is_file())
        if service_folder(run, doc) and len(siblings) > 1 and doc != siblings[0]:
            problems.append(Problem(run.shown(doc), 1, 1, "two documents for one service version",
                                    "duplicate-document"))
    return problems


def _fingerprint(run: Run) -> str:
    """What a customer's verdict depends on besides files: the document code and all of
    apiops' code with its plugins (generation rules are checked too)."""
    return key(document_fingerprint(), code_fingerprint(run.cache))


def _pinning(run: Run, docs: list[Path]) -> set[str]:
    """The customers that pin one of `docs`."""
    assert run.root is not None
    wanted = {folder for folder in (service_folder(run, p) for p in docs) if folder}
    if not wanted:
        return set()
    customers = run.root / folders(run)[1]
    return {path.parent.name for path in customers.glob(f"*/{CUSTOMER_FILE}")
            if wanted & _pins(run, path)}


def _pins(run: Run, path: Path) -> set[tuple[str, str]]:
    """(service, version) pairs a customer.yaml pins; cached, since parsing needs PyYAML."""
    digest = run.cache.file_hash(path) if run.cache is not None else None
    entry = key("pins", digest) if digest else None
    hit = run.cache.get("validate", entry) if run.cache is not None and entry else None
    if hit is not None:
        return set(hit)
    from apiops.yamlio import Source

    try:
        data = Source.load(path, str(path)).data
        services = data.get("services") if isinstance(data, dict) else None
    except ApiopsError:   # a broken customer.yaml is reported when it is checked itself
        services = None
    pins = set()
    for service, pin in services.items() if isinstance(services, dict) else ():
        pins.add((str(service), str(pin.get("version") if isinstance(pin, dict) else pin)))
    if run.cache is not None and entry:
        run.cache.put("validate", entry, sorted(pins))
    return pins
