"""apiops check: validate every input and compare configs/ and deploy/ with what
`apiops generate` would write; writes nothing."""
from __future__ import annotations

from collections.abc import Sequence

from apiops.hooks import generate


def main(argv: Sequence[str] | None = None, prog: str = "apiops check") -> int:
    parser = generate.build_parser(prog)
    parser.description = "Exit 1 listing each generated file that is stale, missing or edited by hand."
    args = parser.parse_args(argv)
    return generate.guarded(lambda: generate.run(args.customer, True, False, args.directory))


if __name__ == "__main__":
    raise SystemExit(main())
