"""A database populated at every earlier migration upgrades to the latest with its data.

Migrating from empty (tests/test_migrations.py) cannot catch the migration that only fails
on a table with rows in it: an added NOT NULL column without a database default is fine on
an empty table and an error on a populated one. Real databases are upgraded populated, so
for each earlier migration N this stops an empty database at N, writes realistic rows with
plain SQL in N's schema, runs `forum.db.migrate` to the latest, and checks that every row
kept its values, that the columns added since N hold what their migrations give old rows,
and that the models and the comment tree read the upgraded rows. The migration names come
from the folder, so a new migration is covered the day it is added.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate as tortoise_migrate
from tortoise.models import Model

import forum.migrations
from forum import db
from forum.models import (
    ApiToken,
    Comment,
    ModerationAction,
    Moderator,
    Report,
    Thread,
)
from forum.services.threads import comment_tree
from forum.settings import Settings
from forum.sql import raw_query
from tests.conftest import (
    fresh_postgres_database,
    make_settings,
)

MIGRATIONS = sorted(
    path.stem for path in Path(forum.migrations.__file__).parent.glob("[0-9][0-9][0-9][0-9]_*.py")
)
EARLIER = MIGRATIONS[:-1]

WHEN = datetime(2019, 5, 3, 18, 0, tzinfo=UTC)

# What a column added by a later migration holds in a row written before it, as the
# models read it: the defaults of the AddField operations in 0002, 0003, 0004 and 0006,
# and 0007's count of the thread's visible comments (three of the four written below).
# Every column the rows below name must exist from 0001 or have an entry here.
ADDED_LATER: dict[str, dict[str, object]] = {
    "thread": {"premoderated": False, "version": 0, "comment_count": 3},
    "comment": {
        "claim_state": "clear",
        "claim_score": 0.0,
        "claim_findings": [],
        "moderator_note": "",
        "sources": [],
    },
}


def minutes(n: int) -> datetime:
    return WHEN + timedelta(minutes=n)


def as_sql(value: object) -> object:
    """A Python value as a parameter: JSON columns take text on both backends."""
    return json.dumps(value) if isinstance(value, list | dict) else value


async def table_columns(dialect: str, table: str) -> set[str]:
    """The table's columns as the database has them now; empty if there is no such table."""
    if dialect == "sqlite":
        rows = await raw_query("SELECT name FROM pragma_table_info($1)", table)
    else:
        rows = await raw_query(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name = $1",
            table,
        )
    return {row[0] for row in rows}


