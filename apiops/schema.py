"""JSON Schema checks of apiops.yaml and customer.yaml, as located problems."""
from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from apiops.errors import Problem
from apiops.yamlio import Source

DNS_LABEL = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"


@cache
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files("apiops.schemas").joinpath(f"{name}.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def check(source: Source, schema_name: str) -> list[Problem]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema(schema_name))
    problems = []
    for error in validator.iter_errors(source.data):
        problems.append(_problem(source, error))
    return sorted(set(problems))


def _problem(source: Source, error: Any) -> Problem:
    if error.validator == "oneOf" and error.context:
        # `name: version` or `name: {version, ...}`: explain with the branch that fits the type.
        fitting = [e for e in error.context if e.validator != "type"] or list(error.context)
        return _problem(source, min(fitting, key=lambda e: len(e.relative_schema_path)))
    keys = tuple(error.absolute_path)
    instance = error.instance
    kind = error.validator
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in allowed)
        name = extra[0] if extra else "?"
        hint = f"; known keys: {', '.join(sorted(allowed))}" if allowed else ""
        return source.problem((*keys, name), f"unknown key '{name}'{hint}", "unknown-key", "key")
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return source.problem(keys, f"missing required key '{missing}'", "missing-key", "key")
    if keys and keys[-1] == "secret" and isinstance(instance, str):
        return source.problem(keys, "a literal secret is not allowed here; reference a Kubernetes "
                              "Secret instead: {secretName: ..., key: ...}", "literal-secret")
    if "propertyNames" in error.absolute_schema_path and isinstance(instance, str):
        return source.problem((*keys, instance), f"'{instance}' is not a DNS label (lowercase "
                              "letters, digits and '-', at most 63 characters)", "dns-label", "key")
    if kind == "pattern" and error.validator_value == DNS_LABEL:
        return source.problem(keys, f"'{instance}' is not a DNS label (lowercase letters, digits "
                              "and '-', at most 63 characters)", "dns-label")
    if kind == "type":
        return source.problem(keys, f"expected {error.validator_value}, got "
                              f"{type(instance).__name__} {instance!r}"[:200], "invalid-type")
    message = error.message if len(error.message) < 200 else error.message[:197] + "..."
    return source.problem(keys, message, "invalid-value")
