"""One OpenAPI document: read, recognise its version, validate, apply apiops' rules."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apiops.errors import ParseError, Problem
from apiops.validation.findings import Finding
from apiops.validation.refs import RefFiles
from apiops.yamlio import DEFAULT_MAX_BYTES, Source

if TYPE_CHECKING:
    from apiops.model import ServiceVersion

# The version patterns openapi-spec-validator recognises (versions/finders.py): the
# keyword's value must be a string starting MAJOR.MINOR.
_VERSION = re.compile(r"(\d+)\.(\d+)(\..*)?")
SUPPORTED: dict[tuple[str, ...], str] = {
    ("swagger", "2", "0"): "2.0", ("openapi", "3", "0"): "3.0", ("openapi", "3", "1"): "3.1"}


@dataclass
class Checked:
    problems: list[Problem]
    deps: set[str] = field(default_factory=set)   # files read through $refs
    source: Source | None = None
    version: ServiceVersion | None = None             # as apiops.openapi extracts it
    extracted: list[Problem] = field(default_factory=list)


def check(path: Path, display: str, boundary: Path, folder: tuple[str, str] | None = None,
          spec_only: bool = False, max_bytes: int = DEFAULT_MAX_BYTES) -> Checked:
    """Every problem of the document at `path`; `folder` is its (service, version) when it
    lives in services/<service>/<version>/."""
    try:
        source = Source.load(path, display, max_bytes)
    except ParseError as exc:
        return Checked([exc.problem])
    doc = source.data
    if not isinstance(doc, dict):
        kind = ("a list" if isinstance(doc, list) else "empty (only comments)" if doc is None
                else f"a single {type(doc).__name__} value")
        return Checked([source.problem((), f"the document is {kind}, not a mapping; an OpenAPI "
                                       "document is a mapping with an 'openapi' or 'swagger' key",
                                       "not-a-mapping")], source=source)
    version, finding = spec_version(doc)
    if version is None:
        return Checked([_located(source, finding)] if finding else [], source=source)
    from apiops.validation import spec  # heavy: openapi-spec-validator, only on a cache miss

    files = RefFiles(boundary, max_bytes)
    findings = spec.validate(doc, version, path.resolve().as_uri(), files)
    problems: list[Problem] = []
    if not spec_only:
        from apiops.openapi import read_service_version
        from apiops.validation import rules

        findings += rules.check(doc, version, folder)
        # One pass over a large file for every position needed, apiops.openapi's included.
        source.locate([*rules.unenforceable(doc, version), *(f.keys for f in findings)])
        version_model, extracted = read_service_version(source, *(folder or ("", "")))
        problems += [p for p in extracted if p.rule != "not-openapi"]
    source.locate(f.keys for f in findings)
    problems += [_located(source, f) for f in findings]
    if spec_only:
        return Checked(problems, files.deps, source)
    return Checked(problems, files.deps, source, version_model, extracted)


def spec_version(doc: dict[str, Any]) -> tuple[str | None, Finding | None]:
    """"2.0", "3.0" or "3.1", or a finding saying why the document has none of them."""
    for keyword in ("swagger", "openapi"):
        if keyword not in doc:
            continue
        value = doc[keyword]
        if not isinstance(value, str):
            return None, Finding((keyword,), f"{keyword}: {value!r} must be a string; quote it, "
                                 f"e.g. {keyword}: \"{'2.0' if keyword == 'swagger' else '3.1.0'}\"",
                                 "unknown-openapi-version")
        match = _VERSION.match(value)
        found = SUPPORTED.get((keyword, *match.groups()[:2])) if match else None
        if found is not None:
            return found, None
        return None, Finding((keyword,), f"unknown {keyword} version '{value}'; apiops validates "
                             "swagger: \"2.0\" and openapi: \"3.0.x\" or \"3.1.x\"",
                             "unknown-openapi-version")
    return None, Finding((), "not an OpenAPI document (no 'openapi' or 'swagger' key)",
                         "not-openapi")


def _located(source: Source, finding: Finding) -> Problem:
    return source.problem(finding.keys, finding.message, finding.rule, finding.at,
                          finding.severity)
