"""Reader pages: the thread index, a thread, and one comment's sub-thread."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from forum.errors import Invalid, NotFound
from forum.models import Thread, row_id
from forum.services import threads
from forum.web.security import csrf_token

PER_PAGE = 30
ROOTS_PER_PAGE = 50  # top-level comments on one page of a thread, each with its replies
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


@dataclass(frozen=True)
class Position:
    """Where on a thread a page starts: after a cursor ("More comments"), before one
    ("Previous comments"), at the top-level comment a comment hangs under (`c`: a link
    to one comment, such as after posting), or at the start."""

    after: str | None = None
    before: str | None = None
    around: int | None = None


def _thread_position(request: Request) -> Position:
    params = request.query_params
    around = None
    if params.get("c") is not None:
        around = row_id(params["c"])
        if around is None:
            raise Invalid("c must be a comment id.", field="c")
    after, before = params.get("after") or None, params.get("before") or None
    if after and before:
        raise Invalid("A page starts after one comment or ends before one, not both.", "before")
    return Position(after, before, around)


def comment_link(thread_path: str, comment_id: int, query: str = "") -> str:
    """A comment on its thread page: `c` (read back by `_thread_position`) opens the page
    of a long thread that holds it, and the fragment scrolls to it."""
    query = f"c={comment_id}&{query}" if query else f"c={comment_id}"
    return f"{thread_path}?{query}#c{comment_id}"


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
    position = _thread_position(request)
    ownership = request.app.state.ownership
    owned, owned_sources = ownership.owned(request), ownership.sources_owned(request)
    shared = page = None
    if not owned and not owned_sources and "reported" not in request.query_params:
        shared = await _readers_comments(request, thread, sort, position)
    else:
        page = await _tree_page(thread, sort, position)
    response = render(
        request,
        "pages/thread.html",
        {
            "thread": thread,
            "page": page,
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


async def _tree_page(thread: Thread, sort: str, position: Position) -> threads.TreePage:
    return await threads.comment_tree_page(
        thread,
        limit=ROOTS_PER_PAGE,
        newest_first=SORTS[sort],
        cursor=position.after,
        before=position.before,
        around=position.around,
    )


async def _readers_comments(
    request: Request, thread: Thread, sort: str, position: Position
) -> bytes:
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
    # A thread of one page shows the same list wherever a link points into it.
    if threads.fits_one_page(thread, ROOTS_PER_PAGE):
        position = Position(position.after, position.before)
    key = ("page", thread.id, thread.version, sort, minute, position)
    entry = state.thread_cache.get(key)
    if entry is None:
        page = await _tree_page(thread, sort, position)
        html = state.templates.get_template("pages/thread_comments.html").render(
            request=request,
            thread=thread,
            page=page,
            sort=sort,
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
    node = await threads.comment_subtree(thread, request.path_params["id"])
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
