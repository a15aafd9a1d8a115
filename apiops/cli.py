"""The `apiops` command: thin dispatch to the same functions the hooks call."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from apiops.version import __version__

COMMANDS = {
    "validate": ("apiops.hooks.validate", "validate OpenAPI documents, customer.yaml and apiops.yaml"),
    "generate": ("apiops.hooks.generate", "regenerate configs/ and deploy/"),
    "check": ("apiops.hooks.check", "verify configs/ and deploy/ match their sources (writes nothing)"),
    "diff": ("apiops.hooks.diff", "semantic diff of configs/ and deploy/ (security changes first)"),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="apiops", description="OpenAPI documents + customer "
                                     "pins -> gateway and identity-provider configs.")
    parser.add_argument("--version", action="version", version=f"apiops {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not args or args[0] not in COMMANDS:
        parser.parse_args(args)      # prints usage / version, exits 2 on an unknown command
        parser.print_help()
        return 2
    from importlib import import_module

    module = import_module(COMMANDS[args[0]][0])
    code: int = module.main(args[1:], prog=f"apiops {args[0]}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
