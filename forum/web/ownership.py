"""The poster's right to edit or delete their own comment for a short while.

Like Isso, the browser that posted a comment gets a signed, HttpOnly cookie naming the
comment ids it owns and when each was posted. Signed with the site secret, it works across
processes without shared state; nobody else can forge or extend it.
"""

from __future__ import annotations

import time

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "forum_own"
MAX_OWNED = 50


class Ownership:
    def __init__(self, secret: str, window_seconds: int, secure: bool) -> None:
        self.serializer = URLSafeSerializer(secret, salt="forum.comment-ownership")
        self.window = window_seconds
        self.secure = secure

    def owned(self, request: Request) -> dict[int, int]:
        """Comment id -> seconds of editing left, for comments still in their window."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            return {}
        try:
            data = self.serializer.loads(raw)
        except BadSignature:
            return {}
        if not isinstance(data, dict):
            return {}
        now = int(time.time())
        left = {}
        for key, posted in data.items():
            if str(key).isdigit() and isinstance(posted, int):
                remaining = posted + self.window - now
                if remaining > 0:
                    left[int(key)] = remaining
        return left

    def may_edit(self, request: Request, comment_id: int) -> bool:
        return comment_id in self.owned(request)

    def grant(self, request: Request, response: Response, comment_id: int) -> None:
        """Add a newly posted comment to the cookie, dropping expired entries."""
        now = int(time.time())
        current = {
            str(cid): now - (self.window - left) for cid, left in self.owned(request).items()
        }
        current[str(comment_id)] = now
        newest = dict(sorted(current.items(), key=lambda kv: kv[1])[-MAX_OWNED:])
        response.set_cookie(
            COOKIE,
            self.serializer.dumps(newest),
            max_age=self.window,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )
