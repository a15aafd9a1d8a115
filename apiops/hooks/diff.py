"""apiops-diff: what changed in configs/ and deploy/, per customer, resource and field,
security changes first. Informs (exit 0) unless --fail-on-change."""
from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from apiops.hooks.common import OK, PROBLEMS, guarded, repo_root

FORMATS = ("text", "markdown", "json")


def build_parser(prog: str = "apiops-diff") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Semantic diff of the generated configs/ and deploy/: without "
        "--base, the working tree against HEAD; with --base, two revisions (for CI).")
    parser.add_argument("filenames", nargs="*", help=argparse.SUPPRESS)  # pre-commit may pass them
    parser.add_argument("--base", metavar="REV", help="compare from this revision (default: HEAD)")
    parser.add_argument("--head", metavar="REV", help="compare to this revision (default: the working tree)")
    parser.add_argument("--customer", action="append", default=[], metavar="NAME",
                        help="only this customer (repeatable)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text format (auto: on a terminal, unless NO_COLOR is set)")
    parser.add_argument("--no-color", action="store_const", const="never", dest="color",
                        help="same as --color never")
    parser.add_argument("--fail-on-change", action="store_true", help="exit 1 when anything changed")
    parser.add_argument("-C", "--directory", default=None, help="monorepo root (default: found from cwd)")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "apiops-diff") -> int:
    args = build_parser(prog).parse_args(argv)
    return guarded(lambda: run(args.base, args.head, args.customer, args.format, args.color,
                               args.fail_on_change, args.directory))


def run(base: str | None, head: str | None, customers: Sequence[str], output: str, color: str,
        fail_on_change: bool, directory: str | None) -> int:
    from pathlib import Path

    from apiops.diff import compare
    from apiops.report import make_console
    from apiops.report.diff import RENDERERS

    if base is None and head is None:
        # `pre-commit run --from-ref A --to-ref B` and pre-push hooks name the range this way
        base = os.environ.get("PRE_COMMIT_FROM_REF") or None
        head = (os.environ.get("PRE_COMMIT_TO_REF") or None) if base else None
    root = repo_root(Path(directory) if directory else None)
    report = compare(root, base, head, customers)
    RENDERERS[output](make_console(color=color), report)   # type: ignore[arg-type]
    return PROBLEMS if fail_on_change and not report.empty else OK


if __name__ == "__main__":
    raise SystemExit(main())
