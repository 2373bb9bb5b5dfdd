"""forum's own export format (what `forum export` writes) -> threads to restore.

Every field is untrusted: types and lengths are checked here, `html` is ignored (the
service renders it again from `text`), and `body_html` is sanitised again on the way in.
The whole document is validated before anything is written, so a bad record anywhere
rejects the file with the path of the record at fault (`threads[2].comments[5].text`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from forum.importers import ImportedComment, ImportedThread, ImportFormatError
from forum.importers.documents import load_json
from forum.importers.reporting import Warn

FORMAT = "forum-json"
STATUSES = {"visible", "pending", "hidden", "deleted"}


def detect(peek: str) -> bool:
    head = peek.lstrip("\ufeff \t\r\n")
    return head.startswith("{") and '"threads"' in peek


def _fail(name: str, where: str, message: str) -> ImportFormatError:
    return ImportFormatError(f"{name}: {where}: {message}")


def _str(obj: dict, key: str, name: str, where: str, *, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise _fail(name, f"{where}.{key}", "expected a string")
    return value


def _when(value: Any, name: str, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise _fail(name, where, f"{value!r} is not an ISO 8601 time with a UTC offset")
    return parsed


def _comments(raw: Any, slug: str, name: str, where: str) -> tuple[list[ImportedComment], list]:
    if not isinstance(raw, list):
        raise _fail(name, where, "expected a list of comments")
    by_id: dict[int, dict] = {}
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise _fail(name, at, "expected an object")
        cid = item.get("id")
        if not isinstance(cid, int) or isinstance(cid, bool):
            raise _fail(name, f"{at}.id", "expected a whole number")
        if cid in by_id:
            raise _fail(name, f"{at}.id", f"comment id {cid} appears twice")
        parent = item.get("parent_id")
        if parent is not None and (not isinstance(parent, int) or isinstance(parent, bool)):
            raise _fail(name, f"{at}.parent_id", "expected a whole number or null")
        status = item.get("status", "visible")
        if status not in STATUSES:
            raise _fail(name, f"{at}.status", f"expected one of {sorted(STATUSES)}")
        _str(item, "text", name, at)
        _str(item, "author", name, at, required=False)
        _str(item, "key", name, at, required=False)
        item = {**item, "_at": at, "_created": _when(item.get("created_at"), name, at)}
        by_id[cid] = item

    warnings = []
    ordered: list[ImportedComment] = []
    placed: set[int] = set()

    def key_of(cid: int) -> str:
        return by_id[cid].get("key") or f"{FORMAT}:{slug}:{cid}"

    def place(cid: int, chain: tuple[int, ...] = ()) -> None:
        if cid in placed:
            return
        item = by_id[cid]
        parent = item.get("parent_id")
        if parent in chain or parent == cid:
            raise _fail(name, item["_at"], "parent_id forms a cycle")
        if parent is not None and parent not in by_id:
            warnings.append(f"{item['_at']}: parent {parent} is missing; kept as top-level")
            parent = None
        if parent is not None:
            place(parent, (*chain, cid))
        placed.add(cid)
        ordered.append(
            ImportedComment(
                key=key_of(cid),
                text=item["text"],
                author=item.get("author") or "Anonymous",
                parent_key=key_of(parent) if parent is not None else None,
                created_at=item["_created"],
                status=item.get("status", "visible"),
            )
        )

    for cid in by_id:
        place(cid)
    return ordered, warnings


def parse_document(document: Any, name: str) -> list[ImportedThread]:
    if not isinstance(document, dict) or not isinstance(document.get("threads"), list):
        raise ImportFormatError(f'{name}: expected an object with a "threads" list')
    threads = []
    for i, raw in enumerate(document["threads"]):
        where = f"threads[{i}]"
        if not isinstance(raw, dict):
            raise _fail(name, where, "expected an object")
        slug = _str(raw, "slug", name, where)
        title = _str(raw, "title", name, where)
        if not slug or not title:
            raise _fail(name, where, "slug and title must not be empty")
        comments, warnings = _comments(raw.get("comments", []), slug, name, f"{where}.comments")
        threads.append(
            ImportedThread(
                key=_str(raw, "key", name, where, required=False) or f"{FORMAT}:{slug}",
                title=title,
                slug=slug,
                url=_str(raw, "url", name, where, required=False),
                body_html=_str(raw, "body_html", name, where, required=False) or "",
                source=_str(raw, "source", name, where, required=False) or name,
                comments=tuple(comments),
                warnings=tuple(warnings),
            )
        )
    return threads


def parse(data: bytes, name: str) -> list[ImportedThread]:
    return parse_document(load_json(data, name), name)


def records(path: Path, on_warning: Warn | None = None) -> Iterator[ImportedThread]:
    """Small documents are read whole: a thread carries its comments, and its warnings."""
    yield from parse(path.read_bytes(), path.name)
