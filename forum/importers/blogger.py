"""Blogger export (Atom) -> threads and comments, read one <entry> at a time.

Two shapes exist. The classic "Back up content" file marks each entry's kind with
`<category scheme="http://schemas.google.com/g/2005#kind" term="...kind#post">` (or
#page, #comment, #settings, #template); a comment names its post with
`<thr:in-reply-to ref="<post entry id>">` and, when it answers another comment, links it with
`<link rel="related" href=".../comments/default/<comment number>">`. Drafts carry
`<app:draft>yes</app:draft>`. Google Takeout's feed.atom uses `<blogger:type>` (POST, PAGE,
COMMENT), `<blogger:status>` (LIVE, DRAFT, ...) and `<blogger:parent>`, which names the post,
or the comment that is answered. Both are read here.

Order: a post's thread is yielded when its entry is read. A comment whose post has not
appeared yet is held until it does (only those comments are held; a post's held comments
are released with it), and comments whose post never appears, or is a draft, are reported
and skipped at the end. The ids of comments seen are remembered (ids only) so that a reply
can be tied to its comment's post.

Keys: "blogger:<entry id>" for posts and comments alike (entry ids are global tag URIs).
Comment content is HTML. Status: visible, except where Takeout says otherwise.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from forum.importers import ImportedComment, ImportedThread
from forum.importers.documents import xml_error
from forum.importers.htmltext import html_to_plain, html_to_text
from forum.importers.keys import make_key
from forum.importers.reporting import Warn, log_warning
from forum.importers.times import read_time

FORMAT = "blogger"
ATOM = "{http://www.w3.org/2005/Atom}"
THR = "{http://purl.org/syndication/thread/1.0}"
APP_DRAFT = ".//{http://purl.org/atom/app#}draft"
TAKEOUT = "{http://schemas.google.com/blogger/2018}"
KIND_SCHEME = "http://schemas.google.com/g/2005#kind"
KIND_BY_TYPE = {"POST": "post", "PAGE": "page", "COMMENT": "comment"}
STATUS_BY_TAKEOUT = {
    "LIVE": "visible",
    "PENDING": "pending",
    "SPAM": "hidden",
    "SOFT_TRASHED": "hidden",
    "DELETED": "deleted",
}
RELATED_COMMENT = re.compile(r"/comments/default/(\d+)$")
BLOG_PREFIX = re.compile(r"^(tag:blogger\.com,1999:blog-\d+)\.")


@dataclass
class _State:
    """What the reader remembers between entries: ids, and comments waiting for a post."""

    name: str
    warn: Warn
    posts: set[str] = field(default_factory=set)
    skipped_posts: set[str] = field(default_factory=set)
    post_of_comment: dict[str, str] = field(default_factory=dict)
    waiting: dict[str, list[ImportedComment]] = field(default_factory=dict)


def detect(peek: str) -> bool:
    """An Atom feed from Blogger: classic ids ("tag:blogger.com") or Takeout's namespace."""
    return "<feed" in peek and ("tag:blogger.com" in peek or "schemas.google.com/blogger" in peek)


def _text(entry: ET.Element, tag: str) -> str:
    return (entry.findtext(tag) or "").strip()


def _kind(entry: ET.Element) -> str | None:
    typed = _text(entry, TAKEOUT + "type")
    if typed:
        return KIND_BY_TYPE.get(typed.upper())
    for category in entry.iter(ATOM + "category"):
        if category.get("scheme") == KIND_SCHEME:
            return (category.get("term") or "").rpartition("#")[2] or None
    return None


def _alternate_link(entry: ET.Element) -> str | None:
    for link in entry.iter(ATOM + "link"):
        if link.get("rel") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def _slug(url: str | None, filename: str) -> str | None:
    path = urlsplit(url).path if url else filename
    stem = PurePosixPath(path).name.removesuffix(".html")
    return stem or None


def _post(entry: ET.Element, entry_id: str, state: _State) -> Iterator[ImportedThread]:
    draft = (entry.findtext(APP_DRAFT) or "").strip() == "yes"
    if draft or _text(entry, TAKEOUT + "status").upper() not in {"", "LIVE"}:
        state.skipped_posts.add(entry_id)
        return
    state.posts.add(entry_id)
    url = _alternate_link(entry)
    title_node = entry.find(ATOM + "title")
    title = (title_node.text or "").strip() if title_node is not None else ""
    if title_node is not None and title_node.get("type") == "html":
        title = html_to_plain(title)
    yield ImportedThread(
        key=make_key(FORMAT, entry_id),
        title=title or "(no title)",
        body_html=_text(entry, ATOM + "content"),
        slug=_slug(url, _text(entry, TAKEOUT + "filename")),
        url=url,
        source=f"Blogger export {state.name}",
    )


