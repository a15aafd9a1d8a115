"""apiops check: validate every input, then compare configs/ and deploy/ with what
`apiops generate` would write; writes nothing."""
from __future__ import annotations

from collections.abc import Sequence

from apiops.hooks import generate
from apiops.hooks.common import PROBLEMS, guarded, repo_root


def main(argv: Sequence[str] | None = None, prog: str = "apiops check") -> int:
    parser = generate.build_parser(prog)
    parser.description = ("Validate every input, then exit 1 listing each generated file that "
                          "is stale, missing or edited by hand. Writes nothing.")
    args = parser.parse_args(argv)

    def run() -> int:
        from pathlib import Path

        from apiops.report import console_for
        from apiops.report.problems import text
        from apiops.validation.run import Options, validate

        root = repo_root(Path(args.directory) if args.directory else None)
        validated = validate([], True, Options(), root)
        console = console_for(stderr=True)
        text(console, validated.problems)
        if not validated.ok:
            errors = sum(1 for p in validated.problems if p.severity == "error")
            console.print(f"apiops: {errors} error(s); nothing was written")
            return PROBLEMS
        return generate.run(args.customer, True, False, str(root))

    return guarded(run)


if __name__ == "__main__":
    raise SystemExit(main())
