"""Hand-written SQL for the hot paths, for SQLite and PostgreSQL alike.

The ORM builds, converts and round-trips more than a request that runs on every page view
or every post can afford; these few fixed statements skip it. They take PostgreSQL's `$1`
placeholders, which SQLite reads as numbered `?1`. Everything else goes through the models.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient

from forum.gcpause import paused_gc
from forum.models import Comment
from forum.sqlite_thread import Statement, on_sqlite_thread, write_together


def _for_sqlite(sql: str, args: Sequence[object]) -> Statement:
    # Datetimes are stored as Tortoise stores them, so they compare as text the same way.
    return sql.replace("$", "?"), [
        str(a.astimezone(UTC)) if isinstance(a, datetime) else a for a in args
    ]


def _is_sqlite(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "sqlite"


async def raw_query(sql: str, *args: object) -> list:
    """Rows of one fixed statement, in the current transaction when there is one."""
    conn = connections.get("default")
    if _is_sqlite(conn):
        sql, args = _for_sqlite(sql, args)
    _, rows = await conn.execute_query(sql, list(args))
    return rows


# The columns a thread's tree is built from, in the order `thread_comment_rows` returns.
TREE_COLUMNS = (
    "id, parent_id, author, html, status, created_at, edited_at, claim_state, "
    "moderator_note, sources"
)


COMMENT_ROWS_SQL = (
    f"SELECT {TREE_COLUMNS} FROM comment WHERE thread_id = $1 ORDER BY created_at, id"
)

VISIBLE_COUNT_SQL = (
    "(SELECT COUNT(*) FROM comment WHERE comment.thread_id = thread.id"
    " AND comment.status = 'visible')"
)

# Every thread's count from its rows: for data written around the services (the
# benchmark generator's bulk path). Migration 0007 runs the same statement.
RECOUNT_ALL_SQL = f"UPDATE thread SET comment_count = {VISIBLE_COUNT_SQL}"


def bump_statement(
    thread_id: int,
    activity_at: datetime | None = None,
    *,
    added_visible: int | None = None,
    first: int = 1,
) -> Statement:
    """The thread's new version and visible count, and its last activity moved up to
    `activity_at` (never back), as one UPDATE whose placeholders start at `$first`.

    The count is counted again from the rows (the (thread_id, status) index makes that an
    index count), which cannot drift whatever the change was; but a new comment just adds
    `added_visible`, because recounting on every post grew with the thread: a millisecond
    per post at 30,000 comments. Either way it runs in the change's transaction.
    """
    count = (
        f"comment_count + {int(added_visible)}" if added_visible is not None else VISIBLE_COUNT_SQL
    )
    sql = f"UPDATE thread SET version = version + 1, comment_count = {count}"
    if activity_at is None:
        return f"{sql} WHERE id = ${first}", [thread_id]
    at = f"${first + 1}"
    return (
        f"{sql}, last_activity_at = CASE WHEN last_activity_at < {at} THEN {at}"
        f" ELSE last_activity_at END WHERE id = ${first}",
        [thread_id, activity_at],
    )


async def bump_thread(
    thread_id: int, activity_at: datetime | None = None, *, added_visible: int | None = None
) -> None:
    """Run `bump_statement` (see there) in the current transaction."""
    sql, args = bump_statement(thread_id, activity_at, added_visible=added_visible)
    await raw_query(sql, *args)


@cache
def _comment_insert() -> tuple[tuple[str, ...], str]:
    """Every column of a new comment but its id, and the INSERT for them. Made on first
    use: the relation columns exist only once Tortoise has initialised the models."""
    names = tuple(name for name in Comment._meta.fields_db_projection if name != "id")
    sql = "INSERT INTO comment ({}) VALUES ({})".format(
        ", ".join(Comment._meta.fields_db_projection[name] for name in names),
        ", ".join(f"${i}" for i in range(1, len(names) + 1)),
    )
    return names, sql


def _comment_values(row: Comment, names: tuple[str, ...]) -> list[object]:
    fields = row._meta.fields_map
    return [fields[name].to_db_value(getattr(row, name), row) for name in names]


async def insert_comment(
    row: Comment,
    *,
    bump: bool,
    activity_at: datetime | None = None,
    added_visible: int = 0,
) -> int:
    """Write a new comment and return its id; with `bump`, also bump its thread
    (`bump_statement`) in the same transaction, in one trip to the database.

    A post is the hot write. Through the ORM it cost five trips to aiosqlite's thread
    (select, begin, insert, update, commit), each a hand-off between threads, and the
    transaction held SQLite's one writer lock, which the other server processes wait
    on, across all of them. Here PostgreSQL gets one statement (the UPDATE as a
    data-modifying CTE, which runs whether or not it is read) and SQLite one call on
    its connection's thread that begins, writes both rows and commits, together with
    the other posts waiting at that moment (`sqlite_thread.write_together`).

    Without `bump` the caller's transaction holds the row and bumps the thread later.
    """
    names, insert = _comment_insert()
    values = _comment_values(row, names)
    conn = connections.get("default")
    if not _is_sqlite(conn):
        if not bump:
            return (await conn.execute_insert(f"{insert} RETURNING id", values))[0]
        update, update_args = bump_statement(
            row.thread_id, activity_at, added_visible=added_visible, first=len(values) + 1
        )
        cte = f"WITH new AS ({insert} RETURNING id), bumped AS ({update}) SELECT id FROM new"
        return (await conn.execute_insert(cte, [*values, *update_args]))[0]
    statements = [_for_sqlite(insert, values)]
    if bump:
        update, update_args = bump_statement(
            row.thread_id, activity_at, added_visible=added_visible
        )
        statements.append(_for_sqlite(update, update_args))
    if not bump or isinstance(conn, TransactionalDBClient):  # in the caller's transaction
        ids = [await conn.execute_insert(sql, list(args)) for sql, args in statements]
        return ids[0]
    return await write_together(conn, statements)


THREAD_HEADER_SQL = (
    "SELECT id, slug, title, url, body_html, status, last_activity_at, comment_count"
    " FROM thread WHERE id = $1"
)


async def thread_header_row(thread_id: int) -> tuple | None:
    """(id, slug, title, url, body_html, status, last_activity_at, comment_count), or None."""
    rows = await raw_query(THREAD_HEADER_SQL, thread_id)
    return _header(rows[0]) if rows else None


async def thread_header_and_rows(thread_id: int) -> tuple[tuple | None, list[tuple]]:
    """`thread_header_row` and `thread_comment_rows_as_stored` together, for a thread read
    that missed the cache. On SQLite both run in one hand-off to the database thread, in
    one read transaction: a snapshot, and one round trip fewer on the hottest miss."""
    conn = connections.get("default")
    if not _is_sqlite(conn) or isinstance(conn, TransactionalDBClient):
        header = await thread_header_row(thread_id)
        return header, (await thread_comment_rows_as_stored(thread_id) if header else [])
    statements = [
        _for_sqlite(THREAD_HEADER_SQL, [thread_id]),
        _for_sqlite(COMMENT_ROWS_SQL, [thread_id]),
    ]
    header, rows = await on_sqlite_thread(conn, _read_thread, statements)
    return (_header(header) if header else None), rows


def _read_thread(
    db: sqlite3.Connection, statements: list[Statement]
) -> tuple[tuple | None, list[tuple]]:
    (header_sql, header_args), (rows_sql, rows_args) = statements
    db.execute("BEGIN")
    try:
        header = db.execute(header_sql, header_args).fetchone()
        rows = db.execute(rows_sql, rows_args).fetchall() if header else []
    finally:
        db.execute("COMMIT")
    return header, rows


def _header(row: tuple) -> tuple:
    return (*row[:6], _when(row[6]), row[7])


async def post_target_row(thread_id: int) -> tuple | None:
    """(id, status, premoderated, last_activity_at), or None."""
    rows = await raw_query(
        "SELECT id, status, premoderated, last_activity_at FROM thread WHERE id = $1", thread_id
    )
    if not rows:
        return None
    id_, status, premoderated, last_activity_at = rows[0]
    return id_, status, bool(premoderated), _when(last_activity_at)


THREAD_VERSION_SQL = "SELECT version FROM thread WHERE id = $1"


async def thread_versions(thread_ids: Sequence[int]) -> dict[int, int]:
    """Several threads' versions in one query; a thread that does not exist is left out.

    One fixed statement on PostgreSQL (an array parameter), so its prepared form is
    reused however many ids a call brings."""
    if _is_sqlite(connections.get("default")):
        marks = ", ".join(f"${i}" for i in range(1, len(thread_ids) + 1))
        rows = await raw_query(f"SELECT id, version FROM thread WHERE id IN ({marks})", *thread_ids)
    else:
        rows = await raw_query(
            "SELECT id, version FROM thread WHERE id = ANY($1::int[])", list(thread_ids)
        )
    return {row[0]: row[1] for row in rows}


def _when(value: str | datetime | None) -> datetime | None:
    """SQLite hands back text, PostgreSQL a datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def thread_comment_rows_as_stored(thread_id: int) -> list[tuple]:
    """A thread's comments (TREE_COLUMNS), oldest first, as the driver hands them back:
    on SQLite the times are text and `sources` is JSON text."""
    return await raw_query(COMMENT_ROWS_SQL, thread_id)


