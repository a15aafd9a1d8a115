"""Golden files: tests/fixtures/<case>/ generated must give exactly tests/golden/<case>/,
per generator, compared as parsed YAML (the meaning) and then as bytes (the format).

After a deliberate change of the output, rewrite the golden files and review their diff:

    APIOPS_UPDATE_GOLDEN=1 pytest tests/generators/test_golden.py
"""
from __future__ import annotations

import os

import pytest

from generators.support import GENERATORS, GOLDEN, GOLDEN_CASES, documents, generated, owner

UPDATE = os.environ.get("APIOPS_UPDATE_GOLDEN") == "1"
HOW_TO_UPDATE = "if the change is intended: APIOPS_UPDATE_GOLDEN=1 pytest tests/generators/test_golden.py"


def golden_files(case: str, generator: str) -> dict[str, bytes]:
    base = GOLDEN / case
    files = {}
    for path in sorted(base.rglob("*")) if base.is_dir() else ():
        name = path.relative_to(base).as_posix()
        if path.is_file() and owner(name) == generator:
            files[name] = path.read_bytes()
    return files


def update(case: str, generator: str, produced: dict[str, bytes],
           capsys: pytest.CaptureFixture[str]) -> None:
    base = GOLDEN / case
    old = golden_files(case, generator)
    changed = []
    for name in sorted(set(old) - set(produced)):
        (base / name).unlink()
        changed.append(f"removed {name}")
    for name, data in sorted(produced.items()):
        if old.get(name) != data:
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_bytes(data)
            changed.append(f"wrote {name}")
    with capsys.disabled():
        print(f"\n[golden {case}/{generator}] " + ("; ".join(changed) or "already up to date"))


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_golden(case: str, generator: str, tmp_path_factory: pytest.TempPathFactory,
                capsys: pytest.CaptureFixture[str]) -> None:
    tree = generated(case, tmp_path_factory)
    produced = {name: data for name, data in tree.files.items() if owner(name) == generator}
    assert produced, f"{generator} produced nothing for {case}: the fixture should exercise it"
    if UPDATE:
        update(case, generator, produced, capsys)
        return
    expected = golden_files(case, generator)
    assert sorted(produced) == sorted(expected), f"files differ from tests/golden/{case}/; {HOW_TO_UPDATE}"
    for name in sorted(produced):
        assert documents(produced[name]) == documents(expected[name]), (
            f"{name}: content differs from tests/golden/{case}/{name}; {HOW_TO_UPDATE}")
    for name in sorted(produced):
        assert produced[name].decode() == expected[name].decode(), (
            f"{name}: same data, different bytes (formatting); {HOW_TO_UPDATE}")
