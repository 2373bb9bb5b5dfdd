"""The embed script on another site's page, in headless Chromium, really cross-origin.

A host site (a small http.server on one 127.0.0.1 port) serves a blog page with hostile
CSS, a strict Content-Security-Policy and two widgets: one naming the imported seed
thread by slug, one naming a page forum has never seen by URL. `forum serve` runs on
another port with only the host's origin in FORUM_ALLOWED_ORIGINS. A second host on a
third port, not allowed, gets the same page and must get nothing from forum.

Screenshots (light and dark) go under the test's tmp_path; their paths are printed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from forum.models import Comment, Thread
from forum.services import accounts, moderation, threads
from forum.services.comments import NewComment, post_comment
from tests.test_browser import (  # noqa: F401  (fixtures used by name)
    RECORD_ALERTS,
    TIMEOUT_MS,
    Watch,
    browser,
    forum_server,
)

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - the browser fixture skips first
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEED_SOURCE = "004_941239107233e0c6.txt"  # the blog post "It can't be any coincidence…"
SEED_COMMENTS = 6

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host blog post</title>
<link rel="stylesheet" href="/host.css"></head>
<body>
<h1>A host blog post</h1>
<p class="host-text">The host's own words, in the host's own style.</p>
<button type="button" class="host-button">A host button</button>
<ul class="host-list"><li>A host list item</li></ul>
<section id="seed"><div data-forum-thread data-thread="{seed_slug}">
  <a href="{forum}/t/{seed_slug}">Read the comments</a></div></section>
<section id="fresh"><div data-forum-thread data-url="{origin}/posts/fresh"
  data-title="A fresh post"></div></section>
<script src="{forum}/embed.js" async></script>
</body></html>
"""

# Rules that would wreck the widget if they reached into it: inherited text styles on
# body, and element rules for what the widget is made of.
HOST_CSS = """
body { font-family: "Comic Sans MS", cursive; color: rgb(200, 0, 0); line-height: 3;
  letter-spacing: 3px; text-align: center; background: rgb(255, 250, 240); }
p { text-transform: uppercase; margin: 3em; }
button { background: rgb(255, 0, 255) !important; border: 5px dashed rgb(0, 255, 0); }
li { list-style: square; margin-left: 4em; }
textarea, input { background: rgb(0, 0, 0); color: rgb(0, 0, 0); }
h2 { font-size: 4rem; }
#fresh { --forum-accent: rgb(128, 0, 128); }
"""

SOURCE_PAGE = b"<html><body>Council minutes, 3 May 2019</body></html>"

# A long discussion, shown three top-level comments at a time.
PAGED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A long discussion</title></head>
<body><h1>A long discussion</h1>
<div data-forum-thread data-thread="{slug}" data-page-size="3"></div>
<script src="{forum}/embed.js" async></script>
</body></html>
"""


class HostSite(BaseHTTPRequestHandler):
    """A blog on another origin: pages under /posts/, its stylesheet, a source page."""

    server: HostServer

    def do_GET(self) -> None:
        origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path.startswith("/posts/"):
            page = HOST_PAGE.format(
                forum=self.server.forum, seed_slug=self.server.seed_slug, origin=origin
            )
            csp = (
                f"default-src 'self'; script-src {self.server.forum}; "
                f"connect-src {self.server.forum}; style-src 'self'; img-src 'self'"
            )
            self._send(page.encode(), "text/html; charset=utf-8", {"Content-Security-Policy": csp})
        elif self.path.startswith("/paged/"):
            page = PAGED_PAGE.format(forum=self.server.forum, slug=self.server.paged_slug)
            self._send(page.encode(), "text/html; charset=utf-8")
        elif self.path == "/host.css":
            self._send(HOST_CSS.encode(), "text/css")
        elif self.path == "/minutes":
            self._send(SOURCE_PAGE, "text/html")
        else:
            self._send(b"not found", "text/plain", status=404)

    def _send(
        self,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


class HostServer(ThreadingHTTPServer):
    forum = ""
    seed_slug = ""
    paged_slug = ""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@dataclass
class Sites:
    forum: str
    host: HostServer
    other: HostServer
    seed: Thread


@pytest.fixture
def host_servers() -> Iterator[tuple[HostServer, HostServer]]:
    servers = (HostServer(("127.0.0.1", 0), HostSite), HostServer(("127.0.0.1", 0), HostSite))
    for httpd in servers:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield servers
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
async def sites(browser, settings, database, host_servers) -> AsyncIterator[Sites]:  # noqa: F811
    """forum (seeded) allowing only the first host; a moderator has asked the seed's "Tr2"
    comment for a source, so the widget has a badge to show."""
    host, other = host_servers
    env = {
        "FORUM_POST_RATE": "off",
        "FORUM_ALLOWED_ORIGINS": host.origin,
        "FORUM_ALLOW_PRIVATE_LINKS": "1",  # the source link lives on the host, 127.0.0.1
    }
    async with forum_server(settings, env) as base:
        seed = await Thread.get(source=SEED_SOURCE)
        moderator = await accounts.create_moderator("mod", "a long enough password")
        tr2 = await Comment.get(thread_id=seed.id, text="Tr2 has already started")
        await moderation.act(
            moderator, tr2.id, moderation.Action.REQUEST_SOURCE, "Which contracts?"
        )
        for httpd in host_servers:
            httpd.forum, httpd.seed_slug = base, seed.slug
        yield Sites(base, host, other, seed)


async def new_page(browser, **options: Any) -> Any:  # noqa: F811
    context = await browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    await context.add_init_script(RECORD_ALERTS)
    return await context.new_page()


async def computed(locator: Any, *properties: str) -> dict[str, str]:
    return await locator.evaluate(
        "(el, names) => Object.fromEntries(names.map(n => [n, getComputedStyle(el)[n]]))",
        list(properties),
    )


async def post(form: Any, text: str, author: str | None = None) -> dict:
    """Fill and submit a widget form; the API's JSON answer (after the comment shows)."""
    if author is not None:
        await form.get_by_label("Name (optional)").fill(author)
    await form.locator("textarea").fill(text)
    async with form.page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/comments")
    ) as info:
        await form.locator("button[type=submit]").click()
    response = await info.value
    assert response.status == 201, await response.text()
    return await response.json()


