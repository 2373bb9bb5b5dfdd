"""The moderation part of API v1: the queue, actions and audit log for moderators' tools.

Authorised by a personal API token (`Authorization: Bearer forum_...`, made with
`forum create-token`), never by the browser session: a token sent by a script cannot be
ridden by a cross-site request the way a cookie can, so these routes need no CSRF token,
and CORS never offers them credentials. The routes call the same moderation service as
the /mod pages, so an action here writes the same audit entry.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from forum.errors import DomainError, Invalid, NotFound, Unauthorized
from forum.models import MAX_ID, Comment, ModerationAction, Moderator, row_id
from forum.services import moderation, tokens
from forum.web.api import MAX_LIMIT, json_id, read_json

ACTION_FIELDS = {"action", "comment_ids", "note"}
MAX_BULK = 100


async def token_moderator(request: Request) -> Moderator:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send a moderator API token: Authorization: Bearer <token>.")
    moderator = await tokens.authenticate(secret.strip())
    if moderator is None:
        raise Unauthorized("The API token is unknown or revoked, or its account is disabled.")
    return moderator


def _int_param(request: Request, name: str, default: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = row_id(raw) if raw != "0" else 0
    if value is None:
        raise Invalid(f"{name} must be a whole number from 0 to {MAX_ID}.", field=name)
    return value


def _limit(request: Request) -> int:
    limit = _int_param(request, "limit", moderation.PAGE_SIZE) or 0
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be a whole number from 1 to {MAX_LIMIT}.", field="limit")
    return limit


def _comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "thread_id": comment.thread_id,
        "parent_id": comment.parent_id,
        "author": comment.author,
        "text": comment.text,
        "html": comment.html,
        "status": str(comment.status),
        "claim_state": str(comment.claim_state),
        "flagged": [
            {k: f.get(k) for k in ("sentence", "start", "end", "reason", "cues")}
            for f in comment.claim_findings
        ],
        "moderator_note": comment.moderator_note or None,
        "created_at": comment.created_at.isoformat(),
    }


def _entry(entry: ModerationAction) -> dict[str, Any]:
    return {
        "id": entry.id,
        "action": entry.action,
        "moderator": entry.moderator.username if entry.moderator else None,
        "comment_id": entry.comment_id,
        "thread_id": entry.thread_id,
        "reason": entry.reason,
        "before": entry.before,
        "after": entry.after,
        "created_at": entry.created_at.isoformat(),
    }


async def queue(request: Request) -> Response:
    await token_moderator(request)
    try:
        tab = moderation.Tab(request.query_params.get("tab", moderation.Tab.NEEDS_SOURCE))
    except ValueError:
        names = ", ".join(t.value for t in moderation.Tab)
        raise Invalid(f"tab must be one of: {names}.", field="tab") from None
    page = await moderation.queue(tab, _int_param(request, "after"), _limit(request))
    return JSONResponse(
        {
            "tab": tab.value,
            "counts": page.counts,
            "counts_capped": page.capped,
            "items": [
                {
                    "comment": _comment(item.comment),
                    "thread": {"slug": item.thread_slug, "title": item.thread_title},
                    "parent_excerpt": item.parent_excerpt,
                    "reports": [
                        {
                            "id": r.id,
                            "reason": str(r.reason),
                            "note": r.note,
                            "created_at": r.created_at.isoformat(),
                        }
                        for r in item.reports
                    ],
                }
                for item in page.items
            ],
            "next_after": page.next_after,
        }
    )


async def act(request: Request) -> Response:
    """Apply one action to up to 100 comments; each succeeds or fails on its own."""
    moderator = await token_moderator(request)
    data = await read_json(request, ACTION_FIELDS)
    try:
        action = moderation.Action(data.get("action"))
    except ValueError:
        names = ", ".join(a.value for a in moderation.Action)
        raise Invalid(f"action must be one of: {names}.", field="action") from None
    raw_ids = data.get("comment_ids")
    ids = [json_id(i) for i in raw_ids] if isinstance(raw_ids, list) else []
    if not ids or None in ids:
        raise Invalid("comment_ids must be a non-empty list of comment ids.", "comment_ids")
    if len(ids) > MAX_BULK:
        raise Invalid(f"At most {MAX_BULK} comments per request.", field="comment_ids")
    note = data.get("note", "")
    if not isinstance(note, str):
        raise Invalid("note must be a string.", field="note")
    results = []
    for comment_id in dict.fromkeys(ids):
        try:
            comment = await moderation.act(moderator, comment_id, action, note)
        except (Invalid, NotFound) as exc:
            if isinstance(exc, Invalid) and exc.field == "note":
                raise  # the same for every item: refuse the request as a whole
            results.append({"id": comment_id, "ok": False, "error": _error(exc)})
            continue
        results.append({"id": comment_id, "ok": True, "comment": _comment(comment)})
    done = sum(1 for r in results if r["ok"])
    return JSONResponse({"action": action.value, "done": done, "results": results})


def _error(exc: DomainError) -> dict[str, str]:
    return {"code": exc.code, "message": exc.message}


async def history(request: Request) -> Response:
    await token_moderator(request)
    comment = await Comment.get_or_none(id=request.path_params["id"])
    if comment is None:
        raise NotFound(f"There is no comment {request.path_params['id']}.")
    entries = await moderation.history(comment.id)
    return JSONResponse({"comment": _comment(comment), "entries": [_entry(e) for e in entries]})


async def audit(request: Request) -> Response:
    """The whole audit log, newest first, keyset-paged by entry id."""
    await token_moderator(request)
    limit = _limit(request)
    entries = await moderation.audit_log(_int_param(request, "before"), limit)
    more = len(entries) > limit
    entries = entries[:limit]
    return JSONResponse(
        {
            "entries": [_entry(e) for e in entries],
            "next_before": entries[-1].id if more else None,
        }
    )
