"""Benchmark of `apiops diff --base HEAD~1 --head HEAD --format json` on a synthetic monorepo.

Builds a deterministic monorepo (200 customers, 40 services x 40 operations, every
customer pinning most services), commits the generated configs, makes one change that
reaches every customer, regenerates and commits again, then times the diff in a fresh
process (median of --runs) and reads its peak RSS from the kernel (wait4).

    python benchmarks/diff.py [--customers 200] [--services 40] [--operations 40] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

SCENARIOS = {
    "scope": "one operation of a service every customer pins requires one more (new) scope",
    "issuer": "the issuer template changes: every SecurityPolicy of every customer changes",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def service_document(service: str, operations: int, audit: bool = False) -> dict:
    paths: dict[str, dict] = {}
    for i in range(operations):
        base = f"/things{i // 4}"
        path = base if i % 4 < 2 else base + "/{thingId}"
        method = ("get", "post", "get", "delete")[i % 4]
        op: dict = {"operationId": f"op{i}", "responses": {"200": {"description": "ok"}}}
        if "{" in path:
            op["parameters"] = [{"name": "thingId", "in": "path", "required": True,
                                 "schema": {"type": "string"}}]
        if method != "get":
            op["security"] = [{"oauth2": [f"{service}:write"]}]
        if i == 0:
            op["security"] = []                           # one public operation per service
        if i == 2 and audit:
            op["security"] = [{"oauth2": [f"{service}:read", f"{service}:audit"]}]
        paths.setdefault(path, {})[method] = op
    scopes = {f"{service}:read": "Read", f"{service}:write": "Change"}
    if audit:
        scopes[f"{service}:audit"] = "Audit"
    return {
        "openapi": "3.0.3",
        "info": {"title": service, "version": "1.0.0"},
        "servers": [{"url": f"https://api.example.com/{service}/v1"}],
        "security": [{"oauth2": [f"{service}:read"]}],
        "paths": paths,
        "components": {"securitySchemes": {"oauth2": {"type": "oauth2", "flows": {
            "clientCredentials": {"tokenUrl": "https://id.example.com/token", "scopes": scopes}}}}},
    }


def settings(issuer: str = "https://id.example.com/realms/{customer}") -> str:
    return yaml.safe_dump({"targets": ["envoy-gateway", "keycloak", "kustomize"],
                           "templates": {"issuer": issuer}}, sort_keys=False)


def build(root: Path, customers: int, services: int, operations: int) -> None:
    (root / "apiops.yaml").write_text(settings())
    for s in range(services):
        folder = root / "services" / f"svc{s:02d}" / "1.0.0"
        folder.mkdir(parents=True)
        (folder / "openapi.yaml").write_text(yaml.safe_dump(
            service_document(f"svc{s:02d}", operations), sort_keys=False))
    for c in range(customers):
        name = f"c{c:03d}"
        # svc00 is pinned by everyone; every customer skips about one service in eight
        pinned = [s for s in range(services) if s == 0 or (c * 7 + s) % 8]
        data = {"customer": name, "services": {f"svc{s:02d}": "1.0.0" for s in pinned},
                "idp": {"clients": [
                    {"clientId": f"{name}-erp", "flow": "client-credentials",
                     "scopes": [f"svc{s:02d}:read" for s in pinned[:6]],
                     "secret": {"secretName": f"{name}-clients", "key": "erp"}},
                    {"clientId": f"{name}-portal", "flow": "authorization-code",
                     "scopes": [f"svc{s:02d}:write" for s in pinned[:3]],
                     "redirectUris": [f"https://{name}.example.com/callback"],
                     "secret": {"secretName": f"{name}-clients", "key": "portal"}}]}}
        folder = root / "customers" / name
        folder.mkdir(parents=True)
        (folder / "customer.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def change(root: Path, scenario: str, operations: int) -> None:
    if scenario == "scope":
        (root / "services/svc00/1.0.0/openapi.yaml").write_text(yaml.safe_dump(
            service_document("svc00", operations, audit=True), sort_keys=False))
    else:
        (root / "apiops.yaml").write_text(settings("https://login.example.com/realms/{customer}"))


def generate_and_commit(root: Path, message: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "apiops.cli", "generate"], cwd=root,
                          stdout=subprocess.DEVNULL)
    if done.returncode not in (0, 1):                     # 1: files were written
        raise SystemExit(f"apiops generate exited {done.returncode}")
    elapsed = time.perf_counter() - start
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return elapsed


def time_diff(root: Path, runs: int) -> tuple[list[float], int, dict]:
    command = [sys.executable, "-m", "apiops.cli", "diff", "--base", "HEAD~1", "--head", "HEAD",
               "--format", "json"]
    times, peak, output = [], 0, b""
    for _ in range(runs):
        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            process = subprocess.Popen(command, cwd=root, stdout=out)
            _, status, usage = os.wait4(process.pid, 0)
            times.append(time.perf_counter() - start)
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode != 0:
                raise SystemExit(f"apiops diff exited {process.returncode}")
            peak = max(peak, usage.ru_maxrss)           # KiB on Linux
            out.seek(0)
            output = out.read()
    return times, peak, json.loads(output)


def run(args: argparse.Namespace, scenario: str, base: Path) -> dict:
    root = base / scenario
    root.mkdir()
    build(root, args.customers, args.services, args.operations)
    git(root, "init", "-q")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    first = generate_and_commit(root, "generated")
    change(root, scenario, args.operations)
    second = generate_and_commit(root, scenario)
    changed = git(root, "diff", "--name-only", "HEAD~1", "HEAD").split()
    times, peak, report = time_diff(root, args.runs)
    return {"scenario": scenario, "customers": args.customers, "services": args.services,
            "operations": args.operations, "files": len(git(root, "ls-files").split()),
            "changed_files": len(changed), "generate_s": (first, second),
            "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "peak_rss_mib": peak / 1024, "summary": report["summary"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--services", type=int, default=40)
    parser.add_argument("--operations", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--keep", type=Path, help="build the monorepos here and keep them")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="apiops-diff-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        print("| scenario | customers | files | changed files | resources changed | security changes "
              f"| wall time (median of {args.runs}) | peak RSS |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for scenario in args.scenario or ["scope", "issuer"]:
            r = run(args, scenario, base)
            s = r["summary"]
            print(f"| {scenario}: {SCENARIOS[scenario]} | {r['customers']} | {r['files']} "
                  f"| {r['changed_files']} | {s['resources']['changed']} (+{s['resources']['added']}) "
                  f"| {s['security']} | {r['median_s']:.2f} s (min {r['min_s']:.2f}, max {r['max_s']:.2f}) "
                  f"| {r['peak_rss_mib']:.0f} MiB |", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
