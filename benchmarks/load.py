"""forum against Isso and the framework's floor, side by side, on the same comments.

    .venv/bin/python benchmarks/generate.py --data-dir /tmp/forum-bench --fresh
    .venv/bin/python benchmarks/load.py --data-dir /tmp/forum-bench

Starts forum (`forum serve --workers 2`), Isso (gunicorn, 2 sync workers, its own venv)
and the two reference servers of `reference.py` (2 uvicorn workers each), all on
127.0.0.1, then runs each workload with wrk (`-t2 -c32 -d10s`), interleaved: forum, Isso,
reference, forum, Isso, reference, ... three rounds, median of three. Interleaving puts any
drift of the machine on every system alike; a short untimed warm-up run precedes each
workload. Posting runs last, because it changes the databases.

Prints a table (req/s, p50, p99 per system and the ratios the issue's targets are stated
in) and the peak RSS of forum's processes while the read workloads ran, and writes the
whole result, every run included, to benchmarks/results/<date>-load.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import report
import servers
import wrkrun
from isso.run import ADMIN_PASSWORD

JSON_HEADER = ("Content-Type: application/json",)
# Another process using more than this many cores during a run makes the run a retry.
FOREIGN_LIMIT = 0.1


@dataclass(frozen=True)
class Workload:
    """One thing readers or moderators do, as each system is asked to do it."""

    name: str
    what: str
    loads: dict[str, wrkrun.Load]  # system name -> load; forum always first
    reads: bool = True


def build_workloads(
    manifest: dict[str, Any], running: dict[str, servers.Server], cookies: dict[str, str]
) -> list[Workload]:
    forum, isso = running["forum"].base, running["isso"].base
    bench = manifest["bench_threads"]
    first = bench[0]
    post = manifest["post_thread"]
    counts = "&".join(f"url={u}" for u in manifest["count_urls"])
    every = [i for i in range(1, manifest["threads"] + 1) if i != post["id"]]
    texts = manifest["post_texts"]

    def raw(paths: tuple[str, ...]) -> dict[str, wrkrun.Load]:
        """The raw reference's load, when it runs (on SQLite only)."""
        return {"raw": wrkrun.Load(running["raw"].base, paths)} if "raw" in running else {}

    forum_posts = tuple(json.dumps({"author": "Bench Reader", "text": t}) for t in texts)
    isso_posts = tuple(json.dumps({"author": "Bench Reader", "text": t}) for t in texts)
    return [
        Workload(
            "thread_json_warm",
            "one 100-comment thread, JSON, the same thread every request",
            {
                "forum": wrkrun.Load(forum, (f"/api/v1/threads/{first['id']}",)),
                "isso": wrkrun.Load(isso, (f"/?uri={first['path']}",)),
                "ceiling": wrkrun.Load(
                    running["ceiling"].base, (f"/api/v1/threads/{first['id']}",)
                ),
            },
        ),
        Workload(
            "thread_json_cold",
            f"the {len(bench)} 100-comment threads in turn, JSON (a per-process cache holds"
            " all of them: with one, this is warm after the first round)",
            {
                "forum": wrkrun.Load(forum, tuple(f"/api/v1/threads/{t['id']}" for t in bench)),
                "isso": wrkrun.Load(isso, tuple(f"/?uri={t['path']}" for t in bench)),
                **raw(tuple(f"/api/v1/threads/{t['id']}" for t in bench)),
            },
        ),
        Workload(
            "thread_json_all",
            f"every thread with comments in turn ({len(every)}, 0 to ~1,700 comments), JSON:"
            " cycling through more thread bodies than a per-process cache of 32 MB holds,"
            " so each read builds its tree (Isso left out: its largest threads take"
            " minutes at 32 connections)",
            {
                "forum": wrkrun.Load(forum, tuple(f"/api/v1/threads/{i}" for i in every)),
                **raw(tuple(f"/api/v1/threads/{i}" for i in every)),
            },
        ),
        Workload(
            "thread_html",
            "one 100-comment thread's page, HTML (Isso renders in the browser: no counterpart)",
            {"forum": wrkrun.Load(forum, (f"/t/{first['slug']}",))},
        ),
        Workload(
            "counts_20",
            "comment counts for 20 pages in one request",
            {
                "forum": wrkrun.Load(forum, (f"/api/v1/counts?{counts}",)),
                "isso": wrkrun.Load(
                    isso, ("/count",), "POST", (json.dumps(manifest["count_paths"]),), JSON_HEADER
                ),
            },
        ),
        Workload(
            "mod_queue_page",
            "moderation queue page, HTML, logged in (forum /mod?tab=needs_source, 20 items;"
            " Isso /admin/?mode=2, its pending comments, up to 100)",
            {
                "forum": wrkrun.Load(
                    forum, ("/mod?tab=needs_source",), headers=(f"Cookie: {cookies['forum']}",)
                ),
                "isso": wrkrun.Load(
                    isso, ("/admin/?mode=2",), headers=(f"Cookie: {cookies['isso']}",)
                ),
            },
        ),
        Workload(
            "mod_queue_api",
            "moderation queue, JSON API with a bearer token (forum only)",
            {
                "forum": wrkrun.Load(
                    forum,
                    ("/api/v1/mod/queue?tab=needs_source",),
                    headers=(f"Authorization: Bearer {manifest['moderator']['token']}",),
                ),
            },
        ),
        Workload(
            "comment_post",
            "post a comment (validate, sanitise, claim check, store) to one thread",
            {
                "forum": wrkrun.Load(
                    forum,
                    (f"/api/v1/threads/{post['id']}/comments",),
                    "POST",
                    forum_posts,
                    JSON_HEADER,
                ),
                "isso": wrkrun.Load(
                    isso, (f"/new?uri={post['path']}",), "POST", isso_posts, JSON_HEADER
                ),
            },
            reads=False,
        ),
    ]


