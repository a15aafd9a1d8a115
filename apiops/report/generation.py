"""Reporting of `apiops generate` and `apiops check` results."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from apiops.pipeline import Result

VERBS = {"create": "Writing", "update": "Writing", "delete": "Removing"}
CHECK_WORDS = {"create": "missing", "update": "stale", "delete": "no longer generated"}


def warnings(console: Any, result: Result) -> None:
    for problem in result.warnings:
        console.print(str(problem), style="yellow")


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


@contextmanager
def progress(console: Any) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar for long runs, on a terminal only (pipes and CI logs stay clean)."""
    if console is None or not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("rendering customers"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("render", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
