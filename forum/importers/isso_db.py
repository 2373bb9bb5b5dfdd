"""Isso's SQLite database -> threads and comments, read through cursors.

Isso keeps `threads(id, uri, title)` and `comments(tid, id, parent, created, modified,
mode, remote_addr, text, author, email, website, likes, dislikes, voters)`. Text is
markdown already and kept as written. `mode` is Isso's status integer: 1 visible,
2 waiting for moderation, 4 deleted (Isso blanks a deleted comment that has replies and
keeps it so the replies stay in place; it becomes "[deleted]" here for the same reason).
`created` is Unix seconds. The database is opened read-only and never changed.

Keys: a thread is "isso:<uri>" (the same as from Isso's JSON); a comment is
"isso:<uri>:<id>", as ids are per database and the page keeps two sites apart.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from forum.importers import ImportedComment, ImportedThread, ImportFormatError
from forum.importers.htmltext import strip_control
from forum.importers.isso import THREAD_PREFIX, page_url, thread_key
from forum.importers.keys import make_key
from forum.importers.reporting import Warn, log_warning
from forum.importers.times import read_time

FORMAT = "isso-db"
SQLITE_HEADER = "SQLite format 3\x00"
STATUS_BY_MODE = {1: "visible", 2: "pending", 4: "deleted"}
DELETED_TEXT = "[deleted]"
COMMENTS_OF_THREAD = (
    "SELECT id, parent, created, mode, text, author FROM comments WHERE tid = ? ORDER BY id"
)


def detect(peek: str) -> bool:
    """Any SQLite file: `records` checks that it holds Isso's tables, and says so if not."""
    return peek.startswith(SQLITE_HEADER)


def _connect(path: Path) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise ImportFormatError(f"{path.name}: cannot read the SQLite file ({exc})") from None
    if not {"threads", "comments"} <= tables:
        db.close()
        raise ImportFormatError(f"{path.name}: a SQLite file, but not Isso's (no threads table)")
    return db


def _comments(
    db: sqlite3.Connection, tid: int, uri: str, where: str, warnings: list[str]
) -> Iterator[ImportedComment]:
    for cid, parent, created, mode, text, author in db.execute(COMMENTS_OF_THREAD, (tid,)):
        at = f"{where}: comment {cid}"
        status = STATUS_BY_MODE.get(mode)
        if status is None:
            warnings.append(f"{at}: unknown mode {mode!r}; kept as pending")
            status = "pending"
        text = strip_control(text or "").strip() or (DELETED_TEXT if status == "deleted" else "")
        if not text:
            warnings.append(f"{at}: no text; skipped")
            continue
        yield ImportedComment(
            key=make_key(THREAD_PREFIX, uri, str(cid)),
            text=text,
            author=(author or "").strip() or "Anonymous",
            parent_key=make_key(THREAD_PREFIX, uri, str(parent)) if parent else None,
            created_at=read_time(created, at, warnings),
            status=status,
            thread_key=thread_key(uri),
        )


def records(
    path: Path, on_warning: Warn | None = None
) -> Iterator[ImportedThread | ImportedComment]:
    """Thread by thread; one thread's comments are held while its warnings are gathered."""
    warn = on_warning or log_warning
    db = _connect(path)
    try:
        for tid, uri, title in db.execute("SELECT id, uri, title FROM threads ORDER BY id"):
            where = f"{path.name}: thread {tid} ({uri})"
            warnings: list[str] = []
            comments = list(_comments(db, tid, uri, where, warnings))
            yield ImportedThread(
                key=thread_key(uri),
                title=(title or "").strip() or uri,
                body_html="",
                url=page_url(uri),
                source=f"Isso database {path.name}",
                warnings=tuple(warnings),
            )
            yield from comments
        orphans = db.execute(
            "SELECT count(*) FROM comments WHERE tid NOT IN (SELECT id FROM threads)"
        ).fetchone()[0]
        if orphans:
            warn(f"{path.name}: {orphans} comment(s) belong to no thread; skipped")
    except sqlite3.DatabaseError as exc:
        raise ImportFormatError(f"{path.name}: cannot read Isso's tables ({exc})") from None
    finally:
        db.close()
