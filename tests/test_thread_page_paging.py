"""The thread page a page at a time: a long thread shows ROOTS_PER_PAGE top-level
comments with all their replies, "More comments" leads on, and a link to any comment
(`?c=`, as every redirect after posting uses on a long thread) opens the page that
holds it."""

from __future__ import annotations

import html
import re

import pytest

from forum.models import Comment, Thread
from forum.services import threads
from forum.services.comments import NewComment, post_comment
from forum.web.pages import ROOTS_PER_PAGE
from tests.test_queries import counting

pytestmark = pytest.mark.usefixtures("database")

ROOTS = 2 * ROOTS_PER_PAGE + 7  # three pages


async def long_thread(title: str) -> tuple[Thread, list[int], dict[int, int]]:
    """ROOTS top-level comments; every fifth has a reply, and that reply a reply."""
    thread = await threads.create_thread(title=title, body_html="", import_key=title)
    roots, parent_of = [], {}
    for i in range(ROOTS):
        root = await post_comment(thread, NewComment(text=f"root {i}"))
        roots.append(root.id)
        if i % 5 == 0:
            reply = await post_comment(thread, NewComment(text=f"re {i}", parent_id=root.id))
            deeper = await post_comment(thread, NewComment(text=f"re re {i}", parent_id=reply.id))
            parent_of |= {reply.id: root.id, deeper.id: reply.id}
    return await Thread.get(id=thread.id), roots, parent_of


def shown(page: str) -> list[int]:
    """Every comment on the page, in document order."""
    return [int(n) for n in re.findall(r'<li class="comment[^"]*" id="c(\d+)"', page)]


def more_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">More comments</a>', page)
    return html.unescape(found.group(1)) if found else None


def previous_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="prev">Previous comments</a>', page)
    return html.unescape(found.group(1)) if found else None


async def follow(client, slug: str, url: str | None, link) -> list[str]:
    """The page at `url`, then each page that `link` (`more_link`, `previous_link`) of
    the last one leads to, until there is none."""
    pages: list[str] = []
    while url is not None:
        response = await client.get(url if url.startswith("/") else f"/t/{slug}{url}")
        assert response.status_code == 200, response.text
        pages.append(response.text)
        url = link(response.text)
        assert len(pages) <= 5, "the links go round in circles"
    return pages


async def walk(client, slug: str, sort: str) -> list[str]:
    return await follow(client, slug, f"/t/{slug}?sort={sort}", more_link)


async def walk_back(client, slug: str, url: str | None) -> list[str]:
    return await follow(client, slug, url, previous_link)


@pytest.mark.parametrize("sort", ["oldest", "newest"])
async def test_the_pages_of_a_long_thread_add_up_to_it(client, sort):
    thread, roots, parent_of = await long_thread(f"Long {sort}")
    pages = await walk(client, thread.slug, sort)
    assert len(pages) == 3
    seen = [cid for page in pages for cid in shown(page)]
    assert len(seen) == len(set(seen)) == ROOTS + len(parent_of)
    top = [cid for cid in seen if cid not in parent_of]
    assert top == (roots if sort == "oldest" else roots[::-1])
    for page in pages:
        # Each reply is on the page of the comment it answers, right after it.
        ids = shown(page)
        assert all(
            parent_of[c] in ids and ids.index(parent_of[c]) < ids.index(c)
            for c in ids
            if c in parent_of
        )
        assert len([c for c in ids if c not in parent_of]) <= ROOTS_PER_PAGE
    assert "Back to the first comments" not in pages[0]
    assert all("Back to the first comments" in page for page in pages[1:])
    assert more_link(pages[-1]) is None
    # From the last page back: the same pages, in reverse, the first with no way back.
    back = await walk_back(client, thread.slug, more_link(pages[-2]))
    assert [shown(page) for page in back] == [shown(page) for page in pages[::-1]]
    assert previous_link(back[-1]) is None and "Back to the first comments" not in back[-1]


@pytest.mark.parametrize("sort", ["oldest", "newest"])
async def test_from_a_comment_the_pages_lead_back_to_the_start(client, sort):
    """A link into the middle of a thread opens a page that starts there; "Previous
    comments" leads back a page at a time to the first, and "More comments" on from
    each of those pages joins up with where the reader came in."""
    thread, roots, parent_of = await long_thread(f"Back {sort}")
    order = roots if sort == "oldest" else roots[::-1]
    entry = order[73]
    back = await walk_back(client, thread.slug, f"?sort={sort}&c={entry}")
    tops = [[c for c in shown(page) if c not in parent_of] for page in back]
    assert tops[0][0] == entry
    assert [c for page in tops[::-1] for c in page] == order  # nothing missed, none twice
    assert [len(page) for page in tops[1:]] == [ROOTS_PER_PAGE, 73 - ROOTS_PER_PAGE]
    assert "Back to the first comments" not in back[-1] and previous_link(back[-1]) is None
    onward = (await client.get(f"/t/{thread.slug}{more_link(back[1])}")).text
    assert shown(onward) == shown(back[0])


