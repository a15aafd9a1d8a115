"""Reporting of located problems: text, JSON and GitHub annotations."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from apiops.errors import Problem


def text(console: Any, problems: Sequence[Problem]) -> None:
    for problem in problems:
        style = "red" if problem.severity == "error" else "yellow"
        console.print(str(problem), style=style)


def as_json(console: Any, problems: Sequence[Problem]) -> None:
    records = [{"path": p.path, "line": p.line, "column": p.col, "severity": p.severity,
                "rule": p.rule, "message": p.message} for p in problems]
    errors = sum(1 for p in problems if p.severity == "error")
    console.print(json.dumps({"ok": errors == 0, "errors": errors,
                              "warnings": len(problems) - errors, "problems": records},
                             indent=2), soft_wrap=True)


def _escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github(console: Any, problems: Sequence[Problem]) -> None:
    for p in problems:
        console.print(f"::{p.severity} file={_escape(p.path, True)},line={p.line},col={p.col},"
                      f"title={_escape(p.rule, True)}::{_escape(p.message)}")


REPORTERS = {"text": text, "json": as_json, "github": github}
