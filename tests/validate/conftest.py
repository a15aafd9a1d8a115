from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from apiops.hooks import validate

Run = Callable[..., tuple[int, list[dict[str, Any]]]]


@pytest.fixture
def run_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """`apiops validate --format json ARGS` in-process from `cwd`: (exit code, problems)."""

    def run(*args: str, cwd: Path) -> tuple[int, list[dict[str, Any]]]:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = validate.main([*args, "--format", "json"])
        out = capsys.readouterr().out
        return code, json.loads(out)["problems"]

    return run
