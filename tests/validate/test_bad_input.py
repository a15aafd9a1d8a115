"""Each bad input: one located line with its rule id, exit 1, no traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from validate.conftest import Run
from validate.support import OK_DOC, where, write

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))

CASES = [
    ("bad.yaml", 'openapi: "3.0.3\ninfo: [\n', 1, 10, "syntax"),
    ("bad.json", '{"openapi": "3.0.3",\n "info": {"title": "t" "version": "1"}}', 2, 24, "syntax"),
    ("dup.yaml", "openapi: 3.0.3\ninfo: {}\npaths: {}\ninfo: {}\n", 4, 1, "duplicate-key"),
    ("dup.json", '{"openapi": "3.0.3",\n "paths": {},\n "paths": {}}', 3, 2, "duplicate-key"),
    ("dup-nested.json", '{"a": {"description": "x"},\n "b": {"description": "y",\n'
     '       "description": "z"}}', 3, 8, "duplicate-key"),
    ("deep.json", "[" * 100_000 + "]" * 100_000, 1, 1, "syntax"),
    ("deep.yaml", "a: " + "[" * 100_000 + "]" * 100_000 + "\n", 1, 1003, "syntax"),
    ("complex-key.yaml", "? [a, b]\n: 1\n", 1, 3, "syntax"),
    ("empty.yaml", "", 1, 1, "empty-file"),
    ("blank.yaml", "  \n\n", 1, 1, "empty-file"),
    ("latin1.yaml", "openapi: 3.0.3\ninfo: {title: caf\xe9}\n".encode("latin-1"), 2, 18, "encoding"),
    ("conflict.yaml", "openapi: 3.0.3\n<<<<<<< HEAD\ninfo: {}\n=======\ninfo: {a: 1}\n>>>>>>> x\n",
     2, 1, "merge-conflict"),
    ("bomb.yaml", BOMB, 1, 1, "alias-bomb"),
    ("recursive.yaml", "a: &a [*a]\n", 1, 1, "alias-bomb"),
    ("v4.yaml", "openapi: 4.0.0\ninfo: {}\n", 1, 10, "unknown-openapi-version"),
    ("float.yaml", "openapi: 3.0\ninfo: {}\n", 1, 10, "unknown-openapi-version"),
    ("swagger1.yaml", "swagger: '1.2'\ninfo: {}\n", 1, 10, "unknown-openapi-version"),
    ("list.yaml", "- openapi\n- 3.0.3\n", 1, 1, "not-a-mapping"),
    ("scalar.yaml", "just text\n", 1, 1, "not-a-mapping"),
    ("other.yaml", "name: not an api\n", 1, 1, "not-openapi"),
]


@pytest.mark.parametrize(("name", "text", "line", "col", "rule"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(tmp_path: Path, run_json: Run, name: str, text: str | bytes, line: int,
                   col: int, rule: str) -> None:
    write(tmp_path, name, text)
    code, problems = run_json(name, cwd=tmp_path)
    assert code == 1
    assert where(problems) == [(name, line, col, rule)]


def test_byte_order_mark_is_accepted(tmp_path: Path, run_json: Run) -> None:
    write(tmp_path, "bom.yaml", b"\xef\xbb\xbf" + OK_DOC.replace("\n    ", "\n").encode())
    assert run_json("bom.yaml", cwd=tmp_path) == (0, [])


def test_size_limit_is_configurable(tmp_path: Path, run_json: Run) -> None:
    write(tmp_path, "big.yaml", "openapi: 3.0.3\n" + "x-pad: " + "a" * 3000 + "\n")
    code, problems = run_json("big.yaml", "--max-bytes", "2000", cwd=tmp_path)
    assert code == 1
    assert where(problems) == [("big.yaml", 1, 1, "file-too-large")]
    assert "over the limit of 2000" in problems[0]["message"]


def test_missing_file(tmp_path: Path, run_json: Run) -> None:
    code, problems = run_json("nowhere.yaml", cwd=tmp_path)
    assert (code, where(problems)) == (1, [("nowhere.yaml", 1, 1, "unreadable")])


def test_every_bad_file_is_reported_in_one_run(tmp_path: Path, run_json: Run) -> None:
    names = []
    for name, text, *_ in CASES:
        write(tmp_path, name, text)
        names.append(name)
    code, problems = run_json(*names, cwd=tmp_path)
    assert code == 1
    assert sorted({p["path"] for p in problems}) == sorted(names)


def test_no_traceback_from_the_command_line(tmp_path: Path) -> None:
    for name, text, *_ in CASES:
        write(tmp_path, name, text)
    proc = subprocess.run([sys.executable, "-m", "apiops.cli", "validate", *(c[0] for c in CASES)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(CASES)
    assert all(": error: " in line and line.endswith("]") for line in lines)
