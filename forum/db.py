"""Tortoise configuration, start/stop, and the migration runner.

One app label (`forum`) holds every model; its migration history is the top-level
`migrations/` folder, importable as `forum.migrations` (see pyproject's package-dir).
"""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as tortoise_migrate

from forum.settings import Settings, database_url_from_env

APP_LABEL = "forum"
MODELS_MODULE = "forum.models"
MIGRATIONS_MODULE = "forum.migrations"
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "asyncpg://")
# pg_advisory_lock key for start-up work; any constant unlikely to clash with another app.
STARTUP_LOCK_KEY = 0x666F72756D  # "forum"


def _with_defaults(url: str, pool_size: int) -> str:
    """The connection settings forum wants, unless the URL already says otherwise.

    PostgreSQL: asyncpg's pool sized from settings. SQLite: `synchronous=NORMAL`, the
    setting SQLite's own documentation gives for WAL mode. A commit then waits for the
    write-ahead log but not for an fsync, which made each posted comment's commit the
    largest part of its cost. A commit survives the process crashing. A power cut may
    lose the last moments of commits, never the database; `?synchronous=FULL` restores
    an fsync per commit.
    """
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if url.startswith(POSTGRES_SCHEMES):
        query.setdefault("maxsize", str(pool_size))
        query.setdefault("minsize", "1")
    elif url.startswith("sqlite://") and ":memory:" not in url:
        query.setdefault("synchronous", "NORMAL")
    else:
        return url
    return urlunsplit(parts._replace(query=urlencode(query)))


async def keep_session(connection: asyncpg.Connection) -> None:
    """What asyncpg's pool does to a connection it takes back, beyond rolling back a
    transaction left open (which it still does before calling this): nothing.

    Its default reset sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    on every release: a round trip, and work for the PostgreSQL backend, after every
    query outside a transaction. A post makes two, a cached read's version lookup one.
    Neither forum nor Tortoise leaves session state on a pooled connection to undo: no
    SET (the connection's startup settings are its session defaults, which RESET ALL
    would return to anyway), no LISTEN, no session advisory lock (the start-up lock has
    a connection of its own) and no cursor held past a transaction.
    """


def _connection(database_url: str, pool_size: int) -> str | dict[str, Any]:
    """A URL for Tortoise, or for PostgreSQL the dict it expands to, which can carry
    `keep_session` to asyncpg's pool (a URL cannot carry a function)."""
    url = _with_defaults(database_url, pool_size)
    if not url.startswith(POSTGRES_SCHEMES):
        return url
    config = expand_db_url(url)
    config["credentials"]["reset"] = keep_session
    return config


def tortoise_config(database_url: str, pool_size: int = 10) -> dict[str, Any]:
    """The Tortoise config dict for a database URL."""
    return {
        "connections": {"default": _connection(database_url, pool_size)},
        "apps": {
            APP_LABEL: {
                "models": [MODELS_MODULE],
                "migrations": MIGRATIONS_MODULE,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Read by `python -m tortoise makemigrations` through [tool.tortoise] in pyproject.toml.
TORTOISE_ORM = tortoise_config(database_url_from_env())


def _prepare_sqlite_folder(database_url: str) -> None:
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        Path(database_url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


async def start(settings: Settings) -> TortoiseContext:
    """Connect Tortoise for this process.

    The global fallback makes the context visible to request tasks that uvicorn starts
    outside the lifespan task, which contextvars alone would not reach.
    """
    _prepare_sqlite_folder(settings.database_url)
    return await Tortoise.init(
        config=tortoise_config(settings.database_url, settings.db_pool_size),
        _enable_global_fallback=True,
    )


async def stop(context: TortoiseContext | None = None) -> None:
    """Close every connection; safe to call twice."""
    if context is not None:
        await context.close_connections()
    await Tortoise.close_connections()


@asynccontextmanager
async def startup_lock(settings: Settings) -> AsyncIterator[None]:
    """One process at a time through start-up work (migrating, importing the seeds).

    Several app processes, on one machine or many, may start at once against one
    database; without this each would try to apply the same migrations and import the
    same seeds, and all but one would fail half-way. PostgreSQL gets a session advisory
    lock (released when its connection closes, even if the process dies); SQLite, which
    only one machine can share, gets an exclusive lock on a file beside the database.
    """
    url = settings.database_url
    if url.startswith(POSTGRES_SCHEMES):
        dsn = "postgresql://" + urlsplit(url)._replace(query="").geturl().split("://", 1)[1]
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("SELECT pg_advisory_lock($1)", STARTUP_LOCK_KEY)
            yield
        finally:
            await conn.close()
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with (settings.data_dir / "startup.lock").open("w") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def migrate(settings: Settings) -> None:
    """Apply pending migrations; a no-op on an up-to-date database."""
    _prepare_sqlite_folder(settings.database_url)
    try:
        await tortoise_migrate(config=tortoise_config(settings.database_url, settings.db_pool_size))
    finally:
        await Tortoise.close_connections()
