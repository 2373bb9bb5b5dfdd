"""Migrations from empty on SQLite and PostgreSQL, and models in step with them."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from tortoise.migrations.autodetector import MigrationAutodetector

from forum import db
from forum.models import Thread
from tests.conftest import (
    asyncpg_dsn,
    fresh_postgres_database,
    make_settings,
)

EXPECTED_TABLES = {"thread", "comment", "moderator", "moderation_action", "report"}


async def test_sqlite_from_empty(tmp_path):
    settings = make_settings(tmp_path / "data", f"sqlite://{tmp_path / 'data' / 'new.sqlite3'}")
    await db.migrate(settings)
    await db.migrate(settings)  # a second run finds nothing to do
    context = await db.start(settings)
    try:
        conn = context.db()
        _, rows = await conn.execute_query("SELECT name FROM sqlite_master WHERE type='table'")
        assert {row["name"] for row in rows} >= EXPECTED_TABLES
        _, rows = await conn.execute_query("SELECT name FROM sqlite_master WHERE type='index'")
        names = {row["name"] for row in rows}
        assert {"comment_thread_created_idx", "comment_status_created_idx"} <= names
        assert await Thread.all().count() == 0
        _, rows = await conn.execute_query("PRAGMA journal_mode")
        assert rows[0][0] == "wal"
        _, rows = await conn.execute_query("PRAGMA synchronous")
        assert rows[0][0] == 1  # NORMAL: fsync at checkpoints, not on every commit
    finally:
        await db.stop(context)


async def test_sqlite_settings_in_the_url_reach_the_connection(tmp_path):
    """README's knobs for SQLite (`?synchronous=FULL`, `?mmap_size=`) are PRAGMAs on
    the connection every request uses."""
    path = tmp_path / "data" / "mapped.sqlite3"
    url = f"sqlite://{path}?mmap_size=268435456&synchronous=FULL"
    settings = make_settings(tmp_path / "data", url)
    await db.migrate(settings)
    context = await db.start(settings)
    try:
        conn = context.db()
        _, rows = await conn.execute_query("PRAGMA mmap_size")
        assert rows[0][0] == 268435456
        _, rows = await conn.execute_query("PRAGMA synchronous")
        assert rows[0][0] == 2  # FULL
        assert await Thread.all().count() == 0
    finally:
        await db.stop(context)


async def test_postgres_from_empty():
    async with fresh_postgres_database() as url:
        await db.migrate(make_settings(Path("."), url))
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            tables = {
                r["tablename"]
                for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public'"
                )
            }
            indexes = {
                r["indexname"]
                for r in await conn.fetch(
                    "SELECT indexname FROM pg_indexes WHERE schemaname='public'"
                )
            }
            applied = await conn.fetchval("SELECT count(*) FROM tortoise_migrations")
        finally:
            await conn.close()
        assert tables >= EXPECTED_TABLES
        assert "comment_thread_created_idx" in indexes
        assert applied >= 1


async def test_models_match_the_committed_migrations(tmp_path):
    """A model change without its migration fails here, not in production."""
    settings = make_settings(tmp_path, f"sqlite://{tmp_path / 'x.sqlite3'}")
    config = db.tortoise_config(settings.database_url)
    context = await db.start(settings)
    try:
        detector = MigrationAutodetector(context.apps, config["apps"])
        writers = await detector.changes()
    finally:
        await db.stop(context)
    assert writers == [], "models changed: run python -m tortoise makemigrations"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///tmp/x.db", "sqlite:///tmp/x.db?synchronous=NORMAL"),
        ("sqlite:///tmp/x.db?synchronous=FULL", "sqlite:///tmp/x.db?synchronous=FULL"),
        ("sqlite://:memory:", "sqlite://:memory:"),
    ],
)
def test_connection_defaults_unless_the_url_sets_them(url, expected):
    assert db.tortoise_config(url, pool_size=7)["connections"]["default"] == expected


@pytest.mark.parametrize(
    ("url", "maxsize"), [("postgres://u@h/db", "7"), ("postgres://u@h:6432/db?maxsize=3", "3")]
)
def test_postgres_pool_settings_reach_asyncpg(url, maxsize):
    """The pool's size from settings unless the URL sets it, and the pool's reset."""
    connection = db.tortoise_config(url, pool_size=7)["connections"]["default"]
    assert connection["engine"] == "tortoise.backends.asyncpg"
    credentials = connection["credentials"]
    assert (credentials["user"], credentials["host"], credentials["database"]) == ("u", "h", "db")
    assert (credentials["maxsize"], credentials["minsize"]) == (maxsize, "1")
    assert credentials["reset"] is db.keep_session
