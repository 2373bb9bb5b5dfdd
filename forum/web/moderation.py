"""Moderator pages: log in and out, the queue with its tabs, actions, a comment's history.

Every page and action here needs a logged-in moderator: an anonymous visitor is sent to
the login page (GET) or refused (POST), and sees nothing of the queue.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from forum.errors import Forbidden, Invalid, NotFound, RateLimited
from forum.models import Comment, Moderator, Role, row_id
from forum.services import accounts, moderation
from forum.web.pages import render
from forum.web.security import client_key, read_form, read_form_pairs, verify_csrf

SESSION_KEY = "moderator_id"


class LoginRequired(Forbidden):
    """Raised for pages; the handler turns it into a redirect to the login page."""


async def current_moderator(request: Request) -> Moderator:
    moderator_id = request.session.get(SESSION_KEY)
    moderator = (
        await Moderator.get_or_none(id=moderator_id, is_active=True) if moderator_id else None
    )
    if moderator is None:
        if request.method == "GET":
            raise LoginRequired("Log in as a moderator to see this page.")
        raise Forbidden("Only a logged-in moderator can do that.")
    return moderator


async def login_required(request: Request, exc: Exception) -> Response:
    return RedirectResponse(f"/mod/login?next={request.url.path}", status_code=303)


def _safe_next(raw: str | None) -> str:
    return raw if raw and raw.startswith("/mod") and "//" not in raw else "/mod"


async def login(request: Request) -> Response:
    if request.method == "GET":
        return render(
            request, "mod/login.html", {"next": _safe_next(request.query_params.get("next"))}
        )
    form = await read_form(request)
    verify_csrf(request, form)
    username = form.get("username", "").strip()
    key = f"login:{username.lower()}:{client_key(request)}"
    limiter = request.app.state.login_limiter
    wait = await limiter.blocked(key)
    if wait is not None:
        raise RateLimited(
            f"Too many failed logins. Try again in {wait // 60 + 1} minutes.", retry_after=wait
        )
    moderator = await accounts.verify_login(username, form.get("password", ""))
    if moderator is None:
        await limiter.retry_after(key)
        return render(
            request,
            "mod/login.html",
            {"error": "Wrong username or password.", "next": _safe_next(form.get("next"))},
            status=401,
        )
    request.session.clear()
    request.session[SESSION_KEY] = moderator.id
    await accounts.record_login(moderator)
    return RedirectResponse(_safe_next(form.get("next")), status_code=303)


async def logout(request: Request) -> Response:
    form = await read_form(request)
    verify_csrf(request, form)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


def _tab(request: Request) -> moderation.Tab:
    try:
        return moderation.Tab(request.query_params.get("tab", "needs_source"))
    except ValueError:
        raise Invalid("There is no such tab.", field="tab") from None


def _after(request: Request) -> int | None:
    raw = request.query_params.get("after")
    if raw is None:
        return None
    after = row_id(raw)
    if after is None:
        raise Invalid("The page cursor must be a comment id.", field="after")
    return after


async def queue_page(request: Request) -> Response:
    moderator = await current_moderator(request)
    page = await moderation.queue(_tab(request), _after(request))
    return render(
        request, "mod/queue.html", {"moderator": moderator, "page": page, "tabs": moderation.Tab}
    )


async def act(request: Request) -> Response:
    moderator = await current_moderator(request)
    form_items = await read_form_pairs(request)
    form = dict(form_items)
    verify_csrf(request, form)
    try:
        action = moderation.Action(form.get("action", ""))
    except ValueError:
        raise Invalid("Choose an action.", field="action") from None
    ids = [v for k, v in form_items if k == "comment_id"]
    parsed = [row_id(v) for v in ids]
    if not ids or None in parsed:
        raise Invalid("Select at least one comment.", field="comment_id")
    await moderation.act_many(moderator, parsed, action, form.get("note", ""))
    return RedirectResponse(_safe_next(form.get("next")), status_code=303)


async def history_page(request: Request) -> Response:
    moderator = await current_moderator(request)
    comment_id = request.path_params["id"]
    entries = await moderation.history(comment_id)
    comment = await Comment.get_or_none(id=comment_id).prefetch_related("thread")
    if comment is None:
        raise NotFound(f"There is no comment {comment_id}.")
    return render(
        request,
        "mod/history.html",
        {"moderator": moderator, "comment": comment, "entries": entries},
    )


async def moderators_page(request: Request) -> Response:
    admin = await current_moderator(request)
    accounts.require_admin(admin)
    return render(
        request,
        "mod/moderators.html",
        {"moderator": admin, "moderators": await accounts.list_moderators(), "roles": Role},
    )


async def moderators_action(request: Request) -> Response:
    admin = await current_moderator(request)
    accounts.require_admin(admin)
    form = await read_form(request)
    verify_csrf(request, form)
    action = form.get("action")
    if action == "add":
        try:
            role = Role(form.get("role", "moderator"))
        except ValueError:
            raise Invalid("Choose a role.", field="role") from None
        await accounts.add_moderator(
            admin, form.get("username", "").strip(), form.get("password", ""), role
        )
    elif action in {"disable", "enable"}:
        raw = form.get("moderator_id", "")
        moderator_id = row_id(raw)
        if moderator_id is None:
            raise Invalid("Choose a moderator.", field="moderator_id")
        await accounts.set_active(admin, moderator_id, action == "enable")
    else:
        raise Invalid("Choose an action.", field="action")
    return RedirectResponse("/mod/moderators", status_code=303)


async def threads_page(request: Request) -> Response:
    moderator = await current_moderator(request)
    threads = await moderation.list_threads_for_moderation()
    return render(request, "mod/threads.html", {"moderator": moderator, "threads": threads})


async def thread_premoderation(request: Request) -> Response:
    moderator = await current_moderator(request)
    form = await read_form(request)
    verify_csrf(request, form)
    if form.get("premoderation") not in {"on", "off"}:
        raise Invalid("Choose on or off.", field="premoderation")
    await moderation.set_thread_premoderation(
        moderator, request.path_params["slug"], form["premoderation"] == "on"
    )
    return RedirectResponse("/mod/threads", status_code=303)
