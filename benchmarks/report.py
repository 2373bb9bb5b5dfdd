"""What a benchmark run says: the side-by-side table, the issue's targets, and the
machine and versions it ran on (so a results file can be compared with a later one)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from argparse import Namespace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import servers
import wrkrun
from isso.run import isso_version


def rps_ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def table(results: dict[str, dict[str, wrkrun.Summary]]) -> str:
    """The side-by-side table; ratio = forum req/s over the other system's."""
    head = (
        f"{'workload':<17} {'forum req/s':>11} {'p50 ms':>8} {'p99 ms':>8} | "
        f"{'other':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} | {'forum/other':>11}"
    )
    lines = [head, "-" * len(head)]
    for name, by_system in results.items():
        f = by_system["forum"]
        others = [(k, v) for k, v in by_system.items() if k != "forum"] or [("-", None)]
        for index, (other, o) in enumerate(others):
            left = (
                f"{name:<17} {f.rps:>11,.1f} {f.p50_ms:>8.2f} {f.p99_ms:>8.2f}"
                if index == 0
                else " " * 47
            )
            if o is None:
                lines.append(f"{left} | {'-':<8} {'':>9} {'':>8} {'':>8} | {'':>11}")
                continue
            ratio = rps_ratio(f.rps, o.rps)
            lines.append(
                f"{left} | {other:<8} {o.rps:>9,.1f} {o.p50_ms:>8.2f} {o.p99_ms:>8.2f} | "
                f"{ratio if ratio is not None else '-':>11}"
                + ("" if f.valid and o.valid else "  (errors or timeouts: see JSON)")
            )
    return "\n".join(lines)


def targets(
    results: dict[str, dict[str, wrkrun.Summary]], memory: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The issue's targets that this run can judge, each with what was measured."""
    checks: list[dict[str, Any]] = []

    def check(target: str, measured: float | None, met: bool) -> None:
        checks.append({"target": target, "measured": measured, "met": met})

    warm = results.get("thread_json_warm", {})
    if "forum" in warm and "ceiling" in warm:
        ratio = rps_ratio(warm["forum"].rps, warm["ceiling"].rps) or 0.0
        check("warm thread read >= 0.5x the bare-framework ceiling", ratio, ratio >= 0.5)
        check(
            "warm thread read p99 < 25 ms at 32 connections",
            warm["forum"].p99_ms,
            warm["forum"].p99_ms < 25,
        )
    for name in ("thread_json_cold", "thread_json_all"):
        cold = results.get(name, {})
        if "forum" in cold and "raw" in cold:
            ratio = rps_ratio(cold["forum"].rps, cold["raw"].rps) or 0.0
            check(f"{name}: forum >= the raw aiosqlite reference", ratio, ratio >= 1.0)
    post = results.get("comment_post", {})
    if "forum" in post and "isso" in post:
        ratio = rps_ratio(post["forum"].rps, post["isso"].rps) or 0.0
        check("comment post >= 3x Isso", ratio, ratio >= 3.0)
    workers = [m for m in memory.values() if m["role"] == "worker"]
    if workers:
        peak_kb = max(max(m["peak_rss_during_reads_kb"], m.get("VmHWM", 0)) for m in workers)
        peak_mb = round(peak_kb / 1024, 1)
        check("each server worker < 150 MB RSS under the read load", peak_mb, peak_mb < 150)
    return checks


def forum_code() -> dict[str, Any]:
    """Which forum the servers run: the commit of a `checkout.py` copy on PYTHONPATH, or
    the work tree's HEAD and whether forum's files differ from it (uncommitted work)."""
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        marker = Path(entry) / ".forum-commit" if entry else None
        if marker and marker.exists():
            return {"source": entry, "commit": marker.read_text().strip(), "dirty": False}
    root = str(servers.ROOT)
    commit = subprocess.run(
        ["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "-C", root, "status", "--porcelain", "--", "forum", "migrations"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {"source": root, "commit": commit, "dirty": bool(changed)}


def environment() -> dict[str, Any]:
    """Taken when a run starts, before any server: code that changes later is not what
    was measured."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "forum": forum_code(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "isso": isso_version(),
        "wrk": (wrk.stdout or wrk.stderr).split("\n")[0].strip(),
    }


def markdown(document: dict[str, Any]) -> str:
    """A results file as the README's tables: load.py's or scale.py's.

    .venv/bin/python benchmarks/report.py benchmarks/results/2026-11-23-load-234e9f9.json
    """
    results = document["results"]
    first = next(iter(results.values()))
    lines: list[str] = []
    if "forum" in first:
        lines += [
            "| workload | forum req/s | p50 ms | p99 ms "
            "| vs | req/s | p50 ms | p99 ms | forum/vs |",
            "|---|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        for name, by_system in results.items():
            f = by_system["forum"]
            others = [(k, v) for k, v in by_system.items() if k != "forum"] or [("", None)]
            for other, o in others:
                row = f"| {name} | {f['rps']:,.1f} | {f['p50_ms']:.1f} | {f['p99_ms']:.1f} |"
                if o is None:
                    lines.append(row + " | | | | |")
                    continue
                ratio = rps_ratio(f["rps"], o["rps"])
                lines.append(
                    f"{row} {other} | {o['rps']:,.1f} | {o['p50_ms']:.1f} | {o['p99_ms']:.1f} "
                    f"| {ratio} |"
                )
    else:
        small, large = list(first)
        lines += [
            f"| workload | {small} req/s | p50 ms | p99 ms | {large} req/s | p50 ms | p99 ms "
            "| p50 x | p99 x |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, by_set in results.items():
            s, b = by_set[small], by_set[large]
            lines.append(
                f"| {name} | {s['rps']:,.1f} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} "
                f"| {b['rps']:,.1f} | {b['p50_ms']:.1f} | {b['p99_ms']:.1f} "
                f"| {b['p50_ms'] / s['p50_ms']:.2f} | {b['p99_ms'] / s['p99_ms']:.2f} |"
            )
    checks = document.get("targets", [])
    lines += [""] if checks else []
    for check in checks:
        met = "met" if check["met"] else "**missed**"
        lines.append(f"- {met}: {check['target']} (measured {check['measured']})")
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys

    print(markdown(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))


def print_targets(checks: list[dict]) -> None:
    """The targets block both load.py and scale.py end with."""
    print("\ntargets:")
    for check in checks:
        print(f"  {'met ' if check['met'] else 'MISS'} {check['target']}: {check['measured']}")


RESULTS = Path(__file__).resolve().parent / "results"


def save(kind: str, args: Namespace, environment: dict, body: dict, **settings: Any) -> Path:
    """Write a run's JSON (what ran, where, how, then `body`) and say where it went."""
    output = args.output or RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-{kind}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "environment": environment,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "settings": {
            "wrk": f"-t2 -c{args.connections} -d{args.seconds:g}s --timeout=30s",
            "rounds": args.rounds,
            "workers": 2,
            **settings,
        },
        **body,
    }
    output.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"results: {output}")
    return output
