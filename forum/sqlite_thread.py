"""Work on SQLite's connection thread: one hand-off per job, and posts committed in groups.

aiosqlite runs every statement on one thread per connection. Each trip there is a
hand-off between threads (a queue put, a wake-up, a future set back on the event loop),
and each commit writes the pages it touched to the WAL: the comment row, six index
leaves and the thread row, about 120 us a post, most of it the same pages every time.

Under a stream of posts a worker holds many finished posts at once, each waiting for the
connection. `write_together` lets them share: the first post to arrive starts a flush,
the ones that arrive while it runs wait for the next, and each flush writes everything
waiting in one transaction, each post inside its own savepoint. So a post that breaks a
constraint (its thread deleted meanwhile) is rolled back alone and fails alone, while
the others commit. Nothing waits on a timer: a lone post is written at once, in a
group of one, and groups only grow while the connection is busy anyway. Every post is
answered only after the commit that holds it, as before.
"""

from __future__ import annotations

import asyncio
import copy
import sqlite3
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from typing import TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError

Statement = tuple[str, Sequence[object]]
T = TypeVar("T")

# The most posts one transaction holds: about 3 ms of SQLite's writer lock at most,
# which the other server processes wait on.
MAX_GROUP = 64

# Waits between tries for SQLite's writer lock, in seconds: from about what one post
# holds it for, doubling up to a millisecond.
FIRST_LOCK_WAIT = 0.00003
LONGEST_LOCK_WAIT = 0.001


async def on_sqlite_thread(
    conn: BaseDBAsyncClient,
    work: Callable[[sqlite3.Connection, list[Statement]], T],
    statements: list[Statement],
) -> T:
    """`work(sqlite3_connection, statements)`, run on aiosqlite's thread in one hand-off.

    Tortoise's lock is held, so nothing else runs on the connection meanwhile. aiosqlite
    runs a plain function on its thread with `_execute`, the method its own public ones
    are made of. The statements are logged as Tortoise logs its own, so query counts
    (tests/test_queries.py) still see them.
    """
    _log(conn, statements)
    return await _run(conn, work, statements)


def _log(conn: BaseDBAsyncClient, statements: Sequence[Statement]) -> None:
    for sql, args in statements:
        conn.log.debug("%s: %s", sql, args)


async def _run(conn: BaseDBAsyncClient, work: Callable[..., T], *args: object) -> T:
    async with conn.acquire_connection() as aio:
        return await aio._execute(work, aio._conn, *args)


def begin_immediate(db: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, waiting for the writer lock in steps the size of a post's hold.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ms and more between tries, while a
    post holds the lock for a tenth of a millisecond or so. Under a stream of posts from
    several processes, a worker that found the lock taken slept several times longer
    than the lock stayed taken, and every other query of that worker, on the same
    connection's one thread, waited behind it: both cores sat partly idle. Here the
    tries are 30 us apart at first, doubling to 1 ms, until the connection's busy timeout
    has passed; then SQLite's "database is locked" error is raised as before. The busy
    timeout is put back before returning, so other statements wait as they always did.
    """
    timeout_ms = db.execute("PRAGMA busy_timeout").fetchone()[0]
    db.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + timeout_ms / 1000
        wait = FIRST_LOCK_WAIT
        while True:
            try:
                db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() >= deadline:
                    raise
            time.sleep(wait)
            wait = min(wait * 2, LONGEST_LOCK_WAIT)
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")


def _as_tortoise(exc: BaseException) -> BaseException:
    """SQLite's errors leave as Tortoise's, as they would through the ORM."""
    if isinstance(exc, sqlite3.IntegrityError):
        return IntegrityError(exc)
    if isinstance(exc, sqlite3.OperationalError):
        return OperationalError(exc)
    return exc


def _write_group(db: sqlite3.Connection, units: list[list[Statement]]) -> list[int | Exception]:
    """Runs on aiosqlite's thread: each unit's statements in a savepoint of one
    transaction, and for each unit its first statement's new row id, or the constraint
    error that rolled that unit back.

    BEGIN IMMEDIATE takes the writer lock up front (or waits for it, `begin_immediate`),
    so no unit fails half-way for a lock another process took first. Any other error
    rolls the whole group back and is raised for all of it.
    """
    try:
        begin_immediate(db)
    except sqlite3.OperationalError as exc:
        raise OperationalError(exc) from exc
    results: list[int | Exception] = []
    try:
        for statements in units:
            db.execute("SAVEPOINT post")
            try:
                first_id = db.execute(*statements[0]).lastrowid
                for sql, args in statements[1:]:
                    db.execute(sql, args)
            except sqlite3.IntegrityError as exc:
                db.execute("ROLLBACK TO post")
                results.append(IntegrityError(exc))
            else:
                results.append(first_id)
            db.execute("RELEASE post")
        db.execute("COMMIT")
    except BaseException as exc:
        db.execute("ROLLBACK")
        converted = _as_tortoise(exc)
        if converted is exc:
            raise
        raise converted from exc
    return results


class _Group:
    """The posts waiting for one connection, and the task that writes them."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.conn = conn
        self.loop = asyncio.get_running_loop()
        self.waiting: list[tuple[list[Statement], asyncio.Future[int]]] = []
        self.flushing: asyncio.Task[None] | None = None
        self.sizes: deque[int] = deque(maxlen=100)  # of the latest groups, newest last

    def submit(self, statements: list[Statement]) -> asyncio.Future[int]:
        future = self.loop.create_future()
        self.waiting.append((statements, future))
        if self.flushing is None:
            self.flushing = self.loop.create_task(self._flush())
        return future

    async def _flush(self) -> None:
        try:
            while self.waiting:
                # A post whose request was cancelled before its group began is not written.
                self.waiting = [(unit, f) for unit, f in self.waiting if not f.done()]
                group = self.waiting[:MAX_GROUP]
                del self.waiting[:MAX_GROUP]
                if group:
                    await self._write(group)
        finally:
            self.flushing = None

    async def _write(self, group: list[tuple[list[Statement], asyncio.Future[int]]]) -> None:
        self.sizes.append(len(group))
        units = [statements for statements, _ in group]
        _log(self.conn, [statement for unit in units for statement in unit])
        try:
            results = await _run(self.conn, _write_group, units)
        except Exception as exc:  # the whole group was rolled back: each post fails
            for _, future in group:
                if not future.done():
                    future.set_exception(copy.copy(exc))
            return
        except BaseException:
            for _, future in group:
                future.cancel()
            raise
        for (_, future), result in zip(group, results, strict=True):
            if future.done():  # cancelled while written: the row stands, as it always did
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


_groups: weakref.WeakKeyDictionary[BaseDBAsyncClient, _Group] = weakref.WeakKeyDictionary()


def group_for(conn: BaseDBAsyncClient) -> _Group:
    """The connection's group on the running loop (a new loop, as in tests, gets a new one)."""
    group = _groups.get(conn)
    if group is None or group.loop is not asyncio.get_running_loop():
        group = _groups[conn] = _Group(conn)
    return group


async def write_together(conn: BaseDBAsyncClient, statements: list[Statement]) -> int:
    """Write `statements` atomically, committed with whatever other posts are waiting;
    the first statement's new row id, or Tortoise's IntegrityError for this post alone."""
    return await group_for(conn).submit(statements)
