"""Every hook is a fresh process, often several per commit: they import only what they use."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("openapi_spec_validator", "deepdiff", "git", "jsonschema")

PROBE = """
import json, sys
from apiops import cli
try:
    code = cli.main({argv!r})
except SystemExit as exc:
    code = exc.code
loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))
print(json.dumps({{"code": code, "loaded": loaded}}))
"""


def probe(argv: list[str], cwd: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)], cwd=cwd,
                         capture_output=True, text=True, check=True).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    assert probe(["--version"], tmp_path) == {"code": 0, "loaded": []}


def test_noop_generate_imports_nothing_heavy(example_repo: Path) -> None:
    first = probe(["generate"], example_repo)
    assert first["code"] == 1                     # wrote the configs
    # The first run parsed and validated everything; a run with nothing changed must not
    # pay for GitPython, deepdiff, jsonschema or the OpenAPI validator.
    assert probe(["generate"], example_repo) == {"code": 0, "loaded": []}
