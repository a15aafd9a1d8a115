"""Offline and contained: remote $refs refused and never fetched, local ones kept inside
the repository, circular ones fine."""
from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from validate.conftest import Run
from validate.support import where, write

DOC = """
    openapi: 3.0.3
    info: {title: t, version: "1.0.0"}
    security: []
    paths:
      /things:
        get:
          operationId: listThings
          responses:
            "200":
              description: ok
              content:
                application/json:
                  schema: {$ref: "REF"}
    components:
      schemas:
        Thing:
          type: object
          properties:
            next: {$ref: "#/components/schemas/Thing"}
            children: {type: array, items: {$ref: "#/components/schemas/Thing"}}
    """


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("validation tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def doc(ref: str) -> str:
    return DOC.replace("REF", ref)


@pytest.mark.parametrize("ref", ["https://schemas.example.com/thing.json",
                                 "http://schemas.example.com/thing.yaml#/Thing",
                                 "ftp://files.example.com/thing.yaml",
                                 "//schemas.example.com/thing.yaml"])
def test_remote_refs_are_refused(tmp_path: Path, run_json: Run, ref: str) -> None:
    write(tmp_path, "openapi.yaml", doc(ref))
    code, problems = run_json("openapi.yaml", cwd=tmp_path)
    assert (code, where(problems)) == (1, [("openapi.yaml", 13, 30, "remote-ref")])
    assert problems[0]["message"].startswith(f"$ref '{ref}': remote references are refused")


def test_openapi_3_1_refs_are_refused_too(tmp_path: Path, run_json: Run) -> None:
    text = doc("https://schemas.example.com/thing.json").replace("openapi: 3.0.3", "openapi: 3.1.0")
    write(tmp_path, "openapi.yaml", text + "        Dialect: {$schema: 'https://json-schema.org/draft/2020-12/schema'}\n")
    code, problems = run_json("openapi.yaml", cwd=tmp_path)
    assert (code, where(problems)) == (1, [("openapi.yaml", 13, 30, "remote-ref")])


def test_local_file_refs_inside_the_repository_work(make_repo: Any, run_json: Run) -> None:
    repo = make_repo()
    write(repo, "services/things/1.0.0/openapi.yaml", doc("schemas/thing.yaml#/Thing"))
    write(repo, "services/things/1.0.0/schemas/thing.yaml", """
        Thing:
          type: object
          properties:
            name: {type: string, default: 3}
        """)
    code, problems = run_json("services/things/1.0.0/openapi.yaml", cwd=repo)
    # The referenced file is read and validated: its bad default is found (at the $ref).
    assert (code, where(problems)) == (1, [("services/things/1.0.0/openapi.yaml", 13, 23,
                                            "oas-invalid-default")])


def test_refs_leaving_the_repository_are_refused(make_repo: Any, run_json: Run) -> None:
    repo = make_repo()
    write(repo.parent, "outside.yaml", "Thing: {type: object}\n")
    write(repo, "services/things/1.0.0/openapi.yaml", doc("../../../../outside.yaml#/Thing"))
    code, problems = run_json("services/things/1.0.0/openapi.yaml", cwd=repo)
    assert (code, where(problems)) == (1, [("services/things/1.0.0/openapi.yaml", 13, 30,
                                            "ref-outside-repo")])


@pytest.mark.parametrize(("ref", "reason"), [("#/components/schemas/Nope", "points to nowhere"),
                                             ("missing.yaml", "does not exist")])
def test_unresolvable_refs(tmp_path: Path, run_json: Run, ref: str, reason: str) -> None:
    write(tmp_path, "openapi.yaml", doc(ref))
    code, problems = run_json("openapi.yaml", cwd=tmp_path)
    assert (code, where(problems)) == (1, [("openapi.yaml", 13, 30, "unresolvable-ref")])
    assert reason in problems[0]["message"]


def test_circular_refs_work(tmp_path: Path, run_json: Run) -> None:
    write(tmp_path, "openapi.yaml", doc("#/components/schemas/Thing"))
    assert run_json("openapi.yaml", cwd=tmp_path) == (0, [])


def test_a_ref_chain_that_loops_is_reported(tmp_path: Path, run_json: Run) -> None:
    text = doc("#/components/schemas/A").rstrip(" ") + "        A: {$ref: '#/components/schemas/B'}\n" \
        "        B: {$ref: '#/components/schemas/A'}\n"
    write(tmp_path, "openapi.yaml", text)
    code, problems = run_json("openapi.yaml", cwd=tmp_path)
    assert code == 1
    assert {p["rule"] for p in problems} == {"unresolvable-ref"}
    assert "circular $ref chain" in problems[0]["message"]


def test_a_changed_referenced_file_invalidates_the_cached_verdict(make_repo: Any, run_json: Run) -> None:
    repo = make_repo()
    write(repo, "services/things/1.0.0/openapi.yaml", doc("thing.yaml"))
    thing = write(repo, "services/things/1.0.0/thing.yaml", "type: object\n")
    assert run_json("services/things/1.0.0/openapi.yaml", cwd=repo) == (0, [])
    thing.write_text("type: object\nproperties: {n: {type: integer, default: x}}\n")
    code, problems = run_json("services/things/1.0.0/openapi.yaml", cwd=repo)
    assert [p["rule"] for p in problems] == ["oas-invalid-default"]
