"""Request hygiene shared by every page: security headers, CSRF, strict form reading.

CSRF uses a double-submit token: a random value in a SameSite=Lax cookie, repeated in a
hidden form field (or the X-CSRF-Token header for the page's own scripts). A request from
another site can send the cookie but cannot read it to repeat it.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forum.errors import DomainError, Forbidden, Invalid

CSRF_COOKIE = "forum_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_BYTES = 64 * 1024


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"


def content_security_policy(frame_ancestors: str) -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response, and the CSRF cookie when a page
    handed out a new token."""

    def __init__(self, app: ASGIApp, frame_ancestors: str, secure_cookies: bool) -> None:
        self.app = app
        # Raw (name, value) pairs, as ASGI carries them: this runs on every response,
        # the cached thread reads too, where MutableHeaders' per-header scans showed.
        self.headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in {
                "content-security-policy": content_security_policy(frame_ancestors),
                "x-content-type-options": "nosniff",
                "referrer-policy": "strict-origin-when-cross-origin",
                "cross-origin-opener-policy": "same-origin",
            }.items()
        ]
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # ASGI allows any iterable here; a list of our own can be extended.
                raw = message["headers"] = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                raw.extend(h for h in self.headers if h[0] not in present)
                token = scope["state"].get("new_csrf_token")
                if token:
                    headers = MutableHeaders(scope=message)
                    cookie = SimpleCookie()
                    cookie[CSRF_COOKIE] = token
                    cookie[CSRF_COOKIE].update(
                        {"path": "/", "samesite": "Lax", "httponly": True, "secure": self.secure}
                    )
                    headers.append("set-cookie", cookie.output(header="").strip())
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SessionsOnPages:
    """Runs the session middleware for the pages only.

    The JSON API, its OpenAPI document, the embed script and static files never read a
    session (the API is authorised by tokens, never by the browser's cookie), and the
    API's thread read is the hottest request there is: unwrapping and signing a cookie
    on it was pure cost.
    """

    SESSIONLESS = ("/api/", "/static/", "/embed.js", "/healthz")

    def __init__(self, app: ASGIApp, sessions: type, **options: object) -> None:
        self.app = app
        self.with_sessions = sessions(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.SESSIONLESS):
            await self.app(scope, receive, send)
        else:
            await self.with_sessions(scope, receive, send)


def csrf_token(request: Request) -> str:
    """The token to put in forms; creates (and later sets) the cookie on a first visit."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_token", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf_token = token
    return token


def verify_csrf(request: Request, form: dict[str, str]) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise Forbidden(
            "This form has expired or came from another site. Reload the page and try again."
        )


async def read_body(request: Request, content_type: str, max_bytes: int, what: str) -> bytes:
    """The raw body of the expected type, read up to a cap (forms and the JSON API)."""
    sent = request.headers.get("content-type", "").split(";")[0].strip()
    if sent != content_type:
        raise Invalid(f"Send the {what} as {content_type}.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"The {what} is larger than {max_bytes // 1024} KB.")
    return body


async def read_form(request: Request, max_bytes: int = MAX_FORM_BYTES) -> dict[str, str]:
    """A urlencoded form as a dict (the last value wins for a repeated field)."""
    return dict(await read_form_pairs(request, max_bytes))


async def read_form_pairs(
    request: Request, max_bytes: int = MAX_FORM_BYTES
) -> list[tuple[str, str]]:
    """A urlencoded form, refusing oversized bodies and text that is not valid UTF-8.

    Starlette's own parser replaces bad bytes silently; a poster should be told instead.
    """
    body = await read_body(request, "application/x-www-form-urlencoded", max_bytes, "form")
    try:
        return parse_qsl(
            body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise Invalid("The form is not valid UTF-8 text.") from None


def client_key(request: Request) -> str:
    """Who is posting, for rate limits: the client address (uvicorn applies trusted
    proxy headers before it reaches us)."""
    return request.client.host if request.client else "unknown"
