"""The moderation queue: flags from the claim checker, reports, actions and the audit log."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest

from forum.app import create_app
from forum.models import (
    AppendOnlyError,
    ClaimState,
    Comment,
    CommentStatus,
    ModerationAction,
    Report,
    Thread,
)
from forum.services import accounts, imports, moderation, threads
from forum.services.comments import NewComment, edit_comment, post_comment
from tests.conftest import SEEDS

pytestmark = pytest.mark.usefixtures("database")
PASSWORD = "a long enough password"


def make_client(settings) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def token(http, path="/mod/login") -> str:
    page = await http.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


async def login(http, username="mod", password=PASSWORD):
    return await http.post(
        "/mod/login",
        data={"csrf_token": await token(http), "username": username, "password": password},
    )


@pytest.fixture
async def moderator():
    return await accounts.create_moderator("mod", PASSWORD)


async def seeded_tr2() -> Comment:
    await imports.import_paths([SEEDS])
    return await Comment.get(text="Tr2 has already started")


async def test_imported_seed_claim_is_in_the_needs_source_tab(moderator):
    tr2 = await seeded_tr2()
    assert tr2.claim_state == ClaimState.FLAGGED
    assert tr2.claim_findings[0]["sentence"] == "Tr2 has already started"
    owner_reply = await Comment.get(parent_id=tr2.id)
    assert owner_reply.claim_state == ClaimState.CLEAR  # it questions the quoted claim
    page = await moderation.queue(moderation.Tab.NEEDS_SOURCE)
    assert tr2.id in [item.comment.id for item in page.items]
    assert page.counts["needs_source"] == len(page.items)


async def test_login_queue_and_highlighted_sentence(database, moderator):
    tr2 = await seeded_tr2()
    async with make_client(database) as http:
        assert (await login(http, password="wrong password")).status_code == 401
        response = await login(http)
        assert response.status_code == 303 and response.headers["location"] == "/mod"
        page = await http.get("/mod?tab=needs_source")
        assert page.status_code == 200
        assert f'id="q{tr2.id}"' in page.text
        assert re.search(r'<mark title="states [^"]+">Tr2 has already started</mark>', page.text)


async def test_anonymous_visitors_get_no_moderation_page_or_action(database, moderator):
    tr2 = await seeded_tr2()
    async with make_client(database) as http:
        for path in ("/mod", "/mod?tab=reported", f"/mod/c/{tr2.id}"):
            response = await http.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/mod/login")
        csrf = await token(http)
        response = await http.post(
            "/mod/actions",
            data={"csrf_token": csrf, "action": "hide", "comment_id": str(tr2.id), "note": "x"},
        )
        assert response.status_code == 403
    assert (await Comment.get(id=tr2.id)).status == CommentStatus.VISIBLE
    assert await ModerationAction.all().count() == 0


async def test_repeated_failed_logins_lock_the_account_out(database, moderator):
    async with make_client(database) as http:
        for _ in range(5):
            assert (await login(http, password="not the password")).status_code == 401
        locked = await login(http)  # even the right password, while locked
        assert locked.status_code == 429
        assert "Too many failed logins" in locked.text


async def test_request_source_shows_a_public_badge_and_is_audited(database, moderator):
    tr2 = await seeded_tr2()
    thread = await Thread.get(id=tr2.thread_id)
    async with make_client(database) as http:
        await login(http)
        csrf = await token(http, "/mod")
        response = await http.post(
            "/mod/actions",
            data={
                "csrf_token": csrf,
                "action": "request_source",
                "comment_id": str(tr2.id),
                "note": "Where was this announced?",
            },
        )
        assert response.status_code == 303
        public = (await http.get(f"/t/{thread.slug}")).text
        assert "Source requested</strong>: Where was this announced?" in public
        history = (await http.get(f"/mod/c/{tr2.id}")).text
        assert (
            "request_source" in history and "visible/flagged → visible/source_requested" in history
        )
    [entry] = await ModerationAction.filter(comment_id=tr2.id)
    assert entry.before["claim_state"] == "flagged"
    assert entry.after["claim_state"] == "source_requested"
    assert entry.moderator_id == moderator.id


async def test_hide_needs_a_reason_then_restore(moderator):
    thread = await threads.create_thread(title="T", body_html="", import_key="t")
    comment = await post_comment(thread, NewComment(text="The council closed the pool in 2019."))
    with pytest.raises(Exception, match="Say why"):
        await moderation.act(moderator, comment.id, moderation.Action.HIDE)
    await moderation.act(moderator, comment.id, moderation.Action.HIDE, "abusive language")
    assert (await threads.comment_tree(thread)) == []
    await moderation.act(moderator, comment.id, moderation.Action.RESTORE)
    assert len(await threads.comment_tree(thread)) == 1
    actions = await ModerationAction.filter(comment_id=comment.id).order_by("id")
    assert [a.action for a in actions] == ["hide", "restore"]
    assert actions[0].reason == "abusive language"


async def test_bulk_approve_clears_flags_and_resolves_reports(database, moderator):
    thread = await threads.create_thread(title="T", body_html="", import_key="t")
    one = await post_comment(thread, NewComment(text="Crime rose 20% last year."))
    two = await post_comment(thread, NewComment(text="The club sold its ground in 2021."))
    await moderation.report_comment(one.id, "needs_source", "no source", ip="1.2.3.4", secret="s")
    assert (await moderation.counts())[0]["reported"] == 1
    async with make_client(database) as http:
        await login(http)
        csrf = await token(http, "/mod?tab=reported")
        reported = await http.get("/mod?tab=reported")
        assert "Reported as <strong>needs_source</strong>: no source" in reported.text
        await http.post(
            "/mod/actions",
            content=f"csrf_token={csrf}&action=approve&comment_id={one.id}&comment_id={two.id}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    states = await Comment.filter(id__in=[one.id, two.id]).values_list("claim_state", flat=True)
    assert set(states) == {ClaimState.APPROVED}
    assert await Report.filter(resolved=False).count() == 0
    assert await ModerationAction.filter(action="approve").count() == 2


async def test_readers_report_from_the_thread_page(database):
    tr2 = await seeded_tr2()
    thread = await Thread.get(id=tr2.thread_id)
    async with make_client(database) as http:
        csrf = await token(http, f"/t/{thread.slug}")
        response = await http.post(
            f"/t/{thread.slug}/c/{tr2.id}/report",
            data={"csrf_token": csrf, "reason": "needs_source", "note": "which contracts?"},
        )
        assert response.status_code == 303
        assert (await http.get(response.headers["location"])).text.count(
            "moderators will look"
        ) == 1
        bad = await http.post(
            f"/t/{thread.slug}/c/{tr2.id}/report", data={"csrf_token": csrf, "reason": "meh"}
        )
        assert bad.status_code == 422
    [report] = await Report.all()
    assert report.reason == "needs_source" and report.note == "which contracts?"


async def test_queue_pages_by_keyset(moderator):
    thread = await threads.create_thread(title="T", body_html="", import_key="t")
    for n in range(25):
        await post_comment(thread, NewComment(text=f"The council cut {n + 3} bus routes in 2019."))
    first = await moderation.queue(moderation.Tab.NEEDS_SOURCE)
    assert len(first.items) == 20 and first.next_after == first.items[-1].comment.id
    second = await moderation.queue(moderation.Tab.NEEDS_SOURCE, after=first.next_after)
    assert len(second.items) == 5 and second.next_after is None
    ids = [i.comment.id for i in first.items + second.items]
    assert ids == sorted(ids) and len(set(ids)) == 25


async def test_audit_log_is_append_only(moderator):
    thread = await threads.create_thread(title="T", body_html="", import_key="t")
    comment = await post_comment(thread, NewComment(text="Crime rose 20% last year."))
    await moderation.act(moderator, comment.id, moderation.Action.APPROVE)
    entry = await ModerationAction.get(comment_id=comment.id)
    entry.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        await entry.save()
    with pytest.raises(AppendOnlyError):
        await entry.delete()
    assert (await ModerationAction.get(id=entry.id)).reason == ""


async def test_edit_re_checks_the_claim(database):
    thread = await threads.create_thread(title="T", body_html="", import_key="t")
    comment = await post_comment(thread, NewComment(text="Crime rose 20% last year."))
    assert comment.claim_state == ClaimState.FLAGGED
    edited = await edit_comment(
        thread, comment.id, "Crime rose 20% last year, according to the ONS.", window_seconds=900
    )
    assert edited.claim_state == ClaimState.CLEAR and edited.claim_findings == []


async def test_premoderation_holds_new_comments_until_approved(database, moderator):
    settings = dataclasses.replace(database, premoderation=True)
    thread = await threads.create_thread(title="Held", body_html="", import_key="held")
    async with make_client(settings) as http:
        csrf = await token(http, f"/t/{thread.slug}")
        response = await http.post(
            f"/t/{thread.slug}/comments", data={"csrf_token": csrf, "text": "Nice article."}
        )
        assert response.status_code == 303 and "pending=1" in response.headers["location"]
        page = (await http.get(response.headers["location"])).text
        assert "once a moderator has approved it" in page and "Nice article." not in page
        as_json = await http.post(
            f"/t/{thread.slug}/comments",
            data={"csrf_token": csrf, "text": "Second."},
            headers={"Accept": "application/json"},
        )
        assert as_json.status_code == 202 and as_json.json()["pending"] is True
    pending = await moderation.queue(moderation.Tab.PENDING)
    assert len(pending.items) == 2
    await moderation.act(moderator, pending.items[0].comment.id, moderation.Action.APPROVE)
    tree = await threads.comment_tree(thread)
    assert [n.html for n in tree] == ["<p>Nice article.</p>"]


async def test_admins_manage_moderators_and_others_cannot(database, moderator):
    await accounts.create_moderator("boss", PASSWORD, accounts.Role.ADMIN)
    async with make_client(database) as plain, make_client(database) as admin:
        await login(plain)
        assert (await plain.get("/mod/moderators")).status_code == 403
        await login(admin, "boss")
        page = await admin.get("/mod/moderators")
        assert page.status_code == 200 and f'id="m{moderator.id}"' in page.text
        csrf = await token(admin, "/mod/moderators")
        added = await admin.post(
            "/mod/moderators",
            data={
                "csrf_token": csrf,
                "action": "add",
                "username": "newbie",
                "password": PASSWORD,
                "role": "moderator",
            },
        )
        assert added.status_code == 303
        off = await admin.post(
            "/mod/moderators",
            data={"csrf_token": csrf, "action": "disable", "moderator_id": str(moderator.id)},
        )
        assert off.status_code == 303
        # The switched-off moderator's session no longer opens the queue.
        assert (await plain.get("/mod")).status_code == 303
    assert await accounts.verify_login("mod", PASSWORD) is None
    assert await accounts.verify_login("newbie", PASSWORD) is not None
    actions = await ModerationAction.filter(action__startswith="moderator_").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["moderator_added", "moderator_disabled"]


async def test_per_thread_premoderation(database, moderator):
    held = await threads.create_thread(title="Held", body_html="", import_key="held")
    open_thread = await threads.create_thread(title="Open", body_html="", import_key="open")
    async with make_client(database) as http:
        await login(http)
        csrf = await token(http, "/mod/threads")
        response = await http.post(
            f"/mod/threads/{held.slug}/premoderation",
            data={"csrf_token": csrf, "premoderation": "on"},
        )
        assert response.status_code == 303
        assert "Turn off" in (await http.get("/mod/threads")).text
        for thread in (held, open_thread):
            await http.post(
                f"/t/{thread.slug}/comments", data={"csrf_token": csrf, "text": "Hello."}
            )
    statuses = dict(await Comment.all().values_list("thread_id", "status"))
    assert statuses == {held.id: CommentStatus.PENDING, open_thread.id: CommentStatus.VISIBLE}
    assert await ModerationAction.filter(action="premoderation_on", thread_id=held.id).exists()
    async with make_client(database) as anonymous:
        csrf = await token(anonymous, f"/t/{held.slug}")
        refused = await anonymous.post(
            f"/mod/threads/{held.slug}/premoderation",
            data={"csrf_token": csrf, "premoderation": "off"},
        )
        assert refused.status_code == 403


async def test_hidden_comment_with_replies_shows_as_removed(database, moderator):
    thread = await threads.create_thread(title="T", body_html="", import_key="t")
    parent = await post_comment(thread, NewComment(text="The mayor resigned in 2020."))
    await post_comment(thread, NewComment(text="No he did not.", parent_id=parent.id))
    await moderation.act(moderator, parent.id, moderation.Action.HIDE, "false claim")
    async with make_client(database) as http:
        page = (await http.get(f"/t/{thread.slug}")).text
    assert "[removed]" in page and "[deleted]" not in page
    assert "The mayor resigned" not in page and "No he did not." in page


async def test_tab_counts_stop_at_the_cap_and_say_so(database, moderator, monkeypatch):
    monkeypatch.setattr(moderation, "COUNT_CAP", 3)
    thread = await threads.create_thread(title="T", body_html="", import_key="t")
    for i in range(4):
        await post_comment(thread, NewComment(text=f"held {i}"), status=CommentStatus.PENDING)
    claim = await post_comment(thread, NewComment(text="Crime rose 20% last year."))
    for ip in ("1.2.3.4", "5.6.7.8"):  # two reports of one comment count once
        await moderation.report_comment(claim.id, "needs_source", "", ip=ip, secret="s")
    assert await moderation.counts() == (
        {"needs_source": 1, "reported": 1, "pending": 3},
        ["pending"],
    )
    page = await moderation.queue(moderation.Tab.PENDING)
    assert len(page.items) == 4  # the cap limits the count, never the queue
    async with make_client(database) as http:
        await login(http)
        html = (await http.get("/mod?tab=pending")).text
    assert '<span class="count">(3+)</span>' in html
    assert '<span class="count">(1)</span>' in html
