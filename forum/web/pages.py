"""Reader pages: the thread index, a thread, and one comment's sub-thread."""

from __future__ import annotations

import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from forum.errors import Invalid, NotFound
from forum.models import Thread
from forum.services import threads
from forum.web.security import csrf_token

PER_PAGE = 30
SORTS = {"oldest": False, "newest": True}


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1 or int(raw) > 100_000:
        raise Invalid("The page number must be a whole number from 1.", field="page")
    return int(raw)


def _sort(request: Request) -> str:
    sort = request.query_params.get("sort", "oldest")
    if sort not in SORTS:
        raise Invalid("Sort comments by 'oldest' or 'newest'.", field="sort")
    return sort


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render a page; every page gets the CSRF token its forms need."""
    context = {"csrf_token": csrf_token(request), **context}
    return request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status
    )


async def index(request: Request) -> Response:
    page = _page_number(request)
    summaries = await threads.list_threads(limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    return render(
        request,
        "pages/index.html",
        {"threads": summaries[:PER_PAGE], "page": page, "has_next": len(summaries) > PER_PAGE},
    )


async def render_thread(
    request: Request,
    thread: Thread,
    *,
    form_error: str | None = None,
    form_values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The thread page; also re-shown with the poster's text when a no-JS post fails."""
    sort = _sort(request)
    ownership = request.app.state.ownership
    owned, owned_sources = ownership.owned(request), ownership.sources_owned(request)
    shared = tree = None
    if not owned and not owned_sources and "reported" not in request.query_params:
        shared = await _readers_comments(request, thread, sort)
    else:
        tree = await threads.comment_tree(thread, newest_first=SORTS[sort])
    response = render(
        request,
        "pages/thread.html",
        {
            "thread": thread,
            "comments": tree,
            "comments_slot": None if shared is None else _LIST_SLOT,
            "sort": sort,
            "owned": owned,
            "owned_sources": owned_sources,
            "form_error": form_error,
            "form_values": form_values or {},
        },
        status,
    )
    if shared is not None:
        # Spliced into the page as bytes: through the template, the list was copied
        # three times over (escaping, the macro, the page), a sixth of the request.
        response.body = response.body.replace(_LIST_SLOT.encode(), shared, 1)
        response.headers["content-length"] = str(len(response.body))
    return response


async def _readers_comments(request: Request, thread: Thread, sort: str) -> bytes:
    """The comment list as every reader who owns none of its comments sees it, rendered
    once and kept in the read cache; each reader's own CSRF token is put into its forms.

    Rendering a hundred comments was nine tenths of a thread page. The key holds the
    thread's version, read before the comments are, so an entry never holds comments
    older than its version says: every change a reader can see bumps the version, and
    the next reader misses and renders again. It holds the minute too, since the list
    says how long ago each comment was posted.
    """
    state = request.app.state
    minute = int(time.time()) // 60
    key = ("page", thread.id, thread.version, sort, minute)
    entry = state.thread_cache.get(key)
    if entry is None:
        tree = await threads.comment_tree(thread, newest_first=SORTS[sort])
        html = state.templates.get_template("pages/thread_comments.html").render(
            request=request,
            thread=thread,
            comments=tree,
            owned={},
            owned_sources=set(),
            csrf_token=_TOKEN_SLOT,
        )
        entry = state.thread_cache.put(key, html.encode())
    return entry.body.replace(_TOKEN_SLOT.encode(), csrf_token(request).encode())


# Where a cached comment list's forms take the reader's CSRF token, and where the page
# takes the list: random, so no comment or title can contain them, and of the token's
# own alphabet, so escaping leaves them as they are.
_TOKEN_SLOT = secrets.token_urlsafe(24)
_LIST_SLOT = secrets.token_urlsafe(24)


async def thread_page(request: Request) -> Response:
    return await render_thread(request, await threads.get_thread(request.path_params["slug"]))


async def subthread_page(request: Request) -> Response:
    """One comment with its replies: where "continue this thread" and Reply lead without
    JavaScript."""
    thread = await threads.get_thread(request.path_params["slug"])
    node = threads.find_node(await threads.comment_tree(thread), request.path_params["id"])
    if node is None:
        raise NotFound("That comment is not in this thread, or it was removed.")
    return render(
        request,
        "pages/subthread.html",
        {
            "thread": thread,
            "node": node,
            "owned": request.app.state.ownership.owned(request),
            "owned_sources": request.app.state.ownership.sources_owned(request),
        },
    )
