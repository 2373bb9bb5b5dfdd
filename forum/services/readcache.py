"""Serialised thread trees kept in memory, keyed by (thread id, version).

A thread is read far more often than it changes, and building its tree (rows to objects
to nested dicts to JSON) is most of a read's cost. Every change a reader can see bumps
the thread's version (services.threads.touch) in the same database, so the key itself is
the invalidation: a request reads the current version (one indexed lookup), and an
entry under an old version is simply never asked for again and ages out. Nothing stale
can be served, in one process or many, and no process needs to tell another anything.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

from forum.sql import THREAD_VERSION_SQL, thread_version


@dataclass(frozen=True)
class Entry:
    body: bytes
    etag: str


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
        entry = Entry(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
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


class VersionSource:
    """Where a request learns a thread's current version: the one query of a warm read.

    On SQLite the lookup is a few microseconds of B-tree search, and handing it to
    aiosqlite's thread and back cost twenty times that; so it runs here, on a read-only
    connection of its own. In WAL mode a reader never waits for a writer, and each
    statement sees every commit made before it, from this process or another, so this
    is as fresh as the pool. Should the file be busy all the same (a checkpoint
    restarting the log), the lookup goes through the pool instead. PostgreSQL always
    goes through the pool.
    """

    def __init__(self, database_url: str) -> None:
        self._conn: sqlite3.Connection | None = None
        self._path: str | None = None
        if database_url.startswith("sqlite://") and ":memory:" not in database_url:
            self._path = urlsplit(database_url.removeprefix("sqlite://")).path
        self._sql = THREAD_VERSION_SQL.replace("$1", "?")

    def _local(self) -> sqlite3.Connection | None:
        """The read-only connection, opened on first use (the file exists by then)."""
        if self._conn is None and self._path is not None:
            try:
                self._conn = sqlite3.connect(
                    f"file:{self._path}?mode=ro", uri=True, timeout=0.05, isolation_level=None
                )
            except sqlite3.OperationalError:
                return None
        return self._conn

    async def get(self, thread_id: int) -> int | None:
        conn = self._local()
        if conn is not None:
            try:
                row = conn.execute(self._sql, (thread_id,)).fetchone()
            except sqlite3.OperationalError:
                pass
            else:
                return row[0] if row else None
        return await thread_version(thread_id)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
