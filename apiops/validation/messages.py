"""openapi-spec-validator errors -> findings: a rule id, a key path, a readable message."""
from __future__ import annotations

import re
from typing import Any

from jsonschema.exceptions import best_match
from openapi_spec_validator.validation.exceptions import (
    DuplicateOperationIDError,
    ExtraParametersError,
    ParameterDuplicateError,
    UnresolvableParameterError,
)

from apiops.validation.findings import Finding, KeyPath
from apiops.validation.rules import operations

MAX_MESSAGE = 300
_UNEXPECTED = re.compile(r"\('([^']*)'(?:, '[^']*')* (?:was|were) unexpected\)")
_NO_MATCH = re.compile(r"^'([^']*)' does not match any of the regexes")
_UNRESOLVED = re.compile(r"Path parameter '(.*)' for '(.*)' operation in '(.*)' was not resolved")


def schema_finding(error: Any) -> Finding:
    """A violation of the specification's JSON Schema (the document's structure)."""
    error = best_match([error])
    keys = tuple(error.absolute_path)
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        extra = _UNEXPECTED.search(str(error.message)) or _NO_MATCH.match(str(error.message))
        if extra and isinstance(error.instance, dict) and extra.group(1) in error.instance:
            hint = "" if extra.group(1).startswith("x-") else " (extensions must start with 'x-')"
            return Finding((*keys, extra.group(1)), f"unknown key '{extra.group(1)}'{hint}",
                           "oas-schema", "key")
    if error.validator == "required":
        return Finding(keys, readable(error), "oas-schema", "key" if keys else "value")
    return Finding(keys, readable(error), "oas-schema")


def keyword_finding(error: Any, document: Any) -> Finding:
    keyword = getattr(error, "apiops_keyword", "")
    parts: KeyPath = tuple(getattr(error, "apiops_parts", ()))
    if keyword == "default":
        where = (*parts, "default")
        return Finding((*where, *error.absolute_path),
                       f"default value does not match its schema: {readable(error)}",
                       "oas-invalid-default")
    if isinstance(error, ExtraParametersError):
        return Finding((*parts, "required"), _short(error.message), "oas-required-undefined")
    if isinstance(error, ParameterDuplicateError):
        name = error.message.partition("'")[2].rpartition("'")[0]
        return Finding(_second(document, parts, lambda p: (p.get("name"), p.get("in")), name),
                       f"parameter '{name}' is declared twice (same name and location)",
                       "oas-duplicate-parameter")
    if isinstance(error, DuplicateOperationIDError):
        return _duplicate_operation_id(parts, document)
    if isinstance(error, UnresolvableParameterError):
        return _path_parameter(error.message, parts, document)
    if keyword == "tags":
        name = error.message.partition("'")[2].rpartition("'")[0]
        return Finding(_second(document, parts, lambda t: t.get("name"), name),
                       f"tag '{name}' is declared twice", "oas-duplicate-tag")
    error = best_match([error]) if getattr(error, "context", None) else error
    path = tuple(getattr(error, "absolute_path", ()) or ())
    return Finding((*parts, *path), f"invalid schema: {readable(error)}", "oas-invalid-schema")


def readable(error: Any) -> str:
    """jsonschema's message, with the offending value shortened when it is large."""
    message = str(error.message)
    shown = repr(error.instance)
    if len(shown) > 80 and message.startswith(shown):
        message = describe(error.instance) + message[len(shown):]
    return _short(message)


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "this object"
    if isinstance(value, list):
        return "this array"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE - 3] + "..."


def _duplicate_operation_id(parts: KeyPath, document: Any) -> Finding:
    _, path, method = (parts + ("", "", ""))[:3]
    item = _local(document, document.get("paths", {}).get(path))
    op = _local(document, item.get(method) if isinstance(item, dict) else None)
    op = op if isinstance(op, dict) else {}
    first = next((f"{m.upper()} {p}" for p, m, o in operations(document)
                  if o.get("operationId") == op.get("operationId")), "?")
    return Finding((*parts, "operationId"), f"operationId '{op.get('operationId')}' is "
                   f"already used by {first}; operationIds must be unique in a document",
                   "operation-id-duplicate")


def _path_parameter(message: str, parts: KeyPath, document: Any) -> Finding:
    match = _UNRESOLVED.match(message)
    if not match:
        return Finding(parts, _short(message), "path-param-undeclared", "key")
    name, method, url = match.groups()
    operation = f"{method.upper()} {url}"
    if "{" + name + "}" in url:
        return Finding(parts, f"{operation}: path template parameter {{{name}}} is not declared "
                       f"(add a parameter with name: {name}, in: path, required: true)",
                       "path-param-undeclared", "key")
    where = _declaration(document, url, method, name) or parts
    return Finding(where, f"{operation}: path parameter '{name}' does not appear in the path "
                   "template; rename it or add {" + name + "} to the path",
                   "path-param-not-in-template")


def _declaration(document: Any, url: str, method: str, name: str) -> KeyPath | None:
    item = document.get("paths", {}).get(url, {})
    for prefix, params in ((("paths", url, method), item.get(method, {}).get("parameters")),
                           (("paths", url), item.get("parameters"))):
        for i, param in enumerate(params if isinstance(params, list) else ()):
            param = _local(document, param)
            if isinstance(param, dict) and param.get("in") == "path" and param.get("name") == name:
                return (*prefix, "parameters", i)
    return None


def _second(document: Any, parts: KeyPath, identity: Any, name: str) -> KeyPath:
    """Where the second of two list entries with the same identity is, else the list."""
    node = document
    for part in parts:
        node = _local(document, node)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return parts
    seen = set()
    for i, entry in enumerate(node if isinstance(node, list) else ()):
        entry = _local(document, entry)
        ident = identity(entry) if isinstance(entry, dict) else None
        if ident in seen and name in str(ident):
            return (*parts, i)
        seen.add(ident)
    return parts


def _local(document: Any, node: Any) -> Any:
    """`node`, or what its same-document `$ref` points to (only for locating findings)."""
    for _ in range(10):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return node
        node = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, dict) else None
    return node
