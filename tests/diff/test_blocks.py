"""The text-first YAML splitter must agree with a full parse, whatever it is given."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PROJECT

from apiops.diff.blocks import Node, Parser, documents
from apiops.diff.structure import readable_path


def rebuild(node: Node) -> Any:
    """The value put together from the node's children, parsing only the leaves."""
    children = node.children()
    if isinstance(children, dict):
        return {key: rebuild(child) for key, child in children.items()}
    if isinstance(children, list):
        return [rebuild(child) for child in children]
    return node.value


def agree(text: str) -> list[Node]:
    nodes = documents(text, Parser())
    assert nodes is not None
    assert [rebuild(n) for n in nodes] == [d for d in yaml.safe_load_all(text) if d is not None]
    assert [n.value for n in nodes] == [d for d in yaml.safe_load_all(text) if d is not None]
    return nodes


def test_every_generated_and_input_file(generated_repo: Path) -> None:
    paths = [*generated_repo.glob("configs/**/*.yaml"), *generated_repo.glob("deploy/**/*.yaml"),
             *PROJECT.glob("services/**/*.yaml"), *PROJECT.glob("customers/**/*.yaml")]
    assert len(paths) > 40
    for path in paths:
        agree(path.read_text())


TRICKY = {
    "block scalars": "a: |\n  one\n\n  two\nb: |+\n  kept\n\n\nc: >-\n  folded\n  text\nd: 1\n",
    "comments anywhere": ("# head\na: 1  # trailing\n# between\nb:\n  # inside\n  c: 2\n# odd\n"
                          "   # indent\nd: 3\n"),
    "flow collections": "a: [1, 2,\n  3]\nb: {c: d, e: [f]}\nc: []\nd: {}\n",
    "indented and indentless sequences": "a:\n  - x\n  - y\nb:\n- z\n- - nested\n  - more\n",
    "quoted keys and values": "'a: b': 1\n\"c\\\"d\": 'it''s'\n\"e\": \"tab\\there\"\n",
    "items with extra spaces": "-   name: x\n    k: v\n-\n  name: y\n- plain\n",
    "scalars that are not strings": "a: yes\nb: 0o17\nc: 1.0\nd: ~\ne: 'true'\nf: 012\ng: 1_000\n",
    "anchors and aliases": "base: &b {k: 1}\nuse: *b\nmerged:\n  <<: *b\n  j: 2\n",
    "tags": "a: !!str 123\nb: !!binary aGk=\n",
    "several documents": "---\na: 1\n...\n---\n# only a comment\n---\n- x\n",
    "windows line endings": "a: 1\r\nb:\r\n  c: 2\r\n",
    "values that go on at the same indent": "a: {x: 1,\ny: 2}\nb: 'one\nc: two'\nd: [3,\n4]\n",
    "top-level scalar": "just text\n",
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_yaml(name: str) -> None:
    agree(TRICKY[name])


def test_anchors_make_a_document_opaque() -> None:
    (node,) = agree(TRICKY["anchors and aliases"])
    assert node.children() is None


def test_duplicate_keys_and_bad_yaml_compare_as_text() -> None:
    (node,) = documents("a: 1\na: 2\n", Parser()) or []
    assert node.children() is None
    assert node.value == "a: 1\na: 2\n"            # the parser refused it: kept as text


def test_content_on_a_document_marker_is_not_split() -> None:
    assert documents("--- {a: 1}\n", Parser()) is None


def test_same_text_is_parsed_once() -> None:
    parser = Parser()
    first, second = (documents("a:\n  b: [1]\n", parser) or []), (documents("a:\n  b: [1]\n", parser) or [])
    assert first[0].child("a", "b").value is second[0].child("a", "b").value  # type: ignore[union-attr]


@pytest.mark.parametrize(("path", "shown"), [
    ({"type": "Exact", "value": "/a/b"}, "/a/b"),
    ({"type": "RegularExpression", "value": "^/a/[^/]+/b\\.json$"}, "/a/*/b.json"),
    ({"type": "RegularExpression", "value": "^/a/(x|y)$"}, "~^/a/(x|y)$"),
    ({"type": "PathPrefix", "value": "/a/"}, "/a/**"),
])
def test_readable_paths(path: dict[str, str], shown: str) -> None:
    assert readable_path(path) == shown


def test_splitting_parses_nothing(generated_repo: Path) -> None:
    """Finding a realm's clients takes no YAML parsing at all."""
    realm = (generated_repo / "configs/umbrella/keycloak/realm.yaml").read_text()
    parser = Parser()
    (node,) = documents(realm, parser) or []
    clients = node.child("clients")
    assert clients is not None and len(clients.items()) == 4
    assert [c.get("clientId") for c in clients.items()][:1] == ["umbrella-mobile"]
    assert parser._parsed == {}
