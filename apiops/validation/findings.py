"""Findings before they have a line and column, and the rule ids `apiops validate` reports.

Every id here is documented in docs/validation.md (a test keeps the two in step).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from apiops.errors import Severity

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """A problem at a key path of a document; `Source.problem` turns it into a Problem."""

    keys: KeyPath
    message: str
    rule: str
    at: Literal["key", "value"] = "value"
    severity: Severity = "error"


# Reading the file (apiops/yamlio.py raises these).
PARSE_RULES = frozenset({
    "unreadable", "file-too-large", "encoding", "merge-conflict", "empty-file", "syntax",
    "duplicate-key", "alias-bomb",
})
# What makes a file not an OpenAPI document apiops can validate.
DOCUMENT_RULES = frozenset({"not-a-mapping", "not-openapi", "unknown-openapi-version"})
# $ref policy: offline and inside the repository.
REF_RULES = frozenset({"remote-ref", "ref-outside-repo", "unresolvable-ref"})
# Reported by openapi-spec-validator; apiops only gives them ids and locations.
SPEC_RULES = frozenset({
    "oas-schema", "oas-invalid-schema", "oas-invalid-default", "oas-required-undefined",
    "oas-duplicate-parameter", "oas-duplicate-tag", "oas-validator-error",
    "operation-id-duplicate", "path-param-undeclared", "path-param-not-in-template",
})
# apiops' own document rules (skipped by --spec-only).
APIOPS_RULES = frozenset({
    "operation-id-missing", "unknown-security-scheme", "undeclared-scope",
    "unsupported-security-scheme", "base-path", "invalid-version", "version-mismatch",
    "dns-label",
})
# What `--spec-only` reports: the verdict the plain openapi-spec-validator would give,
# plus the refusals that keep validation offline.
SPEC_ONLY_RULES = PARSE_RULES | DOCUMENT_RULES | REF_RULES | SPEC_RULES
