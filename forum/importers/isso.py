"""Isso's generic JSON import format -> threads and comments.

The format (Isso's "advanced migration") is a list of threads, each `{"id": <page path>,
"title": ..., "comments": [{"id", "author", "email", "website", "remote_addr", "created":
"YYYY-MM-DD HH:MM:SS", "text"}]}`. Comments are flat (no parents) and their text is
already markdown, so it is kept as written. Times carry no zone; they are taken as UTC.
Exports made from WordPress data have form-encoded titles ("Nat+%26+Miguel"), which are
decoded when a title has no spaces and looks encoded. The file is small and read whole.

Keys: a thread is "isso:<id>" (the page path, shared with the SQLite importer, so one page
is one thread whichever way it came); a comment is "isso-json:<thread id>:<comment id>",
as its ids count within a thread and are not the database's ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from forum.importers import ImportedComment, ImportedThread, ImportFormatError
from forum.importers.documents import load_json
from forum.importers.htmltext import strip_control
from forum.importers.keys import content_key, make_key
from forum.importers.reporting import Warn
from forum.importers.times import read_time

FORMAT = "isso-json"
THREAD_PREFIX = "isso"
FORM_ENCODED = re.compile(r"\+|%[0-9A-Fa-f]{2}")


def detect(peek: str) -> bool:
    """A JSON list whose first thread has a "comments" list (forum's export is an object)."""
    head = peek.lstrip("\ufeff \t\r\n")
    return head.startswith("[") and '"comments"' in peek and '"id"' in peek


def thread_key(uri: str) -> str:
    """The key of the thread for an Isso page: the same from the JSON and the database."""
    return make_key(THREAD_PREFIX, uri)


def page_url(uri: str) -> str | None:
    """Isso knows pages by path; only an absolute http(s) address is a URL forum can use."""
    return uri if uri.startswith(("http://", "https://")) else None


def _title(raw: Any, uri: str) -> str:
    title = raw.strip() if isinstance(raw, str) else ""
    if title and " " not in title and FORM_ENCODED.search(title):
        title = unquote_plus(title)
    return title or uri


def _thread(raw: Any, index: int, name: str) -> Iterator[ImportedThread | ImportedComment]:
    where = f"{name}: thread {index}"
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"].strip():
        raise ImportFormatError(f'{where}: expected an object with an "id" string')
    uri = raw["id"].strip()
    key = thread_key(uri)
    warnings: list[str] = []
    comments: list[ImportedComment] = []
    raw_comments = raw.get("comments")
    for number, item in enumerate(raw_comments if isinstance(raw_comments, list) else []):
        item = item if isinstance(item, dict) else {}
        cid = item.get("id")
        cid = str(cid).strip() if isinstance(cid, int | str) and not isinstance(cid, bool) else ""
        at = f"{where} ({uri}): comment {cid or f'#{number + 1} (no id)'}"
        text = strip_control(item.get("text") or "").strip()
        if not text:
            warnings.append(f"{at}: no text; skipped")
            continue
        author = item.get("author") if isinstance(item.get("author"), str) else ""
        if cid:
            comment_key = make_key(FORMAT, uri, cid)
        else:
            comment_key = content_key(make_key(FORMAT, uri), author, str(item.get("created")), text)
            warnings.append(f"{at}: no id; keyed by its content")
        comments.append(
            ImportedComment(
                key=comment_key,
                text=text,
                author=author.strip() or "Anonymous",
                created_at=read_time(item.get("created"), at, warnings),
                thread_key=key,
            )
        )
    yield ImportedThread(
        key=key,
        title=_title(raw.get("title"), uri),
        body_html="",
        url=page_url(uri),
        source=f"Isso JSON {name}",
        warnings=tuple(warnings),
    )
    yield from comments


def records(
    path: Path, on_warning: Warn | None = None
) -> Iterator[ImportedThread | ImportedComment]:
    """The format has no size to speak of: the file is read whole, then thread by thread.

    Every warning rides on its thread; `on_warning` is accepted for the signature all the
    streaming formats share, and never called.
    """
    document = load_json(path.read_bytes(), path.name)
    if not isinstance(document, list):
        raise ImportFormatError(f"{path.name}: expected a list of threads")
    for index, raw in enumerate(document):
        yield from _thread(raw, index, path.name)