class MemoryWatch:
    """Samples VmRSS of a server's processes while a block runs; keeps each one's peak."""

    def __init__(self, server: servers.Server, every: float = 0.2) -> None:
        self.server = server
        self.every = every
        self.peak_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for pid in self.server.processes():
                rss = servers.memory_kb(pid).get("VmRSS", 0)
                self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), rss)
            self._stop.wait(self.every)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def wait_for_quiet(limit: float = 1800) -> None:
    """Measure only on an idle machine: wait while someone's pytest run is going."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        busy = subprocess.run(["pgrep", "-f", "pytest"], capture_output=True, text=True)
        if not busy.stdout.strip():
            return
        print("waiting: a pytest run is in progress", file=sys.stderr)
        time.sleep(15)
    raise SystemExit("the machine stayed busy with pytest; not measuring")


def quiet_run(
    load: wrkrun.Load,
    running: list[servers.Server],
    seconds: float,
    connections: int,
    log: Callable[[str], None],
    tries: int = 3,
) -> wrkrun.Run:
    """A run on a quiet machine: waits for quiet first, and runs again (up to `tries`
    times) when other processes took more than FOREIGN_LIMIT cores during it."""
    for attempt in range(1, tries + 1):
        waited = servers.wait_idle(running)
        before = servers.CpuAccount.now(running)
        run = wrkrun.run(load, seconds=seconds, connections=connections)
        foreign = servers.CpuAccount.now(running).foreign_since(before)
        run.foreign_cores = round(foreign / run.seconds, 3)
        if run.foreign_cores <= FOREIGN_LIMIT:
            return run
        log(
            f"  disturbed: other processes used {run.foreign_cores:.2f} cores during the run "
            f"(waited {waited:.0f} s for quiet before it); attempt {attempt} of {tries}"
        )
    return run


def measure(
    workloads: list[Workload],
    rounds: int,
    seconds: float,
    connections: int,
    log: Callable[[str], None],
    running: list[servers.Server],
) -> dict[str, dict[str, wrkrun.Summary]]:
    """Interleaved rounds: every system once per round, then the next round. Before each
    run every server has gone quiet, so no system's leftover work lands in another's."""
    results: dict[str, dict[str, wrkrun.Summary]] = {}
    for workload in workloads:
        runs: dict[str, list[wrkrun.Run]] = {name: [] for name in workload.loads}
        for load in workload.loads.values():
            servers.wait_idle(running)
            wrkrun.run(load, seconds=2, connections=connections)  # warm-up, not kept
        for round_number in range(1, rounds + 1):
            for name, load in workload.loads.items():
                run = quiet_run(load, running, seconds, connections, log)
                runs[name].append(run)
                log(
                    f"{workload.name:<17} round {round_number} {name:<8} {run.rps:>9,.1f} req/s"
                    f"  p50 {run.p50_ms:8.2f} ms  p99 {run.p99_ms:8.2f} ms"
                    f"  (others used {run.foreign_cores:.2f} cores)"
                    + ("" if run.valid else f"  errors {run.errors}")
                )
        results[workload.name] = {name: wrkrun.Summary.of(r) for name, r in runs.items()}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="what generate.py filled")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", nargs="*", help="run only these workloads")
    parser.add_argument("--output", type=Path, help="default: results/<date>-load.json")
    parser.add_argument(
        "--forum-url-query",
        default="",
        help="appended to forum's database URL only, e.g. mmap_size=1073741824",
    )
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve()
    manifest = json.loads((data_dir / "bench-manifest.json").read_text())
    default_url = f"sqlite://{data_dir / 'forum.sqlite3'}"
    database_url = manifest["database_url"]
    # The raw reference reads forum's SQLite file; on PostgreSQL forum meets Isso and the
    # ceiling only.
    on_sqlite = database_url.startswith("sqlite://")
    logs = data_dir / "logs"

    if not manifest.get("isso_db"):
        raise SystemExit(
            f"{data_dir} has no Isso copy to compare with: generate it without --no-isso"
        )
    wait_for_quiet()
    started_with = report.environment()
    print(f"forum {started_with['forum']['commit'][:12]} from {started_with['forum']['source']}")
    running: dict[str, servers.Server] = {}
    try:
        forum_url = None if database_url == default_url else database_url
        if args.forum_url_query:
            joiner = "&" if "?" in database_url else "?"
            forum_url = f"{database_url}{joiner}{args.forum_url_query}"
        running["forum"] = servers.start_forum(data_dir, forum_url, logs)
        first = manifest["bench_threads"][0]["id"]
        body = urllib.request.urlopen(f"{running['forum'].base}/api/v1/threads/{first}")
        body_file = data_dir / "ceiling-body.json"
        body_file.write_bytes(body.read())
        running["ceiling"] = servers.start_reference(
            "ceiling", {"BENCH_BODY_FILE": str(body_file)}, logs
        )
        if on_sqlite:
            running["raw"] = servers.start_reference(
                "raw", {"BENCH_DB": database_url.removeprefix("sqlite://")}, logs
            )
        running["isso"] = servers.start_isso(Path(manifest["isso_db"]), logs)
        cookies = {
            "forum": servers.forum_session(
                running["forum"],
                manifest["moderator"]["username"],
                manifest["moderator"]["password"],
            ),
            "isso": servers.isso_admin_session(running["isso"], ADMIN_PASSWORD),
        }
        workloads = build_workloads(manifest, running, cookies)
        if args.only:
            workloads = [w for w in workloads if w.name in args.only]

        def log(line: str) -> None:
            print(line, flush=True)

        reads = [w for w in workloads if w.reads]
        with MemoryWatch(running["forum"]) as watch:
            results = measure(
                reads, args.rounds, args.seconds, args.connections, log, list(running.values())
            )
        roles = {pid: servers.role(pid) for pid in running["forum"].processes()}
        after_reads = {pid: servers.memory_kb(pid) for pid in running["forum"].processes()}
        writes = [w for w in workloads if not w.reads]
        results |= measure(
            writes, args.rounds, args.seconds, args.connections, log, list(running.values())
        )
    finally:
        for server in running.values():
            server.stop()

    print()
    print(report.table(results))
    memory = {
        str(pid): {
            "role": roles.get(pid, "?"),
            "peak_rss_during_reads_kb": kb,
            **{k: v for k, v in after_reads.get(pid, {}).items()},
        }
        for pid, kb in sorted(watch.peak_kb.items())
    }
    print(
        "\nforum's processes through the read workloads: VmHWM (the kernel's exact peak since"
        " start) and the highest VmRSS sampled every 0.2 s (short spikes fall between samples)"
    )
    for pid, m in memory.items():
        print(
            f"  {m['role']:<17} pid {pid}: peak {m.get('VmHWM', 0) / 1024:6.1f} MB,"
            f" sampled {m['peak_rss_during_reads_kb'] / 1024:6.1f} MB"
        )
    checks = report.targets(results, memory)
    report.print_targets(checks)
    report.save(
        "load",
        args,
        started_with,
        {
            "data": {
                k: manifest[k]
                for k in ("threads", "comments", "reports", "seed", "queue", "seconds")
            },
            "workloads": {w.name: w.what for w in workloads},
            "results": {
                name: {system: asdict(summary) for system, summary in by_system.items()}
                for name, by_system in results.items()
            },
            "forum_memory": memory,
            "targets": checks,
        },
        database=database_url.split("://")[0],
        forum_url_query=args.forum_url_query or None,
        reference_serialiser=running["raw"].info.get("serialiser") if on_sqlite else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
