"""What every entry point shares: error handling and exit codes."""
from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from apiops.errors import ApiopsError, ProblemsFound

OK, PROBLEMS, USAGE = 0, 1, 2


class Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


@contextmanager
def exit_on_error() -> Iterator[None]:
    """ApiopsError -> one line and exit 1; anything else is a bug: traceback and exit 2."""
    from apiops.report import console_for
    from apiops.report.problems import text

    try:
        yield
    except ProblemsFound as exc:
        console = console_for(stderr=True)
        text(console, exc.problems.sorted())
        console.print(f"apiops: {len(exc.problems.errors)} error(s); nothing was written")
        raise Exit(PROBLEMS) from None
    except ApiopsError as exc:
        console_for(stderr=True).print(f"apiops: error: {exc}", style="red")
        raise Exit(PROBLEMS) from None
    except KeyboardInterrupt:
        raise Exit(130) from None
    except Exit:
        raise
    except Exception:
        print("apiops: internal error (please report it with the traceback below)",
              file=sys.stderr)
        traceback.print_exc()
        raise Exit(USAGE) from None


def guarded(run: Callable[[], int]) -> int:
    try:
        with exit_on_error():
            return run()
    except Exit as exc:
        return exc.code


def repo_root(start: Path | None = None) -> Path:
    """The monorepo root: the nearest folder with apiops.yaml, else the git work tree."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "apiops.yaml").is_file():
            return folder
    from apiops import git

    return git.root(here)
