"""Shared fixtures: a real database per test, the real app in-process, real subprocesses.

The suite runs on SQLite by default. With FORUM_TEST_DATABASE_URL set to a PostgreSQL URL
it runs on a fresh PostgreSQL database made for the session. Migrations are applied once
per session; each test then starts from empty tables (a copy of the migrated SQLite file,
or TRUNCATE on PostgreSQL).

Tests that need something this machine may lack (PostgreSQL, Chromium) skip with the
reason, unless FORUM_REQUIRE_ALL=1, under which such a skip is a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from forum import db
from forum.app import create_app
from forum.content.claim_eval import read_records
from forum.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CLAIM_CORPUS = ROOT / "tests" / "data" / "claims" / "all.jsonl"


def claim_corpus_texts() -> list[str]:
    """The texts of the team's labelled claim corpus: real comments of every shape."""
    with CLAIM_CORPUS.open(encoding="utf-8") as lines:
        return [record["text"] for record in read_records(lines)]


SEEDS = ROOT / "seeds"
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_SECRET = "test-secret-key-not-for-production"
TABLES = ("moderation_action", "report", "comment", "thread", "api_token", "moderator")
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def require_or_skip(reason: str) -> None:
    """Skip with `reason`, or fail when FORUM_REQUIRE_ALL=1 says everything must run."""
    if os.environ.get("FORUM_REQUIRE_ALL") == "1":
        pytest.fail(f"FORUM_REQUIRE_ALL=1 but: {reason}")
    pytest.skip(reason)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def asyncpg_dsn(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


async def postgres_available(url: str) -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        conn = await asyncio.wait_for(asyncpg.connect(asyncpg_dsn(url)), timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {url} is not reachable ({exc.__class__.__name__}: {exc})"
    await conn.close()
    return None


async def create_postgres_database(server_url: str) -> str:
    name = f"forum_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server_url, name)


async def drop_postgres_database(server_url: str, database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    conn = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test, dropped after; skips (or fails under
    FORUM_REQUIRE_ALL=1) when the server is not there."""
    server = os.environ.get("FORUM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    reason = await postgres_available(server)
    if reason:
        require_or_skip(reason)
    url = await create_postgres_database(server)
    try:
        yield url
    finally:
        await drop_postgres_database(server, url)


def make_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=TEST_SECRET,
        seeds_dir=SEEDS,
        post_rate=None,  # tests of the limits set their own
    )


@pytest.fixture(scope="session")
async def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A migrated database for the session: a SQLite template file or a PostgreSQL db."""
    server_url = os.environ.get("FORUM_TEST_DATABASE_URL", "")
    if not server_url:
        template = tmp_path_factory.mktemp("template") / "forum.sqlite3"
        await db.migrate(make_settings(template.parent, f"sqlite://{template}"))
        yield f"sqlite://{template}"
        return
    reason = await postgres_available(server_url)
    if reason:
        pytest.fail(f"FORUM_TEST_DATABASE_URL is set but {reason}")
    url = await create_postgres_database(server_url)
    await db.migrate(make_settings(tmp_path_factory.mktemp("pg"), url))
    yield url
    await drop_postgres_database(server_url, url)


@pytest.fixture
async def settings(migrated_database: str, tmp_path: Path) -> Settings:
    """Settings for one test, on empty, migrated tables."""
    if migrated_database.startswith("sqlite://"):
        target = tmp_path / "forum.sqlite3"
        shutil.copyfile(migrated_database.removeprefix("sqlite://"), target)
        return make_settings(tmp_path, f"sqlite://{target}")
    conn = await asyncpg.connect(asyncpg_dsn(migrated_database))
    try:
        await conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
    return make_settings(tmp_path, migrated_database)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    """Tortoise connected to the test database for the duration of the test."""
    context = await db.start(settings)
    try:
        yield settings
    finally:
        await db.stop(context)


@pytest.fixture
async def client(database: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, in-process. ASGITransport skips the lifespan, so `database` starts
    Tortoise instead."""
    app = create_app(database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def forum_env(settings: Settings) -> dict[str, str]:
    """Environment for a `forum` subprocess that uses the test's database and data folder."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FORUM_") or k == "FORUM_REQUIRE_ALL"
    }
    env.update(
        FORUM_DATA_DIR=str(settings.data_dir),
        FORUM_DATABASE_URL=settings.database_url,
        FORUM_SEEDS_DIR=str(SEEDS),
    )
    return env


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler for the tests' little web servers: no access log on stderr."""

    def send_body(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


class MinutesPage(QuietHandler):
    """A source page a comment can cite: /minutes answers 200, anything else 404."""

    def do_GET(self) -> None:
        status = 200 if self.path == "/minutes" else 404
        self.send_body(
            status,
            b"<html><body>Council minutes, 3 May 2019</body></html>",
            Content_Type="text/html",
        )


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A plain HTTP server on a free 127.0.0.1 port, in a thread; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
