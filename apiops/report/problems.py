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
    """A stable structure for tools (documented in docs/validation.md):
    {"ok": bool, "errors": int, "warnings": int, "problems": [{"path", "line", "column",
    "severity", "rule", "message"}]}, problems sorted by path, line and column."""
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


def summary(console: Any, problems: Sequence[Problem], files: int) -> None:
    """One closing line for people, only when something was found."""
    errors = sum(1 for p in problems if p.severity == "error")
    if problems:
        console.print(f"apiops: {errors} error(s), {len(problems) - errors} warning(s) in "
                      f"{files} file(s) checked; the rules are explained in docs/validation.md",
                      style="red" if errors else "yellow")


REPORTERS = {"text": text, "json": as_json, "github": github}
