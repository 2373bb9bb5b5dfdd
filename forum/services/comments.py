"""The one way a comment enters the database: validate -> sanitise -> store.

Pages, the API, the CLI and every importer call `post_comment`; there is no side path.
Imports differ only in what they may carry (an existing key, an original timestamp, a
non-visible status, a parent that is no longer visible) and in that a closed thread still
accepts them, which is what restoring an export needs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from forum.content.claims import check_claims
from forum.content.sanitize import render_comment
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.models import (
    ClaimState,
    Comment,
    CommentStatus,
    ModerationAction,
    Thread,
    ThreadStatus,
    row_id,
)
from forum.services.sources import check_link, validate_url
from forum.services.threads import PostTarget, touch
from forum.sql import insert_comment, raw_query

MAX_TEXT_CHARS = 10_000
MAX_AUTHOR_CHARS = 80
ANONYMOUS = "Anonymous"
# C0 controls except tab, newline and carriage return; DEL; C1 controls.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Origin(StrEnum):
    WEB = "web"
    IMPORT = "import"


@dataclass(frozen=True)
class NewComment:
    """What a poster (or an importer) supplies."""

    text: str
    author: str | None = None
    parent_id: int | None = None


def clean_text(text: str) -> str:
    """The comment text to store, or Invalid with a message a reader can act on."""
    if not isinstance(text, str):
        raise Invalid("The comment text must be a string.", field="text")
    if CONTROL_CHARS.search(text):
        raise Invalid("The comment contains control characters; remove them.", field="text")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise Invalid("Write something before posting: the comment is empty.", field="text")
    if len(text) > MAX_TEXT_CHARS:
        raise Invalid(
            f"The comment is {len(text):,} characters long; the limit is {MAX_TEXT_CHARS:,}.",
            field="text",
        )
    return text


def clean_author(author: str | None) -> str:
    """The display name to store; an empty name becomes "Anonymous"."""
    if author is None:
        return ANONYMOUS
    if not isinstance(author, str):
        raise Invalid("The name must be a string.", field="author")
    if CONTROL_CHARS.search(author) or "\n" in author or "\t" in author:
        raise Invalid("The name contains control characters; remove them.", field="author")
    author = " ".join(author.split())
    if len(author) > MAX_AUTHOR_CHARS:
        raise Invalid(
            f"The name is {len(author)} characters long; the limit is {MAX_AUTHOR_CHARS}.",
            field="author",
        )
    return author or ANONYMOUS


def hash_ip(ip: str | None, secret: str) -> str | None:
    """A keyed hash of the poster's address: enough to group abuse, never the address."""
    if not ip:
        return None
    return hmac.new(secret.encode(), ip.encode(), hashlib.sha256).hexdigest()


def claim_fields(text: str, current: ClaimState | None = None) -> dict:
    """The claim columns for a comment's text: flagged when a claim lacks a source.

    A comment a moderator asked a source for keeps that state until a moderator acts,
    even when an edit adds one; the re-check only refreshes the findings.
    """
    report = check_claims(text)
    if current == ClaimState.SOURCE_REQUESTED:
        state = current
    else:
        state = ClaimState.FLAGGED if report.needs_source else ClaimState.CLEAR
    return {
        "claim_state": state,
        "claim_score": report.score,
        "claim_findings": [
            {
                "sentence": f.text,
                "start": f.start,
                "end": f.end,
                "reason": f.reason,
                "cues": list(f.cues),
            }
            for f in report.flagged
        ],
    }


async def _check_parent(thread: Thread | PostTarget, parent_id: int, origin: Origin) -> None:
    if row_id(parent_id) is None:
        raise Invalid("The comment you are replying to does not exist.", field="parent_id")
    # A well-formed id that names no reply-able comment here clashes with what is stored
    # (409), unlike a malformed one (422): the client may be holding a stale page.
    rows = await raw_query("SELECT thread_id, status FROM comment WHERE id = $1", parent_id)
    if not rows or rows[0][0] != thread.id:
        raise Conflict("The comment you are replying to is not in this thread.", "parent_id")
    if origin is Origin.WEB and rows[0][1] != CommentStatus.VISIBLE:
        raise Conflict("The comment you are replying to is no longer shown.", "parent_id")


def status_for_new(thread: Thread | PostTarget, *, premoderation: bool) -> CommentStatus:
    """A reader's new comment waits for a moderator when the site or the thread is
    pre-moderated; pages and the API both ask here so neither can skip the queue."""
    if premoderation or thread.premoderated:
        return CommentStatus.PENDING
    return CommentStatus.VISIBLE


