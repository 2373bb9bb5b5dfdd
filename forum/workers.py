"""Several worker processes on one address, each with a listening socket of its own.

uvicorn's `--workers` binds one socket in the parent and every worker accepts from it. The
worker whose event loop wakes first accepts every connection waiting, so a burst of new
connections lands unevenly: a benchmark's 32 connections split 5/27, 9/23 and 10/22 here.
Behind a load balancer that keeps a pool of long-lived connections open, the worker
holding most of them queues while the others idle.

On Linux each worker here gets its own socket, bound with SO_REUSEPORT to the same
address, and the kernel spreads new connections across them by a hash of each
connection's addresses. uvicorn's supervisor still starts, watches, restarts and stops the
workers. Where SO_REUSEPORT does not balance (other systems), `serve` falls back to the
shared socket.
"""

from __future__ import annotations

import socket
import sys

from uvicorn import Config
from uvicorn.supervisors import Multiprocess


def balances_connections() -> bool:
    """Whether the kernel spreads connections across sockets bound with SO_REUSEPORT."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def own_socket(config: Config) -> socket.socket:
    """A socket bound to the configured address that other workers' sockets share."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((config.host, config.port))
    sock.set_inheritable(True)
    return sock


class OwnSocketPerWorker(Multiprocess):
    """uvicorn's supervisor, handing each worker it starts a new socket of its own.

    The supervisor reads `sockets` each time it starts a worker: at start-up, when it
    replaces one that died, on SIGHUP and SIGTTIN. The worker inherits the socket as it
    starts; the parent's copy is closed at the supervisor's next turn (every 0.5 s), so a
    socket lives only as long as its worker, and a worker that dies takes its socket, and
    its share of new connections, with it.
    """

    def __init__(self, config: Config) -> None:
        self._handed_out: list[socket.socket] = []
        super().__init__(config, sockets=[])

    @property
    def sockets(self) -> list[socket.socket]:
        sock = own_socket(self.config)
        if self.config.port == 0:  # the first socket picks the port, and the rest share it
            self.config.port = sock.getsockname()[1]
        self._handed_out.append(sock)
        return [sock]

    @sockets.setter
    def sockets(self, value: list[socket.socket]) -> None:
        """The base class stores the shared sockets it was given; there are none."""

    def handle_signals(self) -> None:
        self.close_handed_out()
        super().handle_signals()

    def close_handed_out(self) -> None:
        """Close the parent's copies of the sockets of workers started by now."""
        while self._handed_out:
            self._handed_out.pop().close()

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.close_handed_out()