async def api_tree(forum: str, thread_id: int) -> dict:
    async with httpx.AsyncClient(base_url=forum) as http:
        return (await http.get(f"/api/v1/threads/{thread_id}")).json()


async def test_widgets_on_an_allowed_site(browser, sites, tmp_path):  # noqa: F811
    page = await new_page(browser)
    watch = Watch()
    watch.attach(page)
    response = await page.goto(f"{sites.host.origin}/posts/one")
    assert "script-src " + sites.forum in response.headers["content-security-policy"]
    seed = page.locator("#seed [data-forum-thread]")
    fresh = page.locator("#fresh [data-forum-thread]")

    # The seed thread renders as a tree, with the moderator's request and note.
    await expect(seed.get_by_role("heading", name="6 comments")).to_be_visible()
    assert await seed.locator("li.comment").count() == SEED_COMMENTS
    assert await seed.locator("ol.comments > li.comment").count() == 4
    assert await seed.locator("ol.comments > li > ol.replies > li.comment").count() == 2
    tr2 = seed.locator("li.comment").filter(
        has=page.locator(":scope > article .body", has_text=re.compile(r"^Tr2 has"))
    )
    badge = tr2.locator(":scope > article .badge")
    assert await badge.inner_text() == "Source requested: Which contracts?"
    assert await badge.get_attribute("role") == "note"
    # The host's fallback link stays in the light DOM, unrendered under the shadow root.
    await expect(seed.get_by_text("Read the comments")).to_be_hidden()
    forum_link = seed.get_by_role("link", name="Open this discussion on the forum")
    assert await forum_link.get_attribute("href") == f"{sites.forum}/t/{sites.seed.slug}"
    # The page that forum has never seen starts empty, with a form.
    await expect(fresh.get_by_text("No comments yet.")).to_be_visible()
    assert await fresh.locator("li.comment").count() == 0

    # The host's CSS does not reach into the widget...
    submit = seed.get_by_role("button", name="Post comment")
    assert await computed(submit, "backgroundColor") == {"backgroundColor": "rgb(11, 92, 173)"}
    body = tr2.locator(":scope > article .body p")
    styles = await computed(
        body, "fontFamily", "color", "letterSpacing", "textTransform", "textAlign", "lineHeight"
    )
    assert "Comic" not in styles["fontFamily"], styles
    assert styles["color"] == "rgb(29, 31, 35)", styles
    assert styles["letterSpacing"] == "normal", styles
    assert styles["textTransform"] == "none", styles
    assert styles["textAlign"] == "start", styles
    assert float(styles["lineHeight"].removesuffix("px")) < 30, styles
    item = await computed(seed.locator("li.comment").first, "listStyleType", "marginLeft")
    assert item == {"listStyleType": "none", "marginLeft": "0px"}, item
    heading = await computed(seed.get_by_role("heading", name="6 comments"), "fontSize")
    assert heading == {"fontSize": "20px"}, heading
    # The host themes a widget through custom properties, which do cross the boundary.
    fresh_submit = fresh.get_by_role("button", name="Post comment")
    assert await computed(fresh_submit, "backgroundColor") == {
        "backgroundColor": "rgb(128, 0, 128)"
    }
    textarea = await computed(seed.locator("textarea"), "backgroundColor")
    assert textarea != {"backgroundColor": "rgb(0, 0, 0)"}
    # ...and the widget's CSS does not reach out: the host keeps its own look.
    host_button = await computed(page.locator(".host-button"), "backgroundColor", "borderStyle")
    assert host_button == {"backgroundColor": "rgb(255, 0, 255)", "borderStyle": "dashed"}
    host_item = await computed(page.locator(".host-list li"), "listStyleType", "marginLeft")
    assert host_item == {"listStyleType": "square", "marginLeft": "64px"}
    host_text = await computed(page.locator(".host-text"), "color", "textTransform", "fontFamily")
    assert host_text["color"] == "rgb(200, 0, 0)" and host_text["textTransform"] == "uppercase"
    assert "Comic" in host_text["fontFamily"]
    assert await page.evaluate("document.styleSheets.length") == 1  # host.css only
    assert await page.evaluate("document.adoptedStyleSheets.length") == 0

    # A comment, through the API from the other origin.
    form = seed.locator("form.comment-form")
    posted = await post(form, "Posted from the *embed*", author="Embed Reader")
    assert posted["author"] == "Embed Reader"
    mine = seed.locator(f"li#c{posted['id']}")
    await expect(mine).to_be_focused()
    assert await mine.locator(".author").inner_text() == "Embed Reader"
    assert await mine.locator(".body em").inner_text() == "embed"
    assert await seed.locator("ol.comments > li.comment").last.get_attribute("id") == (
        f"c{posted['id']}"
    )
    await expect(seed.get_by_role("heading", name="7 comments")).to_be_visible()
    assert await seed.get_by_role("status").inner_text() == "Your comment is posted."
    assert await form.locator("textarea").input_value() == ""
    assert await form.get_by_label("Name (optional)").input_value() == "Embed Reader"

    # A reply, from the keyboard: the inline form opens under the comment with the name.
    reply_button = mine.locator(":scope > article").get_by_role(
        "button", name="Reply to Embed Reader"
    )
    await reply_button.focus()
    await page.keyboard.press("Enter")
    inline = mine.locator(f":scope > form#reply-{posted['id']}")
    await expect(inline.locator("textarea")).to_be_focused()
    assert await reply_button.get_attribute("aria-expanded") == "true"
    assert await inline.get_by_label("Name (optional)").input_value() == "Embed Reader"
    reply = await post(inline, "A reply from the embed")
    assert reply["parent_id"] == posted["id"]
    nested = mine.locator(f":scope > ol.replies > li.comment#c{reply['id']}")
    await expect(nested).to_be_focused()
    assert await nested.locator(".body").inner_text() == "A reply from the embed"
    assert await inline.count() == 0
    assert await reply_button.get_attribute("aria-expanded") == "false"

    # An API error lands in the form's live region, on the field at fault.
    too_long = form.get_by_label("Name (optional)")
    await too_long.evaluate("el => el.removeAttribute('maxlength')")
    await too_long.fill("x" * 200)
    await form.locator("textarea").fill("A name that is far too long")
    await form.get_by_role("button", name="Post comment").click()
    error = form.locator(".error")
    await expect(error).to_have_text(re.compile("name", re.I))
    assert await error.get_attribute("aria-live") == "assertive"
    await expect(too_long).to_be_focused()
    assert await too_long.get_attribute("aria-invalid") == "true"
    await too_long.fill("Embed Reader")

    # Hostile text and name render as text (the API's HTML is sanitised; names are text).
    hostile = await post(form, "<img src=x onerror=alert(1)> [x](javascript:alert(1))", "<b>Bo</b>")
    bad = seed.locator(f"li#c{hostile['id']}")
    await bad.wait_for()
    assert await bad.locator(".author").inner_text() == "<b>Bo</b>"
    assert await bad.locator(".body").inner_text() == (
        "<img src=x onerror=alert(1)> [x](javascript:alert(1))"
    )
    assert await seed.locator(".body img, .author b, a[href^='javascript:' i]").count() == 0

    # The page that forum has never seen: the first comment creates its thread. It states
    # a fact, so its author is asked for a source and adds one from the widget.
    fresh_form = fresh.locator("form.comment-form")
    # The name used last, in the other widget, is already filled in.
    assert await fresh_form.get_by_label("Name (optional)").input_value() == "<b>Bo</b>"
    claim = await post(fresh_form, "The council closed the lido in 2019.", "Embed Reader")
    assert claim["needs_source"] is True
    flagged = fresh.locator(f"li#c{claim['id']}")
    await expect(fresh.get_by_role("heading", name="1 comment")).to_be_visible()
    assert (await flagged.locator(".badge").inner_text()).startswith("Needs source")
    source_form = flagged.get_by_role("form", name="Add a source")
    await source_form.get_by_label("Link to your source").fill(f"{sites.host.origin}/minutes")
    await source_form.get_by_label("Note (optional)").fill("page 3")
    await source_form.get_by_role("button", name="Add source").click()
    sources = fresh.locator(f"li#c{claim['id']} ul.sources")
    await expect(sources).to_have_text(f"Source: {sites.host.origin}/minutes (answered)")
    assert await fresh.locator(f"li#c{claim['id']} .badge").count() == 0
    assert await fresh.locator(f"li#c{claim['id']} form.source-form").count() == 0

    for widget in (seed, fresh):
        shown = await widget.locator("section.forum").inner_text()
        assert not re.search(r"\b(undefined|null|false|NaN)\b", shown), shown
    light_png = tmp_path / "embed-light.png"
    await page.screenshot(path=light_png, full_page=True)
    print(f"\nlight screenshot: {light_png}")

    # forum itself shows what the widgets posted.
    forum_page = await page.context.new_page()
    await forum_page.goto(f"{sites.forum}/t/{sites.seed.slug}")
    top = forum_page.locator(f"ol#comments > li.comment#c{posted['id']}")
    assert await top.locator(":scope > article .body").inner_text() == "Posted from the embed"
    assert await top.locator(":scope > article .author").inner_text() == "Embed Reader"
    assert await top.locator(
        f":scope > ol.replies > li.comment#c{reply['id']} .body"
    ).inner_text() == ("A reply from the embed")
    created = await Thread.get(url=f"{sites.host.origin}/posts/fresh")
    assert created.title == "A fresh post"
    await forum_page.goto(f"{sites.forum}/t/{created.slug}")
    assert "answered" in await forum_page.locator(f"#c{claim['id']} ul.sources").inner_text()

    # A reload shows the same threads from the API; the remembered name fills the form.
    await page.reload()
    await expect(seed.get_by_role("heading", name="9 comments")).to_be_visible()
    await expect(fresh.get_by_role("heading", name="1 comment")).to_be_visible()
    assert await seed.get_by_label("Name (optional)").input_value() == "Embed Reader"

    # A widget added after the script ran is mounted on request.
    await page.evaluate(
        """slug => {
            const element = document.createElement("div");
            element.id = "later";
            element.dataset.thread = slug;
            document.body.append(element);
            window.forumEmbed.mount(element);
        }""",
        sites.seed.slug,
    )
    await expect(page.locator("#later").get_by_role("heading", name="9 comments")).to_be_visible()

    assert await page.evaluate("window.__alerts") == [] and watch.dialogs == []
    assert not [c for c in watch.console if "Content Security Policy" in c], watch.console
    # The one expected failure: the fresh page's lookup before its thread existed.
    assert (
        watch.errors("404 /api/v1/threads/lookup", f"422 /api/v1/threads/{sites.seed.id}/comments")
        == []
    )
    assert not [u for u in watch.requests if u.endswith("/x")]

    # Dark, on a phone: the colour scheme follows the reader's preference, and nothing
    # is wider than the screen.
    dark = await new_page(browser, color_scheme="dark", viewport={"width": 390, "height": 844})
    await dark.goto(f"{sites.host.origin}/posts/one")
    dark_seed = dark.locator("#seed [data-forum-thread]")
    await expect(dark_seed.get_by_role("heading", name="9 comments")).to_be_visible()
    section = await computed(dark_seed.locator("section.forum"), "backgroundColor", "color")
    assert section == {"backgroundColor": "rgb(22, 24, 28)", "color": "rgb(232, 233, 236)"}
    assert await dark.evaluate("document.scrollingElement.scrollWidth") <= 390
    dark_png = tmp_path / "embed-dark.png"
    await dark.screenshot(path=dark_png, full_page=True)
    print(f"dark screenshot: {dark_png}")
    for context in (page.context, dark.context):
        await context.close()


