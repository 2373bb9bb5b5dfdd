"""Posting, previewing, editing and deleting comments from the reader pages.

Without JavaScript a form POST answers with a redirect to the new comment's anchor
(post/redirect/get); the page's script sends the same form with `Accept:
application/json` and gets the rendered comment back to insert without a reload.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from forum.content.sanitize import render_comment
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.models import ClaimState, CommentStatus, Thread, row_id
from forum.services import comments as comment_service
from forum.services import moderation, ratelimit, threads
from forum.services.comments import (
    NewComment,
    clean_text,
    delete_comment,
    edit_comment,
    post_comment,
)
from forum.web.pages import ROOTS_PER_PAGE, comment_link, render, render_thread
from forum.web.security import client_key, csrf_token, read_form, verify_csrf

HONEYPOT = "website"
PENDING_MESSAGE = "Thank you. Your comment will appear once a moderator has approved it."


def _anchor(request: Request, thread: Thread, comment_id: int, query: str = "") -> str:
    """The thread page, at the comment. A thread that may run to more than one page
    (counted before this change, so a new comment is allowed for) is opened at the
    comment's top-level one, wherever it is."""
    path = request.url_for("thread", slug=thread.slug).path
    if thread.comment_count >= ROOTS_PER_PAGE:
        return comment_link(path, comment_id, query)
    return f"{path}{'?' + query if query else ''}#c{comment_id}"


def _wants_json(request: Request) -> bool:
    return request.headers.get("accept", "").startswith("application/json")


def _parent_id(raw: str | None) -> int | None:
    if not raw:
        return None
    parent_id = row_id(raw)
    if parent_id is None:
        raise Invalid("The comment you are replying to does not exist.", field="parent_id")
    return parent_id


def _comment_fragment(request: Request, comment_id: int, node: threads.CommentNode) -> str:
    template = request.app.state.templates.get_template("comment_fragment.html")
    return template.render(
        node=node,
        thread_slug=request.path_params["slug"],
        owned={comment_id: 1},
        owned_sources=set(),
        request=request,
        csrf_token=csrf_token(request),
    )


async def create(request: Request) -> Response:
    thread = await threads.get_thread(request.path_params["slug"])
    form = await read_form(request)
    verify_csrf(request, form)
    if form.get(HONEYPOT):
        # Bots fill every field; people never see this one. Answer as if it worked.
        return RedirectResponse(request.url_for("thread", slug=thread.slug).path, 303)
    settings = request.app.state.settings
    try:
        await ratelimit.check(request.app.state.limiter, f"post:{client_key(request)}")
        comment = await post_comment(
            thread,
            NewComment(
                text=form.get("text", ""),
                author=form.get("author"),
                parent_id=_parent_id(form.get("parent_id")),
            ),
            ip=client_key(request),
            secret=settings.secret_key,
            status=comment_service.status_for_new(thread, premoderation=settings.premoderation),
        )
    except (Invalid, Conflict) as exc:
        if _wants_json(request):
            raise
        return await render_thread(
            request, thread, form_error=exc.message, form_values=form, status=exc.status
        )
    anchor = _anchor(request, thread, comment.id)
    if comment.status == CommentStatus.PENDING:
        response = _held_for_moderation(request, thread.slug, comment.id)
    elif _wants_json(request):
        node = threads.CommentNode(
            id=comment.id,
            parent_id=comment.parent_id,
            author=comment.author,
            html=comment.html,
            created_at=comment.created_at,
            edited_at=None,
            removed=False,
        )
        response: Response = JSONResponse(
            {
                "id": comment.id,
                "parent_id": comment.parent_id,
                "url": anchor,
                "fragment": _comment_fragment(request, comment.id, node).strip(),
                "needs_source": comment.claim_state == ClaimState.FLAGGED,
            },
            status_code=201,
        )
    else:
        response = RedirectResponse(anchor, status_code=303)
    request.app.state.ownership.grant(request, response, comment.id)
    return response