async def test_a_link_to_the_first_comment_is_the_first_page(client):
    thread, roots, _ = await long_thread("First of many")
    page = (await client.get(f"/t/{thread.slug}?c={roots[0]}")).text
    assert shown(page)[0] == roots[0]
    assert "Back to the first comments" not in page and previous_link(page) is None
    assert more_link(page) is not None


async def test_a_page_before_costs_what_a_page_after_does(client):
    thread, _, _ = await long_thread("Costs back")
    first = (await client.get(f"/t/{thread.slug}")).text
    second = (await client.get(f"/t/{thread.slug}{more_link(first)}")).text
    with counting() as queries:
        response = await client.get(f"/t/{thread.slug}{previous_link(second)}")
    assert response.status_code == 200
    assert shown(response.text) == shown(first)
    comment_queries = [q for q in queries if "FROM COMMENT" in q.upper()]
    assert len(comment_queries) == 2, queries  # the page's top-level comments, their replies
    assert "LIMIT" in comment_queries[0].upper() and "OFFSET" not in comment_queries[0].upper()


async def test_a_thread_of_one_page_is_read_in_one_query_and_links_nowhere(client):
    thread = await threads.create_thread(title="Short", body_html="", import_key="short")
    for i in range(3):
        await post_comment(thread, NewComment(text=f"short {i}"))
    with counting() as queries:
        page = (await client.get(f"/t/{thread.slug}?c=123456")).text
    assert len([q for q in queries if "FROM COMMENT" in q.upper()]) == 1, queries
    assert len(shown(page)) == 3
    assert more_link(page) is None and "Back to the first" not in page


async def test_a_deep_page_costs_what_the_first_does(client):
    thread, _, _ = await long_thread("Costs")
    first = (await client.get(f"/t/{thread.slug}")).text
    with counting() as queries:
        response = await client.get(f"/t/{thread.slug}{more_link(first)}")
    assert response.status_code == 200
    comment_queries = [q for q in queries if "FROM COMMENT" in q.upper()]
    # The next top-level comments, then their replies in one recursive query.
    assert len(comment_queries) == 2, queries
    assert "LIMIT" in comment_queries[0].upper() and "OFFSET" not in comment_queries[0].upper()
    assert "WITH RECURSIVE" in comment_queries[1].upper()


async def test_a_link_to_a_comment_opens_the_page_that_holds_it(client):
    thread, roots, parent_of = await long_thread("Permalinks")
    deep_reply = max(parent_of)  # a reply two deep under a root on the last page
    for sort in ("oldest", "newest"):
        page = (await client.get(f"/t/{thread.slug}?sort={sort}&c={deep_reply}")).text
        assert deep_reply in shown(page)
        assert shown(page)[0] == parent_of[parent_of[deep_reply]]  # its top-level comment
    # A comment that is not in the thread leaves the reader at the start.
    page = (await client.get(f"/t/{thread.slug}?c=999999")).text
    assert shown(page)[0] == roots[0] and "Back to the first" not in page


async def test_posting_without_javascript_lands_on_the_page_with_the_new_comment(client):
    thread, roots, _ = await long_thread("Landing")
    page = (await client.get(f"/t/{thread.slug}")).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for label, parent in (("top", ""), ("reply", str(roots[-1]))):
        response = await client.post(
            f"/t/{thread.slug}/comments",
            data={"text": f"Landing {label}", "parent_id": parent, "csrf_token": token},
        )
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        new = await Comment.get(text=f"Landing {label}")
        assert location.endswith(f"?c={new.id}#c{new.id}")
        landed = (await client.get(location.split("#")[0])).text
        assert new.id in shown(landed)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("after=not-a-cursor", "cursor is not one"),
        ("before=bm90IGpzb24", "cursor is not one"),
        ("after=x&before=y", "not both"),
        ("c=abc", "comment id"),
        ("c=-4", "comment id"),
        ("c=0", "comment id"),
    ],
)
async def test_bad_positions_are_a_clear_error(client, query, message):
    thread, _, _ = await long_thread(f"Bad {query}")
    response = await client.get(f"/t/{thread.slug}?{query}")
    assert response.status_code == 422, response.text
    assert message in response.text


async def test_a_comments_own_page_reads_that_comment_and_its_replies_only(client):
    thread, _, parent_of = await long_thread("Own page")
    reply = min(parent_of)  # a reply with a reply of its own
    deeper = next(c for c, p in parent_of.items() if p == reply)
    with counting() as queries:
        response = await client.get(f"/t/{thread.slug}/c/{reply}")
    assert response.status_code == 200
    assert shown(response.text) == [reply, deeper]
    comment_queries = [q for q in queries if re.search(r'FROM "?COMMENT\b', q.upper())]
    assert len(comment_queries) == 2, queries  # is it in the thread, then its subtree
    assert "WITH RECURSIVE" in comment_queries[1].upper()
    other = await threads.create_thread(title="Other", body_html="", import_key="other")
    assert (await client.get(f"/t/{other.slug}/c/{reply}")).status_code == 404
