"""apiops-generate: regenerate configs/ and deploy/ of the customers whose inputs changed."""
from __future__ import annotations

import argparse
from collections.abc import Sequence

from apiops.hooks.common import OK, PROBLEMS, guarded, repo_root


def build_parser(prog: str = "apiops-generate") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Regenerate configs/ and deploy/ "
                                     "from services/, customers/ and apiops.yaml.")
    parser.add_argument("filenames", nargs="*", help=argparse.SUPPRESS)  # pre-commit passes them
    parser.add_argument("--customer", action="append", default=[], metavar="NAME",
                        help="only this customer (repeatable)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 listing each stale, missing or hand-edited file")
    parser.add_argument("--force", action="store_true",
                        help="overwrite generated files that were edited by hand")
    parser.add_argument("-C", "--directory", default=None, help="monorepo root (default: found from cwd)")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "apiops-generate") -> int:
    args = build_parser(prog).parse_args(argv)
    return guarded(lambda: run(args.customer, args.check, args.force, args.directory))


def run(customers: Sequence[str], check: bool, force: bool, directory: str | None) -> int:
    import sys
    from pathlib import Path

    from apiops.pipeline import generate
    from apiops.report import console_for, make_console
    from apiops.report.generation import checked, generated, progress, warnings

    root = repo_root(Path(directory) if directory else None)
    with progress(make_console(stderr=True) if sys.stderr.isatty() else None) as update:
        result = generate(root, customers, check=check, force=force, progress=update)
    if result.ok and not result.warnings:
        return OK                   # nothing to say: a no-op run need not load rich
    warnings(console_for(stderr=True), result)
    (checked if check else generated)(console_for(), result)
    return OK if result.ok else PROBLEMS


if __name__ == "__main__":
    raise SystemExit(main())
