"""Threads: creating them, listing them, and building a thread's comment tree.

The tree is built in memory from one ordered query, so a thread page costs two queries
however many comments it has.
"""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from forum.content.sanitize import clean_body
from forum.errors import Invalid, NotFound
from forum.gcpause import paused_gc
from forum.models import (
    ClaimState,
    Comment,
    CommentStatus,
    Thread,
    row_id,
)
from forum.sql import (
    bump_thread,
    json_time,
    post_target_row,
    root_of,
    root_rows,
    root_window,
    stored_json,
    subtree_rows,
    subtree_rows_as_stored,
    thread_comment_rows,
    thread_header_and_rows,
    thread_header_row,
)

MAX_SLUG_CHARS = 80
MAX_TITLE_CHARS = 300
DELETED_TEXT = "[deleted]"


async def touch(
    thread_id: int, activity_at: datetime | None = None, *, added_visible: int | None = None
) -> None:
    """Mark a thread changed, after (or in the same transaction as) the change.

    Never before it: a reader who saw the new version with the old rows would cache the
    old tree under the new key. `activity_at` also moves the thread's last activity
    (never backwards), for a new visible comment. `added_visible` says how many visible
    comments the change added, when that is all it did; otherwise the count is redone.
    """
    await bump_thread(thread_id, activity_at, added_visible=added_visible)


