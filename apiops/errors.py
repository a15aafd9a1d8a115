"""Exceptions (cannot go on) and problems (findings, reported together)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


class ApiopsError(Exception):
    """A user-facing failure: reported as one line, exit status 1."""


class ParseError(ApiopsError):
    """An input file could not be read or parsed; `problem` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class GitError(ApiopsError):
    """A git operation failed (not a repository, unknown revision...)."""


Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    message: str
    rule: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message} [{self.rule}]"


@dataclass
class Problems:
    """Findings of one run; every one of them is reported, not only the first."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: Problems | list[Problem]) -> None:
        self.items.extend(problems.items if isinstance(problems, Problems) else problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted(self) -> list[Problem]:
        return sorted(set(self.items))


class ProblemsFound(ApiopsError):
    """Raised when loading found user errors; carries all of them."""

    def __init__(self, problems: Problems) -> None:
        super().__init__(f"{len(problems.errors)} error(s)")
        self.problems = problems
