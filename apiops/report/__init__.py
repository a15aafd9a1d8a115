"""Everything that talks to the user goes through here; the only place that imports rich."""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import IO, Any, Literal

ColorMode = Literal["auto", "always", "never"]


def make_console(stderr: bool = False, color: ColorMode = "auto", file: IO[str] | None = None) -> Any:
    from rich.console import Console

    force = {"always": True, "never": False}.get(color)
    no_color = color == "never" or (color == "auto" and "NO_COLOR" in os.environ)
    return Console(file=file or (sys.stderr if stderr else sys.stdout), markup=False,
                   highlight=False, soft_wrap=True, force_terminal=force, no_color=no_color,
                   emoji=False)


def lines(console: Any, items: Iterable[str], style: str | None = None) -> None:
    for item in items:
        console.print(item, style=style)
