"""The hot read paths cost a fixed number of queries, however many comments there are."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest

from forum.services import threads
from forum.services.comments import NewComment, post_comment

pytestmark = pytest.mark.usefixtures("database")


class QueryLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip().upper()
        if message.startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.queries.append(message)


@contextmanager
def counting():
    logger = logging.getLogger("tortoise.db_client")
    handler, level = QueryLog(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.queries
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def thread_with(n: int):
    thread = await threads.create_thread(title=f"T{n}", body_html="", import_key=f"q{n}")
    parent = None
    for i in range(n):
        comment = await post_comment(
            thread, NewComment(text=f"comment {i}", parent_id=parent if i % 3 else None)
        )
        parent = comment.id
    return thread


async def page_queries(client, thread) -> list[str]:
    with counting() as queries:
        response = await client.get(f"/t/{thread.slug}")
    assert response.status_code == 200
    return queries


async def test_thread_page_queries_do_not_grow_with_comments(client):
    small, large, larger = await thread_with(3), await thread_with(60), await thread_with(200)
    few = await page_queries(client, small)
    assert len(few) == 2, few  # the thread, then its comments in one query
    # Past a page of comments: the thread, a page of top-level comments, their replies.
    many, more = await page_queries(client, large), await page_queries(client, larger)
    assert len(many) == len(more) == 3, more
    assert "WITH RECURSIVE" in more[2] and "OFFSET" not in " ".join(more).upper()


async def test_an_api_thread_read_that_misses_the_cache_costs_two_queries(client):
    small, large = await thread_with(3), await thread_with(60)
    for thread, size in ((small, 3), (large, 60)):
        client._transport.app.state.thread_cache._entries.clear()
        with counting() as queries:
            response = await client.get(f"/api/v1/threads/{thread.id}")
        assert response.status_code == 200
        served = response.json()["comments"]
        assert sum(1 + len(n["replies"]) for n in served) <= size and served
        # The version lookup (on SQLite, on a connection of its own), then the thread's
        # header and its comments in one query.
        reads = [q for q in queries if "VERSION FROM THREAD" not in q]
        assert len(reads) == 2 and all(q.startswith("SELECT") for q in reads), queries
        assert "FROM COMMENT" in reads[1]


async def test_index_is_one_query(client):
    for n in range(5):
        await thread_with(n)
    with counting() as queries:
        response = await client.get("/")
    assert response.status_code == 200
    assert len(queries) == 1, queries
