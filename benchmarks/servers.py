"""Start, log into, watch and stop the servers the benchmarks compare.

Every server is a subprocess in its own session, started here and stopped here by its
process group id, so a benchmark never leaves a server behind and never touches a process
it did not start. Each waits until it answers HTTP before a measurement starts.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
FORUM_BIN = ROOT / ".venv" / "bin" / "forum"
REFERENCE_VENV = Path("/tmp/bench-reference-venv")
REFERENCE_PACKAGES = ("starlette", "uvicorn", "aiosqlite", "uvloop", "httptools")


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on the machine (the benchmarks' own cluster)."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running server: its process (group leader), address and log file."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def processes(self) -> list[int]:
        """The leader and everything under it."""
        return [self.process.pid, *self.descendants()]

    def working_processes(self) -> list[int]:
        """`processes`, and the database server's when it works for this one alone
        (forum on PostgreSQL): its CPU is forum's, not another user's."""
        if not str(self.info.get("database", "")).startswith("postgres"):
            return self.processes()
        return [*self.processes(), *postgres_pids()]

    def descendants(self) -> list[int]:
        """Every process under the leader (uvicorn's or gunicorn's workers)."""
        found: list[int] = []
        queue = [self.process.pid]
        while queue:
            pid = queue.pop()
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    children = [int(c) for c in task.read_text().split()]
                except OSError:
                    continue
                found.extend(children)
                queue.extend(children)
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def role(pid: int) -> str:
    """What a server process is, from its command line: a worker, multiprocessing's
    resource tracker, or the supervising leader."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    if "resource_tracker" in command:
        return "resource_tracker"
    if "spawn_main" in command or ("gunicorn" in command and "worker" in command):
        return "worker"
    return "process"


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    """CPU time of this process and its finished children (wrk, helpers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class CpuAccount:
    """Who used the CPU between two moments: the servers, this harness with wrk, and
    everything else on the machine ("foreign": another person's tests, say)."""

    machine: float
    servers: float
    own: float

    @classmethod
    def now(cls, running: list[Server]) -> CpuAccount:
        pids = [pid for server in running for pid in server.working_processes()]
        return cls(machine_busy_seconds(), cpu_seconds(pids), own_seconds())

    def foreign_since(self, before: CpuAccount) -> float:
        """CPU-seconds used by processes that are neither the servers nor ours."""
        spent = self.machine - before.machine
        return max(0.0, spent - (self.servers - before.servers) - (self.own - before.own))


def wait_idle(
    running: list[Server], limit: float = 300.0, below: float = 0.03, foreign: float = 0.1
) -> float:
    """Until the servers use less than `below` of a core and the rest of the machine less
    than `foreign`; returns the seconds waited (at most `limit`, then it goes on anyway).

    A sync server (Isso's gunicorn) keeps working through the requests queued on its
    socket after wrk stops, and that work would land in the next system's measurement;
    so would someone else's test run on this shared two-core machine.
    """
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = CpuAccount.now(running)
        time.sleep(1.0)
        after = CpuAccount.now(running)
        if after.servers - before.servers < below and after.foreign_since(before) < foreign:
            break
    return time.monotonic() - started


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak since start) of one process, in KB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {
        key: int(value)
        for key, value in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, flags=re.M)
    }


def _spawn(name: str, command: list[str], env: dict[str, str], port: int, log_dir: Path) -> Server:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}-{port}.log"
    handle = log.open("w")
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        cwd=ROOT,
    )
    return Server(name, process, port, log)


def wait_ready(server: Server, path: str = "/", timeout: float = 90.0) -> None:
    """Until the server answers anything over HTTP, or its log says why it will not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: {server.log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(server.base + path, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{server.name} did not answer in {timeout:.0f} s; see {server.log}")


def start_forum(
    data_dir: Path, database_url: str | None, log_dir: Path, workers: int = 2
) -> Server:
    """`forum serve` as an operator runs it, with the posting rate limit off."""
    port = free_port()
    env = {"FORUM_DATA_DIR": str(data_dir), "FORUM_POST_RATE": "off"}
    if database_url:
        env["FORUM_DATABASE_URL"] = database_url
    command = [str(FORUM_BIN), "serve", "--workers", str(workers), "--port", str(port)]
    server = _spawn("forum", [*command, "--no-seeds", "--log-level", "warning"], env, port, log_dir)
    server.info["database"] = (database_url or "sqlite").split(":")[0]
    wait_ready(server, "/healthz")
    return server


def start_isso(db: Path, log_dir: Path, workers: int = 2) -> Server:
    port = free_port()
    command = [
        sys.executable,
        str(BENCH_DIR / "isso" / "run.py"),
        "--db",
        str(db),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    server = _spawn("isso", command, {}, port, log_dir)
    wait_ready(server, "/info", timeout=300)  # the first run installs Isso
    return server


def ensure_reference_venv() -> tuple[Path, str]:
    """A venv with forum's own versions of the stack, plus orjson, for reference.py.

    Falls back to forum's venv (stdlib json) when the venv cannot be made; the second
    value says which serialiser the reference servers use.
    """
    python = REFERENCE_VENV / "bin" / "python"
    if not (REFERENCE_VENV / "bin" / "uvicorn").exists():
        pins = [f"{name}=={metadata.version(name)}" for name in REFERENCE_PACKAGES]
        try:
            subprocess.run([sys.executable, "-m", "venv", str(REFERENCE_VENV)], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", *pins, "orjson"], check=True
            )
        except subprocess.CalledProcessError:
            return Path(sys.executable), "json"
    probe = subprocess.run([str(python), "-c", "import orjson"], check=False)
    return python, "orjson" if probe.returncode == 0 else "json"


def start_reference(kind: str, env: dict[str, str], log_dir: Path, workers: int = 2) -> Server:
    """`ceiling` or `raw` from reference.py, under uvicorn[standard] with `workers`."""
    python, serialiser = ensure_reference_venv()
    port = free_port()
    command = [
        str(python),
        "-m",
        "uvicorn",
        f"reference:{kind}_app",
        "--factory",
        "--app-dir",
        str(BENCH_DIR),
        "--workers",
        str(workers),
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = _spawn(kind, command, env, port, log_dir)
    server.info["serialiser"] = serialiser
    wait_ready(server, "/api/v1/threads/1")
    return server


def forum_session(server: Server, username: str, password: str) -> str:
    """A logged-in moderator's Cookie header for /mod, through the login form."""
    with httpx.Client(base_url=server.base, follow_redirects=False) as client:
        form = client.get("/mod/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        if token is None:
            raise RuntimeError("forum's login page has no CSRF token")
        answer = client.post(
            "/mod/login",
            data={"username": username, "password": password, "csrf_token": token.group(1)},
        )
        if answer.status_code != 303 or "forum_session" not in client.cookies:
            raise RuntimeError(f"forum login failed: {answer.status_code} {answer.text[:200]}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def isso_admin_session(server: Server, password: str) -> str:
    with httpx.Client(base_url=server.base, follow_redirects=False) as client:
        client.post("/login/", data={"password": password})
        if "admin-session" not in client.cookies:
            raise RuntimeError("Isso admin login failed")
        return f"admin-session={client.cookies['admin-session']}"
