"""Serialised thread trees kept in memory, keyed by (thread id, version).

A thread is read far more often than it changes, and building its tree (rows to objects
to nested dicts to JSON) is most of a read's cost. Every change a reader can see bumps
the thread's version (services.threads.touch) in the same database, so the key itself is
the invalidation: a request reads the current version (one indexed lookup), and an
entry under an old version is simply never asked for again and ages out. Nothing stale
can be served, in one process or many, and no process needs to tell another anything.
"""

from __future__ import annotations

import asyncio
import sqlite3
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from forum.sql import THREAD_VERSION_SQL, thread_versions
from forum.walindex import CommitWatch


@dataclass(frozen=True)
class Entry:
    body: bytes
    etag: str


def etag(key: tuple, body: bytes) -> str:
    """The validator of `body`, served under `key` (which holds the thread's version).

    Every process computes the same one for the same body, so a reader passed between
    workers still gets its 304. Two bodies share it only with the same key (the same
    version of the same thread: in one database, the same body), the same length and
    the same CRC-32; a change the version misses (a new release's format, a database
    made again from nothing) must also keep both. CRC-32 rather than SHA-256 because a
    cache miss pays for it: 14 against 41 us for 70 KB here. A validator needs no
    defence against forgery; whoever could forge a collision can read the body.
    """
    return f'"{len(body):x}-{zlib.crc32(repr(key).encode()):08x}{zlib.crc32(body):08x}"'


class ThreadCache:
    """A least-recently-used map from (thread id, version, variant) to a body and ETag."""

    def __init__(self, max_bytes: int) -> None:
        """`max_bytes` comes from settings (FORUM_THREAD_CACHE_MB); 0 keeps nothing."""
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: tuple, body: bytes) -> Entry:
        entry = Entry(body, etag(key, body))
        if len(body) > self.max_bytes:
            return entry  # too big to keep; still served
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._entries[key] = entry
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)
        return entry

    def __len__(self) -> int:
        return len(self._entries)


class GatheredLookups:
    """Version lookups through the pool, gathered into as few queries as keep them fresh.

    Under load many requests want a version at once, and each query costs a round trip to
    PostgreSQL and its CPU. A request never shares a query that was already on its way
    when it asked (that answer could predate a change committed just before the request
    came in); it waits for the next query, which starts once the one in flight is back,
    and asks for every thread that was waited on meanwhile. So each answer comes from a
    query issued after its request arrived: as fresh as asking alone, and at most one
    query in flight per process.
    """

    def __init__(self, fetch: Callable[[list[int]], Awaitable[dict[int, int]]]) -> None:
        self._fetch = fetch
        self._waiting: dict[int, list[asyncio.Future[int | None]]] = {}
        self._running: asyncio.Task[None] | None = None
        self.queries = 0

    async def get(self, thread_id: int) -> int | None:
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(thread_id, []).append(future)
        if self._running is None:
            self._running = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                self.queries += 1
                try:
                    found = await self._fetch(list(batch))
                except Exception as exc:  # every waiter of this query gets the error
                    for futures in batch.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                    continue
                for thread_id, futures in batch.items():
                    for future in futures:
                        if not future.done():  # a waiter may have been cancelled
                            future.set_result(found.get(thread_id))
        finally:
            self._running = None


class VersionSource:
    """Where a request learns a thread's current version: the one query of a warm read.

    On SQLite the lookup is a few microseconds of B-tree search, and handing it to
    aiosqlite's thread and back cost twenty times that; so it runs here, on a read-only
    connection of its own. In WAL mode a reader never waits for a writer, and each
    statement sees every commit made before it, from this process or another, so this
    is as fresh as the pool. Should the file be busy all the same (a checkpoint
    restarting the log), the lookup goes through the pool instead. PostgreSQL always
    goes through the pool, its lookups gathered (`GatheredLookups`).

    Versions read locally are kept until the next commit to the database, which the
    WAL-index header shows (`CommitWatch`): the header is read before the version, so
    a kept version is never older than the last commit before the request asked.
    """

    MAX_KNOWN = 50_000  # versions kept between commits; a bound against id scans

    def __init__(self, database_url: str) -> None:
        self._conn: sqlite3.Connection | None = None
        self._path: str | None = None
        if database_url.startswith("sqlite://") and ":memory:" not in database_url:
            self._path = urlsplit(database_url.removeprefix("sqlite://")).path
        self._sql = THREAD_VERSION_SQL.replace("$1", "?")
        self._watch: CommitWatch | None = None
        self._known: dict[int, int | None] = {}
        self._known_at: bytes | None = None
        self.pooled = GatheredLookups(thread_versions)

    def _local(self) -> sqlite3.Connection | None:
        """The read-only connection, opened on first use (the file exists by then)."""
        if self._conn is None and self._path is not None:
            try:
                self._conn = sqlite3.connect(
                    f"file:{self._path}?mode=ro", uri=True, timeout=0.05, isolation_level=None
                )
                self._watch = CommitWatch(self._path, self._conn)
            except sqlite3.OperationalError:
                self.close()
                return None
        return self._conn

    async def get(self, thread_id: int) -> int | None:
        conn = self._local()
        if conn is not None:
            mark = self._watch.mark() if self._watch is not None else None
            if mark is None or mark != self._known_at:  # a commit since, or no way to tell
                self._known.clear()
                self._known_at = mark
            elif thread_id in self._known:
                return self._known[thread_id]
            try:
                row = conn.execute(self._sql, (thread_id,)).fetchone()
            except sqlite3.OperationalError:
                pass
            else:
                version = row[0] if row else None
                if mark is not None and len(self._known) < self.MAX_KNOWN:
                    self._known[thread_id] = version
                return version
        return await self.pooled.get(thread_id)

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        self._known.clear()
        self._known_at = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
