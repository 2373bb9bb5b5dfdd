"""The thread read cache: a warm read costs one query, and no change is ever served stale."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys

import pytest

from forum.models import Comment, CommentStatus, Moderator, Thread
from forum.services import accounts, moderation, threads
from forum.services.comments import (
    NewComment,
    add_source,
    delete_comment,
    edit_comment,
    post_comment,
)
from forum.services.readcache import GatheredLookups, ThreadCache, VersionSource, etag
from forum.sql import thread_versions
from tests.conftest import MinutesPage, http_server
from tests.test_queries import counting

pytestmark = pytest.mark.usefixtures("database")


def texts(tree: list[dict]) -> list[str]:
    out = []
    for node in tree:
        out.append(node["html"])
        out += texts(node["replies"])
    return out


def find(tree: list[dict], comment_id: int) -> dict | None:
    for node in tree:
        if node["id"] == comment_id:
            return node
        found = find(node["replies"], comment_id)
        if found:
            return found
    return None


async def read(client, thread: Thread) -> dict:
    """The thread as the API serves it, after checking its count badge agrees with the rows.

    The count is stored on the thread and recounted with each version bump, so every
    change this file walks through also proves the count did not drift.
    """
    response = await client.get(f"/api/v1/threads/{thread.id}")
    assert response.status_code == 200
    visible = await Comment.filter(thread_id=thread.id, status=CommentStatus.VISIBLE).count()
    counts = await client.get("/api/v1/counts", params={"id": thread.id})
    assert counts.json()["counts"] == {str(thread.id): visible}
    listed = (await client.get("/api/v1/threads")).json()["threads"]
    assert [t["comment_count"] for t in listed if t["id"] == thread.id] == [visible]
    return response.json()


async def test_a_warm_read_costs_one_query_and_hits_the_cache(client):
    thread = await threads.create_thread(title="Cached", body_html="", import_key="rc1")
    for i in range(30):
        await post_comment(thread, NewComment(text=f"comment {i}"))
    cache = client._transport.app.state.thread_cache
    await read(client, thread)
    hits = cache.hits
    with counting() as queries:
        again = (await client.get(f"/api/v1/threads/{thread.id}")).json()
    assert len(again["comments"]) == 30
    assert cache.hits == hits + 1
    # The version lookup at most (SQLite answers it on a connection of its own).
    assert len(queries) <= 1 and all("VERSION" in q for q in queries)


async def test_no_change_is_ever_served_stale(client):
    """Every service that changes what readers see, each followed by a read."""
    moderator: Moderator = await accounts.create_moderator("mia", "a long enough password")
    thread = await threads.create_thread(title="Fresh", body_html="", import_key="rc2")
    first = await post_comment(thread, NewComment(text="First words."))
    await read(client, thread)  # cached now

    second = await post_comment(thread, NewComment(text="A reply.", parent_id=first.id))
    assert "<p>A reply.</p>" in texts((await read(client, thread))["comments"])

    await edit_comment(thread, second.id, "A reply, edited.", window_seconds=900)
    assert "<p>A reply, edited.</p>" in texts((await read(client, thread))["comments"])

    await moderation.act(moderator, first.id, moderation.Action.REQUEST_SOURCE, "Which?")
    node = find((await read(client, thread))["comments"], first.id)
    assert node["source_requested"] and node["moderator_note"] == "Which?"

    with http_server(MinutesPage) as site:
        await add_source(thread, first.id, f"{site}/minutes", "", allow_private=True)
    node = find((await read(client, thread))["comments"], first.id)
    assert [s["url"] for s in node["sources"]] == [f"{site}/minutes"]

    await moderation.act(moderator, second.id, moderation.Action.HIDE, "rude")
    assert "<p>A reply, edited.</p>" not in texts((await read(client, thread))["comments"])

    await moderation.act(moderator, second.id, moderation.Action.RESTORE)
    assert "<p>A reply, edited.</p>" in texts((await read(client, thread))["comments"])

    await delete_comment(thread, second.id, window_seconds=900)
    assert "<p>A reply, edited.</p>" not in texts((await read(client, thread))["comments"])

    held = await post_comment(thread, NewComment(text="Held back."), status=CommentStatus.PENDING)
    assert "<p>Held back.</p>" not in texts((await read(client, thread))["comments"])
    await moderation.act(moderator, held.id, moderation.Action.APPROVE)
    assert "<p>Held back.</p>" in texts((await read(client, thread))["comments"])


def test_the_cache_evicts_least_recently_used_by_size():
    cache = ThreadCache(max_bytes=10)
    cache.put(("a",), b"12345")
    cache.put(("b",), b"12345")
    assert cache.get(("a",)) is not None  # a is now the most recent
    cache.put(("c",), b"12345")
    assert cache.get(("b",)) is None and cache.get(("a",)) and cache.get(("c",))
    big = cache.put(("d",), b"x" * 11)
    assert big.etag and cache.get(("d",)) is None and len(cache) == 2


async def test_sqlite_versions_come_fresh_from_a_connection_of_their_own(database):
    """Commits from the pool and from another process alike are seen at once."""
    if not database.database_url.startswith("sqlite://"):
        pytest.skip("the local read-only connection is SQLite's; PostgreSQL uses the pool")
    thread = await threads.create_thread(title="Versions", body_html="", import_key="rc3")
    source = VersionSource(database.database_url)
    try:
        with counting() as queries:
            assert await source.get(thread.id) == 0
            assert await source.get(thread.id + 1) is None
        assert queries == []  # not through the pool
        await post_comment(thread, NewComment(text="bump"))
        assert await source.get(thread.id) == 1
        other = sqlite3.connect(database.database_url.removeprefix("sqlite://"))
        with other:
            other.execute("UPDATE thread SET version = 41 WHERE id = ?", (thread.id,))
        other.close()
        assert await source.get(thread.id) == 41
    finally:
        source.close()
    missing = VersionSource(f"sqlite://{database.data_dir}/absent.sqlite3")
    assert await missing.get(thread.id) == 41  # no file: the pool answers


async def test_pooled_lookups_are_gathered_but_never_older_than_the_request():
    """While one lookup is out, every request that comes in waits for the next one, which
    asks for all their threads at once; none is answered by a query sent before it asked."""
    sent: list[list[int]] = []
    release: list[asyncio.Event] = []

    async def fetch(ids: list[int]) -> dict[int, int]:
        sent.append(sorted(ids))
        release.append(asyncio.Event())
        await release[-1].wait()
        return {i: len(sent) for i in ids if i != 404}  # the version is the query's number

    lookups = GatheredLookups(fetch)
    first = asyncio.create_task(lookups.get(1))
    await asyncio.sleep(0)
    later = [asyncio.create_task(lookups.get(i)) for i in (1, 2, 2, 404)]
    await asyncio.sleep(0)
    assert sent == [[1]]  # the later ones do not join the query already out
    release[0].set()
    assert await first == 1
    await asyncio.sleep(0)
    assert sent == [[1], [1, 2, 404]]  # one query for all four
    release[1].set()
    assert [await t for t in later] == [2, 2, 2, None]
    assert lookups.queries == 2


async def test_a_failed_pooled_lookup_fails_its_waiters_only():
    calls = 0

    async def fetch(ids: list[int]) -> dict[int, int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls == 1:
            raise ConnectionError("database went away")
        return dict.fromkeys(ids, 7)

    lookups = GatheredLookups(fetch)
    failing = asyncio.create_task(lookups.get(1))
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(lookups.get(2))
    fine = asyncio.create_task(lookups.get(3))
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(ConnectionError):
        await failing
    assert await fine == 7
    with pytest.raises(asyncio.CancelledError):
        await cancelled


async def test_versions_of_many_threads_in_one_query(database):
    one = await threads.create_thread(title="V one", body_html="", import_key="rv1")
    two = await threads.create_thread(title="V two", body_html="", import_key="rv2")
    await post_comment(two, NewComment(text="bump"))
    with counting() as queries:
        found = await thread_versions([one.id, two.id, two.id + 1000])
    assert found == {one.id: 0, two.id: 1} and len(queries) == 1


async def test_concurrent_reads_through_the_pool_see_every_post_made_before_them(client):
    """Reads that ask for the version through the pool (as on PostgreSQL), many at once,
    while comments are posted: a read that starts after a post was answered shows it."""
    app = client._transport.app
    app.state.versions.close()
    # A source for a server database: no local connection, every lookup goes to the pool.
    app.state.versions = VersionSource("postgres://unused")
    thread = await threads.create_thread(title="Busy", body_html="", import_key="rc4")
    await read(client, thread)
    done: list[int] = []

    async def reader() -> None:
        for _ in range(15):
            seen = list(done)  # posts answered before this read starts
            body = (await client.get(f"/api/v1/threads/{thread.id}")).json()
            ids = {c["id"] for c in body["comments"]}
            assert set(seen) <= ids, "a read missed a post made before it"

    async def poster() -> None:
        for i in range(12):
            comment = await post_comment(thread, NewComment(text=f"post {i}"))
            done.append(comment.id)
            await asyncio.sleep(0)

    await asyncio.gather(poster(), *(reader() for _ in range(8)))
    # 121 lookups; gathered, they took about 30 queries here.
    assert app.state.versions.pooled.queries < 8 * 15 // 2


def test_etags_follow_the_body_and_key_and_agree_between_processes():
    """Every worker must give the same body under the same key the same validator (or
    a reader moved between workers never gets a 304), and a change of either changes it."""
    body = b'{"comments": []}'
    assert etag(("api", 1, 7, None), body) == ThreadCache(1024).put(("api", 1, 7, None), body).etag
    other_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "from forum.services.readcache import etag;"
            " print(etag(('api', 1, 7, None), b'{\"comments\": []}'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout.strip()
    assert other_process == etag(("api", 1, 7, None), body)
    tags = {
        etag(("api", 1, 7, None), body),
        etag(("api", 1, 8, None), body),  # a new version of the same text
        etag(("api", 2, 7, None), body),
        etag(("api", 1, 7, None), body.replace(b"[]", b"[1]")),
        etag(("api", 1, 7, None), body.replace(b"[]", b"{}")),  # same length
    }
    assert len(tags) == 5
    assert all(t.startswith('"') and t.endswith('"') for t in tags)
