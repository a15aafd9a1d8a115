"""Helpers of the validate tests: files in tmp_path, problems as comparable tuples."""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def where(problems: list[dict[str, Any]]) -> list[tuple[str, int, int, str]]:
    return [(p["path"], p["line"], p["column"], p["rule"]) for p in problems]


OK_DOC = """
    openapi: 3.0.3
    info: {title: t, version: "1.0.0"}
    paths:
      /items/{id}:
        get:
          operationId: getItem
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          security:
            - oauth: [items:read]
          responses:
            "200": {description: ok}
    components:
      securitySchemes:
        oauth:
          type: oauth2
          flows:
            clientCredentials:
              tokenUrl: https://id.example.com/token
              scopes: {items:read: read items}
    """
