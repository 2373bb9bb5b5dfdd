"""The hand-written hot paths agree with the general ones they replace.

The API builds a thread's JSON straight from stored rows, and a post writes its row and
its thread's bump in one trip to the database. Both skip the ORM; these tests hold them
to what the ORM path and `build_tree` give, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise import connections

from forum.errors import Conflict
from forum.models import Comment, CommentStatus, Thread
from forum.services import accounts, moderation, threads
from forum.services.comments import NewComment, add_source, delete_comment, post_comment
from forum.sql import json_time, raw_query
from forum.sqlite_thread import begin_immediate
from tests.conftest import MinutesPage, http_server

pytestmark = pytest.mark.usefixtures("database")


def api_node(node: threads.CommentNode) -> dict[str, Any]:
    """What the API served from a CommentNode before it read rows directly."""
    return {
        "id": node.id,
        "parent_id": node.parent_id,
        "author": None if node.removed else node.author,
        "html": node.html,
        "removed": node.removed,
        "created_at": node.created_at.isoformat(),
        "edited_at": node.edited_at.isoformat() if node.edited_at else None,
        "source_requested": node.source_requested,
        "moderator_note": node.moderator_note or None,
        "sources": [{"url": s["url"], "reachable": s["reachable"]} for s in node.sources],
        "replies": [api_node(reply) for reply in node.replies],
    }


async def test_the_api_tree_matches_build_tree_through_every_state(client):
    thread = await threads.create_thread(title="Every state", body_html="", import_key="hp1")
    mod = await accounts.create_moderator("hugo", "a long enough password")

    async def post(text: str, parent: Comment | None = None, **extra: Any) -> Comment:
        new = NewComment(text=text, author="Ann", parent_id=parent.id if parent else None)
        return await post_comment(thread, new, **extra)

    root = await post("The bridge cost 40 million pounds in 2019.")
    withdrawn = await post("I take this back.", root)
    under_withdrawn = await post("Replying to the withdrawn one.", withdrawn)
    hidden = await post("Hidden by a moderator.")
    await post("Under the hidden one.", hidden)
    await post("Hidden and alone.")  # dropped: removed, with no visible reply
    await post("Waiting for approval.", status=CommentStatus.PENDING)
    old = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)  # no microseconds: a shorter stamp
    await post("Posted long ago.", root, created_at=old)
    sourced = await post("Unemployment fell to 3.5% last year.")

    with http_server(MinutesPage) as base:
        await add_source(thread, sourced.id, f"{base}/minutes", "the minutes", allow_private=True)
    await moderation.act(mod, root.id, moderation.Action.REQUEST_SOURCE, "Which report?")
    await moderation.act(mod, hidden.id, moderation.Action.HIDE, "off topic")
    alone = await Comment.get(text="Hidden and alone.")
    await moderation.act(mod, alone.id, moderation.Action.HIDE, "off topic")
    await delete_comment(thread, withdrawn.id, window_seconds=900)

    served = (await client.get(f"/api/v1/threads/{thread.id}")).json()["comments"]
    expected = [api_node(n) for n in await threads.comment_tree(thread)]
    assert served == expected
    # The cases are really there, so the equality above covers them.
    flat = {n["id"]: n for n in _walk(served)}
    assert flat[withdrawn.id]["removed"] and flat[withdrawn.id]["author"] is None
    assert under_withdrawn.id in {r["id"] for r in flat[withdrawn.id]["replies"]}
    assert flat[hidden.id]["removed"] and flat[hidden.id]["html"] == ""
    assert flat[root.id]["source_requested"] and flat[root.id]["moderator_note"]
    assert flat[sourced.id]["sources"][0]["url"].endswith("/minutes")
    assert "Hidden and alone." not in str(served) and "Waiting" not in str(served)
    assert len(flat) == 7
    stamps = [n["created_at"] for n in flat.values()]
    assert "2020-01-02T03:04:05+00:00" in stamps
    assert all(datetime.fromisoformat(s).tzinfo is not None for s in stamps)


def _walk(nodes: list[dict]) -> list[dict]:
    out = []
    for node in nodes:
        out += [node, *_walk(node["replies"])]
    return out


def test_stored_times_come_out_as_isoformat_gives_them():
    when = datetime(2026, 11, 23, 16, 51, 10, 123456, tzinfo=UTC)
    assert json_time(str(when)) == when.isoformat()
    assert json_time(str(when.replace(microsecond=0))) == "2026-11-23T16:51:10+00:00"
    # Anything else stored as text is parsed, not sliced.
    assert json_time("2026-11-23T17:51:10+01:00") == "2026-11-23T17:51:10+01:00"
    assert json_time("2026-11-23 16:51:10") == "2026-11-23T16:51:10"
    assert json_time(when) is when and json_time(None) is None


async def test_times_stored_in_any_form_come_out_as_isoformat_gives_them(client, database):
    """On SQLite the JSON read slices Tortoise's stored text into ISO form rather than
    parse it. Text in any other form (a row written by hand or by another tool) still
    comes out exactly as parsing it would give, on the whole thread and on a page."""
    if not database.is_sqlite:
        pytest.skip("only SQLite stores times as text; PostgreSQL hands back datetimes")
    thread = await threads.create_thread(title="Stamps", body_html="", import_key="hp6")
    stamps = [
        "2026-11-23 16:51:10.123456+00:00",  # as Tortoise stores it
        "2026-11-23 16:51:11+00:00",  # the same, no microseconds
        "2026-11-23 16:51:10.5+00:00",  # short fraction: isoformat pads it
        "2026-11-23 17:00:00",  # no offset
        "2026-11-23T18:00:00+01:00",  # another offset, already with a T
        "2026-11-23 16:51:12.000001+05:30",  # the canonical length, another offset
    ]
    ids = []
    for i, stamp in enumerate(stamps):
        comment = await post_comment(thread, NewComment(text=f"Stamp {i}"))
        await raw_query(
            "UPDATE comment SET created_at = $1, edited_at = $1 WHERE id = $2", stamp, comment.id
        )
        ids.append(comment.id)
    parsed = [datetime.fromisoformat(stamp).isoformat() for stamp in stamps]
    expected = dict(zip(ids, parsed, strict=True))
    assert expected[ids[2]] == "2026-11-23T16:51:10.500000+00:00"
    for query in ("", "?limit=50"):
        served = (await client.get(f"/api/v1/threads/{thread.id}{query}")).json()["comments"]
        assert {n["id"]: n["created_at"] for n in served} == expected, query
        assert {n["id"]: n["edited_at"] for n in served} == expected, query


async def test_a_post_writes_its_row_and_bump_together():
    thread = await threads.create_thread(title="One trip", body_html="", import_key="hp2")
    target = await threads.post_target(thread.id)
    before = await Thread.get(id=thread.id)
    later = datetime.now(UTC) + timedelta(minutes=5)
    comment = await post_comment(target, NewComment(text="First!"), created_at=later)
    stored = await Comment.get(id=comment.id)
    assert (stored.thread_id, stored.text, stored.created_at) == (thread.id, "First!", later)
    after = await Thread.get(id=thread.id)
    assert after.version == before.version + 1
    assert after.comment_count == before.comment_count + 1
    assert after.last_activity_at == later == target.last_activity_at
    # The returned row is saved: changing it updates that row and adds none.
    comment.moderator_note = "noted"
    await comment.save(update_fields=["moderator_note"])
    assert await Comment.filter(thread_id=thread.id).count() == 1
    assert (await Comment.get(id=comment.id)).moderator_note == "noted"


async def test_a_pending_post_bumps_the_version_but_not_the_count_or_activity():
    thread = await threads.create_thread(title="Held", body_html="", import_key="hp3")
    before = await Thread.get(id=thread.id)
    await post_comment(thread, NewComment(text="Hold me"), status=CommentStatus.PENDING)
    after = await Thread.get(id=thread.id)
    assert after.version == before.version + 1
    assert (after.comment_count, after.last_activity_at) == (0, before.last_activity_at)


async def test_a_post_to_a_thread_deleted_meanwhile_is_a_conflict_and_writes_nothing(client):
    thread = await threads.create_thread(title="Gone soon", body_html="", import_key="hp4")
    target = await threads.post_target(thread.id)
    await Thread.filter(id=thread.id).delete()
    with pytest.raises(Conflict, match="just removed"):
        await post_comment(target, NewComment(text="Too late"))
    assert await Comment.filter(text="Too late").count() == 0
    # Over HTTP the thread is simply not there any more.
    response = await client.post(f"/api/v1/threads/{thread.id}/comments", json={"text": "x"})
    assert response.status_code == 404
    assert "no thread" in response.json()["error"]["message"]


async def test_a_post_waits_for_a_writer_lock_taken_by_another_process(client, database):
    """The lock is released while the post waits for it: the post goes through whole,
    and the connection's busy timeout is what it was before the wait."""
    if not database.is_sqlite:
        pytest.skip("SQLite's single writer lock; PostgreSQL locks rows, not the database")
    thread = await threads.create_thread(title="Briefly locked", body_html="", import_key="hp6")
    other = sqlite3.connect(
        database.database_url.removeprefix("sqlite://"), timeout=1, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.05, other.rollback)
    released.start()
    try:
        url = f"/api/v1/threads/{thread.id}/comments"
        response = await client.post(url, json={"text": "Waited my turn"})
    finally:
        released.join()
        other.close()
    assert response.status_code == 201, response.text
    assert (await Thread.get(id=thread.id)).comment_count == 1
    assert (await raw_query("PRAGMA busy_timeout"))[0][0] == 5000