class Populated:
    """Rows written in one migration's schema, and what each must read as after upgrade."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.expected: list[tuple[type[Model], int, dict[str, object]]] = []

    async def insert(self, model: type[Model], row: dict[str, object]) -> int | None:
        """Write the columns the table has at this migration; None if it has no table yet."""
        table = model._meta.db_table
        present = await table_columns(self.dialect, table)
        if not present:
            return None
        written = {name: value for name, value in row.items() if name in present}
        later = ADDED_LATER.get(table, {})
        unknown = set(row) - set(written) - set(later)
        assert not unknown, f"{table} lacks {sorted(unknown)} and ADDED_LATER does not say why"
        placeholders = ", ".join(f"${i}" for i in range(1, len(written) + 1))
        sql = f"INSERT INTO {table} ({', '.join(written)}) VALUES ({placeholders}) RETURNING id"
        if self.dialect != "sqlite":
            # Tortoise's asyncpg client drops the rows of a statement starting with INSERT.
            sql = f"WITH inserted AS ({sql}) SELECT id FROM inserted"
        rows = await raw_query(sql, *(as_sql(value) for value in written.values()))
        row_id = rows[0][0]
        expected = {**row, **{name: later[name] for name in set(row) - set(written)}}
        self.expected.append((model, row_id, {"id": row_id, **expected}))
        return row_id

    def expected_for(self, model: type[Model], row_id: int) -> dict[str, object]:
        return next(e for m, i, e in self.expected if m is model and i == row_id)


async def populate(dialect: str) -> tuple[Populated, int, list[int]]:
    """A thread with a flagged comment, a reply, a later comment and a pending one, and the
    moderation rows the schema has tables for. Values are not the defaults, so a column
    reset by a migration shows."""
    data = Populated(dialect)
    thread_id = await data.insert(
        Thread,
        {
            "slug": "council-minutes-3-may",
            "title": "Council minutes, 3 May 2019",
            "url": "https://blog.example/2019/05/council-minutes",
            "body_html": "<p>The council met on Friday.</p>",
            "source": "seed:blog",
            "import_key": "blog:council-minutes-3-may",
            "status": "closed",
            "premoderated": True,
            "created_at": minutes(0),
            "updated_at": minutes(90),
            "last_activity_at": minutes(90),
            "version": 7,
            "comment_count": 3,
        },
    )
    assert thread_id is not None

    def comment(n: int, author: str, text: str, **values: object) -> dict[str, object]:
        return {
            "thread_id": thread_id,
            "parent_id": None,
            "author": author,
            "text": text,
            "html": f"<p>{text}</p>",
            "status": "visible",
            "import_key": f"blog:council-minutes-3-may:{n}",
            "ip_hash": f"{n:064x}",
            "created_at": minutes(10 * n),
            "edited_at": None,
            "claim_state": "clear",
            "claim_score": 0.0,
            "claim_findings": [],
            "moderator_note": "",
            "sources": [],
        } | values

    flagged = await data.insert(
        Comment,
        comment(
            1,
            "Alice",
            "The budget was cut by 40% last year.",
            edited_at=minutes(15),
            claim_state="source_requested",
            claim_score=0.82,
            claim_findings=[
                {
                    "sentence": "The budget was cut by 40% last year.",
                    "start": 0,
                    "end": 36,
                    "reason": "statistic",
                    "cues": ["40%"],
                }
            ],
            moderator_note="Which budget line?",
            sources=[
                {
                    "url": "https://council.example/minutes",
                    "note": "page 4",
                    "added_at": "2019-05-03T18:20:00+00:00",
                    "reachable": True,
                    "http_status": 200,
                    "error": None,
                }
            ],
        ),
    )
    assert flagged is not None
    reply = await data.insert(Comment, comment(2, "Bob", "It was 4%, not 40%.", parent_id=flagged))
    later = await data.insert(Comment, comment(3, "Carol", "Thanks for the summary."))
    pending = await data.insert(Comment, comment(4, "Dave", "Buy cheap watches", status="pending"))
    comment_ids = [flagged, reply, later, pending]

    await data.insert(
        Report,
        {
            "comment_id": flagged,
            "reason": "needs_source",
            "note": "No source for the 40%.",
            "ip_hash": "f" * 64,
            "resolved": True,
            "created_at": minutes(25),
        },
    )
    moderator = await data.insert(
        Moderator,
        {
            "username": "mira",
            "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
            "role": "admin",
            "is_active": False,
            "created_at": minutes(-600),
            "last_login_at": minutes(20),
        },
    )
    await data.insert(
        ModerationAction,
        {
            "moderator_id": moderator,
            "comment_id": flagged,
            "thread_id": thread_id,
            "action": "request_source",
            "reason": "Which budget line?",
            "before": {"claim_state": "flagged"},
            "after": {"claim_state": "source_requested"},
            "created_at": minutes(30),
        },
    )
    await data.insert(
        ApiToken,
        {
            "moderator_id": moderator,
            "name": "laptop",
            "prefix": "fm_3kQ9",
            "digest": "ab" * 32,
            "created_at": minutes(40),
            "last_used_at": minutes(50),
            "revoked_at": None,
        },
    )
    return data, thread_id, [cid for cid in comment_ids if cid is not None]


async def migrate_to(settings: Settings, name: str) -> None:
    """Apply migrations up to and including `name`, as a database made back then has."""
    try:
        await tortoise_migrate(
            config=db.tortoise_config(settings.database_url), target=f"{db.APP_LABEL}.{name}"
        )
    finally:
        await Tortoise.close_connections()


@pytest.fixture(autouse=True)
def executor_cache_of_this_test_only() -> Iterator[None]:
    """Tortoise caches each model's INSERT statement by connection name, not by kind of
    database. This module uses SQLite and PostgreSQL in one process, so a statement
    cached here with SQLite's `?` reached the PostgreSQL suite's later tests."""
    EXECUTOR_CACHE.clear()
    yield
    EXECUTOR_CACHE.clear()


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database URL on each backend; PostgreSQL skips as test_postgres_from_empty."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'forum.sqlite3'}"
        return
    async with fresh_postgres_database() as url:
        yield url


def test_migrations_are_found() -> None:
    assert MIGRATIONS[0] == "0001_initial"
    assert len(EARLIER) >= 1


@pytest.mark.parametrize("migration", EARLIER)
async def test_populated_database_upgrades_to_latest(
    empty_database: str, migration: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, empty_database)
    await migrate_to(settings, migration)

    context = await db.start(settings)
    try:
        dialect = context.db().capabilities.dialect
        data, thread_id, comment_ids = await populate(dialect)
    finally:
        await db.stop(context)

    await db.migrate(settings)

    context = await db.start(settings)
    try:
        applied = await raw_query("SELECT name FROM tortoise_migrations WHERE app = $1", "forum")
        assert sorted(row[0] for row in applied) == MIGRATIONS

        for model, row_id, expected in data.expected:
            rows = await model.filter(id=row_id).values(*expected)
            assert rows == [expected], f"{model.__name__} {row_id} after upgrade from {migration}"

        thread = await Thread.get(id=thread_id)
        expected_thread = data.expected_for(Thread, thread_id)
        assert (thread.slug, thread.premoderated, thread.version) == (
            expected_thread["slug"],
            expected_thread["premoderated"],
            expected_thread["version"],
        )
        comments = await Comment.filter(thread_id=thread_id).order_by("id").values("id", "author")
        assert [(c["id"], c["author"]) for c in comments] == [
            (cid, data.expected_for(Comment, cid)["author"]) for cid in comment_ids
        ]
        for model in (Thread, Comment, Report, Moderator, ModerationAction, ApiToken):
            await model.all()  # every row converts to a model object

        flagged, reply, later, _pending = comment_ids
        tree = await comment_tree(thread)
        assert [(node.id, [r.id for r in node.replies]) for node in tree] == [
            (flagged, [reply]),
            (later, []),
        ]
        first = data.expected_for(Comment, flagged)
        assert tree[0].sources == first["sources"]
        assert tree[0].moderator_note == first["moderator_note"]
        assert tree[0].source_requested == (first["claim_state"] == "source_requested")
    finally:
        await db.stop(context)
