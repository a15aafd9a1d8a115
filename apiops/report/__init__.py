"""Everything that talks to the user goes through here; the only place that imports rich."""
from __future__ import annotations

import os
import sys
from typing import IO, Any, Literal

ColorMode = Literal["auto", "always", "never"]


def make_console(stderr: bool = False, color: ColorMode = "auto", file: IO[str] | None = None) -> Any:
    from rich.console import Console

    force = {"always": True, "never": False}.get(color)
    no_color = color == "never" or (color == "auto" and "NO_COLOR" in os.environ)
    return Console(file=file or (sys.stderr if stderr else sys.stdout), markup=False,
                   highlight=False, soft_wrap=True, force_terminal=force, no_color=no_color,
                   emoji=False)


class PlainConsole:
    """The part of rich's Console the line reporters use, for output without colour:
    importing rich costs a cached `apiops validate` run a third of its time."""

    def __init__(self, file: IO[str]) -> None:
        self.file = file

    def print(self, text: str = "", style: str | None = None, soft_wrap: bool | None = None) -> None:
        print(text, file=self.file)


def console_for(stderr: bool = False, color: ColorMode = "auto") -> Any:
    """The console for line reports: `make_console`, or a PlainConsole where rich would
    not colour anyway (a hook's output piped to pre-commit, NO_COLOR, TERM=dumb)."""
    stream = sys.stderr if stderr else sys.stdout
    forced = bool(os.environ.get("FORCE_COLOR")) or os.environ.get("TTY_COMPATIBLE") == "1"
    plain = color == "never" or (color == "auto" and not forced and (
        "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb" or not stream.isatty()))
    return PlainConsole(stream) if plain else make_console(stderr, color)