def _roots_sql(after: bool, *, newest_first: bool, inclusive: bool, limit: str = "$2") -> str:
    """Top-level comments of thread $1 in one order, past the (created_at, id) in $3 and
    $4 when `after` (or from it, `inclusive`): a keyset range on the (thread_id,
    created_at) index, in either direction."""
    sql = "SELECT id, created_at FROM comment WHERE thread_id = $1 AND parent_id IS NULL"
    if after:
        past = "<" if newest_first else ">"
        same = f"{past}=" if inclusive else past
        sql += f" AND (created_at {past} $3 OR (created_at = $3 AND id {same} $4))"
    order = "created_at DESC, id DESC" if newest_first else "created_at, id"
    return f"{sql} ORDER BY {order} LIMIT {limit}"


async def root_rows(
    thread_id: int,
    limit: int,
    after: tuple[datetime, int] | None = None,
    *,
    newest_first: bool = False,
    inclusive: bool = False,
) -> list[tuple]:
    """(id, created_at) of up to `limit` top-level comments, oldest (or newest) first,
    past the (created_at, id) of `after` in that order, or from it with `inclusive`."""
    sql = _roots_sql(after is not None, newest_first=newest_first, inclusive=inclusive)
    rows = await raw_query(sql, thread_id, limit, *(after or ()))
    return [(row[0], _when(row[1])) for row in rows]


