"""Two reference servers on forum's own stack, to say how far forum is from the floor.

- `ceiling_app`: Starlette answering the thread-read route with precomputed bytes (forum's
  own JSON for the benchmark thread). Nothing can serve that route faster on this stack:
  it is the "bare-framework ceiling" of the issue.
- `raw_app`: the least work a cold thread read can do: one aiosqlite connection per
  worker, opened at start-up, one ordered query for the thread's comments (the same
  columns forum reads), the reply tree built from the rows in one pass, serialised with
  orjson when it is installed. It reads forum's own database file.

Run under uvicorn with `--factory`, from the reference venv `servers.py` prepares (forum's
versions of Starlette, uvicorn[standard] and aiosqlite, plus orjson):

    BENCH_BODY_FILE=body.json uvicorn reference:ceiling_app --factory --app-dir benchmarks
    BENCH_DB=data/forum.sqlite3 uvicorn reference:raw_app --factory --app-dir benchmarks
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

try:
    import orjson

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value)

    SERIALISER = "orjson"
except ImportError:  # the reference venv could not be made: say so in the results

    def dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()

    SERIALISER = "json"

THREAD_SQL = "SELECT id, slug, title, url, body_html, last_activity_at FROM thread WHERE id = ?"
COMMENTS_SQL = (
    "SELECT id, parent_id, author, html, status, created_at, edited_at, claim_state,"
    " moderator_note, sources FROM comment WHERE thread_id = ? ORDER BY created_at, id"
)


def ceiling_app() -> Starlette:
    body = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()

    async def thread(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/api/v1/threads/{id:int}", thread)])


def _tree(rows: list[tuple]) -> list[dict[str, Any]]:
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for row in rows:
        visible = row[4] == "visible"
        node = {
            "id": row[0],
            "parent_id": row[1],
            "author": row[2] if visible else None,
            "html": row[3] if visible else "",
            "removed": not visible,
            "created_at": row[5],
            "edited_at": row[6],
            "source_requested": row[7] == "source_requested",
            "moderator_note": row[8] or None,
            "sources": json.loads(row[9]) if visible else [],
            "replies": [],
        }
        nodes[row[0]] = node
        parent = nodes.get(row[1]) if row[1] else None
        (parent["replies"] if parent else roots).append(node)
    return roots


def raw_app() -> Starlette:
    import aiosqlite

    path = os.environ["BENCH_DB"]
    state: dict[str, aiosqlite.Connection] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["db"] = await aiosqlite.connect(path)
        try:
            yield
        finally:
            await state["db"].close()

    async def thread(request: Request) -> Response:
        db = state["db"]
        thread_id = request.path_params["id"]
        async with db.execute(THREAD_SQL, (thread_id,)) as cursor:
            head = await cursor.fetchone()
        if head is None:
            return Response(status_code=404)
        async with db.execute(COMMENTS_SQL, (thread_id,)) as cursor:
            rows = await cursor.fetchall()
        keys = ("id", "slug", "title", "url", "body_html", "last_activity_at")
        body = {**dict(zip(keys, head, strict=True)), "comments": _tree(list(rows))}
        return Response(dumps(body), media_type="application/json")

    return Starlette(routes=[Route("/api/v1/threads/{id:int}", thread)], lifespan=lifespan)


APPS: dict[str, Callable[[], Starlette]] = {"ceiling": ceiling_app, "raw": raw_app}
