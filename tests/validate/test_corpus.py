"""The real-world corpus (../shared/corpus): `apiops validate --spec-only` gives the verdict
its INDEX.md records for the plain openapi-spec-validator, file by file, and never fails
itself. One in-process run over every file (about 30 s, GitHub's and Stripe's included)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import shared_path

from apiops.hooks.validate import main

REMOTE_REF = re.compile(r"""["']?\$ref["']?\s*:\s*["']?(?!#)[a-z][a-z0-9+.-]*://""")


def test_corpus_verdicts(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = shared_path("corpus")
    index = [json.loads(line) for line in (corpus / "index.jsonl").read_text().splitlines() if line]
    assert len(index) >= 70
    files = [e["file"] for e in index if not REMOTE_REF.search((corpus / e["file"]).read_text())]
    monkeypatch.chdir(corpus)       # not a repository: nothing is cached, refs stay inside it
    capsys.readouterr()
    code = main([*files, "--spec-only", "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert "Traceback" not in out + err
    report = json.loads(out)
    invalid = {p["path"] for p in report["problems"] if p["severity"] == "error"}
    verdicts = {e["file"]: e["verdict"] for e in index}
    mine = {f: "invalid" if f in invalid else "valid" for f in files}
    expected = {f: "valid" if verdicts[f] == "valid" else "invalid" for f in files}
    assert mine == expected
    assert not [p for p in report["problems"] if p["rule"] == "oas-validator-error"]
    assert invalid <= set(files) and Path(files[0]).suffix in (".json", ".yaml")
