"""`apiops diff`: what changed in configs/ and deploy/, per customer and resource, with
the security-relevant changes in words. Builds a DiffReport; apiops/report/diff.py renders it.

Only files whose blob differs between the two sides are read, and of those only the
parts whose text differs are parsed (see blocks.py): a diff of a 200-customer
monorepo stays well under the time a reviewer waits for.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path

from apiops import yamlio
from apiops.diff import resources, revisions, security
from apiops.diff.blocks import Node, Parser
from apiops.diff.model import (
    REPOSITORY,
    Change,
    DiffReport,
    GroupDiff,
    ResourceDiff,
    ResourceKey,
    SecurityChange,
    Status,
)
from apiops.diff.resources import Unit
from apiops.diff.structure import StructuralDiff
from apiops.errors import ApiopsError, ParseError
from apiops.model import Folders

__all__ = ["DiffReport", "compare"]


def _folders(root: Path) -> tuple[str, str]:
    """configs/ and deploy/ as apiops.yaml names them (defaults when it cannot be read)."""
    try:
        data = yamlio.parse(yamlio.read_text(root / "apiops.yaml"), "apiops.yaml")
    except ParseError:
        data = None
    folders = data.get("folders") if isinstance(data, dict) else None
    folders = folders if isinstance(folders, dict) else {}
    return (str(folders.get("configs", Folders.configs)).strip("/"),
            str(folders.get("deploy", Folders.deploy)).strip("/"))


class Layout:
    """Which group (customer, or the repository-wide deploy/ files) a path belongs to."""

    def __init__(self, configs: str, deploy: str, paths: Sequence[str]) -> None:
        self.configs, self.deploy = configs + "/", deploy + "/"
        self.customers = {p[len(self.configs):].split("/", 1)[0] for p in paths
                          if p.startswith(self.configs) and p.count("/") > configs.count("/") + 1}

    def group(self, path: str) -> str:
        if path.startswith(self.configs):
            name = path[len(self.configs):].split("/", 1)[0]
            if name in self.customers:
                return name
        if path.startswith(self.deploy + "flux/"):     # deploy/flux/<customer>.yaml
            name = path[len(self.deploy + "flux/"):].removesuffix(".yaml")
            if name in self.customers and name != "kustomization":
                return name
        return REPOSITORY

    def present(self, files: Iterable[str]) -> set[str]:
        """The customers with files in `files`."""
        return {self.group(p) for p in files if p.startswith(self.configs)} - {REPOSITORY}


def compare(root: Path, base: str | None = None, head: str | None = None,
            customers: Sequence[str] = ()) -> DiffReport:
    configs, deploy = _folders(root)
    old, new = revisions.load(root, base, head, (configs, deploy))
    layout = Layout(configs, deploy, [*old.files, *new.files])
    unknown = sorted(set(customers) - layout.customers)
    if unknown:
        raise ApiopsError(f"unknown customer(s): {', '.join(unknown)}; known: "
                          f"{', '.join(sorted(layout.customers)) or 'none'}")
    changed = sorted(p for p in old.files.keys() | new.files.keys()
                     if old.files.get(p) != new.files.get(p)
                     and (not customers or layout.group(p) in customers))
    parser = Parser()
    before, after = (_units(side, changed, layout, parser) for side in (old, new))
    pairs = {group: resources.pair(before.get(group, []), after.get(group, []))
             for group in sorted(before.keys() | after.keys())}
    structural = StructuralDiff()
    for group, group_pairs in pairs.items():
        for key, a, b in group_pairs:
            if a is not None and b is not None:
                structural.compare((group, key), a.node, b.node)
    found = structural.changes()

    groups: list[GroupDiff] = []
    notes: list[SecurityChange] = []
    present = layout.present(old.files), layout.present(new.files)
    for group, group_pairs in pairs.items():
        diffs = [_resource_diff(key, a, b, found.get((group, key), []))
                 for key, a, b in group_pairs]
        if group != REPOSITORY:
            more = partial(_unchanged_routes, old, layout, group, changed, parser)
            notes += security.changes(group, before.get(group, []), after.get(group, []), group_pairs, more)
        if any(diffs):
            repository = group == REPOSITORY
            groups.append(GroupDiff("deploy" if repository else group,
                                    "repository" if repository else "customer",
                                    _status(group, *present), tuple(d for d in diffs if d)))
    groups.sort(key=lambda g: (g.type == "repository", g.name))
    return DiffReport(old.revision, new.revision, tuple(groups), tuple(notes))


def _units(side: revisions.Side, paths: Sequence[str], layout: Layout,
           parser: Parser) -> dict[str, list[Unit]]:
    """The resources of these files on one side, by group."""
    units: dict[str, list[Unit]] = {}
    for path, text in sorted(side.read(paths).items()):
        units.setdefault(layout.group(path), []).extend(resources.units(path, text, parser))
    return units


def _resource_diff(key: ResourceKey, a: Unit | None, b: Unit | None,
                   changes: Sequence[Change]) -> ResourceDiff | None:
    unit = b or a
    assert unit is not None
    if a is None or b is None:
        return ResourceDiff(key, unit.file, "added" if a is None else "removed")
    # text differed but nothing did once parsed (reordering, quoting, comments): no change
    return ResourceDiff(key, unit.file, "changed", tuple(changes)) if changes else None


def _status(group: str, old: set[str], new: set[str]) -> Status:
    if group == REPOSITORY:
        return "changed"
    if group not in old:
        return "added"
    return "removed" if group not in new else "changed"


def _unchanged_routes(side: revisions.Side, layout: Layout, customer: str, changed: Sequence[str],
                      parser: Parser) -> Iterator[Node]:
    """HTTPRoutes of a customer's unchanged files, read in two batches: first the folders
    its changed files are in (where the generator puts routes), then the rest."""
    skip = set(changed)
    folders = {p.rsplit("/", 1)[0] for p in changed if layout.group(p) == customer}
    paths = [p for p in sorted(side.files) if p not in skip and layout.group(p) == customer]
    near = [p for p in paths if p.rsplit("/", 1)[0] in folders]
    rest = [p for p in paths if p.rsplit("/", 1)[0] not in folders]
    for batch in (near, rest):
        for path, text in sorted(side.read(batch).items()):
            for unit in resources.units(path, text, parser):
                if unit.family == "k8s" and unit.node.get("kind") == "HTTPRoute":
                    yield unit.node
