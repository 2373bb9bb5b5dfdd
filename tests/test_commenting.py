"""Posting, editing and deleting from the reader pages, through the real app in-process."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from forum.app import create_app
from forum.models import Comment, CommentStatus, Thread, ThreadStatus
from forum.services import threads
from forum.services.comments import NewComment, post_comment

pytestmark = pytest.mark.usefixtures("database")


def make_client(settings) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def thread() -> Thread:
    return await threads.create_thread(
        title="A thread", body_html="<p>The post.</p>", import_key="test:thread"
    )


async def csrf(http: httpx.AsyncClient, path: str) -> str:
    page = await http.get(path)
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


async def post(http, thread, json=False, **fields):
    token = fields.pop("csrf_token", None) or await csrf(http, f"/t/{thread.slug}")
    headers = {"Accept": "application/json"} if json else {}
    return await http.post(
        f"/t/{thread.slug}/comments", data={"csrf_token": token, **fields}, headers=headers
    )


async def test_form_post_redirects_to_the_new_comment(client, thread):
    response = await post(client, thread, text="Hello **world**", author="Ann")
    assert response.status_code == 303
    comment = await Comment.get(thread=thread)
    assert response.headers["location"] == f"/t/{thread.slug}#c{comment.id}"
    assert comment.author == "Ann" and comment.html == "<p>Hello <strong>world</strong></p>"
    assert comment.ip_hash and comment.ip_hash != "127.0.0.1"
    page = (await client.get(f"/t/{thread.slug}")).text
    assert f'id="c{comment.id}"' in page and "<strong>world</strong>" in page
    assert 'class="edit-link"' in page  # the poster may edit


async def test_json_post_returns_the_rendered_comment(client, thread):
    response = await post(client, thread, json=True, text="<script>x()</script> hi")
    assert response.status_code == 201
    data = response.json()
    assert data["parent_id"] is None and data["url"].endswith(f"#c{data['id']}")
    assert data["fragment"].startswith(f'<li class="comment" id="c{data["id"]}"')
    assert "&lt;script&gt;x()&lt;/script&gt; hi" in data["fragment"]
    assert "<script>" not in data["fragment"]
    assert "forum_own" in response.cookies


async def test_reply_is_nested(client, thread):
    parent = await post(client, thread, json=True, text="parent")
    reply = await post(client, thread, json=True, text="reply", parent_id=str(parent.json()["id"]))
    assert reply.status_code == 201
    tree = await threads.comment_tree(thread)
    assert [(n.html, [r.html for r in n.replies]) for n in tree] == [
        ("<p>parent</p>", ["<p>reply</p>"])
    ]


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"text": ""}, 422, "the comment is empty"),
        ({"text": "x" * 10_001}, 422, "the limit is 10,000"),
        ({"text": "ok", "author": "n" * 81}, 422, "the limit is 80"),
        ({"text": "bad \x00 nul"}, 422, "control characters"),
        ({"text": "ok", "parent_id": "abc"}, 422, "does not exist"),
        ({"text": "ok", "parent_id": "99999"}, 409, "not in this thread"),
    ],
)
async def test_bad_input_re_shows_the_form_with_the_message(
    client, thread, fields, status, message
):
    response = await post(client, thread, author=fields.pop("author", "Kept Name"), **fields)
    assert response.status_code == status
    assert message in response.text
    assert 'value="Kept Name"' in response.text or "n" * 81 in response.text
    assert await Comment.all().count() == 0


async def test_bad_input_as_json_is_a_json_error(client, thread):
    response = await post(client, thread, json=True, text="   ")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "text"


async def test_missing_or_wrong_csrf_token_is_refused(client, thread):
    await client.get(f"/t/{thread.slug}")
    for token in ("wrong", ""):
        response = await client.post(
            f"/t/{thread.slug}/comments", data={"csrf_token": token, "text": "x"}
        )
        assert response.status_code == 403
        assert "Reload the page" in response.text
    async with make_client(client._transport.app.state.settings) as stranger:
        # A cross-site form carries no token cookie at all.
        response = await stranger.post(f"/t/{thread.slug}/comments", data={"text": "x"})
        assert response.status_code == 403
    assert await Comment.all().count() == 0


async def test_honeypot_pretends_success_and_stores_nothing(client, thread):
    response = await post(client, thread, text="buy now", website="http://spam.example")
    assert response.status_code == 303
    assert await Comment.all().count() == 0


async def test_invalid_utf8_is_a_clear_error(client, thread):
    token = await csrf(client, f"/t/{thread.slug}")
    response = await client.post(
        f"/t/{thread.slug}/comments",
        content=f"csrf_token={token}&text=%ff%fe".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    assert "not valid UTF-8" in response.text


async def test_oversized_and_wrongly_typed_bodies(client, thread):
    token = await csrf(client, f"/t/{thread.slug}")
    big = await client.post(
        f"/t/{thread.slug}/comments", data={"csrf_token": token, "text": "x" * 70_000}
    )
    assert big.status_code == 413
    typed = await client.post(f"/t/{thread.slug}/comments", json={"text": "x"})
    assert typed.status_code == 422
    assert "x-www-form-urlencoded" in typed.text


async def test_closed_thread(client, thread):
    token = await csrf(client, f"/t/{thread.slug}")
    thread.status = ThreadStatus.CLOSED
    await thread.save()
    page = (await client.get(f"/t/{thread.slug}")).text
    assert "closed to new comments" in page and 'id="comment-form"' not in page
    response = await post(client, thread, text="late", csrf_token=token)
    assert response.status_code == 409
    assert "closed to new comments" in response.text


async def test_unknown_thread_404(client):
    response = await client.post("/t/nope/comments", data={"text": "x"})
    assert response.status_code == 404


async def test_owner_edits_within_the_window_others_cannot(client, thread, database):
    created = await post(client, thread, json=True, text="first version")
    cid = created.json()["id"]
    edit_page = await client.get(f"/t/{thread.slug}/c/{cid}/edit")
    assert edit_page.status_code == 200 and "first version" in edit_page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', edit_page.text).group(1)
    saved = await client.post(
        f"/t/{thread.slug}/c/{cid}/edit", data={"csrf_token": token, "text": "second *version*"}
    )
    assert saved.status_code == 303
    comment = await Comment.get(id=cid)
    assert comment.html == "<p>second <em>version</em></p>" and comment.edited_at is not None

    async with make_client(database) as other:
        other_token = await csrf(other, f"/t/{thread.slug}")
        page = (await other.get(f"/t/{thread.slug}")).text
        assert 'class="edit-link"' not in page
        for action in ("edit", "delete"):
            response = await other.post(
                f"/t/{thread.slug}/c/{cid}/{action}",
                data={"csrf_token": other_token, "text": "hijacked"},
            )
            assert response.status_code == 403
        other.cookies.set("forum_own", client.cookies["forum_own"][:-3] + "abc")
        forged = await other.get(f"/t/{thread.slug}/c/{cid}/edit")
        assert forged.status_code == 403
    assert (await Comment.get(id=cid)).text == "second *version*"


async def test_edit_after_the_window_is_refused(client, thread):
    created = await post(client, thread, json=True, text="old")
    cid = created.json()["id"]
    await Comment.filter(id=cid).update(created_at=datetime.now(UTC) - timedelta(minutes=16))
    token = await csrf(client, f"/t/{thread.slug}")
    response = await client.post(
        f"/t/{thread.slug}/c/{cid}/edit", data={"csrf_token": token, "text": "new"}
    )
    assert response.status_code == 403
    assert "has passed" in response.text


async def test_delete_keeps_the_shape_of_the_thread(client, thread):
    parent = (await post(client, thread, json=True, text="parent words")).json()["id"]
    await post(client, thread, json=True, text="a reply", parent_id=str(parent))
    lonely = (await post(client, thread, json=True, text="lonely words")).json()["id"]
    token = await csrf(client, f"/t/{thread.slug}")
    for cid in (parent, lonely):
        response = await client.post(f"/t/{thread.slug}/c/{cid}/delete", data={"csrf_token": token})
        assert response.status_code == 303
    page = (await client.get(f"/t/{thread.slug}")).text
    assert "[deleted]" in page and "a reply" in page
    assert "parent words" not in page and "lonely words" not in page
    assert f'id="c{lonely}"' not in page
    stored = await Comment.get(id=parent)
    assert stored.status == CommentStatus.DELETED and stored.text == ""


async def test_newest_first(client, thread):
    for text in ("one", "two", "three"):
        await post_comment(thread, NewComment(text=text))
    oldest = (await client.get(f"/t/{thread.slug}")).text
    newest = (await client.get(f"/t/{thread.slug}?sort=newest")).text
    assert oldest.index("<p>one</p>") < oldest.index("<p>three</p>")
    assert newest.index("<p>three</p>") < newest.index("<p>one</p>")
    assert (await client.get(f"/t/{thread.slug}?sort=sideways")).status_code == 422


async def test_deep_threads_continue_on_their_own_page(client, thread):
    parent_id = None
    ids = []
    for depth in range(9):
        comment = await post_comment(thread, NewComment(text=f"depth {depth}", parent_id=parent_id))
        ids.append(comment.id)
        parent_id = comment.id
    page = (await client.get(f"/t/{thread.slug}")).text
    assert "<p>depth 5</p>" in page and "<p>depth 6</p>" not in page
    link = f'href="/t/{thread.slug}/c/{ids[5]}"'
    assert link in page and "Continue this thread" in page
    sub = await client.get(f"/t/{thread.slug}/c/{ids[5]}")
    assert sub.status_code == 200 and "<p>depth 8</p>" in sub.text
    assert 'id="reply-form"' in sub.text
    assert (await client.get(f"/t/{thread.slug}/c/999999")).status_code == 404


async def test_preview_uses_the_same_sanitiser(client, thread):
    token = await csrf(client, f"/t/{thread.slug}")
    response = await client.post(
        "/preview", data={"csrf_token": token, "text": "*hi* <img src=x onerror=alert(1)>"}
    )
    assert response.json() == {"html": "<p><em>hi</em> &lt;img src=x onerror=alert(1)&gt;</p>"}
    refused = await client.post("/preview", data={"csrf_token": "nope", "text": "x"})
    assert refused.status_code == 403


async def test_security_headers(client, thread):
    response = await client.get(f"/t/{thread.slug}")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "<script>" not in response.text  # no inline script anywhere
    cookie = response.headers["set-cookie"]
    assert "forum_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


async def test_rate_limit_answers_429_with_retry_after(database, thread):
    limited = dataclasses.replace(database, post_rate=(2, 60))
    async with make_client(limited) as http:
        for _ in range(2):
            assert (await post(http, thread, text="ok")).status_code == 303
        response = await post(http, thread, text="one too many")
        assert response.status_code == 429
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert "faster than this site allows" in response.text
        as_json = await post(http, thread, json=True, text="again")
        assert as_json.status_code == 429 and as_json.json()["error"]["code"] == "rate_limited"
    assert await Comment.all().count() == 2
