"""The poster's right to edit or delete their own comment for a short while.

Like Isso, the browser that posted a comment gets a signed, HttpOnly cookie naming the
comment ids it owns and when each was posted. Signed with the site secret, it works across
processes without shared state; nobody else can forge or extend it.
"""

from __future__ import annotations

import time

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "forum_own"
MAX_OWNED = 50


class Ownership:
    def __init__(
        self, secret: str, window_seconds: int, secure: bool, source_window_seconds: int = 0
    ) -> None:
        self.serializer = URLSafeSerializer(secret, salt="forum.comment-ownership")
        self.signer = TimestampSigner(secret, salt="forum.comment-edit-token")
        self.window = window_seconds
        # The author may back a comment with a source for longer than they may edit it.
        self.keep = max(window_seconds, source_window_seconds)
        self.secure = secure

    def owned(self, request: Request) -> dict[int, int]:
        """Comment id -> seconds of editing left, for comments still in their window."""
        return self._left(request, self.window)

    def token(self, comment_id: int) -> str:
        """The edit credential the API hands back with a new comment (no cookie needed)."""
        return self.signer.sign(str(comment_id)).decode()

    def token_allows(self, token: str, comment_id: int) -> bool:
        """True while `token` was issued for `comment_id` and is inside the edit window."""
        return self._token_valid(token, comment_id, self.window)

    def token_allows_source(self, token: str, comment_id: int) -> bool:
        """The same token backs the comment with a source for as long as the cookie would
        (the source window), so an embed's author can answer a moderator's request days
        later."""
        return self._token_valid(token, comment_id, self.keep)

    def _token_valid(self, token: str, comment_id: int, max_age: int) -> bool:
        try:
            value = self.signer.unsign(token, max_age=max_age).decode()
        except (BadSignature, SignatureExpired):
            return False
        return value == str(comment_id)

    def may_add_source(self, request: Request, comment_id: int) -> bool:
        return comment_id in self._left(request, self.keep)

    def sources_owned(self, request: Request) -> set[int]:
        """Comments this browser may still back with a source."""
        return set(self._left(request, self.keep))

    def _left(self, request: Request, window: int) -> dict[int, int]:
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
                remaining = posted + window - now
                if remaining > 0:
                    left[int(key)] = remaining
        return left

    def may_edit(self, request: Request, comment_id: int) -> bool:
        return comment_id in self.owned(request)

    def grant(self, request: Request, response: Response, comment_id: int) -> None:
        """Add a newly posted comment to the cookie, dropping expired entries."""
        now = int(time.time())
        current = {
            str(cid): now - (self.keep - left)
            for cid, left in self._left(request, self.keep).items()
        }
        current[str(comment_id)] = now
        newest = dict(sorted(current.items(), key=lambda kv: kv[1])[-MAX_OWNED:])
        response.set_cookie(
            COOKIE,
            self.serializer.dumps(newest),
            max_age=self.keep,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )
