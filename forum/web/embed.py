"""Serves /embed.js, the script other sites load to show a thread (see static/embed.js).

A host page cannot put a version in the script's address, so the file is cached for an
hour and then revalidated by ETag: a fix reaches every embedding page within the hour.
It is public and readable from anywhere (CORS `*`, CORP cross-origin), so hosts may load
it with `crossorigin` and Subresource Integrity or behind COEP; the API it calls still
answers only the allowed origins.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

SCRIPT = Path(__file__).resolve().parent.parent / "static" / "embed.js"
MEDIA_TYPE = "text/javascript; charset=utf-8"


@cache
def _script() -> tuple[bytes, str]:
    """The script and its ETag, read once per process."""
    body = SCRIPT.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def embed_script(request: Request) -> Response:
    body, etag = _script()
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=3600",
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)
