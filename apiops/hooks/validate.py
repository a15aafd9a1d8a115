"""apiops-validate: OpenAPI documents, customer.yaml and apiops.yaml, checked offline."""
from __future__ import annotations

import argparse
from collections.abc import Sequence

from apiops.hooks.common import OK, PROBLEMS, guarded
from apiops.yamlio import DEFAULT_MAX_BYTES

FORMATS = ("text", "json", "github")


def build_parser(prog: str = "apiops-validate") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Validate OpenAPI documents (Swagger 2.0, OpenAPI 3.0 and 3.1), "
        "customer.yaml and apiops.yaml: one `path:line:col: error: message [rule]` line per "
        "problem. Rules: docs/validation.md.")
    parser.add_argument("filenames", nargs="*", metavar="FILE", help="files to validate")
    parser.add_argument("--all", action="store_true", dest="everything",
                        help="every document under services/, every customer.yaml and apiops.yaml")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), json, or github (GitHub Actions annotations)")
    parser.add_argument("--spec-only", action="store_true",
                        help="documents: only openapi-spec-validator and the $ref policy, no "
                        "apiops rules or cross-references (for third-party documents)")
    parser.add_argument("--max-bytes", type=_size, default=DEFAULT_MAX_BYTES, metavar="N",
                        help=f"refuse files larger than N bytes (default {DEFAULT_MAX_BYTES})")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text output (auto: on a terminal, honouring NO_COLOR)")
    parser.add_argument("--no-cache", action="store_true", help="ignore and keep no verdict cache")
    parser.add_argument("-C", "--directory", default=None,
                        help="monorepo root (default: found from the current directory)")
    return parser


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of bytes: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of bytes")
    return value


def main(argv: Sequence[str] | None = None, prog: str = "apiops-validate") -> int:
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if not args.filenames and not args.everything:
        parser.error("name FILEs to validate, or --all")
    return guarded(lambda: run(args))


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from apiops.report import ColorMode, console_for
    from apiops.report.problems import REPORTERS, summary
    from apiops.validation.run import Options, validate

    options = Options(spec_only=args.spec_only, max_bytes=args.max_bytes, cache=not args.no_cache)
    result = validate(args.filenames, args.everything, options,
                      Path(args.directory) if args.directory else None)
    color: ColorMode = args.color if args.format == "text" else "never"
    if result.problems or args.format == "json":
        REPORTERS[args.format](console_for(color=color), result.problems)
    if args.format == "text" and result.problems:
        summary(console_for(stderr=True, color=color), result.problems, len(result.files))
    return OK if result.ok else PROBLEMS


if __name__ == "__main__":
    raise SystemExit(main())
