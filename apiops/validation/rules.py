"""apiops' own rules for an OpenAPI document: what generation relies on beyond the spec."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from apiops.loading import DNS_LABEL, SEMVER
from apiops.openapi import METHODS
from apiops.validation.findings import Finding, KeyPath

_PATH = re.compile(r"^/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$")


def operations(document: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every operation, in document order."""
    found = []
    paths = document.get("paths") if isinstance(document, dict) else None
    for path, item in (paths.items() if isinstance(paths, dict) else ()):
        for method, op in (item.items() if isinstance(item, dict) else ()):
            if method in METHODS and isinstance(op, dict):
                found.append((str(path), method, op))
    return found


def check(document: dict[str, Any], version: str, folder: tuple[str, str] | None) -> list[Finding]:
    findings = [*operation_ids(document), *scopes(document, version), *base_path(document, version)]
    if folder is not None:
        findings += version_folder(document, *folder)
    return findings


def operation_ids(document: dict[str, Any]) -> list[Finding]:
    return [Finding(("paths", path, method), f"{method.upper()} {path} has no operationId; "
                    "apiops names its route after it", "operation-id-missing", "key")
            for path, method, op in operations(document) if not op.get("operationId")]


def _declared_scopes(document: dict[str, Any], version: str) -> dict[str, set[str] | None]:
    """Scheme name -> the scopes it declares (None: any scope, e.g. openIdConnect)."""
    raw = (document.get("securityDefinitions") if version == "2.0"
           else (document.get("components") or {}).get("securitySchemes")) or {}
    declared: dict[str, set[str] | None] = {}
    for name, scheme in raw.items() if isinstance(raw, dict) else ():
        if not isinstance(scheme, dict) or scheme.get("type") != "oauth2":
            declared[str(name)] = None
            continue
        flows = [scheme] if version == "2.0" else list((scheme.get("flows") or {}).values())
        declared[str(name)] = {str(s) for f in flows if isinstance(f, dict)
                               for s in (f.get("scopes") or {})}
    return declared


def _requirements(document: dict[str, Any]) -> list[tuple[KeyPath, Any]]:
    found: list[tuple[KeyPath, Any]] = [(("security",), document.get("security"))]
    for path, method, op in operations(document):
        if "security" in op:
            found.append((("paths", path, method, "security"), op["security"]))
    return found


def scopes(document: dict[str, Any], version: str) -> list[Finding]:
    """Each scope a requirement names must be declared by its oauth2 scheme's flows.
    Undeclared and unsupported schemes are reported by apiops.openapi."""
    declared = _declared_scopes(document, version)
    findings = []
    for where, requirements in _requirements(document):
        for i, requirement in enumerate(requirements if isinstance(requirements, list) else ()):
            for name, wanted in (requirement.items() if isinstance(requirement, dict) else ()):
                known = declared.get(str(name))
                if known is None or not isinstance(wanted, list):
                    continue
                for j, scope in enumerate(wanted):
                    if str(scope) not in known:
                        listed = ", ".join(sorted(known)) or "none"
                        findings.append(Finding(
                            (*where, i, name, j), f"scope '{scope}' is not declared by security "
                            f"scheme '{name}' (declared: {listed})", "undeclared-scope"))
    return findings


def unenforceable(document: dict[str, Any], version: str) -> list[KeyPath]:
    """The requirements apiops.openapi reports (an undeclared scheme, or one the gateway
    cannot enforce), so that their positions can be found together with the others."""
    raw = (document.get("securityDefinitions") if version == "2.0"
           else (document.get("components") or {}).get("securitySchemes")) or {}
    schemes = raw if isinstance(raw, dict) else {}

    def enforceable(scheme: Any) -> bool:
        kind = scheme.get("type") if isinstance(scheme, dict) else None
        return kind in ("oauth2", "openIdConnect") or (
            kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer")

    return [(*where, i, name) for where, requirements in _requirements(document)
            for i, requirement in enumerate(requirements if isinstance(requirements, list) else ())
            for name in (requirement if isinstance(requirement, dict) else ())
            if not enforceable(schemes.get(name))]


def base_path(document: dict[str, Any], version: str) -> list[Finding]:
    """The public base path comes from `basePath` or the first server URL: it must be a plain
    path once server variables take their defaults."""
    where: KeyPath
    if version == "2.0":
        raw, where = document.get("basePath"), ("basePath",)
        if raw is None:
            return []
        path = str(raw)
    else:
        servers = document.get("servers")
        if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
            return []
        where = ("servers", 0, "url")
        url = str(servers[0].get("url", "/"))
        for name, var in (servers[0].get("variables") or {}).items():
            if isinstance(var, dict) and "default" in var:
                url = url.replace("{" + str(name) + "}", str(var["default"]))
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            return [Finding(where, f"server URL '{url}' has a query or fragment; the base path "
                            "must be a plain path", "base-path")]
        path = parts.path or "/"
    if "{" in path:
        return [Finding(where, f"base path '{path}' keeps a variable without a default; the "
                        "gateway needs a fixed prefix", "base-path")]
    if not _PATH.match(path if path.startswith("/") else "/" + path):
        return [Finding(where, f"base path '{path}' is not a valid URL path", "base-path")]
    return []


def version_folder(document: dict[str, Any], service: str, version: str) -> list[Finding]:
    """services/<service>/<version>/: a DNS label and SemVer matching info.version.
    The messages are loading.discover's, so both report one problem once."""
    if not DNS_LABEL.match(service):
        return [Finding((), f"service folder '{service}' is not a DNS label", "dns-label")]
    if not SEMVER.match(version):
        return [Finding((), f"version folder '{version}' is not SemVer "
                        "(MAJOR.MINOR.PATCH[-PRERELEASE])", "invalid-version")]
    info = document.get("info")
    declared = info.get("version") if isinstance(info, dict) else None
    if declared is not None and str(declared) != version:
        return [Finding(("info", "version"), f"info.version is '{declared}' but the document "
                        f"lives in version folder {version}; make them equal",
                        "version-mismatch", severity="warning")]
    return []
