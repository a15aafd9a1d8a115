"""Security changes in words: operations that became public or need other scopes,
issuers, clients and hostnames. The security view itself is in gateway.py."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from apiops.diff.blocks import Node
from apiops.diff.gateway import Gateway, Operations, hostnames, operations, title
from apiops.diff.model import SecurityChange
from apiops.diff.resources import Pair, Unit


def _operation_changes(customer: str, found: Operations) -> list[SecurityChange]:
    out: list[SecurityChange] = []
    old, new = found.old, found.new
    for key in sorted(old.keys() | new.keys(), key=lambda k: (new.get(k) or old[k])[0]):
        label, was, route = old.get(key, (None, None, None))
        label, now, route = new.get(key, (label, None, route))
        assert label is not None and route is not None

        def change(kind: str, message: str, old_value: Any, new_value: Any,
                   label: str = label, route: str = route) -> None:
            out.append(SecurityChange(customer, kind, label, message, route, old_value, new_value))

        if now is None:
            continue                # removed operations are in the route's changes
        if was is None:
            if now.public:
                change("public-operation-added", f"new public operation {label}", None, "public")
            continue
        if now.public != was.public:
            if now.public:
                change("became-public", f"{label} is now public (required {was.words()})",
                       was.data(), "public")
            else:
                change("no-longer-public", f"{label} now requires {now.words()} (was public)",
                       "public", now.data())
            continue
        if was.alternatives != now.alternatives:
            if len(was.alternatives) == len(now.alternatives) == 1:
                before, after = set(was.alternatives[0]), set(now.alternatives[0])
                for scope in sorted(after - before):
                    change("scope-added", f"{label} now also requires scope {scope}",
                           was.data(), now.data())
                for scope in sorted(before - after):
                    change("scope-removed", f"{label} no longer requires scope {scope}",
                           was.data(), now.data())
            else:
                change("scopes-changed", f"{label} now requires {now.words()} "
                       f"(was {was.words()})", was.data(), now.data())
        found.moved(was, now, 1)
    for kind, what, moves in (("issuer-changed", "JWT issuer", found.issuers),
                              ("jwks-changed", "JWKS URI", found.jwks)):
        for (before_values, after_values), count in sorted(moves.items()):
            subject = f"{count} operation{'' if count == 1 else 's'}"
            out.append(SecurityChange(
                customer, kind, subject, f"{what} of {subject} changed: "
                f"{', '.join(before_values) or 'none'} → {', '.join(after_values) or 'none'}", "",
                _one(before_values), _one(after_values)))
    return out


def _one(values: tuple[str, ...]) -> Any:
    return values[0] if len(values) == 1 else list(values)


def _hostname_changes(customer: str, before: Gateway, after: Gateway,
                      more_routes: Callable[[], Iterable[Node]]) -> list[SecurityChange]:
    served = set().union(*(hostnames(r) for r in before.routes.values()))
    candidates: dict[str, str] = {}
    for route, node in sorted(after.routes.items()):
        for host in sorted(hostnames(node) - hostnames(before.routes.get(route)) - served):
            candidates.setdefault(host, title(route))
    if candidates:                  # maybe served by a route in a file that did not change
        for node in more_routes():
            served |= hostnames(node)
            if not candidates.keys() - served:
                break
    return [SecurityChange(customer, "hostname-added", host, f"now served on hostname {host}",
                           route, None, host)
            for host, route in sorted(candidates.items()) if host not in served]


def _scopes(node: Node | None) -> list[str] | None:
    if node is None:
        return None
    value = node.value if isinstance(node.value, dict) else {}
    found = list(value.get("defaultClientScopes") or []) + list(value.get("optionalClientScopes") or [])
    return sorted({str(s) for s in found})


def _client_changes(customer: str, pairs: Sequence[Pair]) -> list[SecurityChange]:
    out = []
    for key, a, b in pairs:
        if key.kind != "KeycloakClient":
            continue
        where = key.title
        before, after = _scopes(a.node if a else None), _scopes(b.node if b else None)
        if before is None and after is not None:
            out.append(SecurityChange(customer, "client-added", key.name,
                                      f"client {key.name} added with scopes {', '.join(after) or 'none'}",
                                      where, None, after))
        elif after is None and before is not None:
            out.append(SecurityChange(customer, "client-removed", key.name, f"client {key.name} removed",
                                      where, before, None))
        elif before is not None and after is not None:
            if set(after) - set(before):
                out.append(SecurityChange(customer, "client-scopes-widened", key.name,
                                          f"client {key.name} gains scope(s) "
                                          f"{', '.join(sorted(set(after) - set(before)))}",
                                          where, before, after))
            if set(before) - set(after):
                out.append(SecurityChange(customer, "client-scopes-narrowed", key.name,
                                          f"client {key.name} loses scope(s) "
                                          f"{', '.join(sorted(set(before) - set(after)))}",
                                          where, before, after))
    return out


def changes(customer: str, old: Sequence[Unit], new: Sequence[Unit], pairs: Sequence[Pair],
            more_routes: Callable[[], Iterable[Node]]) -> list[SecurityChange]:
    """Security changes of one customer; `more_routes` lazily yields the HTTPRoutes of its
    unchanged files (only needed to tell whether a hostname is new)."""
    before, after = Gateway(old), Gateway(new)
    found = _operation_changes(customer, operations(before, after))
    found += _client_changes(customer, pairs)
    found += _hostname_changes(customer, before, after, more_routes)
    return found