def _parents(entry: ET.Element, entry_id: str, state: _State) -> tuple[str | None, str | None]:
    """(post id, parent comment id) of a comment, from whichever markers the entry has."""
    post_id = parent_id = None
    reply_to = entry.find(THR + "in-reply-to")
    if reply_to is not None:
        post_id = reply_to.get("ref")
    for link in entry.iter(ATOM + "link"):
        number = RELATED_COMMENT.search(link.get("href") or "")
        prefix = BLOG_PREFIX.match(entry_id)
        if link.get("rel") == "related" and number and prefix:
            parent_id = f"{prefix.group(1)}.post-{number.group(1)}"
    named = _text(entry, TAKEOUT + "parent")
    if named and named in state.post_of_comment:
        parent_id = named
    elif named:
        post_id = named
    if post_id is None and parent_id is not None:
        post_id = state.post_of_comment.get(parent_id)
    return post_id, parent_id


def _comment(entry: ET.Element, entry_id: str, state: _State) -> Iterator[ImportedComment]:
    where = f"{state.name}: comment {entry_id}"
    post_id, parent_id = _parents(entry, entry_id, state)
    if post_id is None:
        state.warn(f"{where}: names no post; skipped")
        return
    state.post_of_comment[entry_id] = post_id
    text = html_to_text(_text(entry, ATOM + "content"))
    if not text:
        state.warn(f"{where}: empty comment skipped")
        return
    warnings: list[str] = []
    takeout_status = _text(entry, TAKEOUT + "status").upper()
    status = STATUS_BY_TAKEOUT.get(takeout_status, "visible")
    if takeout_status and takeout_status not in STATUS_BY_TAKEOUT:
        warnings.append(f"{where}: unknown status {takeout_status!r}; kept as visible")
    comment = ImportedComment(
        key=make_key(FORMAT, entry_id),
        text=text,
        author=_text(entry, f"{ATOM}author/{ATOM}name") or "Anonymous",
        parent_key=make_key(FORMAT, parent_id) if parent_id else None,
        created_at=read_time(
            _text(entry, ATOM + "published") or _text(entry, TAKEOUT + "created"), where, warnings
        ),
        status=status,
        thread_key=make_key(FORMAT, post_id),
    )
    for note in warnings:
        state.warn(note)
    if post_id in state.posts:
        yield comment
    elif post_id in state.skipped_posts:
        state.warn(f"{where}: its post is a draft or removed; skipped")
    else:
        state.waiting.setdefault(post_id, []).append(comment)


def _entry(entry: ET.Element, state: _State) -> Iterator[ImportedThread | ImportedComment]:
    entry_id = _text(entry, ATOM + "id")
    kind = _kind(entry)
    if not entry_id or kind not in {"post", "page", "comment"}:
        return
    if kind == "comment":
        yield from _comment(entry, entry_id, state)
        return
    yield from _post(entry, entry_id, state)
    for comment in state.waiting.pop(entry_id, []):
        if entry_id in state.posts:
            yield comment
        else:
            state.warn(f"{state.name}: comment {comment.key}: its post is a draft; skipped")


def records(
    path: Path, on_warning: Warn | None = None
) -> Iterator[ImportedThread | ImportedComment]:
    """Stream the feed; each entry is cleared once read."""
    state = _State(name=path.name, warn=on_warning or log_warning)
    depth = 0
    feed: ET.Element | None = None
    try:
        for event, element in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                depth += 1
                feed = element if depth == 1 else feed
                continue
            depth -= 1
            if depth == 1 and element.tag == ATOM + "entry" and feed is not None:
                yield from _entry(element, state)
                feed.clear()
    except ET.ParseError as exc:
        raise xml_error(path.name, exc) from None
    for post_id, comments in state.waiting.items():
        state.warn(
            f"{path.name}: {len(comments)} comment(s) on {post_id}, not in the file; skipped"
        )
