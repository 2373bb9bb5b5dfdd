"""Posting limits: in-process, and shared through a real Redis between app instances."""

from __future__ import annotations

import dataclasses
import os
import uuid

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from forum.services import threads
from forum.services.ratelimit import MemoryRateLimiter, NoLimit, RedisRateLimiter, make_limiter
from forum.settings import SettingsError, parse_rate
from tests.conftest import require_or_skip
from tests.test_commenting import make_client, post

REDIS_URL = os.environ.get("FORUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_url():
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        require_or_skip(f"Redis at {REDIS_URL} is not reachable ({exc})")
    finally:
        await client.aclose()
    return REDIS_URL


async def test_memory_limiter_counts_per_key():
    limiter = MemoryRateLimiter(limit=2, window=60)
    assert await limiter.retry_after("a") is None
    assert await limiter.retry_after("a") is None
    wait = await limiter.retry_after("a")
    assert wait is not None and 1 <= wait <= 60
    assert await limiter.retry_after("b") is None


async def test_no_limit_when_off():
    assert isinstance(make_limiter(None, None), NoLimit)
    assert isinstance(make_limiter((5, 60), None), MemoryRateLimiter)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("5/minute", (5, 60)), ("100/hour", (100, 3600)), ("3/seconds", (3, 1)), ("off", None)],
)
def test_parse_rate(raw, expected):
    assert parse_rate(raw) == expected


@pytest.mark.parametrize("raw", ["five/minute", "5/fortnight", "-1/minute", "5"])
def test_parse_rate_refuses_nonsense(raw):
    with pytest.raises(SettingsError, match="FORUM_POST_RATE"):
        parse_rate(raw)


async def test_redis_limiters_share_one_count(redis_url):
    prefix = f"forum-test-{uuid.uuid4().hex}"
    first = RedisRateLimiter(redis_url, limit=3, window=60, prefix=prefix)
    second = RedisRateLimiter(redis_url, limit=3, window=60, prefix=prefix)
    try:
        assert await first.retry_after("client") is None
        assert await second.retry_after("client") is None
        assert await first.retry_after("client") is None
        assert await second.retry_after("client") is not None
        assert await first.retry_after("other") is None
    finally:
        await first.close()
        await second.close()


@pytest.mark.usefixtures("database")
async def test_two_app_instances_share_the_posting_limit_through_redis(settings, redis_url):
    thread = await threads.create_thread(title="Shared", body_html="", import_key="shared")
    shared = dataclasses.replace(
        settings,
        post_rate=(2, 60),
        redis_url=redis_url,
        redis_prefix=f"forum-test-{uuid.uuid4().hex}",
    )
    async with make_client(shared) as one, make_client(shared) as two:
        assert (await post(one, thread, text="from process one")).status_code == 303
        assert (await post(two, thread, text="from process two")).status_code == 303
        third = await post(one, thread, text="over the shared limit")
        assert third.status_code == 429
        await one._transport.app.state.limiter.close()
        await two._transport.app.state.limiter.close()
