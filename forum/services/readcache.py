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
from collections import OrderedDict
from dataclasses import dataclass

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    body: bytes
    etag: str


class ThreadCache:
    """A least-recently-used map from (thread id, version, variant) to a body and ETag."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
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
