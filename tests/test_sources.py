"""Authors backing a comment with a source link, checked against servers started here."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from forum.errors import Invalid
from forum.models import ClaimState, Comment, ModerationAction
from forum.services import accounts, moderation, sources, threads
from tests.conftest import QuietHandler, http_server
from tests.test_commenting import csrf, make_client, post

pytestmark = pytest.mark.usefixtures("database")


class Handler(QuietHandler):
    def do_GET(self) -> None:
        routes = {
            "/ok": (200, None),
            "/missing": (404, None),
            "/redirect": (302, "/ok"),
            "/loop": (302, "/loop"),
        }
        status, location = routes.get(self.path, (404, None))
        self.send_body(status, b"x" * 100, **({"Location": location} if location else {}))


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with http_server(Handler) as base:
        yield base


async def test_private_addresses_are_refused_by_default(site):
    result = await sources.check_link(f"{site}/ok")
    assert not result.reachable
    assert "private or local address" in result.error


async def test_link_outcomes(site):
    ok = await sources.check_link(f"{site}/ok", allow_private=True)
    assert ok.reachable and ok.http_status == 200
    missing = await sources.check_link(f"{site}/missing", allow_private=True)
    assert not missing.reachable and missing.error == "answered 404"
    redirected = await sources.check_link(f"{site}/redirect", allow_private=True)
    assert redirected.reachable and redirected.final_url == f"{site}/ok"
    loop = await sources.check_link(f"{site}/loop", allow_private=True)
    assert not loop.reachable and "more than 3 redirects" in loop.error
    closed = await sources.check_link("http://127.0.0.1:1/", allow_private=True)
    assert not closed.reachable and "could not connect" in closed.error


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "example.org"])
def test_only_web_links(url):
    with pytest.raises(Invalid, match="http:// or https://"):
        sources.validate_url(url)


async def test_author_adds_a_source_after_a_request(database, site):
    settings = dataclasses.replace(database, allow_private_links=True)
    thread = await threads.create_thread(title="T", body_html="", import_key="t")
    moderator = await accounts.create_moderator("mod", "a long enough password")
    async with make_client(settings) as author, make_client(settings) as stranger:
        posted = await post(author, thread, json=True, text="The council closed the pool in 2019.")
        cid = posted.json()["id"]
        assert (await Comment.get(id=cid)).claim_state == ClaimState.FLAGGED
        await moderation.act(moderator, cid, moderation.Action.REQUEST_SOURCE, "Which meeting?")
        page = (await author.get(f"/t/{thread.slug}")).text
        assert 'class="source-form"' in page

        token = await csrf(stranger, f"/t/{thread.slug}")
        refused = await stranger.post(
            f"/t/{thread.slug}/c/{cid}/sources", data={"csrf_token": token, "url": f"{site}/ok"}
        )
        assert refused.status_code == 403
        assert 'class="source-form"' not in (await stranger.get(f"/t/{thread.slug}")).text

        token = await csrf(author, f"/t/{thread.slug}")
        added = await author.post(
            f"/t/{thread.slug}/c/{cid}/sources",
            data={"csrf_token": token, "url": f"{site}/ok", "note": "minutes of 3 May"},
        )
        assert added.status_code == 303
        page = (await author.get(f"/t/{thread.slug}")).text
        assert f'href="{site}/ok"' in page and "answered" in page
        assert "Source requested" not in page
    comment = await Comment.get(id=cid)
    assert comment.claim_state == ClaimState.CLEAR and comment.claim_findings == []
    assert comment.sources[0]["reachable"] is True and comment.sources[0]["http_status"] == 200
    entry = await ModerationAction.get(comment_id=cid, action="source_added")
    assert entry.before["claim_state"] == "source_requested"
    assert entry.after["claim_state"] == "clear" and entry.moderator_id is None
