"""The data `apiops diff` produces; renderers in apiops/report/diff.py turn it into text."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Status = Literal["added", "removed", "changed"]
GroupType = Literal["customer", "repository"]
# The group of the deploy/ files that belong to no one customer: not a DNS label, so it
# cannot clash with a customer's name; reports call it "deploy", of type "repository".
REPOSITORY = ":deploy"


@dataclass(frozen=True)
class Change:
    """One field of a resource: `path` like `spec.rules[billing-read].matches[GET /x]`."""

    path: str
    change: Status
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class ResourceKey:
    api_version: str     # apiVersion of a Kubernetes document; `keycloak` or `kong` otherwise
    kind: str
    namespace: str       # Kubernetes namespace; the realm of a Keycloak client or scope
    name: str

    @property
    def title(self) -> str:
        if self.namespace and not self.api_version.startswith(("keycloak", "kong")):
            return f"{self.kind} {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class ResourceDiff:
    key: ResourceKey
    file: str
    status: Status
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class SecurityChange:
    customer: str
    kind: str            # one of SECURITY_KINDS
    subject: str         # the operation, client or hostname concerned
    message: str         # the change in words
    resource: str = ""   # title of the resource it shows in
    old: Any = None
    new: Any = None


SECURITY_KINDS = (
    "became-public", "no-longer-public", "public-operation-added", "scope-added", "scope-removed",
    "scopes-changed", "issuer-changed", "jwks-changed", "client-added", "client-removed",
    "client-scopes-widened", "client-scopes-narrowed", "hostname-added",
)


@dataclass(frozen=True)
class GroupDiff:
    name: str
    type: GroupType
    status: Status
    resources: tuple[ResourceDiff, ...]


@dataclass(frozen=True)
class Summary:
    customers: int
    added: int
    removed: int
    changed: int
    security: int


@dataclass(frozen=True)
class Revision:
    label: str               # what the user named: `HEAD`, `origin/main`, `working tree`
    commit: str | None       # None for the working tree


@dataclass(frozen=True)
class DiffReport:
    base: Revision
    head: Revision
    groups: tuple[GroupDiff, ...] = ()
    security: tuple[SecurityChange, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.groups and not self.security

    @property
    def summary(self) -> Summary:
        resources = [r for g in self.groups for r in g.resources]
        return Summary(customers=sum(1 for g in self.groups if g.type == "customer"),
                       added=sum(1 for r in resources if r.status == "added"),
                       removed=sum(1 for r in resources if r.status == "removed"),
                       changed=sum(1 for r in resources if r.status == "changed"),
                       security=len(self.security))

    def only(self, customers: Collection[str]) -> DiffReport:
        """The report restricted to these customers (repository-wide files left out)."""
        return replace(self, groups=tuple(g for g in self.groups
                                          if g.type == "customer" and g.name in customers),
                       security=tuple(s for s in self.security if s.customer in customers))
