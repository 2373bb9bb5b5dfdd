"""Moderator accounts: creation and password checks, with argon2 hashes at rest."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.models import ModerationAction, Moderator, Role

USERNAME = re.compile(r"^[a-zA-Z0-9_.-]{2,64}$")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
_hasher = PasswordHasher()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise Invalid(
            f"The password needs at least {MIN_PASSWORD_CHARS} characters.", field="password"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise Invalid("The password is too long.", field="password")


async def create_moderator(username: str, password: str, role: Role = Role.MODERATOR) -> Moderator:
    """Create a moderator; the username must be free and the password long enough."""
    if not USERNAME.match(username):
        raise Invalid(
            "A username is 2-64 letters, digits, dots, dashes or underscores.", field="username"
        )
    check_password_rules(password)
    if await Moderator.exists(username=username):
        raise Conflict(f"The username {username!r} is taken.", field="username")
    return await Moderator.create(
        username=username, password_hash=_hasher.hash(password), role=role
    )


async def verify_login(username: str, password: str) -> Moderator | None:
    """The active moderator these credentials belong to, or None."""
    moderator = await Moderator.get_or_none(username=username, is_active=True)
    if moderator is None:
        _hasher.hash(password)  # spend the same time whether or not the name exists
        return None
    try:
        _hasher.verify(moderator.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(moderator.password_hash):
        moderator.password_hash = _hasher.hash(password)
        await moderator.save(update_fields=["password_hash"])
    return moderator


async def record_login(moderator: Moderator) -> None:
    moderator.last_login_at = datetime.now(UTC)
    await moderator.save(update_fields=["last_login_at"])


def require_admin(moderator: Moderator) -> None:
    if moderator.role != Role.ADMIN:
        raise Forbidden("Only an admin can manage moderators.")


async def list_moderators() -> list[Moderator]:
    return await Moderator.all().order_by("username")


async def add_moderator(
    admin: Moderator, username: str, password: str, role: Role = Role.MODERATOR
) -> Moderator:
    """An admin creates an account; the audit log keeps who did it."""
    require_admin(admin)
    moderator = await create_moderator(username, password, role)
    await ModerationAction.create(
        moderator=admin,
        action="moderator_added",
        reason=username,
        after={"username": username, "role": str(role)},
    )
    return moderator


async def set_active(admin: Moderator, moderator_id: int, active: bool) -> Moderator:
    """Switch an account off (it can no longer log in) or on again; not one's own."""
    require_admin(admin)
    target = await Moderator.get_or_none(id=moderator_id)
    if target is None:
        raise NotFound(f"There is no moderator {moderator_id}.")
    if target.id == admin.id:
        raise Invalid("You cannot switch off your own account.", field="moderator_id")
    before = {"username": target.username, "is_active": target.is_active}
    target.is_active = active
    await target.save(update_fields=["is_active"])
    await ModerationAction.create(
        moderator=admin,
        action="moderator_enabled" if active else "moderator_disabled",
        reason=target.username,
        before=before,
        after={"username": target.username, "is_active": active},
    )
    return target
