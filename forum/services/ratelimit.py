"""Per-client limits on posting: in-process by default, Redis when processes must share.

Both answer the same question: may this key act now, and if not, how many seconds until
it may. The in-process limiter keeps a sliding window per key; the Redis one counts in
fixed windows (INCR + EXPIRE, atomic in one pipeline), so every process sees one count.
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Protocol

from redis.asyncio import Redis

from forum.errors import RateLimited


class RateLimiter(Protocol):
    async def retry_after(self, key: str) -> int | None:
        """Record one action for `key`; None if allowed, else seconds to wait."""

    async def blocked(self, key: str) -> int | None:
        """Like retry_after, without recording an action."""

    async def close(self) -> None: ...


class NoLimit:
    async def retry_after(self, key: str) -> int | None:
        return None

    async def blocked(self, key: str) -> int | None:
        return None

    async def close(self) -> None:
        return None


class MemoryRateLimiter:
    def __init__(self, limit: int, window: int) -> None:
        self.limit = limit
        self.window = window
        self.hits: dict[str, deque[float]] = {}

    async def blocked(self, key: str) -> int | None:
        now = time.monotonic()
        hits = self.hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        return None

    async def retry_after(self, key: str) -> int | None:
        wait = await self.blocked(key)
        if wait is not None:
            return wait
        now = time.monotonic()
        self.hits[key].append(now)
        if len(self.hits) > 10_000:  # forget idle clients so memory stays bounded
            self.hits = {k: v for k, v in self.hits.items() if v and v[-1] > now - self.window}
        return None

    async def close(self) -> None:
        return None


class RedisRateLimiter:
    def __init__(self, url: str, limit: int, window: int, prefix: str = "forum:rate") -> None:
        self.redis = Redis.from_url(url)
        self.limit = limit
        self.window = window
        self.prefix = prefix

    async def blocked(self, key: str) -> int | None:
        now = time.time()
        bucket = int(now // self.window)
        count = int(await self.redis.get(f"{self.prefix}:{key}:{bucket}") or 0)
        if count >= self.limit:
            return max(1, math.ceil((bucket + 1) * self.window - now))
        return None

    async def retry_after(self, key: str) -> int | None:
        now = time.time()
        bucket = int(now // self.window)
        name = f"{self.prefix}:{key}:{bucket}"
        async with self.redis.pipeline(transaction=True) as pipe:
            count, _ = await pipe.incr(name).expire(name, self.window + 1).execute()
        if count > self.limit:
            return max(1, math.ceil((bucket + 1) * self.window - now))
        return None

    async def close(self) -> None:
        await self.redis.aclose()


def make_limiter(
    rate: tuple[int, int] | None, redis_url: str | None, prefix: str = "forum"
) -> RateLimiter:
    if rate is None:
        return NoLimit()
    limit, window = rate
    if redis_url:
        return RedisRateLimiter(redis_url, limit, window, prefix=f"{prefix}:rate")
    return MemoryRateLimiter(limit, window)


async def check(limiter: RateLimiter, key: str) -> None:
    """Raise RateLimited with a friendly message when `key` is over its limit."""
    wait = await limiter.retry_after(key)
    if wait is not None:
        raise RateLimited(
            f"You are posting faster than this site allows. Please wait {wait} seconds.",
            retry_after=wait,
        )
