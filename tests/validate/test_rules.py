"""Every document rule: the file, line, column and rule id it reports."""
from __future__ import annotations

from pathlib import Path

import pytest

from validate.conftest import Run
from validate.support import OK_DOC, where, write

HEAD = 'openapi: 3.0.3\ninfo: {title: t, version: "1.0.0"}\n'
OAUTH = """components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://id.example.com/token
          scopes: {read: read things}
    key: {type: apiKey, in: header, name: X-Key}
"""


ID = "      operationId: x\n"


def op(path: str = "/things", body: str = "") -> str:
    """One GET operation with `body` lines (already indented by 6) under it."""
    return (f"paths:\n  {path}:\n    get:\n{body}"
            "      responses:\n        '200': {description: ok}\n")


RULES = [
    ("operation-id-missing", HEAD + "security: []\n" + op(), 6, 5),
    ("operation-id-duplicate",
     HEAD + "security: []\npaths:\n  /a:\n    get:\n      operationId: same\n"
     "      responses: {'200': {description: ok}}\n"
     "  /b:\n    get:\n      operationId: same\n      responses: {'200': {description: ok}}\n", 11, 20),
    ("path-param-undeclared", HEAD + "security: []\n" + op("/things/{id}", "      operationId: x\n"), 6, 5),
    ("path-param-not-in-template",
     HEAD + "security: []\n" + op("/things", "      operationId: x\n      parameters:\n"
                                  "        - {name: id, in: path, required: true, schema: {type: string}}\n"),
     9, 11),
    ("unknown-security-scheme", HEAD + "security: [{ghost: []}]\n" + op(body=ID) + OAUTH,
     3, 13),
    ("undeclared-scope", HEAD + "security: [{oauth: [read, write]}]\n" + op(body=ID) + OAUTH,
     3, 27),
    ("unsupported-security-scheme", HEAD + "security: [{key: []}]\n" + op(body=ID) + OAUTH,
     3, 13),
    ("base-path", HEAD + "servers: [{url: 'https://api.example.com/{tenant}/v1'}]\nsecurity: []\n"
     + op(body="      operationId: x\n"), 3, 17),
    ("oas-schema", HEAD + "security: []\n" + op(body="      operationId: x\n      bogus: 1\n"), 8, 7),
    ("oas-invalid-default",
     HEAD + "security: []\n" + op(body="      operationId: x\n") + "components:\n  schemas:\n    N:\n"
     "      type: integer\n      default: many\n", 14, 16),
    ("oas-invalid-schema",
     HEAD + "security: []\n" + op(body="      operationId: x\n") + "components:\n  schemas:\n    N:\n"
     "      type: string\n      pattern: '['\n", 14, 16),
    ("oas-required-undefined",
     HEAD + "security: []\n" + op(body="      operationId: x\n") + "components:\n  schemas:\n    N:\n"
     "      allOf: [{type: object}]\n      required: [ghost]\n", 14, 17),
    ("oas-duplicate-parameter",
     HEAD + "security: []\n" + op(body="      operationId: x\n      parameters:\n"
                                  "        - {name: q, in: query, schema: {type: string}}\n"
                                  "        - {name: q, in: query, schema: {type: integer}}\n"), 10, 11),
    ("oas-duplicate-tag", HEAD + "tags: [{name: a}, {name: a, description: again}]\nsecurity: []\n"
     + op(body=ID),
     3, 19),
]


@pytest.mark.parametrize(("rule", "text", "line", "col"), RULES, ids=[r[0] for r in RULES])
def test_rule(tmp_path: Path, run_json: Run, rule: str, text: str, line: int, col: int) -> None:
    write(tmp_path, "openapi.yaml", text)
    code, problems = run_json("openapi.yaml", cwd=tmp_path)
    assert (code, where(problems)) == (1, [("openapi.yaml", line, col, rule)]), problems


def test_a_clean_document_passes(tmp_path: Path, run_json: Run) -> None:
    write(tmp_path, "openapi.yaml", OK_DOC)
    assert run_json("openapi.yaml", cwd=tmp_path) == (0, [])


