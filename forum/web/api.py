"""JSON API v1: the same services as the pages, for embeds and other tools.

Errors are `{"error": {"code", "message", "field"}}` (see web/errors.py). Request bodies
are JSON objects with a size cap; unknown fields are refused with 422 so a typo never
passes silently. Thread reads carry an ETag and answer 304 to a matching If-None-Match.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from forum.errors import Forbidden, Invalid, NotFound
from forum.gcpause import paused_gc
from forum.models import ClaimState, Comment, CommentStatus, Thread, row_id
from forum.services import comments as comment_service
from forum.services import moderation, ratelimit, threads
from forum.services.comments import NewComment, post_comment
from forum.web.security import client_key, read_body

MAX_BODY_BYTES = 32 * 1024
MAX_LIMIT = 100
MAX_PAGE_ROOTS = 200  # top-level comments in one page of a thread, each with its replies
COMMENT_FIELDS = {"author", "text", "parent_id"}
HELD_MESSAGE = "Thank you. Your comment will appear once a moderator has approved it."


async def read_json(request: Request, allowed: set[str]) -> dict[str, Any]:
    """A JSON object body with only `allowed` fields, or a clear 4xx."""
    body = await read_body(request, "application/json", MAX_BODY_BYTES, "body")
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Invalid("The body is not valid UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise Invalid(f"The body is not valid JSON ({exc.msg}).") from None
    if not isinstance(data, dict):
        raise Invalid("The body must be a JSON object.")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise Invalid(f"Unknown field {unknown[0]!r}.", field=unknown[0])
    return data


def json_id(value: object) -> int | None:
    """A row id from a JSON number: JSON has no separate integers, so 3.0 is 3; "3" is not."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return row_id(value) if isinstance(value, int) else None


def _thread_summary(thread: Thread | threads.ThreadSummary) -> dict[str, Any]:
    return {
        "id": thread.id,
        "slug": thread.slug,
        "title": thread.title,
        "last_activity_at": thread.last_activity_at.isoformat(),
    }


def _limit(request: Request, default: str = "50", maximum: int = MAX_LIMIT) -> int:
    raw = request.query_params.get("limit", default)
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise Invalid(f"limit must be a whole number from 1 to {maximum}.", field="limit")
    return int(raw)


def _thread_page(request: Request) -> tuple[int, str | None] | None:
    """(limit, cursor) when a page of the thread is asked for, None for the whole."""
    if not request.scope["query_string"]:  # the embed's read: skip parsing nothing
        return None
    cursor = request.query_params.get("cursor")
    if "limit" not in request.query_params:
        if cursor is not None:
            raise Invalid("A cursor needs the limit it was paged with.", field="cursor")
        return None
    return _limit(request, maximum=MAX_PAGE_ROOTS), cursor or None


async def list_threads(request: Request) -> Response:
    limit = _limit(request)
    page = await threads.list_threads_page(request.query_params.get("cursor"), limit)
    return JSONResponse(
        {
            "threads": [
                {**_thread_summary(t), "comment_count": t.comment_count} for t in page.threads
            ],
            "next_cursor": page.next_cursor,
        }
    )


async def get_thread(request: Request) -> Response:
    """The tree, served from the read cache while the thread's version stands."""
    thread_id = request.path_params["id"]
    page = _thread_page(request)
    version = await request.app.state.versions.get(thread_id)
    if version is None:
        raise NotFound(f"There is no thread {thread_id}.")
    cache = request.app.state.thread_cache
    key = ("api", thread_id, version, page)
    entry = cache.get(key)
    if entry is None:
        entry = cache.put(key, await _thread_body(thread_id, page))
    headers = {"ETag": entry.etag, "Cache-Control": "no-cache"}
    if entry.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type="application/json", headers=headers)


async def _thread_body(thread_id: int, page: tuple[int, str | None] | None) -> bytes:
    found = await threads.thread_for_json(thread_id, *(page or (None, None)))
    if found is None:
        raise NotFound(f"There is no thread {thread_id}.")
    thread, rows, next_cursor = found
    with paused_gc():  # the tree is built, written and freed in one pause: comment_dicts
        return orjson.dumps(
            {
                **_thread_summary(thread),
                "url": thread.url,
                "body_html": thread.body_html,
                "open": thread.status == "open",
                "comment_count": thread.comment_count,
                "comments": threads.comment_dicts(rows),
                "next_cursor": next_cursor,
            }
        )


async def create_comment(request: Request) -> Response:
    thread = await threads.post_target(request.path_params["id"])
    data = await read_json(request, COMMENT_FIELDS)
    parent_id = data.get("parent_id")
    if parent_id is not None:
        parent_id = json_id(parent_id)
        if parent_id is None:
            raise Invalid("parent_id must be a comment id or null.", field="parent_id")
    settings = request.app.state.settings
    await ratelimit.check(request.app.state.limiter, f"post:{client_key(request)}")
    comment = await post_comment(
        thread,
        NewComment(text=data.get("text", ""), author=data.get("author"), parent_id=parent_id),
        ip=client_key(request),
        secret=settings.secret_key,
        status=comment_service.status_for_new(thread, premoderation=settings.premoderation),
    )
    if comment.status == CommentStatus.PENDING:
        # Nothing to edit or source until a moderator lets it through, so no token.
        return JSONResponse(
            {"id": comment.id, "pending": True, "message": HELD_MESSAGE}, status_code=202
        )
    body = {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": comment.author,
        "html": comment.html,
        "created_at": comment.created_at.isoformat(),
        "needs_source": comment.claim_state == ClaimState.FLAGGED,
        "flagged": comment.claim_findings,
        "edit_token": request.app.state.ownership.token(comment.id),
    }
    return Response(orjson.dumps(body), status_code=201, media_type="application/json")


