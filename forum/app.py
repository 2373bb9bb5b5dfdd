"""`create_app(settings)`: the only place where routes, middleware and lifespan are wired."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import pass_context
from starlette.applications import Starlette
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from tortoise import connections
from tortoise.exceptions import OperationalError

from forum import db
from forum.content.claims import segments
from forum.errors import DomainError
from forum.models import row_id
from forum.services.ratelimit import make_limiter
from forum.services.readcache import ThreadCache, VersionSource
from forum.settings import Settings
from forum.web import (
    api,
    comments,
    embed,
    errors,
    feeds,
    mod_api,
    moderation,
    openapi,
    pages,
)
from forum.web.ownership import Ownership
from forum.web.security import SecurityHeadersMiddleware, SessionsOnPages

PACKAGE_DIR = Path(__file__).parent


def _relative_time(when: datetime, now: datetime | None = None) -> str:
    seconds = int(((now or datetime.now(UTC)) - when).total_seconds())
    for unit, size in (
        ("year", 31_536_000),
        ("month", 2_592_000),
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
    ):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


Endpoint = Callable[[Request], Awaitable[Response]]


@pass_context
def _path_for(context: dict, name: str, /, **params: str) -> str:
    """Site-relative links, so pages never echo a client-supplied Host header.

    Straight to the named route: the app's own lookup tries every route in turn, and a
    thread page links each comment four times, which made lookups 29% of its time.
    """
    app = context["request"].app
    route = app.state.routes_by_name.get(name)
    return str((route or app).url_path_for(name, **params))


@pass_context
def _comment_path(context: dict, slug: str, comment_id: int) -> str:
    """`comment_link` for templates: the queue, history, edit and sub-thread pages."""
    return pages.comment_link(_path_for(context, "thread", slug=slug), comment_id)


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
    templates.env.globals["path_for"] = _path_for
    templates.env.globals["comment_path"] = _comment_path
    templates.env.filters["claim_segments"] = lambda c: segments(c.text, c.claim_findings)
    templates.env.filters["ago"] = _relative_time
    templates.env.filters["isotime"] = lambda when: when.astimezone(UTC).isoformat()
    templates.env.filters["fulltime"] = lambda when: when.astimezone(UTC).strftime(
        "%-d %B %Y, %H:%M UTC"
    )
    return templates


class RowIdConvertor(IntegerConvertor):
    """`{id:id}`: an id beyond the column's range becomes 0, which names no row (a 404)."""

    regex = "[0-9]{1,12}"

    def convert(self, value: str) -> int:
        return row_id(value) or 0


register_url_convertor("id", RowIdConvertor())


def by_method(**handlers: Endpoint) -> Endpoint:
    """One endpoint for a path that several methods share.

    Two Routes on one path each answer 405 with only their own methods in `Allow`; one
    Route with every method lists them all, and this picks the handler.
    """

    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return endpoint


async def healthz(request: Request) -> Response:
    """200 when the database answers, 503 when it does not."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # any failure to reach the database means unhealthy
        return JSONResponse({"status": "unavailable", "database": str(exc)[:200]}, 503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app(settings: Settings) -> Starlette:
    limiter = make_limiter(settings.post_rate, settings.redis_url, settings.redis_prefix)
    # Five failed logins per account and address lock that pair out for 15 minutes.
    login_limiter = make_limiter((5, 900), settings.redis_url, f"{settings.redis_prefix}:login")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        context = await db.start(settings)
        try:
            yield
        finally:
            app.state.versions.close()
            await limiter.close()
            await login_limiter.close()
            await db.stop(context)

    thread_routes = [
        Route("/t/{slug}", pages.thread_page, name="thread"),
        Route("/t/{slug}/comments", comments.create, methods=["POST"], name="post_comment"),
        Route("/t/{slug}/c/{id:id}", pages.subthread_page, name="subthread"),
        Route("/t/{slug}/c/{id:id}/edit", comments.edit, methods=["GET", "POST"], name="edit"),
        Route("/t/{slug}/c/{id:id}/delete", comments.delete, methods=["POST"], name="delete"),
        Route("/t/{slug}/c/{id:id}/report", comments.report, methods=["POST"], name="report"),
        Route("/t/{slug}/c/{id:id}/sources", comments.add_source, methods=["POST"], name="source"),
        Route("/preview", comments.preview, methods=["POST"], name="preview"),
        Route("/t/{slug}/feed.atom", feeds.thread_feed, name="thread_feed"),
        Route("/feed.atom", feeds.site_feed, name="site_feed"),
    ]
    api_routes = [
        # The embed's thread read first: routes are tried in order, each a regex match.
        Route("/api/v1/threads/{id:id}", api.get_thread, name="api_thread"),
        Route("/api/v1/openapi.json", openapi.openapi, name="api_openapi"),
        Route("/api/v1/docs", openapi.reference, name="api_reference"),
        Route(
            "/api/v1/threads",
            by_method(GET=api.list_threads, POST=api.create_thread),
            methods=["GET", "POST"],
            name="api_threads",
        ),
        Route("/api/v1/threads/lookup", api.lookup_thread, name="api_lookup"),
        Route(
            "/api/v1/threads/{id:id}/comments",
            api.create_comment,
            methods=["POST"],
            name="api_comments",
        ),
        Route("/api/v1/counts", api.counts, name="api_counts"),
        Route("/api/v1/comments/{id:id}/reports", api.report, methods=["POST"], name="api_report"),
        Route(
            "/api/v1/comments/{id:id}/sources", api.add_source, methods=["POST"], name="api_source"
        ),
        Route(
            "/api/v1/comments/{id:id}",
            by_method(PATCH=api.edit_comment, DELETE=api.delete_comment),
            methods=["PATCH", "DELETE"],
            name="api_comment",
        ),
        Route("/api/v1/mod/queue", mod_api.queue, name="api_mod_queue"),
        Route("/api/v1/mod/actions", mod_api.act, methods=["POST"], name="api_mod_act"),
        Route("/api/v1/mod/comments/{id:id}/history", mod_api.history, name="api_mod_history"),
        Route("/api/v1/mod/audit", mod_api.audit, name="api_mod_audit"),
    ]
    moderation_routes = [
        Route("/mod", moderation.queue_page, name="mod_queue"),
        Route("/mod/login", moderation.login, methods=["GET", "POST"], name="mod_login"),
        Route("/mod/logout", moderation.logout, methods=["POST"], name="mod_logout"),
        Route("/mod/actions", moderation.act, methods=["POST"], name="mod_act"),
        Route("/mod/c/{id:id}", moderation.history_page, name="mod_history"),
        Route("/mod/moderators", moderation.moderators_page, name="mod_moderators"),
        Route("/mod/threads", moderation.threads_page, name="mod_threads"),
        Route(
            "/mod/threads/{slug}/premoderation",
            moderation.thread_premoderation,
            methods=["POST"],
            name="mod_premoderation",
        ),
        Route(
            "/mod/moderators", moderation.moderators_action, methods=["POST"], name="mod_accounts"
        ),
    ]

    app = Starlette(
        debug=False,
        routes=[
            # The API first: its thread read is the hottest request, and routes match in order.
            *api_routes,
            Route("/", pages.index, name="index"),
            *thread_routes,
            *moderation_routes,
            Route("/embed.js", embed.embed_script, name="embed_script"),
            Route("/healthz", healthz, name="healthz"),
            Mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static"),
        ],
        exception_handlers={
            moderation.LoginRequired: moderation.login_required,
            DomainError: errors.domain_error,
            HTTPException: errors.http_error,
            OperationalError: errors.database_error,
            ClientDisconnect: errors.client_gone,
            Exception: errors.server_error,
        },
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.allowed_origins),
                allow_methods=["GET", "POST", "PATCH", "DELETE"],
                allow_headers=["Content-Type", "X-Edit-Token"],
                expose_headers=["ETag"],
                max_age=600,
            ),
            Middleware(
                SessionsOnPages,
                sessions=SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="forum_session",
                max_age=12 * 3600,
                same_site="lax",
                https_only=settings.secure_cookies,
            ),
            Middleware(
                SecurityHeadersMiddleware,
                frame_ancestors=settings.frame_ancestors,
                secure_cookies=settings.secure_cookies,
            ),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.routes_by_name = {
        route.name: route for route in app.routes if isinstance(route, Route | Mount)
    }
    app.state.templates = _templates()
    app.state.limiter = limiter
    app.state.thread_cache = ThreadCache(settings.thread_cache_mb * 1024 * 1024)
    app.state.versions = VersionSource(settings.database_url)
    app.state.login_limiter = login_limiter
    app.state.ownership = Ownership(
        settings.secret_key,
        settings.edit_window_seconds,
        settings.secure_cookies,
        settings.source_window_seconds,
    )
    return app


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` (several workers each build their own app)."""
    return create_app(Settings.from_env())
