"""Writing a `Plan` into forum's database (three ways) and into an Isso database.

forum's tables are created by forum's own migrations before anything is written here;
these functions only add rows. The fast paths (`write_sqlite`, `write_postgres`) stream
rows through `executemany` / `COPY` in one transaction; `write_tortoise` goes through the
ORM's `bulk_create`, kept to show what the ORM costs for the same rows.

Isso's schema is copied from Isso 0.14's `isso/db/comments.py` and `isso/db/threads.py`
(`user_version` 5), without indexes, because Isso creates none: that is part of what the
comparison measures.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plan import SITE, Plan

from forum import models
from forum.models import Comment, CommentStatus, Report, Thread, ThreadStatus
from forum.services.comments import hash_ip

try:  # where the hand-written SQL lives now; earlier commits kept it in models
    from forum import sql as _hand_sql
except ImportError:
    _hand_sql = models
# Commits from before thread.comment_count (benchmarks/checkout.py) have no such statement.
RECOUNT_ALL_SQL: str | None = getattr(_hand_sql, "RECOUNT_ALL_SQL", None)

THREAD_COLUMNS = (
    "id",
    "slug",
    "title",
    "url",
    "body_html",
    "source",
    "import_key",
    "status",
    "created_at",
    "updated_at",
    "last_activity_at",
    "premoderated",
)
COMMENT_COLUMNS = (
    "id",
    "thread_id",
    "parent_id",
    "author",
    "text",
    "html",
    "status",
    "import_key",
    "ip_hash",
    "created_at",
    "edited_at",
    "claim_findings",
    "claim_score",
    "claim_state",
    "moderator_note",
    "sources",
)
REPORT_COLUMNS = ("id", "comment_id", "reason", "note", "ip_hash", "resolved", "created_at")

Stamp = Callable[[float], Any]


def sqlite_stamp(when: float) -> str:
    """Tortoise's SQLite text form of an aware UTC datetime, always with microseconds so
    that text order is time order."""
    return datetime.fromtimestamp(when, UTC).isoformat(sep=" ", timespec="microseconds")


def datetime_stamp(when: float) -> datetime:
    return datetime.fromtimestamp(when, UTC)


def poster_address(poster: int) -> str:
    """A documentation-range address per poster (198.18.0.0/15 is for benchmarks)."""
    return f"198.18.{poster // 256 % 256}.{poster % 256}"


def thread_records(plan: Plan, stamp: Stamp) -> Iterator[tuple[Any, ...]]:
    for t in plan.threads:
        yield (
            t.id,
            t.slug,
            t.title,
            SITE + t.path,
            t.body_html,
            None,
            f"bench:thread:{t.id}",
            ThreadStatus.OPEN.value,
            stamp(t.created),
            stamp(t.last_activity),
            stamp(t.last_activity),
            False,
        )


def comment_records(plan: Plan, stamp: Stamp, secret: str) -> Iterator[tuple[Any, ...]]:
    hashes: dict[int, str | None] = {}
    for c in plan.comments:
        pooled = plan.texts[c.text]
        deleted = c.status == CommentStatus.DELETED
        ip_hash = hashes.get(c.poster)
        if ip_hash is None:
            ip_hash = hashes[c.poster] = hash_ip(poster_address(c.poster), secret)
        yield (
            c.id,
            c.thread_id,
            c.parent_id,
            c.author,
            "" if deleted else pooled.text,
            "" if deleted else pooled.html,
            c.status,
            f"bench:{c.id}",
            ip_hash,
            stamp(c.created),
            stamp(c.edited) if c.edited is not None else None,
            pooled.findings_json,
            pooled.score,
            c.claim_state,
            c.moderator_note,
            "[]",
        )


def report_records(plan: Plan, stamp: Stamp) -> Iterator[tuple[Any, ...]]:
    for r in plan.reports:
        yield (r.id, r.comment_id, r.reason, r.note, None, r.resolved, stamp(r.created))


def _insert(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks})'


MODELS = {"thread": Thread, "comment": Comment, "report": Report}


def column_defaults(table: str, present: list[str], written: tuple[str, ...]) -> dict[str, Any]:
    """Values for the columns the schema has and these writers do not know yet.

    forum's schema moves on (a migration adds a column); the model's default for the
    field says what a row written without it should hold, as the ORM would write it.
    """
    model = MODELS[table]
    by_column = {
        field.source_field or name: field for name, field in model._meta.fields_map.items()
    }
    values: dict[str, Any] = {}
    for column in present:
        if column in written:
            continue
        field = by_column.get(column)
        if field is None or (field.default is None and not field.null):
            raise SystemExit(f"generate.py: no value for new column {table}.{column}")
        default = field.default() if callable(field.default) else field.default
        values[column] = json.dumps(default) if isinstance(default, list | dict) else default
    return values


def _with_defaults(
    records: Iterator[tuple[Any, ...]], extra: dict[str, Any]
) -> Iterator[tuple[Any, ...]]:
    tail = tuple(extra.values())
    return (record + tail for record in records) if tail else records


def write_sqlite(path: Path, plan: Plan, secret: str) -> None:
    """All rows in one transaction through the stdlib driver's executemany."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA synchronous = OFF")
        with con:
            for table, columns, records in (
                ("thread", THREAD_COLUMNS, thread_records(plan, sqlite_stamp)),
                ("comment", COMMENT_COLUMNS, comment_records(plan, sqlite_stamp, secret)),
                ("report", REPORT_COLUMNS, report_records(plan, sqlite_stamp)),
            ):
                present = [row[1] for row in con.execute(f'PRAGMA table_info("{table}")')]
                extra = column_defaults(table, present, columns)
                con.executemany(_insert(table, (*columns, *extra)), _with_defaults(records, extra))
            if RECOUNT_ALL_SQL:
                con.execute(RECOUNT_ALL_SQL)
        con.execute("ANALYZE")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


