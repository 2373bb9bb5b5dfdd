"""Storage: Tortoise models with their fields, indexes and relations, and no business rules.

Statuses are enums stored as short strings, so a row read by hand still says what it means.
Every thread and comment carries an `import_key`: a stable identity that makes imports
idempotent and lets an export be restored into the same database without duplicates.
Comments posted through the web get a random one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

# IntField primary keys are 32-bit on PostgreSQL: a larger number can name no row, and
# passing one to the database is an error rather than "not found".
MAX_ID = 2**31 - 1


def row_id(raw: object) -> int | None:
    """`raw` as a row id (an int, or a string of digits, from 1 to MAX_ID), else None."""
    if isinstance(raw, str):
        if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
            return None
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw if 1 <= raw <= MAX_ID else None


class ThreadStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CommentStatus(StrEnum):
    VISIBLE = "visible"
    PENDING = "pending"
    HIDDEN = "hidden"
    DELETED = "deleted"


class ClaimState(StrEnum):
    """Where a comment stands with the claim checker and the moderators."""

    CLEAR = "clear"  # no unsourced claim found
    FLAGGED = "flagged"  # needs a source; waiting in the queue
    APPROVED = "approved"  # a moderator cleared the flag
    SOURCE_REQUESTED = "source_requested"  # a moderator asked the author for a source


class ReportReason(StrEnum):
    NEEDS_SOURCE = "needs_source"
    SPAM = "spam"
    ABUSIVE = "abusive"
    OFF_TOPIC = "off_topic"


class Role(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"


class Thread(Model):
    """A discussion: a blog post (or page) and the comments under it."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=120, unique=True)
    title = fields.CharField(max_length=300)
    url = fields.CharField(max_length=2000, null=True, db_index=True)
    body_html = fields.TextField(default="")
    source = fields.CharField(max_length=500, null=True)
    import_key = fields.CharField(max_length=255, unique=True)
    status = fields.CharEnumField(ThreadStatus, max_length=16, default=ThreadStatus.OPEN)
    # Hold new comments on this thread as pending, whatever the site-wide setting says.
    premoderated = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    last_activity_at = fields.DatetimeField(db_index=True)
    # Bumped by every change a reader could see (services.threads.touch): the read cache
    # keys a thread's serialised tree by (id, version), so a bump is an invalidation.
    version = fields.IntField(default=0, db_default=0)
    # Visible comments, counted again by the same statement that bumps the version, in
    # the change's transaction: lists and count badges read it instead of counting rows.
    comment_count = fields.IntField(default=0, db_default=0)

    comments: fields.ReverseRelation[Comment]

    class Meta:
        table = "thread"

    def __str__(self) -> str:
        return self.slug


class Comment(Model):
    """One comment or reply: `text` is what the poster sent, `html` its sanitised form."""

    id = fields.IntField(primary_key=True)
    thread: fields.ForeignKeyRelation[Thread] = fields.ForeignKeyField(
        "forum.Thread", related_name="comments", on_delete=fields.CASCADE
    )
    parent: fields.ForeignKeyNullableRelation[Comment] = fields.ForeignKeyField(
        "forum.Comment", related_name="replies", null=True, on_delete=fields.SET_NULL
    )
    author = fields.CharField(max_length=80, default="Anonymous")
    text = fields.TextField()
    html = fields.TextField()
    status = fields.CharEnumField(CommentStatus, max_length=16, default=CommentStatus.VISIBLE)
    import_key = fields.CharField(max_length=255, unique=True)
    ip_hash = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    edited_at = fields.DatetimeField(null=True)
    claim_state = fields.CharEnumField(ClaimState, max_length=24, default=ClaimState.CLEAR)
    claim_score = fields.FloatField(default=0.0)
    # [{"sentence", "start", "end", "reason", "cues"}] for each sentence needing a source
    claim_findings = fields.JSONField(default=list)
    moderator_note = fields.TextField(default="")
    # [{"url", "note", "added_at", "reachable", "http_status", "error"}] added by the author
    sources = fields.JSONField(default=list)

    replies: fields.ReverseRelation[Comment]
    thread_id: int
    parent_id: int | None

    class Meta:
        table = "comment"
        # The thread page reads one thread's comments in order; the index and moderation
        # views filter by status and sort by time.
        indexes = (
            Index(fields=("thread_id", "created_at"), name="comment_thread_created_idx"),
            Index(fields=("status", "created_at"), name="comment_status_created_idx"),
            Index(fields=("claim_state", "id"), name="comment_claim_state_idx"),
            # Counting a queue tab reads this index alone, not each comment's row.
            Index(fields=("claim_state", "status"), name="comment_claim_status_idx"),
            Index(fields=("thread_id", "status"), name="comment_thread_status_idx"),
            # A page of a thread's API gathers each top-level comment's replies by parent.
            Index(fields=("parent_id",), name="comment_parent_idx"),
        )

    def __str__(self) -> str:
        return f"comment {self.id} on thread {self.thread_id}"


class Report(Model):
    """A reader's report on a comment, waiting in the moderation queue until resolved."""

    id = fields.IntField(primary_key=True)
    comment: fields.ForeignKeyRelation[Comment] = fields.ForeignKeyField(
        "forum.Comment", related_name="reports", on_delete=fields.CASCADE
    )
    reason = fields.CharEnumField(ReportReason, max_length=16)
    note = fields.TextField(default="")
    ip_hash = fields.CharField(max_length=64, null=True)
    resolved = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    comment_id: int

    class Meta:
        table = "report"
        indexes = (
            Index(fields=("resolved", "id"), name="report_resolved_idx"),
            # The reported tab's count, and the open reports of one page of comments.
            Index(fields=("resolved", "comment_id"), name="report_open_comment_idx"),
            Index(fields=("comment_id", "resolved"), name="report_comment_idx"),
        )


class Moderator(Model):
    """A person who may act on the moderation queue. Admins also manage moderators."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=16, default=Role.MODERATOR)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "moderator"

    def __str__(self) -> str:
        return self.username


class ApiToken(Model):
    """A personal API token of a moderator, kept as a SHA-256 digest, never in the clear.

    Tokens are 256 random bits, so a fast digest is enough: there is nothing to guess from.
    `prefix` is the token's first characters, shown in listings so a person can tell
    tokens apart and revoke one without the secret.
    """

    id = fields.IntField(primary_key=True)
    moderator: fields.ForeignKeyRelation[Moderator] = fields.ForeignKeyField(
        "forum.Moderator", related_name="api_tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=80, default="")
    prefix = fields.CharField(max_length=16, db_index=True)
    digest = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


class ModerationAction(Model):
    """One entry of the audit log: who did what to which comment, with before and after.

    Rows are written once and never changed or deleted: `save` and `delete` refuse.
    """

    id = fields.IntField(primary_key=True)
    moderator: fields.ForeignKeyNullableRelation[Moderator] = fields.ForeignKeyField(
        "forum.Moderator", related_name="actions", null=True, on_delete=fields.RESTRICT
    )
    comment: fields.ForeignKeyNullableRelation[Comment] = fields.ForeignKeyField(
        "forum.Comment", related_name="moderation_actions", null=True, on_delete=fields.RESTRICT
    )
    thread: fields.ForeignKeyNullableRelation[Thread] = fields.ForeignKeyField(
        "forum.Thread", related_name="moderation_actions", null=True, on_delete=fields.RESTRICT
    )
    action = fields.CharField(max_length=32)
    reason = fields.TextField(default="")
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "moderation_action"

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._saved_in_db:
            await super().save(*args, **kwargs)
            return
        raise AppendOnlyError("moderation actions are append-only")

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AppendOnlyError("moderation actions are append-only")
