"""Reads what generation needs out of an OpenAPI 2.0 / 3.0 / 3.1 document.

Full validation lives in the validate command; this module only extracts operations,
their effective security and the scopes, reporting what makes generation impossible.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

from apiops.errors import Problem
from apiops.model import Operation, Scope, Security, ServiceVersion
from apiops.yamlio import Source

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JWT_SCHEMES = ("oauth2", "openIdConnect")
PUBLIC_OPT_IN = "x-apiops-public"
_PARAMETER = re.compile(r"\{[^}/]*\}")


def base_path(doc: dict[str, Any]) -> str:
    if "swagger" in doc:
        raw = doc.get("basePath") or "/"
    else:
        servers = doc.get("servers") or [{}]
        first = servers[0] if isinstance(servers[0], dict) else {}
        url = str(first.get("url") or "/")
        for name, var in (first.get("variables") or {}).items():
            if isinstance(var, dict) and "default" in var:
                url = url.replace("{" + str(name) + "}", str(var["default"]))
        raw = urlsplit(url).path or "/"
    return "/" + str(raw).strip("/") if str(raw).strip("/") else "/"


def _schemes(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if "swagger" in doc:
        raw = doc.get("securityDefinitions") or {}
    else:
        raw = (doc.get("components") or {}).get("securitySchemes") or {}
    return {str(k): v for k, v in raw.items() if isinstance(v, dict)}


def _is_jwt(scheme: dict[str, Any]) -> bool:
    kind = scheme.get("type")
    return kind in JWT_SCHEMES or (kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer")


def declared_scopes(doc: dict[str, Any]) -> dict[str, str]:
    """Scope -> description. A scope declared by several schemes or flows takes the first
    non-empty description in scheme and flow *name* order, never in key order: output must
    not change when a document's keys are reordered."""
    scopes: dict[str, str] = {}
    for _, scheme in sorted(_schemes(doc).items()):
        if scheme.get("type") != "oauth2":
            continue
        raw_flows = scheme.get("flows")
        if not isinstance(raw_flows, dict):
            raw_flows = {}
        flows = [scheme] if "swagger" in doc else [f for _, f in sorted(raw_flows.items())]
        for flow in flows:
            for name, text in ((flow if isinstance(flow, dict) else {}).get("scopes") or {}).items():
                if not scopes.get(str(name)):
                    scopes[str(name)] = str(text or "")
    return scopes


def _security(source: Source, raw: Any, where: tuple[str | int, ...],
              schemes: dict[str, dict[str, Any]]) -> tuple[Security, list[Problem]]:
    if raw is None:
        return None, []
    problems: list[Problem] = []
    alternatives: list[tuple[str, ...]] = []
    for i, requirement in enumerate(raw if isinstance(raw, list) else []):
        if not requirement:
            return (), problems          # an empty requirement: anonymous access is allowed
        scopes: set[str] = set()
        for name, required in requirement.items():
            scheme = schemes.get(name)
            if scheme is None:
                problems.append(source.problem((*where, i, name), f"security scheme '{name}' "
                                               "is not declared", "unknown-security-scheme", "key"))
            elif not _is_jwt(scheme):
                problems.append(source.problem(
                    (*where, i, name), f"security scheme '{name}' of type "
                    f"'{scheme.get('type')}' cannot be enforced by the gateway; use oauth2, "
                    "openIdConnect or http bearer", "unsupported-security-scheme", "key"))
            scopes.update(str(s) for s in required or [])
        alternatives.append(tuple(sorted(scopes)))
    return tuple(sorted(set(alternatives))), problems


def read_service_version(source: Source, service: str, version: str) -> tuple[ServiceVersion, list[Problem]]:
    doc = source.data
    problems: list[Problem] = []
    if not isinstance(doc, dict) or not ("openapi" in doc or "swagger" in doc):
        problems.append(source.problem((), "not an OpenAPI document (no 'openapi' or "
                                       "'swagger' key)", "not-openapi"))
        return ServiceVersion(service, version, source.display, "/", (), (), False), problems
    schemes = _schemes(doc)
    root_security, found = _security(source, doc.get("security"), ("security",), schemes)
    problems += found
    prefix = base_path(doc)
    operations: list[Operation] = []
    used: set[str] = set()
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            where = ("paths", str(path), method)
            if "security" in op:
                security, found = _security(source, op["security"], (*where, "security"), schemes)
                problems += found
            else:
                security = root_security
            for alternative in security or ():
                used.update(alternative)
            full = (prefix.rstrip("/") + "/" + str(path).lstrip("/")) if path != "/" else prefix
            operations.append(Operation(method.upper(), full, str(op.get("operationId") or ""),
                                        str(op.get("summary") or ""), security, where,
                                        _PARAMETER.sub("{}", full)))
    declared = declared_scopes(doc)
    scopes = {name: Scope(name, declared.get(name, "")) for name in {*declared, *used}}
    operations.sort(key=lambda o: (o.path, METHODS.index(o.method.lower())))
    return ServiceVersion(
        service=service, version=version, path=source.display, base_path=prefix,
        operations=tuple(operations), scopes=tuple(scopes[n] for n in sorted(scopes)),
        allows_public=doc.get(PUBLIC_OPT_IN) is True,
        digest=hashlib.sha256(source.text.encode()).hexdigest(),
    ), problems