async def root_window(
    thread_id: int,
    limit: int,
    start: tuple[datetime, int],
    *,
    newest_first: bool = False,
    inclusive: bool = False,
) -> tuple[list[tuple], bool]:
    """`root_rows` from `start`, and whether any top-level comment lies on the other side
    of it (`start` itself too, unless `inclusive`): in one statement of two keyset ranges.
    A page from the middle of a thread says by it whether a page comes before it."""
    ahead = _roots_sql(True, newest_first=newest_first, inclusive=inclusive)
    behind = _roots_sql(True, newest_first=not newest_first, inclusive=not inclusive, limit="1")
    rows = await raw_query(
        f"SELECT id, created_at, 0 FROM ({ahead}) AS ahead"
        f" UNION ALL SELECT id, created_at, 1 FROM ({behind}) AS behind",
        thread_id,
        limit,
        *start,
    )
    # UNION ALL promises no order: the page is put back in its own.
    page = sorted(
        ((row[0], _when(row[1])) for row in rows if not row[2]),
        key=lambda root: (root[1], root[0]),
        reverse=newest_first,
    )
    return page, any(row[2] for row in rows)


async def root_of(comment_id: int, thread_id: int) -> tuple[int, datetime] | None:
    """(id, created_at) of the top-level comment `comment_id` hangs under (itself when
    it is one), or None when it is not in the thread: one walk up the parent chain."""
    rows = await raw_query(
        "WITH RECURSIVE up(id, parent_id, created_at) AS ("
        " SELECT id, parent_id, created_at FROM comment WHERE id = $1 AND thread_id = $2"
        " UNION SELECT comment.id, comment.parent_id, comment.created_at"
        " FROM comment JOIN up ON comment.id = up.parent_id"
        ") SELECT id, created_at FROM up WHERE parent_id IS NULL",
        comment_id,
        thread_id,
    )
    return (rows[0][0], _when(rows[0][1])) if rows else None


def _converted(rows: list) -> list[tuple]:
    """Stored comment rows (TREE_COLUMNS) with their times parsed and sources decoded."""
    with paused_gc():
        return [
            (*row[:5], _when(row[5]), _when(row[6]), row[7], row[8], stored_json(row[9]))
            for row in rows
        ]


async def subtree_rows_as_stored(root_ids: Sequence[int]) -> list[tuple]:
    """The comments (TREE_COLUMNS) under the given ones, them included, oldest first: one
    recursive query, following replies by the parent_id index (UNION, not UNION ALL:
    should a parent chain ever loop, the walk still ends)."""
    if not root_ids:
        return []
    seeds = ", ".join(f"${i}" for i in range(1, len(root_ids) + 1))
    return await raw_query(
        "WITH RECURSIVE tree(id) AS ("
        f" SELECT id FROM comment WHERE id IN ({seeds})"
        " UNION SELECT comment.id FROM comment JOIN tree ON comment.parent_id = tree.id"
        f") SELECT {TREE_COLUMNS} FROM comment WHERE id IN (SELECT id FROM tree)"
        " ORDER BY created_at, id",
        *root_ids,
    )


def json_time(value: str | datetime | None) -> str | datetime | None:
    """A stored time as the API writes it (ISO 8601, as `isoformat` gives), cheaply.

    SQLite holds Tortoise's `str(datetime)`: the same text with a space for the "T", so
    a slice does what parsing and formatting again would. A datetime (PostgreSQL) is
    left to orjson, which writes the same; any other text is parsed to be safe.
    """
    if not isinstance(value, str):
        return value
    if len(value) in (25, 32) and value[10] == " " and value.endswith("+00:00"):
        return f"{value[:10]}T{value[11:]}"
    return datetime.fromisoformat(value).isoformat()


def stored_json(value: str | list) -> list:
    """SQLite hands back text (most often an empty list), PostgreSQL may decode it already."""
    if not isinstance(value, str):
        return value
    return [] if value == "[]" else json.loads(value)


async def thread_comment_rows(thread_id: int) -> list[tuple]:
    """A thread's comments as plain tuples, oldest first, without building model objects.

    This is the read every thread view pays, and Tortoise's row conversion (objects or
    `.values()`, with its pure-Python timestamp parsing) was half its cost; here the
    query is fixed and the two conversions it needs are done directly.
    """
    return _converted(await thread_comment_rows_as_stored(thread_id))


async def subtree_rows(root_ids: Sequence[int]) -> list[tuple]:
    """`subtree_rows_as_stored`, converted as `thread_comment_rows` converts its rows."""
    return _converted(await subtree_rows_as_stored(root_ids))
