"""What a diff compares: resources, each with an identity that survives edits.

Kubernetes documents are identified by apiVersion, kind, namespace and name; the
keycloak-config-cli Job by its name without the content hash (a changed realm renames
the Job, and a reviewer wants to see that as a change of the Job). A keycloak-config-cli
realm file holds several resources: the realm itself, its clients by clientId and its
client scopes by name; a Kong declarative config likewise its services, consumers and
upstreams by name. Anything that is not YAML or JSON is compared as text.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from apiops.diff.blocks import Node, Parser, documents
from apiops.diff.model import ResourceKey

# container document -> {list key: (api, kind of each item, its identity field)}
SPLITS = {
    "realm": {"clients": ("keycloak", "KeycloakClient", "clientId"),
              "clientScopes": ("keycloak", "KeycloakClientScope", "name")},
    "kong": {"services": ("kong", "KongService", "name"),
             "consumers": ("kong", "KongConsumer", "username"),
             "upstreams": ("kong", "KongUpstream", "name")},
}
_HASHED = re.compile(r"^(?P<prefix>.+)-[0-9a-f]{8,64}$")


@dataclass(frozen=True)
class Unit:
    """One resource's text in one file; its identity is worked out only when needed."""

    file: str
    family: str          # k8s | realm | kong | file | <container>/<list key>
    node: Node
    index: int = 0       # document number in the file: the identity of a nameless document
    context: str = ""    # the realm (or file) an item of a container document belongs to

    @property
    def fingerprint(self) -> tuple[str, str]:
        return self.family, self.node.src


def units(path: str, text: str, parser: Parser) -> list[Unit]:
    if path.endswith(".json"):
        try:
            docs: list[Node] | None = [Node.of_value(json.loads(text), parser)]
        except ValueError:
            docs = None
    elif path.endswith((".yaml", ".yml")):
        docs = documents(text, parser)
    else:
        docs = None
    if docs is None:
        return [Unit(path, "file", Node.of_value(text, parser))]
    out: list[Unit] = []
    for index, doc in enumerate(docs):
        out += _document_units(path, index, doc, parser)
    return out


def _container(doc: Node) -> str:
    children = doc.children()
    keys = children.keys() if isinstance(children, dict) else (
        doc.value.keys() if isinstance(doc.value, dict) else ())
    if "apiVersion" in keys:
        return ""
    if "realm" in keys:
        return "realm"
    return "kong" if "_format_version" in keys else ""


def _document_units(path: str, index: int, doc: Node, parser: Parser) -> list[Unit]:
    container = _container(doc)
    if not container:
        return [Unit(path, "k8s", doc, index)]
    lists = SPLITS[container]
    context = str(doc.get("realm") or "") if container == "realm" else path
    children = doc.children()
    if isinstance(children, dict):
        rest = Node("\n".join(n.src for k, n in children.items() if k not in lists), parser,
                    splittable=doc.splittable)
    else:
        rest = Node.of_value({k: v for k, v in doc.value.items() if k not in lists}, parser)
    out = [Unit(path, container, rest, index, context)]
    for key in lists:
        node = doc.child(key)
        if node is not None:
            out += [Unit(path, f"{container}/{key}", item, index, context) for item in node.items()]
    return out


def identity(unit: Unit) -> ResourceKey:
    node = unit.node
    if unit.family == "file":
        return ResourceKey("", "File", "", unit.file)
    if unit.family == "realm":
        return ResourceKey("keycloak", "KeycloakRealm", "", unit.context)
    if unit.family == "kong":
        return ResourceKey("kong", "KongConfig", "", unit.file)
    if "/" in unit.family:
        container, key = unit.family.split("/", 1)
        api, kind, field = SPLITS[container][key]
        return ResourceKey(api, kind, unit.context, str(node.get(field, default="")))
    api, kind = node.get("apiVersion"), node.get("kind")
    if not isinstance(api, str) or not isinstance(kind, str):
        return ResourceKey("", "Document", "", f"{unit.file}#{unit.index + 1}")
    name = node.get("metadata", "name")
    namespace = node.get("metadata", "namespace") or ""
    return ResourceKey(api, kind, str(namespace), unit.file if name is None else str(name))


def _stable(key: ResourceKey) -> ResourceKey:
    match = _HASHED.match(key.name)
    if key.kind == "Job" and key.api_version.startswith("batch/") and match:
        return ResourceKey(key.api_version, key.kind, key.namespace, match.group("prefix") + "-<hash>")
    return key


def _keyed(found: Sequence[Unit]) -> dict[ResourceKey, Unit]:
    keys = [identity(u) for u in found]
    stable = [_stable(k) for k in keys]
    counts = Counter(stable)
    out: dict[ResourceKey, Unit] = {}
    for key, short, unit in zip(keys, stable, found, strict=True):
        out.setdefault(short if counts[short] == 1 else key, unit)
    return out


Pair = tuple[ResourceKey, Unit | None, Unit | None]


def pair(old: Sequence[Unit], new: Sequence[Unit]) -> list[Pair]:
    """Resources of one customer on both sides, matched by identity (and named by the
    newer side's). Text that is on both sides is the same resource, unchanged, and is
    never parsed."""
    left = Counter(u.fingerprint for u in new)
    right = Counter(u.fingerprint for u in old)
    old_rest, new_rest = [], []
    for unit in old:
        if left[unit.fingerprint]:
            left[unit.fingerprint] -= 1
        else:
            old_rest.append(unit)
    for unit in new:
        if right[unit.fingerprint]:
            right[unit.fingerprint] -= 1
        else:
            new_rest.append(unit)
    before, after = _keyed(old_rest), _keyed(new_rest)
    pairs = []
    for key in before.keys() | after.keys():
        a, b = before.get(key), after.get(key)
        pairs.append((identity(b if b is not None else a), a, b))   # type: ignore[arg-type]
    return sorted(pairs, key=lambda p: (p[0].kind, p[0].namespace, p[0].name, p[0].api_version))