async def test_a_site_that_is_not_allowed_gets_nothing(browser, sites, tmp_path):  # noqa: F811
    before = await api_tree(sites.forum, sites.seed.id)
    page = await new_page(browser)
    await page.goto(f"{sites.other.origin}/posts/one")
    for widget in ("#seed", "#fresh"):
        status = page.locator(f"{widget} [data-forum-thread] [role=status]")
        await expect(status).to_have_text(re.compile(r"^Comments could not be loaded\."))
        box = page.locator(f"{widget} [data-forum-thread]")
        await expect(box.get_by_role("button", name="Try again")).to_be_visible()
        assert await box.locator("form, li.comment").count() == 0

    # Posting straight from that page is refused by CORS before it reaches forum.
    outcome = await page.evaluate(
        """async ([forum, id]) => {
            try {
              await fetch(`${forum}/api/v1/threads/${id}/comments`, {method: "POST",
                headers: {"Content-Type": "application/json"}, body: '{"text": "sneaky"}'});
              return "sent";
            } catch (error) { return error.name; }
        }""",
        [sites.forum, sites.seed.id],
    )
    assert outcome == "TypeError"
    assert await api_tree(sites.forum, sites.seed.id) == before
    assert await Comment.filter(text="sneaky").count() == 0
    assert await Thread.filter(url__startswith=sites.other.origin).count() == 0
    await page.screenshot(path=tmp_path / "embed-refused.png", full_page=True)
    print(f"\nrefused screenshot: {tmp_path / 'embed-refused.png'}")
    await page.context.close()


