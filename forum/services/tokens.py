"""Personal API tokens: how moderators' own tools act on the queue without a browser session.

A token is shown once, when it is made, and kept only as a digest. It acts as its
moderator for as long as both the token and the account are live, so revoking either
shuts the tool out at once. Tokens carry the moderator's role: there are no finer scopes
yet, which is why each gets a name saying which tool holds it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from forum.errors import Invalid, NotFound
from forum.models import ApiToken, Moderator

TOKEN_PREFIX = "forum_"
PREFIX_CHARS = 12
MAX_NAME_CHARS = 80
# last_used_at is for people ("is this token still in use?"), so it is written at most
# this often rather than on every request.
TOUCH_INTERVAL = timedelta(minutes=5)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def create_token(username: str, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `username`: the row, and the secret, which is never stored."""
    name = " ".join(name.split())
    if len(name) > MAX_NAME_CHARS:
        raise Invalid(f"The token name is longer than {MAX_NAME_CHARS} characters.", "name")
    moderator = await Moderator.get_or_none(username=username)
    if moderator is None:
        raise NotFound(f"There is no moderator {username!r}.")
    if not moderator.is_active:
        raise Invalid(f"{username} is deactivated: reactivate the account first.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = await ApiToken.create(
        moderator=moderator, name=name, prefix=secret[:PREFIX_CHARS], digest=_digest(secret)
    )
    return token, secret


async def list_tokens(username: str | None = None) -> list[ApiToken]:
    query = ApiToken.all().prefetch_related("moderator").order_by("id")
    if username is not None:
        query = query.filter(moderator__username=username)
    return await query


async def revoke_token(prefix: str) -> ApiToken:
    """Revoke the live token whose shown prefix is `prefix` (refuses an ambiguous one)."""
    if len(prefix) < len(TOKEN_PREFIX) + 4:
        raise Invalid("Give at least the first 10 characters of the token.", "prefix")
    matches = await ApiToken.filter(prefix__startswith=prefix[:PREFIX_CHARS], revoked_at=None)
    matches = [t for t in matches if t.prefix.startswith(prefix[:PREFIX_CHARS])]
    if not matches:
        raise NotFound(f"No live token starts with {prefix!r}.")
    if len(matches) > 1:
        raise Invalid(f"{len(matches)} tokens start with {prefix!r}: give more characters.")
    token = matches[0]
    token.revoked_at = datetime.now(UTC)
    await token.save(update_fields=["revoked_at"])
    return token


async def authenticate(secret: str) -> Moderator | None:
    """The moderator a live token acts for, or None (unknown, revoked, or deactivated)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = await ApiToken.get_or_none(digest=_digest(secret), revoked_at=None).prefetch_related(
        "moderator"
    )
    if token is None or not token.moderator.is_active:
        return None
    now = datetime.now(UTC)
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        await ApiToken.filter(id=token.id).update(last_used_at=now)
    return token.moderator