def slugify(title: str) -> str:
    """A readable, ASCII, URL-safe slug from a title ("thread" when nothing is left)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    ascii_title = re.sub(r"'", "", ascii_title.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")
    if len(slug) > MAX_SLUG_CHARS:
        slug = slug[:MAX_SLUG_CHARS].rsplit("-", 1)[0]
    return slug or "thread"


async def _free_slug(base: str) -> str:
    taken = set(
        await Thread.filter(Q(slug=base) | Q(slug__startswith=f"{base}-")).values_list(
            "slug", flat=True
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


async def create_thread(
    *,
    title: str,
    body_html: str,
    import_key: str,
    slug: str | None = None,
    url: str | None = None,
    source: str | None = None,
    created_at: datetime | None = None,
) -> Thread:
    """Store a new thread; the body is sanitised here, whatever produced it."""
    title = " ".join(title.split())
    if not title:
        raise Invalid("A thread needs a title.", field="title")
    if len(title) > MAX_TITLE_CHARS:
        raise Invalid(f"The title is longer than {MAX_TITLE_CHARS} characters.", field="title")
    when = created_at or datetime.now(UTC)
    return await Thread.create(
        slug=await _free_slug(slugify(slug or title)),
        title=title,
        body_html=clean_body(body_html),
        import_key=import_key,
        url=url,
        source=source,
        created_at=when,
        last_activity_at=when,
    )


async def thread_for_page(url: str, title: str) -> tuple[Thread, bool]:
    """The thread for an embedding page, created on first use: (thread, created)."""
    thread = await Thread.get_or_none(url=url)
    if thread is not None:
        return thread, False
    try:
        return await create_thread(
            title=title, body_html="", import_key=f"page:{url}", url=url
        ), True
    except IntegrityError:  # another request created it a moment ago
        return await Thread.get(import_key=f"page:{url}"), False


async def get_thread(slug: str) -> Thread:
    thread = await Thread.get_or_none(slug=slug)
    if thread is None:
        raise NotFound(f"There is no thread at /t/{slug}.")
    return thread


@dataclass(frozen=True)
class ThreadSummary:
    id: int
    slug: str
    title: str
    comment_count: int
    last_activity_at: datetime


async def list_threads(*, limit: int = 50, offset: int = 0) -> list[ThreadSummary]:
    """Threads with their visible comment counts, most recent activity first."""
    rows = (
        await Thread.all()
        .order_by("-last_activity_at", "-id")
        .limit(limit)
        .offset(offset)
        .values("id", "slug", "title", "comment_count", "last_activity_at")
    )
    return [ThreadSummary(**row) for row in rows]


@dataclass(frozen=True)
class ThreadPage:
    threads: list[ThreadSummary]
    next_cursor: str | None


def _encode_cursor(when: datetime, position: int) -> str:
    """A keyset position (a time and an id) as an opaque, URL-safe string."""
    raw = json.dumps([when.isoformat(), position]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, position = json.loads(raw)
        when = datetime.fromisoformat(when)
        if not isinstance(position, int) or row_id(position) is None or when.tzinfo is None:
            raise ValueError(position)
        return when, position
    except (ValueError, TypeError):
        raise Invalid("The cursor is not one this server handed out.", field="cursor") from None


async def list_threads_page(cursor: str | None, limit: int) -> ThreadPage:
    """Threads by latest activity, keyset-paginated: a deep page costs what the first does."""
    query = Thread.all()
    if cursor:
        when, thread_id = _decode_cursor(cursor)
        query = query.filter(
            Q(last_activity_at__lt=when) | (Q(last_activity_at=when) & Q(id__lt=thread_id))
        )
    rows = await (
        query.order_by("-last_activity_at", "-id")
        .limit(limit + 1)
        .values("id", "slug", "title", "comment_count", "last_activity_at")
    )
    page = [ThreadSummary(**row) for row in rows[:limit]]
    more = len(rows) > limit
    return ThreadPage(
        page, _encode_cursor(page[-1].last_activity_at, page[-1].id) if more else None
    )


async def visible_counts(*, urls: list[str], ids: list[int]) -> dict[str, int]:
    """Visible comments per thread, keyed by the URL or id asked for (0 when unknown)."""
    counts: dict[str, int] = {u: 0 for u in urls} | {str(i): 0 for i in ids}
    # Each condition only when asked: an empty IN becomes a constant that, OR-ed with the
    # other, stops the database from using the url index.
    where = [Q(url__in=urls)] if urls else []
    where += [Q(id__in=ids)] if ids else []
    if not where:
        return counts
    rows = await Thread.filter(Q(*where, join_type="OR")).values("id", "url", n="comment_count")
    for row in rows:
        if row["url"] in counts:
            counts[row["url"]] = row["n"]
        if str(row["id"]) in counts:
            counts[str(row["id"])] = row["n"]
    return counts


@dataclass(slots=True)
class CommentNode:
    """A comment as a reader sees it. A removed comment with replies keeps its place as a
    placeholder: "[deleted]" when its author withdrew it, "[removed]" when a moderator hid
    it or it still waits for approval."""

    id: int
    parent_id: int | None
    author: str
    html: str
    created_at: datetime
    edited_at: datetime | None
    removed: bool
    placeholder: str = ""
    source_requested: bool = False
    moderator_note: str = ""
    sources: list[dict] = field(default_factory=list)
    replies: list[CommentNode] = field(default_factory=list)


def _prune(nodes: list[CommentNode]) -> list[CommentNode]:
    """Drop removed comments that have no visible reply below them."""
    kept = []
    for node in nodes:
        node.replies = _prune(node.replies)
        if not node.removed or node.replies:
            kept.append(node)
    return kept


@dataclass
class PostTarget:
    """What posting to a thread needs to know of it: four columns, not a model object."""

    id: int
    status: str
    premoderated: bool
    last_activity_at: datetime


async def post_target(thread_id: int) -> PostTarget:
    row = await post_target_row(thread_id)
    if row is None:
        raise NotFound(f"There is no thread {thread_id}.")
    return PostTarget(*row)


@dataclass(frozen=True)
class ThreadHeader:
    """What a thread's JSON carries besides its comments, read without a model object."""

    id: int
    slug: str
    title: str
    url: str | None
    body_html: str
    status: str
    last_activity_at: datetime
    comment_count: int


async def comment_tree(
    thread: Thread | ThreadHeader, *, newest_first: bool = False
) -> list[CommentNode]:
    """The thread's comments as a tree, from one query.

    Top-level comments come oldest first (or newest first); replies always read in the
    order they were posted, as a conversation does.
    """
    rows = await thread_comment_rows(thread.id)
    with paused_gc():
        return build_tree(rows, newest_first=newest_first)


@dataclass(frozen=True)
class TreePage:
    """Some of a thread's top-level comments, each with all its replies."""

    comments: list[CommentNode]
    next_cursor: str | None  # where the next page starts; None at the end
    first: bool  # whether this page starts at the thread's first top-level comment
    prev_cursor: str | None = None  # where the page before this one ends; None on the first