async def test_a_held_comment_is_announced_not_shown(browser, sites):  # noqa: F811
    moderator = await accounts.create_moderator("mod2", "a long enough password")
    await moderation.set_thread_premoderation(moderator, sites.seed.slug, True)
    page = await new_page(browser)
    await page.goto(f"{sites.host.origin}/posts/one")
    seed = page.locator("#seed [data-forum-thread]")
    await expect(seed.get_by_role("heading", name="6 comments")).to_be_visible()
    form = seed.locator("form.comment-form")
    await form.locator("textarea").fill("Waiting for a moderator")
    async with page.expect_response(lambda r: r.url.endswith("/comments")) as info:
        await form.get_by_role("button", name="Post comment").click()
    assert (await info.value).status == 202
    await expect(seed.get_by_role("status")).to_have_text(
        "Thank you. Your comment will appear once a moderator has approved it."
    )
    assert await seed.locator("li.comment").count() == SEED_COMMENTS
    assert await seed.get_by_text("Waiting for a moderator").count() == 0
    assert await form.locator("textarea").input_value() == ""
    held = await Comment.get(text="Waiting for a moderator")
    assert held.status == "pending"
    await page.context.close()


async def test_a_long_thread_comes_a_page_at_a_time(browser, sites, tmp_path):  # noqa: F811
    """Seven top-level comments, three a page: "Show more" twice, and a comment posted
    before the last page stays last and is not shown twice."""
    thread = await threads.create_thread(title="A long one", body_html="", import_key="long")
    roots = []
    for i in range(7):
        root = await post_comment(thread, NewComment(text=f"Top-level comment {i}"))
        roots.append(root.id)
        await post_comment(thread, NewComment(text=f"Reply to {i}", parent_id=root.id))
    sites.host.paged_slug = thread.slug
    page = await new_page(browser)
    await page.goto(f"{sites.host.origin}/paged/one")
    widget = page.locator("[data-forum-thread]")
    top = widget.locator("ol.comments > li.comment")

    # The heading counts the whole thread, though a page shows three with their replies.
    await expect(widget.get_by_role("heading", name="14 comments")).to_be_visible()
    assert await top.count() == 3
    assert await widget.locator("li.comment").count() == 6
    more = widget.get_by_role("button", name="Show more comments")
    await more.click()
    await expect(top).to_have_count(6)
    await expect(widget.locator(f"li#c{roots[3]}")).to_be_focused()
    await expect(widget.get_by_role("status")).to_have_text("3 more comments shown.")

    # A comment posted now shows at the end at once; the last page goes before it.
    posted = await post(widget.locator("form.comment-form"), "Posted before the end")
    await expect(widget.get_by_role("heading", name="15 comments")).to_be_visible()
    await more.click()
    await expect(more).to_have_count(0)
    ids = [await li.get_attribute("id") for li in await top.all()]
    assert ids == [f"c{r}" for r in roots] + [f"c{posted['id']}"]
    await expect(widget.get_by_role("heading", name="15 comments")).to_be_visible()
    assert await widget.locator("li.comment").count() == 15
    await page.screenshot(path=tmp_path / "embed-paged.png", full_page=True)
    print(f"\npaged screenshot: {tmp_path / 'embed-paged.png'}")
    await page.context.close()
