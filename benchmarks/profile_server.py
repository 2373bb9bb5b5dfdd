"""Where a forum request spends its time: py-spy on a worker under wrk load.

    .venv/bin/python benchmarks/profile_server.py --data-dir /tmp/forum-bench \\
        --path /api/v1/threads/1 [--seconds 10] [--auth]

Starts forum with one worker (so every sample is the request being studied), drives it
with wrk for the duration, and samples the worker with py-spy (installed into its own
venv, /tmp/pyspy-venv, on first use). Prints the functions that are on the stack in the
largest share of samples (inclusive) and those that are at the top of it (self), and
keeps the collapsed stacks (`*.folded`, for flame-graph tools) beside the data.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import servers
import wrkrun

PYSPY_VENV = Path("/tmp/pyspy-venv")


def ensure_pyspy() -> Path:
    binary = PYSPY_VENV / "bin" / "py-spy"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PYSPY_VENV)], check=True)
        subprocess.run([str(PYSPY_VENV / "bin" / "pip"), "install", "-q", "py-spy"], check=True)
    return binary


def summarise(folded: Path, top: int) -> str:
    """Inclusive and self shares per function from py-spy's collapsed stacks."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0] for f in stack.split(";")
        ]
        frames = [f.replace(str(servers.ROOT) + "/", "") for f in frames]
        total += samples
        for frame in set(frames):
            inclusive[frame] += samples
        leaf[frames[-1]] += samples
    lines = [f"{total} samples", "", "inclusive (on the stack):"]
    lines += [f"  {n / total:6.1%}  {f})" for f, n in inclusive.most_common(top)]
    lines += ["", "self (at the top of the stack):"]
    lines += [f"  {n / total:6.1%}  {f})" for f, n in leaf.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--path", required=True, help="e.g. /api/v1/threads/1 or /t/<slug>")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--cookie", action="store_true", help="log in as the bench moderator")
    parser.add_argument("--post-json", help="POST this JSON body instead of a GET")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve()
    manifest = json.loads((data_dir / "bench-manifest.json").read_text())
    pyspy = ensure_pyspy()
    folded = data_dir / f"profile{args.path.replace('/', '_').replace('?', '_')}.folded"
    server = servers.start_forum(data_dir, None, data_dir / "logs", workers=1)
    try:
        headers: tuple[str, ...] = ()
        if args.cookie:
            moderator = manifest["moderator"]
            cookie = servers.forum_session(server, moderator["username"], moderator["password"])
            headers = (f"Cookie: {cookie}",)
        if args.post_json:
            headers = (*headers, "Content-Type: application/json")
            load = wrkrun.Load(server.base, (args.path,), "POST", (args.post_json,), headers)
        else:
            load = wrkrun.Load(server.base, (args.path,), headers=headers)
        wrkrun.run(load, seconds=2, connections=args.connections)  # warm-up
        # With one worker uvicorn serves from the leader process itself.
        workers = [p for p in server.descendants() if servers.role(p) == "worker"]
        worker = workers[0] if workers else server.process.pid
        result: dict[str, wrkrun.Run] = {}
        driver = threading.Thread(
            target=lambda: result.setdefault(
                "run", wrkrun.run(load, seconds=args.seconds + 2, connections=args.connections)
            )
        )
        driver.start()
        subprocess.run(
            [
                str(pyspy),
                "record",
                "--pid",
                str(worker),
                "--duration",
                str(args.seconds),
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                str(folded),
            ],
            check=True,
            capture_output=True,
        )
        driver.join()
    finally:
        server.stop()
    run = result["run"]
    print(f"{args.path}: {run.rps:,.1f} req/s with one worker under py-spy (p50 {run.p50_ms} ms)")
    print(summarise(folded, args.top))
    print(f"\ncollapsed stacks: {folded}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