async def comment_tree_page(
    thread: Thread | ThreadHeader,
    *,
    limit: int,
    newest_first: bool = False,
    cursor: str | None = None,
    around: int | None = None,
    before: str | None = None,
) -> TreePage:
    """Up to `limit` top-level comments with their replies: those after `cursor`, or
    the `limit` just before `before`, or from the one that `around` (any comment's id)
    hangs under, or from the start.

    The reader pages show a thread this way, so a thread of thousands of comments
    costs a page of them, not all of them. A thread with no more visible comments
    than `limit` is read whole (`fits_one_page`), in the one query `comment_tree`
    makes. A comment that is not in the thread leaves `around` at the start.

    Pages are counted from where the reader came in: a page opened at a comment, and
    the pages before and after it, need not line up with the pages from the start.
    """
    start = _decode_cursor(cursor) if cursor else None
    end = _decode_cursor(before) if before and start is None else None
    if start is None and end is None and fits_one_page(thread, limit):
        return TreePage(await comment_tree(thread, newest_first=newest_first), None, True)
    root = None
    if around is not None and start is None and end is None:
        root = await root_of(around, thread.id)
        if root is not None:
            start = (root[1], root[0])
    if end is not None:
        # Read backwards from `end`, nearest first; one more than a page says whether
        # this page is the first.
        back, ahead = await root_window(thread.id, limit + 1, end, newest_first=not newest_first)
        if not back:  # nothing before it: the thread's first page
            return await comment_tree_page(thread, limit=limit, newest_first=newest_first)
        page, first = back[:limit][::-1], len(back) <= limit
        next_cursor = _root_cursor(page[-1]) if ahead else None
    else:
        if start is None:
            found, behind = await root_rows(thread.id, limit + 1, newest_first=newest_first), False
        else:
            found, behind = await root_window(
                thread.id, limit + 1, start, newest_first=newest_first, inclusive=root is not None
            )
        page, first = found[:limit], not behind
        next_cursor = _root_cursor(page[-1]) if len(found) > limit else None
    rows = await subtree_rows([root_id for root_id, _ in page])
    with paused_gc():
        tree = build_tree(rows, newest_first=newest_first)
    prev_cursor = _root_cursor(page[0]) if page and not first else None
    return TreePage(tree, next_cursor, first, prev_cursor)


def _root_cursor(root: tuple[int, datetime]) -> str:
    """The cursor at a top-level comment, from its (id, created_at)."""
    return _encode_cursor(root[1], root[0])


def build_tree(rows: list[tuple], *, newest_first: bool = False) -> list[CommentNode]:
    """Nodes from `thread_comment_rows`, nested under their parents, in one pass."""
    nodes: dict[int, CommentNode] = {}
    roots: list[CommentNode] = []
    for cid, parent_id, author, html, status, created, edited, claim, note, sources in rows:
        removed = status != CommentStatus.VISIBLE
        node = CommentNode(
            id=cid,
            parent_id=parent_id,
            author="" if removed else author,
            html="" if removed else html,
            created_at=created,
            edited_at=edited,
            removed=removed,
            placeholder=(
                ("[deleted]" if status == CommentStatus.DELETED else "[removed]") if removed else ""
            ),
            source_requested=claim == ClaimState.SOURCE_REQUESTED,
            moderator_note="" if removed else note,
            sources=[] if removed else sources,
        )
        nodes[node.id] = node
        parent = nodes.get(parent_id) if parent_id else None
        (parent.replies if parent else roots).append(node)
    roots = _prune(roots)
    return roots[::-1] if newest_first else roots


_VISIBLE = CommentStatus.VISIBLE.value
_SOURCE_REQUESTED = ClaimState.SOURCE_REQUESTED.value


async def thread_for_json(
    thread_id: int, limit: int | None = None, cursor: str | None = None
) -> tuple[ThreadHeader, list[tuple], str | None] | None:
    """The thread's header, its comment rows as stored (for `comment_dicts`), and the
    cursor of the next page; None when there is no such thread.

    The rows, not the tree: the caller builds the tree, writes it out and lets it go in
    one pause of the cycle collector (see `comment_dicts`).

    Without `limit` the whole thread, and no cursor. With it, one page: up to `limit`
    top-level comments, oldest first, each with all its replies, and the cursor of the
    next page (None at the end).

    A thread of fifty thousand comments is 34 MB of JSON whole; a page costs what its own
    comments cost, however deep into the thread it is. A top-level comment that was
    removed and has no visible reply still takes its place in the count, so a page may
    show fewer than `limit`: follow `next_cursor` until it is None.
    """
    if limit is None:
        header, rows = await thread_header_and_rows(thread_id)
        return (ThreadHeader(*header), rows, None) if header else None
    header = await thread_header_row(thread_id)
    if header is None:
        return None
    start = _decode_cursor(cursor) if cursor else None
    root_ids, next_cursor = await _root_page(thread_id, limit, start)
    return ThreadHeader(*header), await subtree_rows_as_stored(root_ids), next_cursor