async def post_comment(
    thread: Thread | PostTarget,
    new: NewComment,
    *,
    origin: Origin = Origin.WEB,
    ip: str | None = None,
    secret: str = "",
    import_key: str | None = None,
    created_at: datetime | None = None,
    status: CommentStatus = CommentStatus.VISIBLE,
    bump: bool = True,
) -> Comment:
    """Validate, sanitise and store one comment; update the thread's last activity.

    `bump=False` leaves the thread's version, count and activity to the caller, which
    must then call `touch` in the same transaction: an import bumps each thread once
    per batch rather than recounting a long thread after every comment.
    """
    if origin is Origin.WEB and thread.status == ThreadStatus.CLOSED:
        raise Conflict("This thread is closed to new comments.")
    text = clean_text(new.text)
    author = clean_author(new.author)
    if new.parent_id is not None:
        await _check_parent(thread, new.parent_id, origin)
    when = created_at or datetime.now(UTC)
    # Rendering and the claim check come first: the transaction holds SQLite's one writer
    # lock, and should hold it only for the writes.
    row = Comment(
        thread_id=thread.id,
        parent_id=new.parent_id,
        author=author,
        text=text,
        html=render_comment(text),
        status=status,
        import_key=import_key or f"forum:{uuid.uuid4().hex}",
        ip_hash=hash_ip(ip, secret),
        created_at=when,
        **claim_fields(text),
    )
    # One transaction for the row, the thread's activity and its version: one commit, and
    # no reader sees the new comment under the version that still holds the old tree.
    visible = status == CommentStatus.VISIBLE
    try:
        row.id = await insert_comment(
            row, bump=bump, activity_at=when if visible else None, added_visible=int(visible)
        )
    except IntegrityError:
        if not bump:  # an import's key clash or broken reference: its writer reports it
            raise
        # The thread, or the comment replied to, was deleted since it was checked.
        raise Conflict("This thread or the comment you replied to was just removed.") from None
    row._saved_in_db = True  # written above, not by the ORM: a later save() must UPDATE
    if bump and visible and when > thread.last_activity_at:
        thread.last_activity_at = when
    return row


async def _own_comment(thread: Thread, comment_id: int, window_seconds: int) -> Comment:
    comment = await Comment.get_or_none(id=comment_id, thread_id=thread.id)
    if comment is None or comment.status != CommentStatus.VISIBLE:
        raise NotFound("That comment is not in this thread, or it was removed.")
    if comment.created_at + timedelta(seconds=window_seconds) < datetime.now(UTC):
        raise Forbidden("The time for changing this comment has passed.")
    return comment


async def edit_comment(
    thread: Thread, comment_id: int, text: str, *, window_seconds: int
) -> Comment:
    """Replace a comment's text within its edit window (the caller checks who may)."""
    comment = await _own_comment(thread, comment_id, window_seconds)
    comment.text = clean_text(text)
    comment.html = render_comment(comment.text)
    comment.edited_at = datetime.now(UTC)
    for name, value in claim_fields(comment.text, comment.claim_state).items():
        setattr(comment, name, value)
    await comment.save(
        update_fields=["text", "html", "edited_at", "claim_state", "claim_score", "claim_findings"]
    )
    await touch(thread.id)
    return comment


async def delete_comment(thread: Thread, comment_id: int, *, window_seconds: int) -> None:
    """Withdraw a comment within its edit window. Its words go; a reply keeps its place
    under a "[deleted]" marker."""
    comment = await _own_comment(thread, comment_id, window_seconds)
    comment.status = CommentStatus.DELETED
    comment.text = ""
    comment.html = ""
    comment.edited_at = datetime.now(UTC)
    await comment.save(update_fields=["status", "text", "html", "edited_at"])
    await touch(thread.id)


async def add_source(
    thread: Thread, comment_id: int, url: str, note: str, *, allow_private: bool = False
) -> Comment:
    """The author backs a comment with a link: check the link, record it, re-check the claim.

    The claim is re-read with the link beside it, so a flagged or source-requested comment
    is cleared; the moderators see the link and whether it answered. The change lands in
    the audit log as the system's, with before and after.
    """
    url = validate_url(url)
    note = " ".join(note.split())
    if len(note) > 500:
        raise Invalid("The note is longer than 500 characters.", field="note")
    comment = await Comment.get_or_none(id=comment_id, thread_id=thread.id)
    if comment is None or comment.status != CommentStatus.VISIBLE:
        raise NotFound("That comment is not in this thread, or it was removed.")
    if len(comment.sources) >= 5:
        raise Invalid("A comment can carry at most five sources.", field="url")
    result = await check_link(url, allow_private=allow_private)
    before = {"claim_state": str(comment.claim_state), "sources": len(comment.sources)}
    comment.sources = [
        *comment.sources,
        {
            "url": url,
            "note": note,
            "added_at": datetime.now(UTC).isoformat(),
            "reachable": result.reachable,
            "http_status": result.http_status,
            "error": result.error,
        },
    ]
    rechecked = claim_fields(comment.text + "\n" + url)
    comment.claim_state = rechecked["claim_state"]
    comment.claim_findings = rechecked["claim_findings"]
    comment.claim_score = rechecked["claim_score"]
    async with in_transaction():
        await comment.save(
            update_fields=["sources", "claim_state", "claim_findings", "claim_score"]
        )
        await touch(thread.id)
        await ModerationAction.create(
            comment=comment,
            thread_id=thread.id,
            action="source_added",
            reason=url,
            before=before,
            after={"claim_state": str(comment.claim_state), "sources": len(comment.sources)},
        )
    return comment
