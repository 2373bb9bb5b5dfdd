"""Whether anything was committed to a WAL-mode SQLite database since we last looked.

A warm thread read asks SQLite for the thread's version, and under load that lookup
was a fifth of the request: each statement takes and drops a shared-memory lock
(two fcntl calls), and the worker processes contend for it. Between commits the
answer cannot change, and SQLite itself knows when a commit happened by reading the
WAL-index header at the start of the shared-memory file (`<database>-shm`): every
commit moves its frame count and change counter, and a log reset changes its salts.
Its layout is part of SQLite's documented WAL format (sqlite.org/walformat.html) and
cannot change under a running database, since processes with different SQLite
versions share it. So a glance at those bytes, mapped read-only, tells whether a
version read earlier still stands, at the cost of comparing 96 bytes.

The glance is only trusted when it can be: the database is in WAL mode, the header
says it is initialised, and its two copies agree (a writer updates one, then the
other, so a glance in the middle of a commit sees them differ and counts as a
change). A connection in exclusive locking mode keeps its index in its own memory
and would commit unseen; forum never opens one, and it would lock every reader out.
"""

from __future__ import annotations

import mmap
import os
import sqlite3
import struct

HEADER_BYTES = 48  # one copy of the WAL-index header; two copies come first in the file
# iVersion, the header's first field, in the machine's byte order as SQLite writes it.
WAL_INDEX_VERSION = struct.pack("=I", 3007000)


class CommitWatch:
    """Marks of the WAL-index header: equal marks mean no commit in between."""

    def __init__(self, database_path: str, conn: sqlite3.Connection) -> None:
        """`conn` must be open on the database and kept open while this is used.

        An open connection holds the shared-memory file in place: SQLite rebuilds or
        removes it only when no connection has it, so the mapping stays the live one.
        """
        self._map: mmap.mmap | None = None
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            return
        try:
            fd = os.open(database_path + "-shm", os.O_RDONLY)
        except OSError:
            return
        try:
            if os.fstat(fd).st_size >= 2 * HEADER_BYTES:
                self._map = mmap.mmap(fd, 2 * HEADER_BYTES, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)  # the mapping keeps its own reference to the file

    @property
    def usable(self) -> bool:
        return self._map is not None

    def mark(self) -> bytes | None:
        """The header now, or None when it cannot vouch for anything (then ask SQLite)."""
        if self._map is None:
            return None
        both = self._map[: 2 * HEADER_BYTES]
        first = both[:HEADER_BYTES]
        if first != both[HEADER_BYTES:] or not first[12]:  # torn, or isInit unset
            return None
        return first if first.startswith(WAL_INDEX_VERSION) else None

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
