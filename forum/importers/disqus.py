"""Disqus XML export -> threads and comments, read one element at a time.

A Disqus export lists <thread> elements (one per page the embed ever loaded on, most with
no comments) and then <post> elements naming their thread and parent by `dsq:id`. Threads
are remembered (id, title, link: small) and yielded only when their first post arrives, so
pages nobody commented on do not become empty threads. Disqus often has several thread
elements for one page (the same link seen twice); their posts are merged into the first.

Keys: "disqus:thread:<dsq:id>" and "disqus:<dsq:id>" (Disqus ids are global). Status:
isDeleted is deleted, isSpam hidden, anything else visible. Messages are HTML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag

from forum.importers import ImportedComment, ImportedThread
from forum.importers.documents import xml_error
from forum.importers.htmltext import html_to_plain, html_to_text
from forum.importers.keys import content_key, make_key
from forum.importers.reporting import Warn, log_warning
from forum.importers.times import read_time

FORMAT = "disqus"
NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
DELETED_TEXT = "[deleted]"


@dataclass
class _Thread:
    key: str
    title: str
    url: str | None
    warnings: list[str] = field(default_factory=list)
    yielded: bool = False


def detect(peek: str) -> bool:
    """Disqus exports are a <disqus> document in Disqus's namespace."""
    return "<disqus" in peek and "disqus.com" in peek


def _text(element: ET.Element, path: str) -> str:
    """The text at `path` ("author/name") below `element`, in Disqus's namespace."""
    return (element.findtext(NS + path.replace("/", "/" + NS)) or "").strip()


def _ref(element: ET.Element, child: str) -> str:
    found = element.find(NS + child)
    return (found.get(DSQ_ID) or "").strip() if found is not None else ""


def _is_true(element: ET.Element, child: str) -> bool:
    return _text(element, child).lower() == "true"


@dataclass
class _Threads:
    """The threads read so far, by dsq:id and by link (for twins of one page)."""

    by_id: dict[str, _Thread] = field(default_factory=dict)
    by_url: dict[str, _Thread] = field(default_factory=dict)


def _read_thread(element: ET.Element, name: str, threads: _Threads, warn: Warn) -> None:
    dsq_id = (element.get(DSQ_ID) or "").strip()
    if not dsq_id:
        warn(f"{name}: a thread without a dsq:id was skipped")
        return
    link = _text(element, "link") or None
    url = urldefrag(link).url if link else None
    twin = threads.by_url.get(url) if url else None
    if twin is not None:
        note = f"{name}: thread {dsq_id} has the same link as {twin.key}; their posts are merged"
        (warn if twin.yielded else twin.warnings.append)(note)
        threads.by_id[dsq_id] = twin
        return
    title = html_to_plain(_text(element, "title")) or link or f"Disqus thread {dsq_id}"
    thread = _Thread(key=make_key(FORMAT, "thread", dsq_id), title=title, url=url)
    threads.by_id[dsq_id] = thread
    if url:
        threads.by_url[url] = thread


def _comment(
    element: ET.Element, where: str, thread: _Thread, warnings: list[str]
) -> ImportedComment | None:
    dsq_id = (element.get(DSQ_ID) or "").strip()
    deleted = _is_true(element, "isDeleted")
    text = html_to_text(_text(element, "message")) or (DELETED_TEXT if deleted else "")
    if not text:
        warnings.append(f"{where}: empty message skipped")
        return None
    author = _text(element, "author/name") or _text(element, "author/username") or "Anonymous"
    if dsq_id:
        key = make_key(FORMAT, dsq_id)
    else:
        key = content_key(FORMAT, author, _text(element, "createdAt"), text)
        warnings.append(f"{where}: keyed by its content")
    parent = _ref(element, "parent")
    return ImportedComment(
        key=key,
        text=text,
        author=author,
        parent_key=make_key(FORMAT, parent) if parent else None,
        created_at=read_time(_text(element, "createdAt"), where, warnings),
        status="deleted" if deleted else "hidden" if _is_true(element, "isSpam") else "visible",
        thread_key=thread.key,
    )


def _read_post(
    element: ET.Element, name: str, threads: _Threads, warn: Warn
) -> Iterator[ImportedThread | ImportedComment]:
    """A post's comment, preceded by its thread's record the first time the thread is named."""
    where = f"{name}: post {(element.get(DSQ_ID) or '').strip() or '(no id)'}"
    thread_id = _ref(element, "thread")
    thread = threads.by_id.get(thread_id)
    if thread is None:
        warn(f"{where}: names thread {thread_id or '(none)'}, which is not in the file; skipped")
        return
    warnings: list[str] = []
    comment = _comment(element, where, thread, warnings)
    if not thread.yielded:
        thread.yielded = True
        yield ImportedThread(
            key=thread.key,
            title=thread.title,
            body_html="",
            url=thread.url,
            source=f"Disqus export {name}",
            warnings=(*thread.warnings, *warnings),
        )
    else:
        for note in warnings:
            warn(note)
    if comment is not None:
        yield comment


def records(
    path: Path, on_warning: Warn | None = None
) -> Iterator[ImportedThread | ImportedComment]:
    """Stream the export; each top-level element is cleared once read."""
    warn = on_warning or log_warning
    threads = _Threads()
    depth = 0
    root: ET.Element | None = None
    try:
        for event, element in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                depth += 1
                root = element if depth == 1 else root
                continue
            depth -= 1
            if depth != 1 or root is None:
                continue
            if element.tag == NS + "thread":
                _read_thread(element, path.name, threads, warn)
            elif element.tag == NS + "post":
                yield from _read_post(element, path.name, threads, warn)
            root.clear()
    except ET.ParseError as exc:
        raise xml_error(path.name, exc) from None
