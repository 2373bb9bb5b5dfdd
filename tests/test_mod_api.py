"""The moderation API: personal tokens, the queue, actions and the audit log."""

from __future__ import annotations

import pytest

from forum.models import ApiToken, ClaimState, Comment, CommentStatus, ModerationAction, Thread
from forum.services import accounts, imports, tokens
from forum.services.comments import NewComment, post_comment
from tests.conftest import SEEDS
from tests.test_cli import forum

pytestmark = pytest.mark.usefixtures("database")

TR2 = "Tr2 has already started"


async def setup() -> tuple[str, Thread, Comment]:
    await accounts.create_moderator("mia", "a long enough password")
    _, secret = await tokens.create_token("mia", "triage script")
    await imports.import_paths([SEEDS])
    blog = await Thread.get(source="004_941239107233e0c6.txt")
    tr2 = await Comment.get(thread=blog, text=TR2)
    return secret, blog, tr2


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/mod/queue"),
        ("POST", "/api/v1/mod/actions"),
        ("GET", "/api/v1/mod/comments/1/history"),
        ("GET", "/api/v1/mod/audit"),
    ],
)
async def test_every_moderation_route_refuses_without_a_live_token(client, method, path):
    secret, _, _ = await setup()
    for headers in (
        {},
        {"Authorization": "Basic bWlhOnB3"},
        bearer("forum_" + "x" * 43),
        bearer(secret[:-1]),
    ):
        response = await client.request(method, path, headers=headers, json={})
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert await ModerationAction.all().count() == 0


async def test_queue_shows_the_seed_claim_with_its_sentence(client):
    secret, blog, tr2 = await setup()
    response = await client.get("/api/v1/mod/queue?tab=needs_source", headers=bearer(secret))
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["tab"] == "needs_source"
    assert data["counts"]["needs_source"] == len(data["items"]) >= 1
    assert data["counts_capped"] == []
    item = next(i for i in data["items"] if i["comment"]["id"] == tr2.id)
    assert item["thread"] == {"slug": blog.slug, "title": blog.title}
    assert item["comment"]["claim_state"] == "flagged"
    assert [f["sentence"] for f in item["comment"]["flagged"]] == [TR2]
    assert item["comment"]["flagged"][0]["reason"].endswith("without a source")


async def test_queue_pages_by_keyset_and_checks_its_parameters(client):
    secret, blog, _ = await setup()
    for n in range(5):
        await post_comment(blog, NewComment(text=f"The council closed {n + 2} libraries."))
    seen: list[int] = []
    after = None
    while True:
        query = "?tab=needs_source&limit=2" + (f"&after={after}" if after else "")
        data = (await client.get("/api/v1/mod/queue" + query, headers=bearer(secret))).json()
        seen += [i["comment"]["id"] for i in data["items"]]
        after = data["next_after"]
        if after is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == data["counts"]["needs_source"]
    for bad in ("?tab=nope", "?limit=0", "?limit=101", "?after=x"):
        response = await client.get("/api/v1/mod/queue" + bad, headers=bearer(secret))
        assert response.status_code == 422, bad
        assert response.json()["error"]["field"] in {"tab", "limit", "after"}


