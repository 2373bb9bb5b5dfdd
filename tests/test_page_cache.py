"""The thread page's comment list, rendered once for every reader: never stale, and each
reader's forms carry their own CSRF token; a poster's own view is rendered for them."""

from __future__ import annotations

import re

import httpx
import pytest

from forum.models import Moderator, Thread
from forum.services import accounts, moderation, threads
from forum.services.comments import NewComment, edit_comment, post_comment
from forum.web import pages
from tests.test_commenting import csrf, post
from tests.test_queries import counting

pytestmark = pytest.mark.usefixtures("database")

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def thread() -> Thread:
    thread = await threads.create_thread(
        title="Cached page", body_html="<p>The post.</p>", import_key="test:page-cache"
    )
    first = await post_comment(thread, NewComment(text="First *words*.", author="Ann"))
    await post_comment(thread, NewComment(text="A reply.", parent_id=first.id))
    return await Thread.get(id=thread.id)


async def page(http, thread: Thread, **params: str) -> str:
    response = await http.get(f"/t/{thread.slug}", params=params)
    assert response.status_code == 200
    return response.text


async def test_a_second_reader_is_served_the_cached_list(client, thread):
    cache = client._transport.app.state.thread_cache
    first = await page(client, thread)
    hits = cache.hits
    with counting() as queries:
        again = await page(client, thread)
    assert again == first and cache.hits == hits + 1
    assert len(queries) == 1 and 'FROM "THREAD"' in queries[0].replace("`", '"'), queries
    assert "<em>words</em>" in again and "A reply." in again


async def test_no_change_is_ever_served_stale(client, thread):
    moderator: Moderator = await accounts.create_moderator("pia", "a long enough password")
    await page(client, thread)  # cached now
    root = (await threads.comment_tree(thread))[0]
    reply = root.replies[0]

    added = await post_comment(thread, NewComment(text="Brand new.", parent_id=root.id))
    assert "Brand new." in await page(client, thread)
    await edit_comment(thread, added.id, "Brand new, edited.", window_seconds=900)
    assert "Brand new, edited." in await page(client, thread)
    await moderation.act(moderator, reply.id, moderation.Action.HIDE, "rude")
    assert "A reply." not in await page(client, thread)
    await moderation.act(moderator, root.id, moderation.Action.REQUEST_SOURCE, "Which one?")
    shown = await page(client, thread)
    assert "Source requested" in shown and "Which one?" in shown
    # Each order is cached apart from the other.
    await post_comment(thread, NewComment(text="Second root."))
    oldest, newest = await page(client, thread), await page(client, thread, sort="newest")
    assert oldest.index("First <em>words</em>") < oldest.index("Second root.")
    assert newest.index("Second root.") < newest.index("First <em>words</em>")
    async with another_reader(client) as other:
        assert "Brand new, edited." in await page(other, thread)


def another_reader(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """A second browser (its own cookies) on the same app, so on the same cache."""
    return httpx.AsyncClient(transport=client._transport, base_url=client.base_url)


async def test_each_reader_gets_their_own_csrf_token(client, thread):
    async with another_reader(client) as other:
        mine, theirs = await page(client, thread), await page(other, thread)
        my_tokens, their_tokens = set(TOKEN.findall(mine)), set(TOKEN.findall(theirs))
        assert my_tokens == {client.cookies["forum_csrf"]}
        assert their_tokens == {other.cookies["forum_csrf"]} and my_tokens != their_tokens
        assert pages._TOKEN_SLOT not in mine + theirs and pages._LIST_SLOT not in mine + theirs
        # The token in a cached report form is one the server accepts from that reader.
        comment_id = re.search(r'id="c(\d+)"', theirs).group(1)
        reported = await other.post(
            f"/t/{thread.slug}/c/{comment_id}/report",
            data={"csrf_token": their_tokens.pop(), "reason": "spam"},
        )
        assert reported.status_code == 303, reported.text


async def test_a_poster_sees_their_own_comment_as_theirs(client, thread):
    await page(client, thread)  # the readers' list is cached
    created = await post(client, thread, json=True, text="Mine, editable.")
    assert created.status_code == 201
    mine = await page(client, thread)
    assert f'href="/t/{thread.slug}/c/{created.json()["id"]}/edit"' in mine
    async with another_reader(client) as other:
        theirs = await page(other, thread)
        assert "Mine, editable." in theirs and 'class="edit-link"' not in theirs


async def test_the_cached_list_is_what_rendering_it_for_the_reader_gives(client, thread):
    """The same reader, before and after owning a comment elsewhere (which sends their page
    down the path that renders it for them): the same page, byte for byte."""
    shared = await page(client, thread)
    elsewhere = await threads.create_thread(title="Elsewhere", body_html="", import_key="else")
    assert (await post(client, elsewhere, json=True, text="Over there.")).status_code == 201
    rendered = await page(client, thread)
    assert rendered == shared
    assert await csrf(client, f"/t/{thread.slug}") == client.cookies["forum_csrf"]