async def _root_page(
    thread_id: int, limit: int, start: tuple[datetime, int] | None
) -> tuple[list[int], str | None]:
    """The ids of one page of top-level comments, oldest first, and the cursor of the
    next page (None at the end): one more than a page is read to tell whether there is
    one."""
    roots = await root_rows(thread_id, limit + 1, start)
    page = roots[:limit]
    return [root_id for root_id, _ in page], (_root_cursor(page[-1]) if roots[limit:] else None)


def fits_one_page(thread: Thread | ThreadHeader, limit: int) -> bool:
    """Whether the thread's tree shows no more than `limit` top-level comments, so a
    page of it is all of it: no more can show than there are visible comments."""
    return thread.comment_count <= limit


def comment_dicts(rows: list[tuple]) -> list[dict]:
    """Stored comment rows (TREE_COLUMNS) as the JSON API serves them: `build_tree`'s
    tree and rules (a test holds the two equal), made as plain dicts.

    On a cache miss this is most of a read, and going through CommentNode (times parsed,
    then written back out) cost twice as much. Removed comments carry no author, text,
    note or sources, and drop out unless a visible reply hangs below them.

    Call it inside `paused_gc`, and write the tree out and drop it before the pause
    ends: a collection that starts while the tree is alive walks every dict of it and
    moves them all to older generations, which later full collections walk again
    (here about 50 µs of a 1 ms cache miss under load). Freed inside the pause,
    the tree leaves the collector's counts where they were.
    """
    nodes: dict[int, dict] = {}
    roots: list[dict] = []
    removed_any = False
    for cid, parent_id, author, html, status, created, edited, claim, note, sources in rows:
        removed = status != _VISIBLE
        removed_any = removed_any or removed
        node = {
            "id": cid,
            "parent_id": parent_id,
            "author": None if removed else author,
            "html": "" if removed else html,
            "removed": removed,
            "created_at": json_time(created),
            "edited_at": edited and json_time(edited),
            "source_requested": claim == _SOURCE_REQUESTED,
            "moderator_note": None if removed else (note or None),
            "sources": []
            if removed or sources == "[]"
            else [{"url": s["url"], "reachable": s["reachable"]} for s in stored_json(sources)],
            "replies": [],
        }
        nodes[cid] = node
        parent = nodes.get(parent_id) if parent_id else None
        (parent["replies"] if parent else roots).append(node)
    return _prune_dicts(roots) if removed_any else roots


def _prune_dicts(nodes: list[dict]) -> list[dict]:
    kept = []
    for node in nodes:
        node["replies"] = _prune_dicts(node["replies"])
        if not node["removed"] or node["replies"]:
            kept.append(node)
    return kept


async def comment_subtree(thread: Thread, comment_id: int) -> CommentNode | None:
    """One comment of the thread with all its replies, as the thread's tree shows it
    there; None when it is not in the thread or the tree leaves it out (removed, with
    no visible reply). Reads that comment's replies only, however long the thread."""
    if not await Comment.filter(id=comment_id, thread_id=thread.id).exists():
        return None
    rows = await subtree_rows([comment_id])
    with paused_gc():
        tree = build_tree(rows)  # the comment is the root: its parent is not among them
    return tree[0] if tree and tree[0].id == comment_id else None


async def comment_text(comment_id: int) -> str:
    """The text as submitted, for an edit form."""
    rows = await Comment.filter(id=comment_id).values_list("text", flat=True)
    if not rows:
        raise NotFound("That comment does not exist.")
    return rows[0]


@dataclass(frozen=True)
class FeedEntry:
    id: int
    author: str
    html: str
    created_at: datetime
    thread_slug: str
    thread_title: str


async def recent_comments(*, thread_id: int | None = None, limit: int = 50) -> list[FeedEntry]:
    """The newest visible comments, site-wide or on one thread, in one query."""
    query = Comment.filter(status=CommentStatus.VISIBLE)
    if thread_id is not None:
        query = query.filter(thread_id=thread_id)
    rows = (
        await query.order_by("-created_at", "-id")
        .limit(limit)
        .values("id", "author", "html", "created_at", "thread__slug", "thread__title")
    )
    return [
        FeedEntry(
            id=r["id"],
            author=r["author"],
            html=r["html"],
            created_at=r["created_at"],
            thread_slug=r["thread__slug"],
            thread_title=r["thread__title"],
        )
        for r in rows
    ]