async def write_postgres(url: str, plan: Plan, secret: str) -> None:
    """All rows in one transaction through COPY, then the id sequences moved past them."""
    import asyncpg

    con = await asyncpg.connect(url.replace("asyncpg://", "postgres://", 1).split("?")[0])
    try:
        async with con.transaction():
            for table, columns, records in (
                ("thread", THREAD_COLUMNS, thread_records(plan, datetime_stamp)),
                ("comment", COMMENT_COLUMNS, comment_records(plan, datetime_stamp, secret)),
                ("report", REPORT_COLUMNS, report_records(plan, datetime_stamp)),
            ):
                present = [
                    row["column_name"]
                    for row in await con.fetch(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = $1",
                        table,
                    )
                ]
                extra = column_defaults(table, present, columns)
                await con.copy_records_to_table(
                    table,
                    records=_with_defaults(records, extra),
                    columns=[*columns, *extra],
                )
                await con.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                )
            if RECOUNT_ALL_SQL:
                await con.execute(RECOUNT_ALL_SQL)
        await con.execute("ANALYZE")
    finally:
        await con.close()


async def write_tortoise(plan: Plan, secret: str, batch: int = 1000) -> None:
    """The same rows through Tortoise's bulk_create, one transaction per batch."""
    from tortoise.transactions import in_transaction

    async def save(model: Any, columns: tuple[str, ...], records: Iterator[tuple]) -> None:
        pending: list[Any] = []
        for record in records:
            pending.append(model(**dict(zip(columns, record, strict=True))))
            if len(pending) >= batch:
                async with in_transaction():
                    await model.bulk_create(pending, batch_size=batch)
                pending = []
        if pending:
            async with in_transaction():
                await model.bulk_create(pending, batch_size=batch)

    def decoded(records: Iterator[tuple]) -> Iterator[tuple]:
        # Tortoise wants JSON fields as Python values, not the text the fast paths write.
        json_at = (COMMENT_COLUMNS.index("claim_findings"), COMMENT_COLUMNS.index("sources"))
        for record in records:
            values = list(record)
            for i in json_at:
                values[i] = json.loads(values[i])
            yield tuple(values)

    await save(Thread, THREAD_COLUMNS, thread_records(plan, datetime_stamp))
    await save(Comment, COMMENT_COLUMNS, decoded(comment_records(plan, datetime_stamp, secret)))
    await save(Report, REPORT_COLUMNS, report_records(plan, datetime_stamp))
    if RECOUNT_ALL_SQL:
        from tortoise import connections

        await connections.get("default").execute_script(RECOUNT_ALL_SQL)


ISSO_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE IF NOT EXISTS comments (
    tid REFERENCES threads(id),
    id INTEGER PRIMARY KEY,
    parent INTEGER,
    created FLOAT NOT NULL,
    modified FLOAT,
    mode INTEGER,
    remote_addr VARCHAR,
    text VARCHAR NOT NULL,
    author VARCHAR,
    email VARCHAR,
    website VARCHAR,
    likes INTEGER DEFAULT 0,
    dislikes INTEGER DEFAULT 0,
    voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0
);
PRAGMA user_version = 5;
"""
# Isso's comment modes: 1 published, 2 waiting for moderation, 4 deleted but referenced.
ISSO_MODES = {
    CommentStatus.VISIBLE: 1,
    CommentStatus.PENDING: 2,
    CommentStatus.HIDDEN: 4,
    CommentStatus.DELETED: 4,
}
EMPTY_BLOOMFILTER = bytes(256)


def write_isso(path: Path, plan: Plan) -> None:
    """The same threads and comments in Isso's schema. Isso nests one level deep, so a
    reply hangs under the first comment of its branch, as Isso's own migration does."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    try:
        con.executescript(ISSO_SCHEMA)
        with con:
            con.executemany(
                "INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)",
                ((t.id, t.path, t.title) for t in plan.threads),
            )
            con.executemany(
                "INSERT INTO comments (tid, id, parent, created, modified, mode, remote_addr,"
                " text, author, email, website, likes, dislikes, voters, notification)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, 0, ?, 0)",
                _isso_comments(plan),
            )
    finally:
        con.close()


def _isso_comments(plan: Plan) -> Iterator[tuple[Any, ...]]:
    for c in plan.comments:
        mode = ISSO_MODES[CommentStatus(c.status)]
        removed = mode == ISSO_MODES[CommentStatus.DELETED]  # Isso blanks these
        yield (
            c.thread_id,
            c.id,
            c.top_id if c.top_id != c.id else None,
            c.created,
            c.edited,
            mode,
            poster_address(c.poster).rsplit(".", 1)[0] + ".0",  # Isso keeps a /24
            "" if removed else plan.texts[c.text].text,
            None if removed or c.author == "Anonymous" else c.author,
            EMPTY_BLOOMFILTER,
        )