async def test_a_pooled_connection_comes_back_without_an_open_transaction(database):
    """asyncpg's pool no longer runs its reset statements on release (`keep_session`),
    but a transaction left open on a connection is still rolled back before the next
    query gets it: nothing half-done leaks into another request."""
    if database.is_sqlite:
        pytest.skip("asyncpg's pool: PostgreSQL only")
    conn = connections.get("default")
    for _ in range(3):  # more releases than the pool has idle connections to hand out
        async with conn.acquire_connection() as pooled:
            await pooled.execute("BEGIN")
            await pooled.execute(
                "INSERT INTO thread (slug, title, body_html, import_key, status, created_at,"
                " updated_at, last_activity_at, premoderated) VALUES ('left-open', 't', '',"
                " 'k', 'open', now(), now(), now(), false)"
            )
    assert await Thread.filter(slug="left-open").count() == 0
    async with conn.acquire_connection() as pooled:
        assert not pooled.is_in_transaction()
    created = await threads.create_thread(title="After", body_html="", import_key="after")
    assert await Thread.filter(id=created.id).exists()


def test_waiting_for_the_writer_lock_gives_up_at_the_busy_timeout_and_restores_it(tmp_path):
    path = tmp_path / "lock.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0.08)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(waiter)
    assert waiter.execute("PRAGMA busy_timeout").fetchone() == (80,)
    holder.execute("ROLLBACK")
    begin_immediate(waiter)
    assert waiter.in_transaction
    # Any other error is raised at once, and the timeout is put back all the same.
    with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
        begin_immediate(waiter)
    assert waiter.execute("PRAGMA busy_timeout").fetchone() == (80,)
    waiter.execute("ROLLBACK")
    holder.close()
    waiter.close()