def test_swagger_2_rules(tmp_path: Path, run_json: Run) -> None:
    write(tmp_path, "swagger.yaml", """
        swagger: "2.0"
        info: {title: t, version: "1"}
        basePath: /v1/{tenant}
        securityDefinitions:
          oauth: {type: oauth2, flow: application, tokenUrl: "https://id.example.com/t", scopes: {read: r}}
        security: [{oauth: [write]}]
        paths:
          /things:
            get:
              responses: {'200': {description: ok}}
        """)
    code, problems = run_json("swagger.yaml", cwd=tmp_path)
    assert code == 1
    assert where(problems) == [("swagger.yaml", 3, 11, "base-path"),
                               ("swagger.yaml", 6, 21, "undeclared-scope"),
                               ("swagger.yaml", 9, 5, "operation-id-missing")]


def test_openapi_3_1_is_validated(tmp_path: Path, run_json: Run) -> None:
    write(tmp_path, "openapi.json", '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},\n'
          ' "security": [], "paths": {"/a": {"get": {"operationId": "a",\n'
          '  "responses": {"200": {"description": "ok", "bogus": true}}}}}}\n')
    code, problems = run_json("openapi.json", cwd=tmp_path)
    assert code == 1
    assert where(problems) == [("openapi.json", 3, 46, "oas-schema")]
    assert problems[0]["message"] == "unknown key 'bogus' (extensions must start with 'x-')"


def test_messages_say_which_way_a_path_parameter_is_wrong(tmp_path: Path, run_json: Run) -> None:
    write(tmp_path, "openapi.yaml", RULES[2][1])
    _, problems = run_json("openapi.yaml", cwd=tmp_path)
    assert problems[0]["message"] == ("GET /things/{id}: path template parameter {id} is not declared "
                                      "(add a parameter with name: id, in: path, required: true)")


def test_spec_only_skips_apiops_rules(tmp_path: Path, run_json: Run) -> None:
    write(tmp_path, "openapi.yaml", HEAD + "security: [{key: []}]\n" + op() + OAUTH)
    assert run_json("openapi.yaml", "--spec-only", cwd=tmp_path) == (0, [])


def test_version_folder(make_repo, run_json: Run) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    doc = repo / "services/billing/2.0.0/openapi.yaml"
    doc.write_text(doc.read_text().replace("  version: 2.0.0\n", "  version: 2.0.1\n"))
    bad = repo / "services/billing/two/openapi.yaml"
    bad.parent.mkdir()
    bad.write_text(doc.read_text())
    code, problems = run_json(str(doc.relative_to(repo)), str(bad.relative_to(repo)), cwd=repo)
    assert code == 1
    assert where(problems) == [("services/billing/2.0.0/openapi.yaml", 5, 12, "version-mismatch"),
                               ("services/billing/two/openapi.yaml", 1, 1, "invalid-version")]
    assert problems[0]["severity"] == "warning"


def test_a_warning_alone_exits_0(make_repo, run_json: Run) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    doc = repo / "services/billing/2.0.0/openapi.yaml"
    doc.write_text(doc.read_text().replace("  version: 2.0.0\n", "  version: '2.0'\n"))
    code, problems = run_json("services/billing/2.0.0/openapi.yaml", cwd=repo)
    assert (code, [p["rule"] for p in problems]) == (0, ["version-mismatch"])


def test_service_folder_must_be_a_dns_label(make_repo, run_json: Run) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    src = repo / "services/billing/2.0.0/openapi.yaml"
    bad = repo / "services/Billing_API/2.0.0/openapi.yaml"
    bad.parent.mkdir(parents=True)
    bad.write_text(src.read_text())
    code, problems = run_json("services/Billing_API/2.0.0/openapi.yaml", cwd=repo)
    assert (code, where(problems)) == (1, [("services/Billing_API/2.0.0/openapi.yaml", 1, 1, "dns-label")])
