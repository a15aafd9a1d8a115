"""The `apiops` command line: dispatch, usage errors (exit 2), user errors (exit 1, one
line, no traceback), and the console script installed by the package."""
from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from apiops.cli import main
from apiops.version import __version__


def console_script() -> str:
    found = shutil.which("apiops", path=str(Path(sys.executable).parent)) or shutil.which("apiops")
    if found is None:
        pytest.skip("the apiops console script is not installed")
    return found


def test_console_script_generates_the_example(example_repo: Path) -> None:
    repo = example_repo
    proc = subprocess.run([console_script(), "generate"], cwd=repo, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1, proc.stderr          # 1: files were written
    assert "Writing configs/acme/kustomization.yaml" in proc.stdout.splitlines()
    assert proc.stderr == ""
    proc = subprocess.run([console_script(), "check"], cwd=repo / "customers", capture_output=True,
                          text=True, timeout=120)   # the root is found from a sub-folder
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"apiops {__version__}"


def test_no_command_prints_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "usage: apiops" in out and "generate" in out and "check" in out


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["generat"])
    assert exit_.value.code == 2
    assert "invalid choice: 'generat'" in capsys.readouterr().err


def test_unknown_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["generate", "--frce"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --frce" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["generate", "check"])
def test_help_names_the_options(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: apiops {command}" in out and "--customer" in out


def test_outside_a_repository_is_one_line_and_exit_1(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-C", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [f"apiops: error: {tmp_path.resolve()} is not inside a git repository"]


def test_a_damaged_lock_file_is_one_line_and_exit_1(make_repo: Callable[..., Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo("basic")
    assert main(["generate", "-C", str(repo)]) == 1
    (repo / "configs/.apiops.lock").write_text("{not json")
    capsys.readouterr()
    assert main(["generate", "-C", str(repo)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("apiops: error: ") and "lock file is damaged" in line
    assert "--force" in line
