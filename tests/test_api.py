"""JSON API v1: contract tests for the endpoints built so far, including error cases."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from forum.app import create_app
from forum.models import ClaimState, Comment, ModerationAction, Thread
from forum.services import imports, threads
from forum.services.comments import NewComment, post_comment
from tests.conftest import SEEDS, MinutesPage, http_server
from tests.test_commenting import make_client

pytestmark = pytest.mark.usefixtures("database")


async def seeded_blog() -> Thread:
    await imports.import_paths([SEEDS])
    return await Thread.get(source="004_941239107233e0c6.txt")


async def test_thread_tree_with_moderation_state(client):
    blog = await seeded_blog()
    response = await client.get(f"/api/v1/threads/{blog.id}")
    assert response.status_code == 200
    data = response.json()
    assert data["slug"] == blog.slug and data["open"] is True
    tree = data["comments"]
    assert [len(c["replies"]) for c in tree] == [0, 0, 1, 1]
    tr2 = tree[2]
    assert tr2["html"] == "<p>Tr2 has already started</p>"
    assert tr2["replies"][0]["parent_id"] == tr2["id"]
    assert set(tr2) >= {
        "id",
        "parent_id",
        "author",
        "html",
        "created_at",
        "edited_at",
        "replies",
        "source_requested",
        "sources",
    }


async def test_etag_and_304(client):
    blog = await seeded_blog()
    first = await client.get(f"/api/v1/threads/{blog.id}")
    etag = first.headers["etag"]
    again = await client.get(f"/api/v1/threads/{blog.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    await post_comment(blog, NewComment(text="A new comment."))
    changed = await client.get(f"/api/v1/threads/{blog.id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_post_a_comment_runs_the_same_service(client):
    blog = await seeded_blog()
    tr2 = await Comment.get(text="Tr2 has already started")
    response = await client.post(
        f"/api/v1/threads/{blog.id}/comments",
        json={"author": "Ann", "text": "The MoJ signed the contracts in May.", "parent_id": tr2.id},
    )
    assert response.status_code == 201
    data = response.json()
    assert data["needs_source"] is True
    assert data["flagged"][0]["sentence"] == "The MoJ signed the contracts in May."
    stored = await Comment.get(id=data["id"])
    assert stored.parent_id == tr2.id and stored.author == "Ann"


@pytest.mark.parametrize("held_by", ["site", "thread"])
async def test_api_comments_wait_for_premoderation(database, held_by):
    blog = await seeded_blog()
    settings = dataclasses.replace(database, premoderation=held_by == "site")
    if held_by == "thread":
        blog.premoderated = True
        await blog.save(update_fields=["premoderated"])
    async with make_client(settings) as http:
        response = await http.post(f"/api/v1/threads/{blog.id}/comments", json={"text": "Held."})
        assert response.status_code == 202
        data = response.json()
        assert data["pending"] is True and "moderator" in data["message"]
        assert "edit_token" not in data
        tree = (await http.get(f"/api/v1/threads/{blog.id}")).json()
    assert (await Comment.get(id=data["id"])).status == "pending"
    assert all(c["id"] != data["id"] for c in tree["comments"])


@pytest.mark.parametrize(
    ("body", "headers", "status", "field"),
    [
        ({"text": ""}, {}, 422, "text"),
        ({"text": "ok", "colour": "red"}, {}, 422, "colour"),
        ({"text": "ok", "parent_id": "3"}, {}, 422, "parent_id"),
        ({"text": "ok", "parent_id": 999999}, {}, 409, "parent_id"),
        (b"not json", {"Content-Type": "application/json"}, 422, None),
        (b"[1, 2]", {"Content-Type": "application/json"}, 422, None),
        (b"text=ok", {"Content-Type": "application/x-www-form-urlencoded"}, 422, None),
        (b'{"text": "' + b"x" * 40_000 + b'"}', {"Content-Type": "application/json"}, 413, None),
    ],
)
async def test_bad_comment_bodies(client, body, headers, status, field):
    blog = await seeded_blog()
    url = f"/api/v1/threads/{blog.id}/comments"
    if isinstance(body, dict):
        response = await client.post(url, json=body)
    else:
        response = await client.post(url, content=body, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"]
    assert error.get("field") == field
    assert await Comment.filter(thread=blog).count() == 6


async def test_a_client_gone_before_its_body_arrived_is_no_server_error(database, caplog):
    """Half a body, then the connection closes: the app returns quietly (no traceback
    logged, nothing raised to the server) and nothing is written."""
    blog = await seeded_blog()
    app = create_app(database)
    messages = iter(
        [
            {"type": "http.request", "body": b'{"text": "half', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict] = []

    async def receive() -> dict:
        return next(messages)

    async def send(message: dict) -> None:
        sent.append(message)

    path = f"/api/v1/threads/{blog.id}/comments"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)
    assert sent[0]["status"] == 499
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert any("client went away" in r.getMessage() for r in caplog.records)
    assert await Comment.filter(thread=blog).count() == 6


async def test_unknown_thread_is_a_json_404(client):
    response = await client.get("/api/v1/threads/424242")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    posted = await client.post("/api/v1/threads/424242/comments", json={"text": "x"})
    assert posted.status_code == 404


async def test_thread_list_pages_by_cursor(client):
    now = datetime.now(UTC)
    for n in range(7):
        await Thread.create(
            slug=f"t{n}",
            title=f"T{n}",
            import_key=f"k{n}",
            last_activity_at=now - timedelta(minutes=n % 3),  # ties on purpose
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/threads", params=params)).json()
        seen += [t["slug"] for t in page["threads"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == [f"t{n}" for n in range(7)] and len(seen) == 7
    assert (await client.get("/api/v1/threads?cursor=garbage")).status_code == 422
    assert (await client.get("/api/v1/threads?limit=0")).status_code == 422


async def test_counts_by_url_and_id(client):
    thread = await threads.create_thread(
        title="Post", body_html="", import_key="p", url="https://blog.example/post/1"
    )
    for text in ("one", "two"):
        await post_comment(thread, NewComment(text=text))
    response = await client.get(
        "/api/v1/counts",
        params=[
            ("url", "https://blog.example/post/1"),
            ("url", "https://blog.example/none"),
            ("id", str(thread.id)),
        ],
    )
    assert response.json() == {
        "counts": {
            "https://blog.example/post/1": 2,
            "https://blog.example/none": 0,
            str(thread.id): 2,
        }
    }
    empty = await client.get("/api/v1/counts")
    assert empty.status_code == 200 and empty.json() == {"counts": {}}


async def test_api_posting_shares_the_rate_limit(database):
    blog = await seeded_blog()
    limited = dataclasses.replace(database, post_rate=(1, 60))
    async with make_client(limited) as http:
        ok = await http.post(f"/api/v1/threads/{blog.id}/comments", json={"text": "first"})
        assert ok.status_code == 201
        again = await http.post(f"/api/v1/threads/{blog.id}/comments", json={"text": "second"})
        assert again.status_code == 429 and "retry-after" in again.headers


async def test_edit_and_delete_with_the_edit_token(client, database):
    blog = await seeded_blog()
    created = await client.post(f"/api/v1/threads/{blog.id}/comments", json={"text": "frist"})
    data = created.json()
    url = f"/api/v1/comments/{data['id']}"
    token = {"X-Edit-Token": data["edit_token"]}

    assert (await client.patch(url, json={"text": "hijack"})).status_code == 403
    other = (await client.post(f"/api/v1/threads/{blog.id}/comments", json={"text": "x"})).json()
    wrong = await client.patch(
        url, json={"text": "hijack"}, headers={"X-Edit-Token": other["edit_token"]}
    )
    assert wrong.status_code == 403

    edited = await client.patch(url, json={"text": "first *fixed*"}, headers=token)
    assert edited.status_code == 200 and edited.json()["html"] == "<p>first <em>fixed</em></p>"
    assert (
        await client.patch(url, json={"text": "x", "extra": 1}, headers=token)
    ).status_code == 422

    deleted = await client.delete(url, headers=token)
    assert deleted.status_code == 204
    assert (await Comment.get(id=data["id"])).status == "deleted"
    assert (await client.patch(url, json={"text": "again"}, headers=token)).status_code == 404


async def test_edit_token_expires_with_the_window(database):
    blog = await seeded_blog()
    short = dataclasses.replace(database, edit_window_seconds=1)
    async with make_client(short) as http:
        data = (await http.post(f"/api/v1/threads/{blog.id}/comments", json={"text": "x"})).json()
        await asyncio.sleep(2.1)
        response = await http.patch(
            f"/api/v1/comments/{data['id']}",
            json={"text": "late"},
            headers={"X-Edit-Token": data["edit_token"]},
        )
    assert response.status_code == 403


async def test_threads_for_pages_of_allowed_origins(database):
    allowed = dataclasses.replace(database, allowed_origins=("https://blog.example",))
    async with make_client(allowed) as http:
        page = {"url": "https://blog.example/post/7", "title": "Post seven"}
        created = await http.post("/api/v1/threads", json=page)
        assert created.status_code == 201
        again = await http.post("/api/v1/threads", json=page)
        assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
        found = await http.get("/api/v1/threads/lookup", params={"url": page["url"]})
        assert found.json()["id"] == created.json()["id"]
        missing = await http.get("/api/v1/threads/lookup", params={"url": "https://x.example/"})
        assert missing.status_code == 404
        refused = await http.post(
            "/api/v1/threads", json={"url": "https://evil.example/p", "title": "Mine now"}
        )
        assert refused.status_code == 403
        assert (await http.get("/api/v1/threads/lookup?url=ftp://x")).status_code == 422
    assert await Thread.filter(url__startswith="https://").count() == 1


async def test_lookup_a_known_thread_by_slug(client):
    blog = await seeded_blog()
    found = await client.get("/api/v1/threads/lookup", params={"slug": blog.slug})
    assert found.status_code == 200
    assert found.json()["id"] == blog.id and found.json()["slug"] == blog.slug
    missing = await client.get("/api/v1/threads/lookup", params={"slug": "no-such-thread"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    for params in ({"slug": ""}, {"slug": blog.slug, "url": "https://blog.example/p"}):
        refused = await client.get("/api/v1/threads/lookup", params=params)
        assert refused.status_code == 422 and refused.json()["error"]["field"] == "slug"
    neither = await client.get("/api/v1/threads/lookup")
    assert neither.status_code == 422 and neither.json()["error"]["field"] == "url"


@pytest.fixture(scope="module")
def source_site() -> Iterator[str]:
    with http_server(MinutesPage) as base:
        yield base


async def test_author_adds_a_source_with_the_edit_token(database, source_site):
    blog = await seeded_blog()
    checked = dataclasses.replace(database, allow_private_links=True)
    async with make_client(checked) as http:
        posted = (
            await http.post(
                f"/api/v1/threads/{blog.id}/comments",
                json={"text": "The council closed the lido in 2019."},
            )
        ).json()
        assert posted["needs_source"] is True
        other = (await http.post(f"/api/v1/threads/{blog.id}/comments", json={"text": "x"})).json()
        url = f"/api/v1/comments/{posted['id']}/sources"
        link = {"url": f"{source_site}/minutes", "note": "page 3"}

        assert (await http.post(url, json=link)).status_code == 403
        wrong = await http.post(url, json=link, headers={"X-Edit-Token": other["edit_token"]})
        assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"

        token = {"X-Edit-Token": posted["edit_token"]}
        for body, field in [
            ({}, "url"),
            ({"url": "javascript:alert(1)"}, "url"),
            ({"url": 7}, "url"),
            ({"url": link["url"], "note": ["x"]}, "note"),
            ({**link, "title": "extra"}, "title"),
        ]:
            bad = await http.post(url, json=body, headers=token)
            assert bad.status_code == 422, body
            assert bad.json()["error"]["field"] == field, body
        assert (await Comment.get(id=posted["id"])).sources == []

        added = await http.post(url, json=link, headers=token)
        assert added.status_code == 201
        assert added.json() == {
            "id": posted["id"],
            "needs_source": False,
            "source_requested": False,
            "sources": [{"url": link["url"], "reachable": True}],
        }
        tree = (await http.get(f"/api/v1/threads/{blog.id}")).json()["comments"]
    mine = next(c for c in tree if c["id"] == posted["id"])
    assert mine["sources"] == [{"url": link["url"], "reachable": True}]
    stored = await Comment.get(id=posted["id"])
    assert stored.claim_state != ClaimState.FLAGGED
    assert stored.sources[0]["note"] == "page 3"
    assert await ModerationAction.filter(comment_id=stored.id, action="source_added").count() == 1


async def test_source_token_outlives_the_edit_window(database):
    blog = await seeded_blog()
    short = dataclasses.replace(database, edit_window_seconds=1, source_window_seconds=3600)
    async with make_client(short) as http:
        data = (await http.post(f"/api/v1/threads/{blog.id}/comments", json={"text": "x"})).json()
        await asyncio.sleep(2.1)
        token = {"X-Edit-Token": data["edit_token"]}
        late_edit = await http.patch(
            f"/api/v1/comments/{data['id']}", json={"text": "late"}, headers=token
        )
        assert late_edit.status_code == 403
        # A private address is refused by the check without any request leaving.
        source = await http.post(
            f"/api/v1/comments/{data['id']}/sources",
            json={"url": "http://127.0.0.1:1/report"},
            headers=token,
        )
    assert source.status_code == 201
    assert source.json()["sources"] == [{"url": "http://127.0.0.1:1/report", "reachable": False}]


async def test_a_source_for_a_deleted_comment_is_a_404(client):
    blog = await seeded_blog()
    data = (await client.post(f"/api/v1/threads/{blog.id}/comments", json={"text": "x"})).json()
    token = {"X-Edit-Token": data["edit_token"]}
    assert (await client.delete(f"/api/v1/comments/{data['id']}", headers=token)).status_code == 204
    gone = await client.post(
        f"/api/v1/comments/{data['id']}/sources", json={"url": "https://x.example/"}, headers=token
    )
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


async def test_cors_only_for_allowed_origins(database):
    allowed = dataclasses.replace(database, allowed_origins=("https://blog.example",))
    async with make_client(allowed) as http:
        ok = await http.get("/api/v1/threads", headers={"Origin": "https://blog.example"})
        assert ok.headers["access-control-allow-origin"] == "https://blog.example"
        other = await http.get("/api/v1/threads", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = await http.options(
            "/api/v1/threads/1/comments",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 400


async def test_reader_report_through_the_api(client):
    await seeded_blog()
    tr2 = await Comment.get(text="Tr2 has already started")
    response = await client.post(
        f"/api/v1/comments/{tr2.id}/reports", json={"reason": "needs_source", "note": "which?"}
    )
    assert response.status_code == 201 and response.json()["reason"] == "needs_source"
    bad = await client.post(f"/api/v1/comments/{tr2.id}/reports", json={"reason": "boring"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "reason"


def _route_methods(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith("/api/v1"):
            plain = re.sub(r"\{(\w+):\w+\}", r"{\1}", path)
            found |= {(plain, m.lower()) for m in route.methods if m not in {"HEAD", "OPTIONS"}}
    return found


async def test_openapi_describes_exactly_the_routes(client):
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert documented == _route_methods(client._transport.app)


async def test_posted_comment_matches_its_documented_shape(client):
    blog = await seeded_blog()
    schema = (await client.get("/api/v1/openapi.json")).json()
    posted = (await client.post(f"/api/v1/threads/{blog.id}/comments", json={"text": "hi"})).json()
    required = schema["components"]["schemas"]["PostedComment"]["required"]
    assert set(required) <= set(posted)
    tree = (await client.get(f"/api/v1/threads/{blog.id}")).json()
    comment_required = schema["components"]["schemas"]["Comment"]["required"]
    assert all(set(comment_required) <= set(c) for c in tree["comments"])


async def test_reference_page_lists_every_endpoint(client):
    page = await client.get("/api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for path, method in _route_methods(client._transport.app):
        assert f"<code>{method.upper()} {path}</code>" in page.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/threads/99999999999"),
        ("POST", "/api/v1/threads/99999999999/comments"),
        ("POST", "/api/v1/comments/99999999999/reports"),
        ("GET", "/t/anything/c/99999999999"),
    ],
)
async def test_ids_beyond_the_column_range_are_not_found(client, method, path):
    """Found by schemathesis: a 12-digit id reached the database and overflowed (a 500)."""
    body = {"reason": "spam"} if path.endswith("/reports") else {"text": "hi"}
    response = await client.request(method, path, json=body)
    assert response.status_code == 404, response.text


async def test_a_huge_parent_id_is_refused_not_a_500(client):
    blog = await seeded_blog()
    response = await client.post(
        f"/api/v1/threads/{blog.id}/comments", json={"text": "hi", "parent_id": 2**40}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "parent_id"


async def test_shared_paths_list_every_method_in_allow(client):
    for path, allowed in (
        ("/api/v1/threads", {"GET", "HEAD", "POST"}),
        ("/api/v1/comments/1", {"PATCH", "DELETE"}),
    ):
        response = await client.request("PUT", path)
        assert response.status_code == 405
        assert set(response.headers["allow"].split(", ")) == allowed
    assert (await client.head("/api/v1/threads")).status_code == 200
