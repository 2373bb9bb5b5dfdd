"""Two `forum serve` processes sharing one PostgreSQL and one Redis, as on two machines.

Both start at the same moment against an empty database (start-up work is serialised by
an advisory lock, so the seeds are imported once). Then: a comment posted through one is
read through the other at once; its edit token works on the other; the posting limit is
one count across both; a moderator's action through one is what the other serves next.
"""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.conftest import (
    fresh_postgres_database,
)
from tests.test_browser import forum_server
from tests.test_cli import forum
from tests.test_ratelimit import REDIS_URL, redis_url  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def shared_services(redis_url):  # noqa: F811  (the fixture imported below)
    """A fresh PostgreSQL database and a Redis key prefix of this test's own."""
    async with fresh_postgres_database() as url:
        yield url, f"forum-scaleout-{uuid.uuid4().hex}"


async def test_two_processes_share_comments_tokens_limits_and_moderation(settings, shared_services):
    database_url, prefix = shared_services
    env = {
        "FORUM_DATABASE_URL": database_url,
        "FORUM_REDIS_URL": REDIS_URL,
        "FORUM_REDIS_PREFIX": prefix,
        "FORUM_POST_RATE": "4/minute",
    }
    async with AsyncExitStack() as stack:
        first, second = await asyncio.gather(
            stack.enter_async_context(forum_server(settings, env, log_name="first.log")),
            stack.enter_async_context(forum_server(settings, env, log_name="second.log")),
        )
        async with httpx.AsyncClient(timeout=10) as http:
            listed = (await http.get(f"{first}/api/v1/threads")).json()["threads"]
            assert len(listed) == 5, "the seeds must be imported exactly once"
            blog = next(t for t in listed if t["slug"].startswith("it-can"))

            posted = await http.post(
                f"{first}/api/v1/threads/{blog['id']}/comments",
                json={"author": "Ann", "text": "Posted through the first process."},
            )
            assert posted.status_code == 201, posted.text
            comment = posted.json()
            tree = (await http.get(f"{second}/api/v1/threads/{blog['id']}")).json()
            assert comment["id"] in [c["id"] for c in tree["comments"]]

            edited = await http.patch(
                f"{second}/api/v1/comments/{comment['id']}",
                headers={"X-Edit-Token": comment["edit_token"]},
                json={"text": "Edited through the second process."},
            )
            assert edited.status_code == 200, edited.text
            again = (await http.get(f"{first}/api/v1/threads/{blog['id']}")).json()
            mine = next(c for c in again["comments"] if c["id"] == comment["id"])
            assert "Edited through the second process." in mine["html"]

            # One posting limit across both: 4 a minute, and the first post counted.
            statuses = []
            for base in (second, first, second, first):
                response = await http.post(
                    f"{base}/api/v1/threads/{blog['id']}/comments",
                    json={"text": f"Another comment via {base[-5:]}."},
                )
                statuses.append(response.status_code)
            assert statuses == [201, 201, 201, 429], statuses

            made = forum(
                settings,
                "create-moderator",
                "mia",
                "--password-stdin",
                stdin="a long enough password\n",
                env={"FORUM_DATABASE_URL": database_url},
            )
            assert made.returncode == 0, made.stderr
            token = forum(
                settings, "create-token", "mia", env={"FORUM_DATABASE_URL": database_url}
            ).stdout.strip()
            hidden = await http.post(
                f"{second}/api/v1/mod/actions",
                headers={"Authorization": f"Bearer {token}"},
                json={"action": "hide", "comment_ids": [comment["id"]], "note": "test"},
            )
            assert hidden.json()["done"] == 1, hidden.text
            after = (await http.get(f"{first}/api/v1/threads/{blog['id']}")).json()
            assert comment["id"] not in [c["id"] for c in after["comments"]]