async def _owned_comment(request: Request, *, for_source: bool = False) -> tuple[Thread, int]:
    """The comment's thread, once the X-Edit-Token header proves the caller posted it.

    The token edits or deletes within the edit window; backing the comment with a source
    is allowed for the longer source window, as with the page's cookie.
    """
    comment_id = request.path_params["id"]
    token = request.headers.get("x-edit-token", "")
    ownership = request.app.state.ownership
    allowed = (ownership.token_allows_source if for_source else ownership.token_allows)(
        token, comment_id
    )
    if not allowed:
        window = "source" if for_source else "edit"
        raise Forbidden(
            f"Send the edit_token you got when posting, within the {window} window, "
            "in the X-Edit-Token header."
        )
    thread_id = await Comment.filter(id=comment_id).values_list("thread_id", flat=True)
    if not thread_id:
        raise NotFound(f"There is no comment {comment_id}.")
    return await Thread.get(id=thread_id[0]), comment_id


async def edit_comment(request: Request) -> Response:
    thread, comment_id = await _owned_comment(request)
    data = await read_json(request, {"text"})
    comment = await comment_service.edit_comment(
        thread,
        comment_id,
        data.get("text", ""),
        window_seconds=request.app.state.settings.edit_window_seconds,
    )
    return JSONResponse(
        {
            "id": comment.id,
            "html": comment.html,
            "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
            "needs_source": comment.claim_state == ClaimState.FLAGGED,
        }
    )


async def delete_comment(request: Request) -> Response:
    thread, comment_id = await _owned_comment(request)
    await comment_service.delete_comment(
        thread, comment_id, window_seconds=request.app.state.settings.edit_window_seconds
    )
    return Response(status_code=204)


async def add_source(request: Request) -> Response:
    """The author backs a comment with a link, through the service the page's form uses
    (the link is checked and the claim re-read with it)."""
    thread, comment_id = await _owned_comment(request, for_source=True)
    data = await read_json(request, {"url", "note"})
    url, note = data.get("url", ""), data.get("note", "")
    if not isinstance(url, str):
        raise Invalid("url must be the source's http(s) address.", field="url")
    if not isinstance(note, str):
        raise Invalid("note must be a string.", field="note")
    comment = await comment_service.add_source(
        thread,
        comment_id,
        url,
        note,
        allow_private=request.app.state.settings.allow_private_links,
    )
    return JSONResponse(
        {
            "id": comment.id,
            "needs_source": comment.claim_state == ClaimState.FLAGGED,
            "source_requested": comment.claim_state == ClaimState.SOURCE_REQUESTED,
            "sources": [{"url": s["url"], "reachable": s["reachable"]} for s in comment.sources],
        },
        status_code=201,
    )


async def counts(request: Request) -> Response:
    """Visible comment counts for many pages at once, by `url=` or `id=` (none: none)."""
    urls = request.query_params.getlist("url")
    ids = request.query_params.getlist("id")
    if len(urls) > MAX_LIMIT or len(ids) > MAX_LIMIT:
        raise Invalid(f"Ask for at most {MAX_LIMIT} urls and {MAX_LIMIT} ids at once.", "url")
    parsed = [row_id(i) for i in ids]
    if None in parsed:
        raise Invalid("Every id must be a thread id.", field="id")
    found = await threads.visible_counts(urls=urls, ids=parsed)
    return JSONResponse({"counts": found})


def _page_url(request: Request) -> str:
    url = request.query_params.get("url", "")
    if not url.startswith(("http://", "https://")) or len(url) > 2000:
        raise Invalid("url must be the page's http(s) address.", field="url")
    return url


async def lookup_thread(request: Request) -> Response:
    """The thread an embedding page shows: by the page's URL, or by slug for a thread
    forum already knows (an imported one), since embeds name threads the way links do."""
    slug = request.query_params.get("slug")
    if slug is not None:
        if "url" in request.query_params:
            raise Invalid("Look a thread up by url or by slug, not both.", field="slug")
        if not slug:
            raise Invalid("slug must not be empty.", field="slug")
        thread = await threads.get_thread(slug)
    else:
        thread = await Thread.get_or_none(url=_page_url(request))
        if thread is None:
            raise NotFound("No thread is attached to that page yet.")
    return JSONResponse({**_thread_summary(thread), "url": thread.url})


async def create_thread(request: Request) -> Response:
    """A thread for a page of an allowed origin; asking again returns the same thread."""
    data = await read_json(request, {"url", "title"})
    url, title = data.get("url"), data.get("title")
    if not isinstance(url, str) or not isinstance(title, str):
        raise Invalid("Send the page's url and title as strings.", field="url")
    origin = "/".join(url.split("/", 3)[:3])
    if origin not in request.app.state.settings.allowed_origins:
        raise Forbidden(f"{origin} is not one of the sites allowed to embed threads.")
    thread, created = await threads.thread_for_page(url, title)
    return JSONResponse(
        {**_thread_summary(thread), "url": thread.url}, status_code=201 if created else 200
    )


async def report(request: Request) -> Response:
    data = await read_json(request, {"reason", "note"})
    note = data.get("note", "")
    if not isinstance(note, str):
        raise Invalid("note must be a string.", field="note")
    settings = request.app.state.settings
    await ratelimit.check(request.app.state.limiter, f"report:{client_key(request)}")
    created = await moderation.report_comment(
        request.path_params["id"],
        str(data.get("reason", "")),
        note,
        ip=client_key(request),
        secret=settings.secret_key,
    )
    return JSONResponse({"id": created.id, "reason": str(created.reason)}, status_code=201)