async def test_request_a_source_then_the_history_and_audit_show_it(client):
    secret, blog, tr2 = await setup()
    response = await client.post(
        "/api/v1/mod/actions",
        headers=bearer(secret),
        json={"action": "request_source", "comment_ids": [tr2.id], "note": "Which report?"},
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["done"] == 1
    assert data["results"][0]["comment"]["claim_state"] == "source_requested"
    await tr2.refresh_from_db()
    assert tr2.claim_state == ClaimState.SOURCE_REQUESTED and tr2.moderator_note == "Which report?"
    public = (await client.get(f"/api/v1/threads/{blog.id}")).json()
    shown = next(c for c in public["comments"] if c["id"] == tr2.id)
    assert shown["source_requested"] is True and shown["moderator_note"] == "Which report?"

    history = (
        await client.get(f"/api/v1/mod/comments/{tr2.id}/history", headers=bearer(secret))
    ).json()
    [entry] = history["entries"]
    assert entry["moderator"] == "mia" and entry["action"] == "request_source"
    assert entry["before"]["claim_state"] == "flagged"
    assert entry["after"]["claim_state"] == "source_requested"
    audit = (await client.get("/api/v1/mod/audit", headers=bearer(secret))).json()
    assert [e["id"] for e in audit["entries"]] == [entry["id"]]
    assert audit["next_before"] is None


async def test_bulk_actions_report_each_comment_and_refuse_bad_requests(client):
    secret, blog, tr2 = await setup()
    other = await post_comment(blog, NewComment(text="Spam spam spam."))
    response = await client.post(
        "/api/v1/mod/actions",
        headers=bearer(secret),
        json={"action": "hide", "comment_ids": [tr2.id, 999999, other.id], "note": "spam"},
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["error"]["code"] == "not_found"
    assert {c.status for c in await Comment.filter(id__in=[tr2.id, other.id])} == {
        CommentStatus.HIDDEN
    }
    entries = await ModerationAction.all().count()
    for body, field in (
        ({"action": "delete", "comment_ids": [tr2.id]}, "action"),
        ({"action": "approve", "comment_ids": []}, "comment_ids"),
        ({"action": "approve", "comment_ids": ["1"]}, "comment_ids"),
        ({"action": "approve", "comment_ids": [True]}, "comment_ids"),
        ({"action": "approve", "comment_ids": list(range(1, 102))}, "comment_ids"),
        ({"action": "approve", "comment_ids": [tr2.id], "note": 5}, "note"),
        ({"action": "approve", "comment_ids": [tr2.id], "sneaky": 1}, "sneaky"),
        ({"action": "hide", "comment_ids": [tr2.id]}, "note"),
    ):
        refused = await client.post("/api/v1/mod/actions", headers=bearer(secret), json=body)
        assert refused.status_code == 422, body
        assert refused.json()["error"]["field"] == field
    bad_json = await client.post(
        "/api/v1/mod/actions",
        headers={**bearer(secret), "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert bad_json.status_code == 422
    assert await ModerationAction.all().count() == entries


async def test_audit_log_pages_newest_first(client):
    secret, blog, _ = await setup()
    ids = [(await post_comment(blog, NewComment(text=f"Comment {n}."))).id for n in range(5)]
    for comment_id in ids:
        await client.post(
            "/api/v1/mod/actions",
            headers=bearer(secret),
            json={"action": "approve", "comment_ids": [comment_id]},
        )
    got: list[int] = []
    before = None
    while True:
        query = "?limit=2" + (f"&before={before}" if before else "")
        data = (await client.get("/api/v1/mod/audit" + query, headers=bearer(secret))).json()
        got += [e["comment_id"] for e in data["entries"]]
        before = data["next_before"]
        if before is None:
            break
    assert got == list(reversed(ids))


async def test_revoked_tokens_and_deactivated_accounts_are_shut_out(client):
    secret, _, _ = await setup()
    assert (await client.get("/api/v1/mod/queue", headers=bearer(secret))).status_code == 200
    token = await ApiToken.get(prefix=secret[: tokens.PREFIX_CHARS])
    assert token.digest != secret and secret not in token.digest
    assert token.last_used_at is not None
    await tokens.revoke_token(token.prefix)
    assert (await client.get("/api/v1/mod/queue", headers=bearer(secret))).status_code == 401

    admin = await accounts.create_moderator("ada", "another long password", role="admin")
    _, second = await tokens.create_token("mia")
    mia = await accounts.verify_login("mia", "a long enough password")
    assert mia is not None
    await accounts.set_active(admin, mia.id, False)
    assert (await client.get("/api/v1/mod/queue", headers=bearer(second))).status_code == 401


async def test_token_service_refuses_bad_requests():
    await accounts.create_moderator("mia", "a long enough password")
    with pytest.raises(Exception, match="no moderator"):
        await tokens.create_token("nobody")
    with pytest.raises(Exception, match="longer than"):
        await tokens.create_token("mia", "x" * 81)
    with pytest.raises(Exception, match="first 10 characters"):
        await tokens.revoke_token("forum_")
    with pytest.raises(Exception, match="No live token"):
        await tokens.revoke_token("forum_zzzzzz")


@pytest.mark.slow
def test_token_commands(settings):
    made = forum(
        settings, "create-moderator", "mia", "--password-stdin", stdin="a long enough password\n"
    )
    assert made.returncode == 0, made.stderr
    created = forum(settings, "create-token", "mia", "--name", "triage script")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("forum_") and len(secret) > 40
    assert "shown only now" in created.stderr
    listed = forum(settings, "list-tokens")
    assert listed.returncode == 0
    assert secret[:12] in listed.stdout and "triage script" in listed.stdout
    assert secret not in listed.stdout and "live" in listed.stdout
    revoked = forum(settings, "revoke-token", secret[:12])
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in forum(settings, "list-tokens", "mia").stdout
    again = forum(settings, "revoke-token", secret[:12])
    assert again.returncode == 1 and "No live token" in again.stderr
    nobody = forum(settings, "create-token", "nobody")
    assert nobody.returncode == 1 and "no moderator" in nobody.stderr
