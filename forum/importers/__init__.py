"""Importers turn a document into plain dataclasses; they never touch the database.

Each format module offers `FORMAT`, `detect(peek: str) -> bool` (on the first 4 KB,
decoded leniently) and `records(path)`, which yields `ImportedThread` and
`ImportedComment` records as it reads, so a file of any size is read in bounded memory.
A thread's record comes before the comments that name it by `thread_key` (a thread may
also carry its comments inline, which is how the small formats do it). What they yield
goes through `forum.services.imports`, which hands every comment to the same service a
posted comment goes through.

Comment `text` is always the markdown-ish source forum stores, never HTML: formats that
hold HTML convert it, and the service renders and sanitises it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class ImportFormatError(ValueError):
    """The document cannot be read as the format it was taken for; the message says why."""


@dataclass(frozen=True)
class ImportedComment:
    """A comment as found in a document. `key` is stable across re-imports of that document."""

    key: str
    text: str
    author: str = "Anonymous"
    parent_key: str | None = None
    created_at: datetime | None = None
    status: str = "visible"
    thread_key: str | None = None


@dataclass(frozen=True)
class ImportedThread:
    """A post and its comments, in document order (a parent always before its replies)."""

    key: str
    title: str
    body_html: str
    comments: tuple[ImportedComment, ...] = ()
    slug: str | None = None
    url: str | None = None
    source: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    created_at: datetime | None = None  # when the post went up; else its first comment's time
