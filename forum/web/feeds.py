"""Atom feeds of new comments: one per thread and one for the whole site.

Built with ElementTree, so every value is escaped as XML; the comment body is the stored,
sanitised HTML, sent as `type="html"` content.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from forum.services import threads
from forum.web.pages import comment_link

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def _atom(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


def _feed(request: Request, title: str, path: str, entries: list[threads.FeedEntry]) -> Response:
    ET.register_namespace("", ATOM)
    base = str(request.base_url).rstrip("/")
    feed = ET.Element(_atom("feed"))
    ET.SubElement(feed, _atom("title")).text = title
    ET.SubElement(feed, _atom("id")).text = f"{base}{path}"
    ET.SubElement(feed, _atom("link"), rel="self", href=f"{base}{path}")
    updated = max((e.created_at for e in entries), default=datetime(2000, 1, 1, tzinfo=UTC))
    ET.SubElement(feed, _atom("updated")).text = updated.isoformat()
    for e in entries:
        page = f"{base}{request.url_for('thread', slug=e.thread_slug).path}"
        entry = ET.SubElement(feed, _atom("entry"))
        ET.SubElement(entry, _atom("title")).text = f"{e.author} on {e.thread_title}"
        # The id stays what it always was, so no reader shows an entry twice; the link
        # opens the page of a long thread that holds the comment.
        ET.SubElement(entry, _atom("id")).text = f"{page}#c{e.id}"
        ET.SubElement(entry, _atom("link"), rel="alternate", href=comment_link(page, e.id))
        ET.SubElement(entry, _atom("updated")).text = e.created_at.isoformat()
        author = ET.SubElement(entry, _atom("author"))
        ET.SubElement(author, _atom("name")).text = e.author
        ET.SubElement(entry, _atom("content"), type="html").text = e.html
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


async def thread_feed(request: Request) -> Response:
    thread = await threads.get_thread(request.path_params["slug"])
    entries = await threads.recent_comments(thread_id=thread.id, limit=FEED_SIZE)
    path = request.url_for("thread_feed", slug=thread.slug).path
    return _feed(request, f"Comments on {thread.title}", path, entries)


async def site_feed(request: Request) -> Response:
    entries = await threads.recent_comments(limit=FEED_SIZE)
    return _feed(request, "New comments", request.url_for("site_feed").path, entries)
