"""Reader pages: the thread index and a thread with its comments."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from forum.errors import Invalid
from forum.services import threads

PER_PAGE = 30


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1 or int(raw) > 100_000:
        raise Invalid("The page number must be a whole number from 1.", field="page")
    return int(raw)


async def index(request: Request) -> Response:
    page = _page_number(request)
    summaries = await threads.list_threads(limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    return request.app.state.templates.TemplateResponse(
        request,
        "pages/index.html",
        {"threads": summaries[:PER_PAGE], "page": page, "has_next": len(summaries) > PER_PAGE},
    )


async def thread_page(request: Request) -> Response:
    thread = await threads.get_thread(request.path_params["slug"])
    tree = await threads.comment_tree(thread)
    return request.app.state.templates.TemplateResponse(
        request, "pages/thread.html", {"thread": thread, "comments": tree}
    )
