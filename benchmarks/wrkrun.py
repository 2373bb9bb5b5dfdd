"""Running wrk (Debian's `wrk` package) and reading its results exactly.

Each run gets a Lua script whose `done` hook prints one JSON line: requests, duration,
latency percentiles in microseconds, and wrk's error counters. That is more exact than
parsing wrk's rounded text, and a run with any error or non-2xx/3xx answer is marked
invalid rather than quietly counted as throughput.

A `Load` says what to send: one URL, several rotated per request (so a cache keyed by URL
cannot make a "cold" read warm), or POST bodies rotated the same way.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DONE_HOOK = """
function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout))
end
"""
ROTATE = """
local counter = 1
function setup(thread)
  thread:set("offset", counter * 7)
  counter = counter + 1
end
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local method = "%(method)s"
local n = 0
function request()
  n = n + 1
  local i = (n + (offset or 0))
  local path = paths[(i %% #paths) + 1]
  if #bodies > 0 then
    return wrk.format(method, path, nil, bodies[(i %% #bodies) + 1])
  end
  return wrk.format(method, path)
end
"""


def lua_string(text: str) -> str:
    """A Lua string literal for ASCII text (callers pass JSON, which is ASCII)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@dataclass(frozen=True)
class Load:
    """What one server is asked, request after request."""

    base: str
    paths: tuple[str, ...]
    method: str = "GET"
    bodies: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()

    def script(self) -> str:
        return (
            ROTATE
            % {
                "paths": ", ".join(lua_string(p) for p in self.paths),
                "bodies": ", ".join(lua_string(b) for b in self.bodies),
                "method": self.method,
            }
            + DONE_HOOK
        )


@dataclass
class Run:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]
    foreign_cores: float = 0.0  # other processes' CPU during the run, in cores

    @property
    def valid(self) -> bool:
        return self.requests > 0 and not any(self.errors.values())


@dataclass
class Summary:
    """The median of several runs, each figure on its own, and the runs themselves."""

    rps: float
    p50_ms: float
    p99_ms: float
    valid: bool
    max_foreign_cores: float = 0.0
    runs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, runs: list[Run]) -> Summary:
        return cls(
            rps=round(statistics.median(r.rps for r in runs), 1),
            p50_ms=round(statistics.median(r.p50_ms for r in runs), 2),
            p99_ms=round(statistics.median(r.p99_ms for r in runs), 2),
            valid=all(r.valid for r in runs),
            max_foreign_cores=max(r.foreign_cores for r in runs),
            runs=[{**asdict(r), "valid": r.valid} for r in runs],
        )


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    return found


def run(
    load: Load,
    *,
    seconds: float = 10,
    connections: int = 32,
    threads: int = 2,
    timeout: float = 30,
) -> Run:
    """One bounded wrk run (`-t2 -c32 -d10s` by default); the timeout is long so a slow
    server's requests count in its latency instead of vanishing as timeouts."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(load.script())
        script = Path(handle.name)
    command = [
        wrk_binary(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        f"--timeout={timeout:g}s",
        "-s",
        str(script),
    ]
    for header in load.headers:
        command += ["-H", header]
    try:
        out = subprocess.run(
            [*command, load.base + load.paths[0]],
            capture_output=True,
            text=True,
            timeout=seconds + timeout + 30,
            check=False,
        )
    finally:
        script.unlink(missing_ok=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    duration = raw["duration_us"] / 1e6
    return Run(
        requests=raw["requests"],
        seconds=round(duration, 2),
        rps=round(raw["requests"] / duration, 1),
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors={k: raw[k] for k in ("connect", "read", "write", "status", "timeout")},
    )
