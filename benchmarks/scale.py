"""Scale benchmark: the commit loop on a synthetic monorepo (see benchmarks/README.md).

Builds a deterministic monorepo as a real git repository, then measures medians over
several runs, with the peak RSS of each command. It asserts nothing about time: it
prints a table to compare with the goals.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402
import yaml  # noqa: E402

BIN = Path(sys.executable).parent
SETTLE_S = 3.5  # apiops trusts a file's cached hash only once its mtime is this old


@dataclass
class Measure:
    name: str
    goal: str
    seconds: list[float]
    peak_kib: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def timed(argv: Sequence[str], cwd: Path, ok: Sequence[int] = (0, 1)) -> tuple[float, int]:
    """Wall time and peak RSS (KiB, the process and its waited-for workers)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(argv)} exited {code}:\n{err}")
    return elapsed, usage.ru_maxrss


def apiops(*args: str) -> list[str]:
    return [str(BIN / "apiops"), *args]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def repeat(runs: int, prepare: Callable[[int], None], steps: Callable[[], list[tuple[float, int]]],
           ) -> tuple[list[float], int]:
    seconds, peak = [], 0
    for i in range(runs):
        prepare(i)
        results = steps()
        seconds.append(sum(t for t, _ in results))
        peak = max([peak, *(kib for _, kib in results)])
    return seconds, peak


def change_document(repo: Path, run: int) -> Path:
    """Edit one document that a quarter of the customers pin (svc000 1.0.0): each run adds
    a new operation (new content, so no cache can answer) and changes a required scope."""
    path = repo / "services" / "svc000" / "1.0.0" / "openapi.yaml"
    document = yaml.safe_load(path.read_text())
    document["paths"][f"/extra{run}"] = {"get": {
        "operationId": f"extra{run}", "responses": {"200": {"description": "ok"}}}}
    document["paths"]["/things0"]["post"]["security"] = [{"oauth2": ["svc000:read"]}]
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for field in synthetic.Shape.__dataclass_fields__:
        parser.add_argument(f"--{field}", type=int, default=getattr(synthetic.Shape, field))
    parser.add_argument("--runs", type=int, default=5, help="runs of each fast measurement")
    parser.add_argument("--cold-runs", type=int, default=3, help="runs of the slow measurements")
    parser.add_argument("--keep", type=Path, help="build the monorepo here and keep it")
    args = parser.parse_args()
    shape = synthetic.Shape(args.customers, args.services, args.versions, args.operations)

    base = args.keep or Path(tempfile.mkdtemp(prefix="apiops-scale-"))
    repo = base / "monorepo"
    shutil.rmtree(repo, ignore_errors=True)
    print(f"building {shape} in {repo} ...", file=sys.stderr)
    synthetic.build(repo, shape)
    synthetic.git_init(repo)
    measures: list[Measure] = []

    secs, kib = repeat(args.runs, lambda i: None, lambda: [timed(apiops("--version"), repo)])
    measures.append(Measure("`apiops --version` (process start)", "< 0.15 s", secs, kib))

    def wipe(_: int) -> None:
        for name in ("configs", "deploy"):
            shutil.rmtree(repo / name, ignore_errors=True)
        shutil.rmtree(repo / ".git" / "apiops", ignore_errors=True)

    secs, kib = repeat(args.cold_runs, wipe, lambda: [timed(apiops("generate"), repo)])
    measures.append(Measure("full cold `apiops generate` (no configs, no cache)", "< 15 s", secs, kib))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "generated")
    time.sleep(SETTLE_S)
    timed(apiops("generate"), repo)          # fill the stat cache once, as any earlier run has

    secs, kib = repeat(args.runs, lambda i: None, lambda: [timed(apiops("generate"), repo, (0,))])
    measures.append(Measure("no-op `apiops generate`", "< 0.5 s", secs, kib))

    changed: list[Path] = []

    def edit(i: int) -> None:
        git(repo, "reset", "-q", "--hard", "HEAD")
        time.sleep(SETTLE_S)
        timed(apiops("generate"), repo, (0,))  # the settled state a developer starts from
        changed[:] = [change_document(repo, i)]

    def chain() -> list[tuple[float, int]]:
        doc = str(changed[0].relative_to(repo))
        return [timed(apiops("validate", doc), repo, (0,)), timed(apiops("generate"), repo),
                timed(apiops("diff", "--format", "text"), repo, (0,))]

    secs, kib = repeat(args.runs, edit, chain)
    measures.append(Measure("one document (pinned by 1/4 of customers) changed: "
                            "`validate` + `generate` + `diff`", "< 2 s", secs, kib))
    git(repo, "reset", "-q", "--hard", "HEAD")
    time.sleep(SETTLE_S)

    secs, kib = repeat(args.cold_runs, lambda i: None, lambda: [timed(apiops("check"), repo, (0,))])
    measures.append(Measure("`apiops check` (whole monorepo)", "< 15 s", secs, kib))

    print(f"\n{shape.customers} customers, {shape.services} services x {shape.versions} versions, "
          f"{shape.operations} operations per document; {os.cpu_count()} cores; "
          f"median of {args.runs} (slow rows: {args.cold_runs}) runs\n")
    print("| measurement | goal | median | runs | peak RSS |")
    print("|---|---|---:|---|---:|")
    for m in measures:
        runs = ", ".join(f"{s:.2f}" for s in m.seconds)
        print(f"| {m.name} | {m.goal} | {m.median:.2f} s | {runs} | {m.peak_kib / 1024:.0f} MiB |")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
