"""One place that turns errors into responses: JSON under /api, an HTML page elsewhere.

Domain errors carry their own status and message; anything unexpected is logged with its
traceback and answered with a plain 500 that reveals nothing.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from forum.errors import DomainError, RateLimited, Unauthorized

log = logging.getLogger("forum")

HTTP_MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    500: "Something went wrong on our side. Please try again in a moment.",
    503: "The database is busy. Please try again in a moment.",
}
# SQLite's answer when its one writer lock stayed taken for the whole busy timeout.
BUSY_MARKERS = ("database is locked", "database is busy")


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or accept.startswith("application/json")


def _respond(
    request: Request, status: int, code: str, message: str, field: str | None = None
) -> Response:
    headers = {}
    if _wants_json(request):
        error: dict[str, str] = {"code": code, "message": message}
        if field:
            error["field"] = field
        return JSONResponse({"error": error}, status_code=status, headers=headers)
    return request.app.state.templates.TemplateResponse(
        request,
        "errors/error.html",
        {"status": status, "message": message, "field": field},
        status_code=status,
        headers=headers,
    )


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    response = _respond(request, exc.status, exc.code, exc.message, exc.field)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="forum"'
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    response = _respond(request, exc.status_code, f"http_{exc.status_code}", message)
    response.headers.update(exc.headers or {})
    return response


async def database_error(request: Request, exc: Exception) -> Response:
    """A write that waited out SQLite's busy timeout is the server's load, not a bug and
    not the client's fault: 503 with Retry-After. Any other database error is a 500."""
    if not any(marker in str(exc) for marker in BUSY_MARKERS):
        return await server_error(request, exc)
    log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
    response = _respond(request, 503, "busy", HTTP_MESSAGES[503])
    response.headers["Retry-After"] = "2"
    return response


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client closed the connection before its body had arrived (a closed tab, a
    dropped link, a load test stopping): nothing was read, so nothing was written, and
    there is nobody to answer. Not a server error: no traceback in the log, and the
    status, 499 as proxies log it, goes nowhere."""
    log.info("client went away during %s %s", request.method, request.url.path)
    return Response(status_code=499)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(request, 500, "server_error", HTTP_MESSAGES[500])
