"""`forum serve --workers 2`: each worker listens on a socket of its own (SO_REUSEPORT),
so new connections spread across the workers, and a worker that dies and is replaced
takes its socket with it: no connection is left waiting on a socket nobody accepts from.

Read from /proc: which process holds which socket, and which sockets listen on the port.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.conftest import forum_env
from tests.test_browser import _wait_healthy, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="SO_REUSEPORT balances on Linux only"
    ),
]

LISTEN, ESTABLISHED = "0A", "01"
CONNECTIONS = 64


def port_sockets(port: int) -> dict[int, str]:
    """The inode and TCP state of every IPv4 socket whose local port is `port`."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port:
            found[int(fields[9])] = fields[3]
    return found


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir() if fd_dir.exists() else ():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def session_pids(leader: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != leader:
            try:
                if os.getsid(int(entry.name)) == leader:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def listeners(leader: int, port: int) -> dict[int, set[int]]:
    """Worker pid -> the inodes of the listening sockets on `port` it holds."""
    states = port_sockets(port)
    held = {pid: socket_inodes(pid) for pid in session_pids(leader)}
    return {
        pid: {i for i in inodes if states.get(i) == LISTEN}
        for pid, inodes in held.items()
        if any(states.get(i) == LISTEN for i in inodes)
    }


async def until(predicate, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
    return result


@asynccontextmanager
async def two_workers(settings) -> AsyncIterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    log = settings.data_dir / "workers.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "forum", "serve", "--workers", "2", "--port", str(port)],
            env={**forum_env(settings), "FORUM_POST_RATE": "off"},
            cwd=settings.data_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        await _wait_healthy(f"http://127.0.0.1:{port}", process, log)
        await until(lambda: len(listeners(process.pid, port)) == 2, "both workers listening")
        yield process, port
    finally:
        process.terminate()  # uvicorn's supervisor stops its workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def open_connections(port: int, count: int) -> list[socket.socket]:
    """`count` kept-alive connections, each having had one answer: each is accepted."""
    connections = []
    for _ in range(count):
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        connections.append(conn)
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    for conn in connections:
        assert conn.recv(4096).startswith(b"HTTP/1.1 200"), "a connection was not answered"
    return connections


def supervisor_listening(leader: int, port: int) -> set[int]:
    states = port_sockets(port)
    return {i for i in socket_inodes(leader) if states.get(i) == LISTEN}


def held_by(leader: int, port: int) -> dict[int, int]:
    """Worker pid -> how many established connections on `port` it holds."""
    states = port_sockets(port)
    return {
        pid: sum(1 for i in socket_inodes(pid) if states.get(i) == ESTABLISHED)
        for pid in listeners(leader, port)
    }


async def test_each_worker_listens_on_its_own_socket_and_takes_its_share(settings):
    async with two_workers(settings) as (process, port):
        own = listeners(process.pid, port)
        first, second = own.values()
        assert first and second and not first & second, own  # one socket each, not shared
        # The supervisor drops its copies of the workers' sockets on its next turn (0.5 s).
        await until(
            lambda: not supervisor_listening(process.pid, port),
            "the supervisor to close its copies of the workers' sockets",
            timeout=5,
        )

        connections = open_connections(port, CONNECTIONS)
        try:
            split = held_by(process.pid, port)
            assert sum(split.values()) == CONNECTIONS, split
            # A fair hash leaves fewer than 12 of 64 on one worker about once in 3 million.
            assert min(split.values()) >= 12, split
        finally:
            for conn in connections:
                conn.close()

        # A worker that dies is replaced, with a socket of its own; the dead one's socket
        # is gone, so no new connection waits where nobody accepts.
        victim = next(iter(own))
        os.kill(victim, signal.SIGKILL)
        await until(
            lambda: len(now := listeners(process.pid, port)) == 2 and victim not in now,
            "the replacement worker",
        )
        assert len([s for s in port_sockets(port).values() if s == LISTEN]) == 2
        connections = open_connections(port, CONNECTIONS)
        for conn in connections:
            conn.close()
