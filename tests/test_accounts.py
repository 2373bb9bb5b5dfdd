"""Moderator accounts: argon2 hashes and login checks."""

from __future__ import annotations

import pytest

from forum.errors import Invalid
from forum.models import Moderator
from forum.services import accounts


async def test_password_is_stored_as_argon2(database):
    await accounts.create_moderator("dora", "a very long password")
    row = await Moderator.get(username="dora")
    assert row.password_hash.startswith("$argon2")
    assert await accounts.verify_login("dora", "a very long password") is not None
    assert await accounts.verify_login("dora", "wrong password!!") is None
    assert await accounts.verify_login("nobody", "a very long password") is None


@pytest.mark.parametrize("username", ["a", "has space", "x" * 65, "semi;colon"])
async def test_bad_usernames_are_refused(database, username):
    with pytest.raises(Invalid, match="A username is"):
        await accounts.create_moderator(username, "a very long password")
    assert await Moderator.all().count() == 0