def _held_for_moderation(request: Request, slug: str, comment_id: int) -> Response:
    if _wants_json(request):
        return JSONResponse(
            {"id": comment_id, "pending": True, "message": PENDING_MESSAGE}, status_code=202
        )
    path = request.url_for("thread", slug=slug).path
    return RedirectResponse(f"{path}?pending=1#comments-heading", status_code=303)


async def preview(request: Request) -> Response:
    """The sanitised HTML a text would become, for the live preview."""
    form = await read_form(request)
    verify_csrf(request, form)
    text = form.get("text", "")
    html = render_comment(clean_text(text)) if text.strip() else ""
    return JSONResponse({"html": html})


def _require_owner(request: Request, comment_id: int) -> None:
    if not request.app.state.ownership.may_edit(request, comment_id):
        raise Forbidden(
            "Only the browser that posted this comment can change it, and only for "
            f"{request.app.state.settings.edit_window_seconds // 60} minutes."
        )


async def edit(request: Request) -> Response:
    thread = await threads.get_thread(request.path_params["slug"])
    comment_id = request.path_params["id"]
    _require_owner(request, comment_id)
    window = request.app.state.settings.edit_window_seconds
    if request.method == "GET":
        node = await threads.comment_subtree(thread, comment_id)
        if node is None or node.removed:
            raise NotFound("That comment is not in this thread, or it was removed.")
        text = await threads.comment_text(comment_id)
        return render(request, "pages/edit.html", {"thread": thread, "node": node, "text": text})
    form = await read_form(request)
    verify_csrf(request, form)
    comment = await edit_comment(thread, comment_id, form.get("text", ""), window_seconds=window)
    if _wants_json(request):
        return JSONResponse({"id": comment.id, "html": comment.html})
    return RedirectResponse(_anchor(request, thread, comment.id), 303)


async def delete(request: Request) -> Response:
    thread = await threads.get_thread(request.path_params["slug"])
    comment_id = request.path_params["id"]
    _require_owner(request, comment_id)
    form = await read_form(request)
    verify_csrf(request, form)
    window = request.app.state.settings.edit_window_seconds
    await delete_comment(thread, comment_id, window_seconds=window)
    if _wants_json(request):
        return JSONResponse({"id": comment_id, "deleted": True})
    return RedirectResponse(request.url_for("thread", slug=thread.slug).path, 303)


async def report(request: Request) -> Response:
    """A reader flags a comment for the moderators (needs source, spam, abusive, off-topic)."""
    thread = await threads.get_thread(request.path_params["slug"])
    form = await read_form(request)
    verify_csrf(request, form)
    settings = request.app.state.settings
    await ratelimit.check(request.app.state.limiter, f"report:{client_key(request)}")
    await moderation.report_comment(
        request.path_params["id"],
        form.get("reason", ""),
        form.get("note", ""),
        ip=client_key(request),
        secret=settings.secret_key,
    )
    if _wants_json(request):
        return JSONResponse({"reported": True}, status_code=201)
    comment_id = request.path_params["id"]
    return RedirectResponse(_anchor(request, thread, comment_id, f"reported={comment_id}"), 303)


async def add_source(request: Request) -> Response:
    """The author adds a source link; the link is checked and the claim re-evaluated."""
    thread = await threads.get_thread(request.path_params["slug"])
    comment_id = request.path_params["id"]
    if not request.app.state.ownership.may_add_source(request, comment_id):
        raise Forbidden("Only the browser that posted this comment can add a source to it.")
    form = await read_form(request)
    verify_csrf(request, form)
    settings = request.app.state.settings
    comment = await comment_service.add_source(
        thread,
        comment_id,
        form.get("url", ""),
        form.get("note", ""),
        allow_private=settings.allow_private_links,
    )
    if _wants_json(request):
        return JSONResponse(
            {"id": comment.id, "claim_state": str(comment.claim_state), "sources": comment.sources}
        )
    return RedirectResponse(_anchor(request, thread, comment.id), 303)
