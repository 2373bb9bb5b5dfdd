"""A thread through the API a page at a time: the pages add up to the whole thread."""

from __future__ import annotations

import base64
import json

import pytest

from forum.models import Comment
from forum.services import accounts, moderation, threads
from forum.services.comments import NewComment, delete_comment, post_comment
from tests.test_queries import counting

pytestmark = pytest.mark.usefixtures("database")


async def conversation(title: str = "Paged") -> tuple[int, list[int]]:
    """Seven top-level comments with replies two deep; one top-level comment withdrawn
    with a reply still under it, one hidden with none (so it drops out of its page)."""
    thread = await threads.create_thread(title=title, body_html="", import_key=title)
    mod = await accounts.create_moderator(f"mod-{title}", "a long enough password")
    roots = []
    for i in range(7):
        root = await post_comment(thread, NewComment(text=f"root {i}"))
        roots.append(root.id)
        if i % 2 == 0:
            reply = await post_comment(thread, NewComment(text=f"reply {i}", parent_id=root.id))
            await post_comment(thread, NewComment(text=f"deeper {i}", parent_id=reply.id))
    await post_comment(thread, NewComment(text="late reply to root 1", parent_id=roots[1]))
    await delete_comment(thread, roots[2], window_seconds=900)
    await moderation.act(mod, roots[5], moderation.Action.HIDE, "spam")
    return thread.id, roots


async def pages(client, thread_id: int, limit: int) -> list[dict]:
    found, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"/api/v1/threads/{thread_id}", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        found.append(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return found


async def test_pages_add_up_to_the_whole_thread(client):
    thread_id, roots = await conversation()
    whole = (await client.get(f"/api/v1/threads/{thread_id}")).json()
    assert whole["next_cursor"] is None
    assert [c["id"] for c in whole["comments"]] == [r for r in roots if r != roots[5]]

    for limit in (1, 2, 3, 7, 200):
        got = await pages(client, thread_id, limit)
        assert len(got) == -(-7 // limit)  # every top-level comment counts, shown or not
        assert [c for page in got for c in page["comments"]] == whole["comments"]
        assert all(len(page["comments"]) <= limit for page in got)
        assert all(page["title"] == "Paged" and page["id"] == thread_id for page in got)
    # The hidden one left a page short; the withdrawn one kept its reply.
    two = await pages(client, thread_id, 2)
    assert [c["id"] for c in two[2]["comments"]] == [roots[4]]
    withdrawn = next(c for c in whole["comments"] if c["id"] == roots[2])
    assert withdrawn["removed"] and withdrawn["replies"][0]["replies"][0]["html"]


async def test_a_page_costs_three_queries_however_deep(client):
    thread_id, _ = await conversation("Deep")
    cursor = None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        with counting() as queries:
            body = (await client.get(f"/api/v1/threads/{thread_id}", params=params)).json()
        reads = [q for q in queries if "VERSION FROM THREAD" not in q]
        # The thread, its next top-level comments, their replies (one recursive query).
        assert len(reads) == 3, queries
        assert "WITH RECURSIVE" in reads[2]
        cursor = body["next_cursor"]


async def test_a_new_reply_shows_on_its_page_at_once(client):
    thread_id, roots = await conversation("Fresh")
    first = (await client.get(f"/api/v1/threads/{thread_id}", params={"limit": 2})).json()
    thread = await threads.post_target(thread_id)
    reply = await post_comment(thread, NewComment(text="new", parent_id=roots[0]))
    again = (await client.get(f"/api/v1/threads/{thread_id}", params={"limit": 2})).json()
    assert reply.id in {r["id"] for r in again["comments"][0]["replies"]}
    assert reply.id not in {r["id"] for r in first["comments"][0]["replies"]}
    assert first["next_cursor"] == again["next_cursor"]


def cursor_of(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "two"}, "limit"),
        ({"limit": "²"}, "limit"),
        ({"cursor": cursor_of(["2026-01-01T00:00:00+00:00", 3])}, "cursor"),
        ({"limit": "5", "cursor": "not a cursor"}, "cursor"),
        ({"limit": "5", "cursor": cursor_of(["2026-01-01T00:00:00+00:00", 2**40])}, "cursor"),
        ({"limit": "5", "cursor": cursor_of(["2026-01-01T00:00:00", 3])}, "cursor"),
        ({"limit": "5", "cursor": cursor_of(["yesterday", 3])}, "cursor"),
        ({"limit": "5", "cursor": cursor_of({"at": 3})}, "cursor"),
    ],
)
async def test_bad_paging_is_a_clear_422(client, params, field):
    thread_id, _ = await conversation("Bad")
    response = await client.get(f"/api/v1/threads/{thread_id}", params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and error["message"]
    assert await Comment.filter(thread_id=thread_id).count() == 16  # nothing touched
