"""Reporting of `apiops generate` and `apiops check` results."""
from __future__ import annotations

from typing import Any

from apiops.pipeline import Result

VERBS = {"create": "Writing", "update": "Writing", "delete": "Removing"}
CHECK_WORDS = {"create": "missing", "update": "stale", "delete": "no longer generated"}


def generated(console: Any, result: Result) -> None:
    for change in result.changes:
        console.print(f"{VERBS[change.action]} {change.path}")
    for conflict in result.conflicts:
        console.print(f"{conflict.path}: {conflict.reason}; not overwritten "
                      "(run `apiops generate --force` to replace it)", style="yellow")


def checked(console: Any, result: Result) -> None:
    for change in result.changes:
        console.print(f"{change.path}: {CHECK_WORDS[change.action]}", style="red")
    for conflict in result.conflicts:
        console.print(f"{conflict.path}: {conflict.reason}", style="red")
    if not result.ok:
        console.print("configs/ and deploy/ do not match their sources: run `apiops generate`"
                      " and commit the result.")


def summary(console: Any, result: Result) -> None:
    console.print(f"apiops: {len(result.rendered)} customer(s) rendered, "
                  f"{len(result.skipped)} unchanged, {len(result.changes)} file(s) changed, "
                  f"{len(result.conflicts)} conflict(s)", style="dim")
