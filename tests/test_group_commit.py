"""Posts that wait for SQLite's connection at the same moment are committed together.

Each post keeps its own outcome: its row and its thread's bump land whole or not at all,
a post whose thread is gone fails alone, and a group that cannot get the writer lock
fails whole and writes nothing. The groups are real: concurrent posts share fewer
transactions than there are posts.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from forum.errors import Conflict
from forum.models import Comment, Thread
from forum.services import threads
from forum.services.comments import NewComment, post_comment
from forum.sql import raw_query
from forum.sqlite_thread import MAX_GROUP, group_for, write_together


@pytest.fixture
def sqlite_only(database):
    if not database.is_sqlite:
        pytest.skip("group commit is SQLite's; PostgreSQL writes a post in one statement")
    return database


def recent_groups() -> list[int]:
    return list(group_for(connections.get("default")).sizes)


async def post_many(target, texts: list[str]) -> list[object]:
    """Post all at once, as concurrent requests do; each post's id or exception."""
    return await asyncio.gather(
        *(post_comment(target, NewComment(text=t)) for t in texts), return_exceptions=True
    )


async def test_concurrent_posts_share_transactions_and_each_lands_whole(sqlite_only):
    thread = await threads.create_thread(title="Busy", body_html="", import_key="gc1")
    before = await Thread.get(id=thread.id)
    texts = [f"Comment number {i}" for i in range(30)]
    seen = len(recent_groups())
    results = await post_many(thread, texts)
    assert all(isinstance(r, Comment) for r in results), results
    # All thirty were waiting by the time the first write began: one transaction.
    assert recent_groups()[seen:] == [30]
    # Ids follow the order the posts were made in, and each is the row it names.
    ids = [r.id for r in results]
    assert ids == sorted(ids) and len(set(ids)) == 30
    stored = {c.id: c.text for c in await Comment.filter(thread_id=thread.id)}
    assert stored == dict(zip(ids, texts, strict=True))
    after = await Thread.get(id=thread.id)
    assert after.version == before.version + 30
    assert after.comment_count == before.comment_count + 30


async def test_a_group_holds_at_most_max_group_posts(sqlite_only):
    thread = await threads.create_thread(title="Flood", body_html="", import_key="gc2")
    seen = len(recent_groups())
    results = await post_many(thread, [f"Flood {i}" for i in range(MAX_GROUP + 6)])
    assert all(isinstance(r, Comment) for r in results)
    # Every post was waiting before the first group was written.
    assert recent_groups()[seen:] == [MAX_GROUP, 6]
    assert await Comment.filter(thread_id=thread.id).count() == MAX_GROUP + 6


async def test_a_post_whose_thread_is_gone_fails_alone_in_its_group(sqlite_only):
    kept = await threads.create_thread(title="Kept", body_html="", import_key="gc3")
    gone = await threads.create_thread(title="Gone", body_html="", import_key="gc4")
    gone_target = await threads.post_target(gone.id)
    await Thread.filter(id=gone.id).delete()
    seen = len(recent_groups())
    results = await asyncio.gather(
        post_comment(kept, NewComment(text="Before")),
        post_comment(gone_target, NewComment(text="Too late")),
        post_comment(kept, NewComment(text="After")),
        return_exceptions=True,
    )
    assert recent_groups()[seen:] == [3]
    first, failed, last = results
    assert isinstance(failed, Conflict) and "just removed" in failed.message
    assert isinstance(first, Comment) and isinstance(last, Comment)
    assert [c.text for c in await Comment.filter(thread_id=kept.id).order_by("id")] == [
        "Before",
        "After",
    ]
    assert await Comment.filter(text="Too late").count() == 0
    assert (await Thread.get(id=kept.id)).comment_count == 2


async def test_a_group_that_cannot_get_the_writer_lock_fails_whole_and_writes_nothing(
    sqlite_only, client
):
    thread = await threads.create_thread(title="Locked", body_html="", import_key="gc5")
    before = await Thread.get(id=thread.id)
    await raw_query("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(sqlite_only.database_url.removeprefix("sqlite://"), timeout=1)
    other.execute("BEGIN IMMEDIATE")
    try:
        url = f"/api/v1/threads/{thread.id}/comments"
        responses = await asyncio.gather(
            *(client.post(url, json={"text": f"Locked out {i}"}) for i in range(5))
        )
    finally:
        other.rollback()
        other.close()
        await raw_query("PRAGMA busy_timeout = 5000")
    assert [r.status_code for r in responses] == [503] * 5
    assert all("busy" in r.json()["error"]["message"] for r in responses)
    assert await Comment.filter(thread_id=thread.id).count() == 0
    assert (await Thread.get(id=thread.id)).version == before.version
    # The next post is written: a failed group leaves nothing behind to wait on.
    response = await client.post(url, json={"text": "Let in"})
    assert response.status_code == 201, response.text
    assert (await Thread.get(id=thread.id)).comment_count == 1


async def test_a_post_that_fails_after_its_first_statement_leaves_none_of_it(sqlite_only):
    """Each post runs in its own savepoint: a constraint broken by a later statement
    takes back the earlier ones of that post only."""
    a = await threads.create_thread(title="A", body_html="", import_key="gc6")
    b = await threads.create_thread(title="B", body_html="", import_key="gc7")
    conn = connections.get("default")
    clash = [
        ("UPDATE thread SET title = 'A changed' WHERE id = ?", [a.id]),
        ("UPDATE thread SET slug = ? WHERE id = ?", [b.slug, a.id]),  # slugs are unique
    ]
    fine = [("UPDATE thread SET title = 'B changed' WHERE id = ?", [b.id])]
    seen = len(recent_groups())
    failed, done = await asyncio.gather(
        write_together(conn, clash), write_together(conn, fine), return_exceptions=True
    )
    assert recent_groups()[seen:] == [2]
    assert isinstance(failed, IntegrityError) and not isinstance(done, BaseException)
    assert (await Thread.get(id=a.id)).title == "A"
    assert (await Thread.get(id=b.id)).title == "B changed"


async def test_a_post_cancelled_before_its_group_is_written_is_not_written(sqlite_only):
    thread = await threads.create_thread(title="Changed my mind", body_html="", import_key="gc8")
    tasks = [
        asyncio.create_task(post_comment(thread, NewComment(text=f"Post {i}"))) for i in range(3)
    ]
    await asyncio.sleep(0)  # each has rendered its post and is waiting for the connection
    tasks[1].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[1], asyncio.CancelledError)
    texts = [c.text for c in await Comment.filter(thread_id=thread.id).order_by("id")]
    assert texts == ["Post 0", "Post 2"]
    assert (await Thread.get(id=thread.id)).comment_count == 2
