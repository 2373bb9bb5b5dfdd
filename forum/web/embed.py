"""Serves /embed.js, the script other sites load to show a thread (see static/embed.js).

A host page cannot put a version in the script's address, so the file is cached for an
hour and then revalidated by ETag: a fix reaches every embedding page within the hour.
It loads on every view of every embedding page, so it goes out gzipped when the browser
accepts that (compressed once per process; it holds no secrets, so compressing it leaks
nothing). It is public and readable from anywhere (CORS `*`, CORP cross-origin), so
hosts may load it with `crossorigin` and Subresource Integrity or behind COEP; the API it
calls still answers only the allowed origins.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

SCRIPT = Path(__file__).resolve().parent.parent / "static" / "embed.js"
MEDIA_TYPE = "text/javascript; charset=utf-8"


@dataclass(frozen=True)
class Script:
    plain: bytes
    gzipped: bytes
    etag: str  # of the plain bytes; the gzipped variant's ETag adds "-gzip"


@cache
def _script() -> Script:
    """The script, read and compressed once per process."""
    plain = SCRIPT.read_bytes()
    digest = hashlib.sha256(plain).hexdigest()[:32]
    return Script(plain, gzip.compress(plain, compresslevel=9, mtime=0), digest)


def _accepts_gzip(request: Request) -> bool:
    for coding in request.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = coding.partition(";")
        if name.strip() == "gzip":
            quality = params.strip().removeprefix("q=")
            try:
                return not quality or float(quality) > 0
            except ValueError:
                return False
    return False


async def embed_script(request: Request) -> Response:
    script = _script()
    zipped = _accepts_gzip(request)
    etag = f'"{script.etag}-gzip"' if zipped else f'"{script.etag}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=3600",
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if zipped:
        headers["Content-Encoding"] = "gzip"
        return Response(script.gzipped, media_type=MEDIA_TYPE, headers=headers)
    return Response(script.plain, media_type=MEDIA_TYPE, headers=headers)
