"""`apiops validate` against the plain `openapi-spec-validator` command on the largest
corpus documents: cold wall time, cached re-run, peak memory.

    python benchmarks/validate.py [--repeat 3] [FILE ...]

Each measurement is a fresh process, timed by a small parent process whose only child it
is (so its RUSAGE_CHILDREN peak RSS is that child's). The document is copied into a
temporary git repository as services/<name>/1.0.0/openapi.<ext>, as a developer's
pre-commit hook would see it; "cold" starts with an empty verdict cache (and runs every
apiops rule, not only the OpenAPI validation), "cached" repeats the same command.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
DEFAULT = ["stripe/spec3.yaml", "github/api.github.com.json"]
BIN = Path(sys.executable).parent
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "code": code}))
"""


def measure(cwd: Path, *command: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", MEASURE, str(cwd), *command], check=True,
                         capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out)
    return result


def bench(source: Path, repeat: int, cached_runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="apiops-bench-") as tmp:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        name = source.parent.name.replace("_", "-").lower()
        doc = repo / "services" / name / "1.0.0" / f"openapi{source.suffix}"
        doc.parent.mkdir(parents=True)
        shutil.copyfile(source, doc)
        rel = str(doc.relative_to(repo))
        plain, cold, cached = [], [], []
        for _ in range(repeat):
            plain.append(measure(repo, str(BIN / "openapi-spec-validator"), rel))
            shutil.rmtree(repo / ".git" / "apiops", ignore_errors=True)
            cold.append(measure(repo, str(BIN / "apiops"), "validate", rel))
            cached += [measure(repo, str(BIN / "apiops"), "validate", rel) for _ in range(cached_runs)]
    med = {k: statistics.median(r["wall"] for r in runs) for k, runs in
           (("plain", plain), ("cold", cold), ("cached", cached))}
    return {
        "file": str(source.relative_to(CORPUS)) if source.is_relative_to(CORPUS) else str(source),
        "size_mb": source.stat().st_size / 1e6,
        "plain_s": med["plain"], "cold_s": med["cold"], "cached_s": med["cached"],
        "ratio": med["cold"] / med["plain"], "cached_pct": 100 * med["cached"] / med["cold"],
        "plain_rss_mb": max(r["rss_kb"] for r in plain) / 1024,
        "cold_rss_mb": max(r["rss_kb"] for r in cold) / 1024,
        "cached_rss_mb": max(r["rss_kb"] for r in cached) / 1024,
        "plain_exit": plain[0]["code"], "apiops_exit": cold[0]["code"],
    }


def table(rows: list[dict[str, object]]) -> str:
    lines = ["| file | MB | plain CLI | apiops cold | cold / plain | apiops cached | cached / cold "
             "| peak RSS plain | peak RSS apiops cold | peak RSS cached |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['file']} | {r['size_mb']:.1f} | {r['plain_s']:.2f} s | {r['cold_s']:.2f} s "
                     f"| {r['ratio']:.2f}x | {r['cached_s']:.3f} s | {r['cached_pct']:.1f}% "
                     f"| {r['plain_rss_mb']:.0f} MB | {r['cold_rss_mb']:.0f} MB "
                     f"| {r['cached_rss_mb']:.0f} MB |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=DEFAULT, help="corpus-relative or absolute paths")
    parser.add_argument("--repeat", type=int, default=3, help="cold and plain runs per file (median)")
    parser.add_argument("--cached-runs", type=int, default=3, help="cached runs after each cold run")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = parser.parse_args()
    rows = [bench(CORPUS / f if not os.path.isabs(f) else Path(f), args.repeat, args.cached_runs)
            for f in args.files]
    version = subprocess.run([str(BIN / "openapi-spec-validator"), "--version"], capture_output=True,
                             text=True).stdout.strip()
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"{version}; median of {args.repeat} (cached: of {args.repeat * args.cached_runs})\n")
    print(table(rows))
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
