"""Does a thread read or the moderation queue slow down as the database grows?

    .venv/bin/python benchmarks/scale.py            # generates 10,000 and 1,000,000 comments
    .venv/bin/python benchmarks/scale.py --reuse    # measures data generated before

Generates two data sets with the same shape (1,000 threads, the same benchmark threads of
exactly 100 comments; only the other threads grow), timing the large one, then runs forum
on both at once (`forum serve --workers 2` each) and measures the same requests on each,
interleaved (small, large, small, large, ...), median of three bounded wrk runs. The
issue's target: at 1,000,000 comments, thread read and queue page latency within 1.5x of
10,000 comments. Results go to benchmarks/results/<date>-scale.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import report
import servers
import wrkrun
from load import Workload, measure, wait_for_quiet
from report import environment, print_targets

GENERATE = Path(__file__).resolve().parent / "generate.py"
TARGET = 1.5


def generate(data_dir: Path, comments: int, threads: int) -> dict[str, Any]:
    """generate.py in a subprocess (forum only), timed from outside as well."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(GENERATE),
            "--data-dir",
            str(data_dir),
            "--comments",
            str(comments),
            "--threads",
            str(threads),
            "--no-isso",
            "--fresh",
        ],
        check=True,
    )
    manifest = json.loads((data_dir / "bench-manifest.json").read_text())
    manifest["seconds"]["wall"] = round(time.perf_counter() - started, 1)
    (data_dir / "bench-manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def workloads(sets: dict[str, tuple[dict[str, Any], servers.Server, str]]) -> list[Workload]:
    """The same requests against each data set; the thread ids are the same in both."""

    def each(path_of: Any, with_cookie: bool = False, bearer: bool = False) -> dict:
        loads = {}
        for name, (manifest, server, cookie) in sets.items():
            headers: tuple[str, ...] = ()
            if with_cookie:
                headers = (f"Cookie: {cookie}",)
            if bearer:
                headers = (f"Authorization: Bearer {manifest['moderator']['token']}",)
            loads[name] = wrkrun.Load(server.base, path_of(manifest), headers=headers)
        return loads

    return [
        Workload(
            "thread_json_warm",
            "one 100-comment thread, JSON",
            each(lambda m: (f"/api/v1/threads/{m['bench_threads'][0]['id']}",)),
        ),
        Workload(
            "thread_json_cold",
            "the 100-comment threads in turn, JSON",
            each(lambda m: tuple(f"/api/v1/threads/{t['id']}" for t in m["bench_threads"])),
        ),
        Workload(
            "thread_html",
            "one 100-comment thread's page",
            each(lambda m: (f"/t/{m['bench_threads'][0]['slug']}",)),
        ),
        Workload(
            "counts_20",
            "comment counts for 20 pages",
            each(lambda m: ("/api/v1/counts?" + "&".join(f"url={u}" for u in m["count_urls"]),)),
        ),
        Workload(
            "mod_queue_page",
            "/mod?tab=needs_source, logged in",
            each(lambda m: ("/mod?tab=needs_source",), with_cookie=True),
        ),
        Workload(
            "mod_queue_api",
            "/api/v1/mod/queue?tab=needs_source, bearer token",
            each(lambda m: ("/api/v1/mod/queue?tab=needs_source",), bearer=True),
        ),
    ]


def table(results: dict[str, dict[str, wrkrun.Summary]], small: str, large: str) -> str:
    head = (
        f"{'workload':<17} | {small + ' req/s':>12} {'p50':>8} {'p99':>8} | "
        f"{large + ' req/s':>12} {'p50':>8} {'p99':>8} | {'p50 x':>6} {'p99 x':>6}"
    )
    lines = [head, "-" * len(head)]
    for name, by_set in results.items():
        s, b = by_set[small], by_set[large]
        lines.append(
            f"{name:<17} | {s.rps:>12,.1f} {s.p50_ms:>8.2f} {s.p99_ms:>8.2f} | "
            f"{b.rps:>12,.1f} {b.p50_ms:>8.2f} {b.p99_ms:>8.2f} | "
            f"{b.p50_ms / s.p50_ms:>6.2f} {b.p99_ms / s.p99_ms:>6.2f}"
        )
    return "\n".join(lines)


def label(comments: int) -> str:
    return f"{comments // 1_000_000}M" if comments >= 1_000_000 else f"{comments // 1000}k"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--small-dir", type=Path, default=Path("/tmp/forum-scale-small"))
    parser.add_argument("--large-dir", type=Path, default=Path("/tmp/forum-scale-large"))
    parser.add_argument("--reuse", action="store_true", help="measure data generated before")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--output", type=Path, help="default: results/<date>-scale.json")
    args = parser.parse_args(argv)
    small, large = label(args.small), label(args.large)
    dirs = {small: args.small_dir.resolve(), large: args.large_dir.resolve()}
    sizes = {small: args.small, large: args.large}

    manifests: dict[str, dict[str, Any]] = {}
    for name, data_dir in dirs.items():
        path = data_dir / "bench-manifest.json"
        if args.reuse and path.exists():
            manifests[name] = json.loads(path.read_text())
        else:
            wait_for_quiet()
            manifests[name] = generate(data_dir, sizes[name], args.threads)
        if manifests[name]["comments"] != sizes[name]:
            raise SystemExit(f"{data_dir} holds {manifests[name]['comments']} comments")
        print(f"{name}: {manifests[name]['seconds']}", flush=True)

    wait_for_quiet()
    started_with = environment()
    print(f"forum {started_with['forum']['commit'][:12]} from {started_with['forum']['source']}")
    running: dict[str, servers.Server] = {}
    try:
        sets = {}
        for name, data_dir in dirs.items():
            server = running[name] = servers.start_forum(data_dir, None, data_dir / "logs")
            moderator = manifests[name]["moderator"]
            cookie = servers.forum_session(server, moderator["username"], moderator["password"])
            sets[name] = (manifests[name], server, cookie)
        results = measure(
            workloads(sets),
            args.rounds,
            args.seconds,
            args.connections,
            lambda line: print(line, flush=True),
            list(running.values()),
        )
    finally:
        for server in running.values():
            server.stop()

    print()
    print(table(results, small, large))
    checks = []
    for name in ("thread_json_warm", "thread_json_cold", "thread_html", "mod_queue_page"):
        if name not in results:
            continue
        for figure in ("p50_ms", "p99_ms"):
            ratio = getattr(results[name][large], figure) / getattr(results[name][small], figure)
            checks.append(
                {
                    "target": f"{name} {figure[:3]} at {large} within {TARGET}x of {small}",
                    "measured": round(ratio, 2),
                    "met": ratio <= TARGET,
                }
            )
    print_targets(checks)
    report.save(
        "scale",
        args,
        started_with,
        {
            "data": {
                name: {k: m[k] for k in ("threads", "comments", "reports", "queue", "seconds")}
                for name, m in manifests.items()
            },
            "results": {
                name: {s: asdict(summary) for s, summary in by_set.items()}
                for name, by_set in results.items()
            },
            "targets": checks,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
