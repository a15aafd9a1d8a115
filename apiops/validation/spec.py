"""OpenAPI validation by openapi-spec-validator, on plain data; the only module importing it.

The validator's two phases run as its `SpecValidator.iter_errors` runs them: the
document against the specification's JSON Schema, then its keyword validators
(operationIds, path parameters, schema objects, defaults...). The keyword validators
walk a `DataPath` instead of a SchemaPath and are wrapped so that each error carries
the key path it was found at; `messages` turns the errors into findings.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from jsonschema.exceptions import SchemaError, _WrappedReferencingError
from jsonschema.validators import validator_for
from openapi_schema_validator.validators import OPENAPI_SPECIFICATIONS, check_openapi_schema
from openapi_spec_validator.schemas.utils import get_schema_content
from openapi_spec_validator.validation import (
    OpenAPIV2SpecValidator,
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
)
from openapi_spec_validator.validation import keywords as oas_keywords
from openapi_spec_validator.validation.registries import KeywordValidatorRegistry
from referencing.exceptions import Unresolvable

from apiops.validation import messages
from apiops.validation.datapath import DataPath, RefContext
from apiops.validation.fastjs import fast_class
from apiops.validation.findings import Finding
from apiops.validation.refs import RefFiles

SPEC_VALIDATORS = {"2.0": OpenAPIV2SpecValidator, "3.0": OpenAPIV30SpecValidator,
                   "3.1": OpenAPIV31SpecValidator}


def validate(document: dict[str, Any], version: str, base_uri: str,
             files: RefFiles) -> list[Finding]:
    """Every finding of openapi-spec-validator for `document` (version "2.0", "3.0" or
    "3.1"), and every `$ref` that was refused or could not be resolved."""
    ctx = RefContext(document, base_uri, files)
    findings: list[Finding] = []
    try:
        for error in _schema_validator(version).iter_errors(document):
            findings.append(messages.schema_finding(error))
    except RecursionError:
        findings.append(Finding((), "the document nests too deeply to validate",
                                "oas-validator-error"))
        return findings
    root: Any = KeywordValidatorRegistry(_keyword_classes(version))["__root__"]
    try:
        for error in root(ctx.root):
            findings.append(messages.keyword_finding(error, document))
    except Exception as exc:  # noqa: BLE001 - the keyword validators assume a well-formed document
        if not findings and not ctx.findings:
            findings.append(Finding((), f"openapi-spec-validator failed: {exc!r}"[:300],
                                    "oas-validator-error"))
    findings.extend(ctx.findings.values())
    return findings


@cache
def _schema_validator(version: str) -> Any:
    schema = get_schema_content(version)
    return fast_class(validator_for(schema))(schema)


@cache
def _keyword_classes(version: str) -> dict[str, type]:
    base = SPEC_VALIDATORS[version].keyword_validators
    return {name: _located(name, cls) for name, cls in base.items()}


class _IdList(list[int]):
    """The validator keeps the schema ids it has seen in a list; membership in a list is
    linear, which made large documents quadratic. Same contents, constant-time `in`."""

    def __init__(self) -> None:
        super().__init__()
        self._set: set[int] = set()

    def append(self, item: int) -> None:
        super().append(item)
        self._set.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._set


def _located(name: str, cls: type) -> type:
    """A subclass of keyword validator `cls` tagging each error with where it was found."""

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        where = next((a for a in args if isinstance(a, DataPath)), None)
        try:
            for error in cls.__call__(self, *args, **kwargs):
                if getattr(error, "apiops_keyword", None) is None:
                    error.apiops_keyword = name
                    error.apiops_parts = where.parts if where is not None else ()
                yield error
        except (Unresolvable, _WrappedReferencingError) as exc:
            # A $ref met by jsonschema itself (in a default's schema): report, go on.
            if where is not None:
                unresolvable = getattr(exc, "_wrapped", exc)
                where.ctx.refused(str(getattr(unresolvable, "ref", "?")), exc, where.parts)

    namespace: dict[str, Any] = {"__call__": __call__}
    if issubclass(cls, oas_keywords.SchemaValidator):
        def __init__(self: Any, registry: Any) -> None:
            cls.__init__(self, registry)
            self.visited_schema_ids = _IdList()
            self.meta_checked_schema_ids = _IdList()
        def _get_schema_checker(self: Any, schema: Any, schema_value: Any) -> Any:
            return _fast_checker(cls._get_schema_checker(self, schema, schema_value))
        namespace["__init__"] = __init__
        namespace["_get_schema_checker"] = _get_schema_checker
    return type(cls.__name__, (cls,), namespace)


_META: dict[tuple[type, int], tuple[Any, Any]] = {}


def _fast_checker(checker: Any) -> Any:
    """openapi-schema-validator's `check_schema`, with one memoising validator per dialect
    instead of a new one per schema object. Other dialects keep their own checker."""
    func = getattr(checker, "func", checker)
    if getattr(func, "__func__", None) is not check_openapi_schema:
        return checker
    cls = func.__self__
    format_checker = getattr(checker, "keywords", {}).get("format_checker", cls.FORMAT_CHECKER)
    key = (cls, id(format_checker))
    if key not in _META:
        meta_class = fast_class(validator_for(cls.META_SCHEMA, default=cls))
        _META[key] = (format_checker, meta_class(cls.META_SCHEMA, format_checker=format_checker,
                                                 registry=OPENAPI_SPECIFICATIONS))
    validator = _META[key][1]

    def check(schema_value: Any) -> None:
        for error in validator.iter_errors(schema_value):
            raise SchemaError.create_from(error)

    return check
