"""Atom feeds of new comments: valid XML, escaped, newest first, only visible comments."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from forum.models import Comment, CommentStatus
from forum.services import threads
from forum.services.comments import NewComment, post_comment

pytestmark = pytest.mark.usefixtures("database")
NS = {"a": "http://www.w3.org/2005/Atom"}


async def test_thread_and_site_feeds(client):
    one = await threads.create_thread(title="One & <Two>", body_html="", import_key="f1")
    other = await threads.create_thread(title="Other", body_html="", import_key="f2")
    first = await post_comment(one, NewComment(text="first <script>x()</script>", author="Ann"))
    await post_comment(one, NewComment(text="second *reply*", parent_id=first.id))
    hidden = await post_comment(one, NewComment(text="hidden one"))
    await Comment.filter(id=hidden.id).update(status=CommentStatus.HIDDEN)
    await post_comment(other, NewComment(text="elsewhere"))

    response = await client.get(f"/t/{one.slug}/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.find("a:title", NS).text == "Comments on One & <Two>"
    entries = feed.findall("a:entry", NS)
    contents = [e.find("a:content", NS).text for e in entries]
    assert contents == [
        "<p>second <em>reply</em></p>",
        "<p>first &lt;script&gt;x()&lt;/script&gt;</p>",
    ]
    assert entries[1].find("a:author/a:name", NS).text == "Ann"
    link = entries[1].find("a:link", NS).get("href")
    assert link.endswith(f"/t/{one.slug}?c={first.id}#c{first.id}")
    assert entries[1].find("a:id", NS).text.endswith(f"/t/{one.slug}#c{first.id}")
    assert b"<script>" not in response.content

    site = ET.fromstring((await client.get("/feed.atom")).content)
    assert len(site.findall("a:entry", NS)) == 3
    assert (await client.get("/t/nope/feed.atom")).status_code == 404


async def test_pages_announce_their_feeds(client):
    thread = await threads.create_thread(title="Fed", body_html="", import_key="fed")
    page = (await client.get(f"/t/{thread.slug}")).text
    assert (
        f'type="application/atom+xml" title="Comments on Fed" href="/t/{thread.slug}/feed.atom"'
        in page
    )
    assert 'href="/feed.atom"' in (await client.get("/")).text
