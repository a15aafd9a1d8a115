"""Generator registry. Built-in and third-party targets register through the
`apiops.generators` entry-point group; each entry point names a CustomerGenerator or
a RepoGenerator object."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from apiops.errors import ApiopsError
from apiops.model import Customer, CustomerPlan, Settings

Document = dict[str, Any]


@dataclass(frozen=True)
class Output:
    """One generated file. A generator that can name exactly what a file depends on gives
    a `key` (any string that changes when that does) and `documents` as a function: while
    the key and the file on disk are unchanged, apiops neither builds nor writes it."""

    path: str                         # relative to configs/<customer>/ or to deploy/
    documents: tuple[Document, ...] | Callable[[], tuple[Document, ...]]
    configmap: str | None = None      # shipped through this configMapGenerator, not as a resource
    sources: tuple[str, ...] = ()     # inputs named in the header; default: all of the customer's
    key: str | None = None

    def build(self) -> tuple[Document, ...]:
        return self.documents() if callable(self.documents) else self.documents


@dataclass(frozen=True)
class CustomerGenerator:
    """Renders files of one customer. `render` also sees the outputs of the generators
    that ran before it (lower `order`), which is how kustomize lists them."""

    name: str
    render: Callable[[CustomerPlan, Sequence[Output]], list[Output]]
    order: int = 50


@dataclass(frozen=True)
class RepoGenerator:
    """Renders files under deploy/ from the settings and every customer."""

    name: str
    render: Callable[[Settings, Sequence[Customer]], list[Output]]
    order: int = 50


Generator = CustomerGenerator | RepoGenerator


@cache
def registry() -> dict[str, Generator]:
    from importlib.metadata import entry_points

    found: dict[str, Generator] = {}
    for entry in entry_points(group="apiops.generators"):
        try:
            generator = entry.load()
        except Exception as exc:  # a broken plugin must not look like a bug of ours
            raise ApiopsError(f"generator plugin '{entry.name}' ({entry.value}) failed to "
                              f"load: {exc}") from exc
        if not isinstance(generator, CustomerGenerator | RepoGenerator):
            raise ApiopsError(f"generator plugin '{entry.name}' ({entry.value}) is not a "
                              "CustomerGenerator or RepoGenerator")
        found[generator.name] = generator
    return found


def customer_targets() -> set[str]:
    return {name for name, g in registry().items() if isinstance(g, CustomerGenerator)}