async def test_a_post_that_waits_out_sqlites_writer_lock_is_a_503_and_writes_nothing(
    client, database
):
    """Another process holding SQLite's one writer lock past the busy timeout: the post
    is answered 503 with Retry-After, nothing is half-written, and it goes through once
    the lock is free."""
    if not database.is_sqlite:
        pytest.skip("SQLite's single writer lock; PostgreSQL locks rows, not the database")
    thread = await threads.create_thread(title="Locked", body_html="", import_key="hp5")
    before = await Thread.get(id=thread.id)
    await raw_query("PRAGMA busy_timeout = 200")  # the pool's one connection, in ms
    other = sqlite3.connect(database.database_url.removeprefix("sqlite://"), timeout=1)
    try:
        other.execute("BEGIN IMMEDIATE")
        url = f"/api/v1/threads/{thread.id}/comments"
        response = await client.post(url, json={"text": "Waiting for the lock"})
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "busy"
        assert response.headers["retry-after"] == "2"
    finally:
        other.rollback()
        other.close()
        await raw_query("PRAGMA busy_timeout = 5000")
    assert await Comment.filter(thread_id=thread.id).count() == 0
    assert (await Thread.get(id=thread.id)).version == before.version
    response = await client.post(url, json={"text": "Now it goes through"})
    assert response.status_code == 201
    assert (await Thread.get(id=thread.id)).comment_count == 1
