"""Commento (and Commento++) JSON export -> threads and comments.

The export is `{"version": 1, "comments": [...], "commenters": [...]}`; each comment has a
`commentHex`, the page's `domain` and `url` (its path), the commenter's hex, the `markdown`
the commenter wrote (kept as is; the `html` beside it is ignored), a `parentHex` ("root" at
the top level), a `state` and a `creationDate`. There are no thread records: a thread is a
page, so comments are grouped by page and each page's thread comes before its comments. The
file is read whole (Commento exports are small, and grouping needs all of it).

Keys: a thread is "commento:<domain><path>", a comment "commento:<commentHex>" (hexes are
global). Status: approved is visible, unapproved pending, flagged (spam) hidden, and a
Commento++ comment marked deleted is deleted. Page addresses are taken to be https.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from forum.importers import ImportedComment, ImportedThread, ImportFormatError
from forum.importers.documents import load_json
from forum.importers.htmltext import strip_control
from forum.importers.keys import make_key
from forum.importers.reporting import Warn, log_warning
from forum.importers.times import read_time

FORMAT = "commento"
STATUS_BY_STATE = {"approved": "visible", "unapproved": "pending", "flagged": "hidden"}
DELETED_TEXT = "[deleted]"


def detect(peek: str) -> bool:
    """A JSON object that speaks of comment hexes (forum's own export has "threads")."""
    head = peek.lstrip("\ufeff \t\r\n")
    return head.startswith("{") and ('"commentHex"' in peek or '"commenters"' in peek)


def _load(path: Path) -> dict[str, Any]:
    document = load_json(path.read_bytes(), path.name)
    if not isinstance(document, dict) or not isinstance(document.get("comments"), list):
        raise ImportFormatError(f'{path.name}: expected an object with a "comments" list')
    return document


def _names(document: dict[str, Any]) -> dict[str, str]:
    commenters = document.get("commenters")
    return {
        c["commenterHex"]: c["name"].strip()
        for c in (commenters if isinstance(commenters, list) else [])
        if isinstance(c, dict)
        and isinstance(c.get("commenterHex"), str)
        and isinstance(c.get("name"), str)
    }


def _comment(
    raw: dict[str, Any], at: str, thread_key: str, names: dict[str, str], warnings: list[str]
) -> ImportedComment | None:
    hex_id = raw.get("commentHex")
    if not isinstance(hex_id, str) or not hex_id.strip():
        warnings.append(f"{at}: no commentHex; skipped")
        return None
    deleted = raw.get("deleted") is True
    text = strip_control(raw.get("markdown") or "").strip() or (DELETED_TEXT if deleted else "")
    if not text:
        warnings.append(f"{at}: no text; skipped")
        return None
    status = "deleted" if deleted else STATUS_BY_STATE.get(raw.get("state"))
    if status is None:
        warnings.append(f"{at}: unknown state {raw.get('state')!r}; kept as pending")
        status = "pending"
    parent = raw.get("parentHex")
    if not isinstance(parent, str) or parent.strip() in {"", "root"}:
        parent = None
    return ImportedComment(
        key=make_key(FORMAT, hex_id.strip()),
        text=text,
        author=names.get(raw.get("commenterHex"), "") or "Anonymous",
        parent_key=make_key(FORMAT, parent.strip()) if parent else None,
        created_at=read_time(raw.get("creationDate"), at, warnings),
        status=status,
        thread_key=thread_key,
    )


def records(
    path: Path, on_warning: Warn | None = None
) -> Iterator[ImportedThread | ImportedComment]:
    """Group the comments by page, in the order pages first appear, and yield page by page."""
    warn = on_warning or log_warning
    document = _load(path)
    names = _names(document)
    pages: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    for index, raw in enumerate(document["comments"]):
        if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
            warn(f"{path.name}: comment {index}: no page url; skipped")
            continue
        domain = raw.get("domain") if isinstance(raw.get("domain"), str) else ""
        pages.setdefault((domain.strip(), raw["url"].strip()), []).append((index, raw))
    for (domain, page), items in pages.items():
        key = make_key(FORMAT, f"{domain}{page}")
        warnings: list[str] = []
        comments = []
        for index, raw in items:
            comment = _comment(raw, f"{path.name}: comment {index}", key, names, warnings)
            if comment is not None:
                comments.append(comment)
        yield ImportedThread(
            key=key,
            title=f"{domain}{page}" or "Commento page",
            body_html="",
            url=f"https://{domain}{page}" if domain else None,
            source=f"Commento export {path.name}",
            warnings=tuple(warnings),
        )
        yield from comments
