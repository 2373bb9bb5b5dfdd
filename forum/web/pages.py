"""Reader pages: the thread index, a thread, and one comment's sub-thread."""

from __future__ import annotations

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
    tree = await threads.comment_tree(thread, newest_first=SORTS[sort])
    return render(
        request,
        "pages/thread.html",
        {
            "thread": thread,
            "comments": tree,
            "sort": sort,
            "owned": request.app.state.ownership.owned(request),
            "owned_sources": request.app.state.ownership.sources_owned(request),
            "form_error": form_error,
            "form_values": form_values or {},
        },
        status,
    )


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
