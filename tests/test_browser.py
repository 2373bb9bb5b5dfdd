"""The reader pages in a real browser: headless Chromium against `forum serve`.

Each test starts its own server (a subprocess on a free port) on the test's fresh,
migrated database; `serve` imports the five seed documents into it. One Chromium is
shared by the module; every test opens its own browser contexts (separate cookies and
storage), so one test's posts and ownership cookies never leak into another.

Screenshots go under each test's tmp_path; their paths are printed (see them with -s).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import SEEDS, forum_env, require_or_skip

try:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright, expect
except ImportError:  # pragma: no cover - depends on the machine
    async_playwright = expect = None
    PlaywrightError = Exception

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOG_TITLE = re.compile(r"^It can.t be any coincidence")
TIMEOUT_MS = 10_000


# --------------------------------------------------------------------------- fixtures


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    """One headless Chromium for the module (Debian's; Playwright never downloads one)."""
    if async_playwright is None:
        require_or_skip("playwright is not installed in this Python (pip install playwright)")
    if not CHROMIUM.exists():
        require_or_skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def _wait_healthy(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(timeout=2) as http:
        while True:
            try:
                response = await http.get(f"{base}/healthz")
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"forum serve did not come up:\n{log.read_text()}")
            await asyncio.sleep(0.1)


@asynccontextmanager
async def forum_server(
    settings: Any, extra_env: dict[str, str], log_name: str = "server.log"
) -> AsyncIterator[str]:
    """`forum serve` on a free port against the test's database; yields its base URL."""
    port = free_port()
    env = {**forum_env(settings), **extra_env}
    log = settings.data_dir / log_name
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "forum", "serve", "--port", str(port), "--log-level", "warning"],
            env=env,
            cwd=settings.data_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_healthy(base, process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
async def server(browser, settings) -> AsyncIterator[str]:
    """`forum serve` on this test's empty database (it imports the seeds); its base URL.

    Depends on `browser` so that a machine without Chromium skips before starting it.
    """
    assert SEEDS.is_dir()
    async with forum_server(settings, {"FORUM_POST_RATE": "off"}) as base:
        yield base


class Watch:
    """Everything a page did that a test may want to assert never happened."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.page_errors: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []

    def attach(self, page: Any) -> None:
        async def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("request", lambda request: self.requests.append(request.url))
        page.on(
            "response",
            lambda r: (
                self.failed.append(f"{r.status} {urlsplit(r.url).path}")
                if r.status >= 400
                else None
            ),
        )

    def errors(self, *expected_failures: str) -> list[str]:
        """Script errors, console errors and failed loads (each one is also a console
        error, so those are judged by their responses), except the `expected_failures`
        ("422 /t/slug/comments") and Chromium's own /favicon.ico (the site has none)."""
        failed = [
            f for f in self.failed if f not in expected_failures and not f.endswith(" /favicon.ico")
        ]
        console = [
            c
            for c in self.console
            if c.startswith("error") and not c.startswith("error: Failed to load resource")
        ]
        return console + self.page_errors + failed


@pytest.fixture
async def open_context(browser, server) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """`await open_context(**options)`: a fresh browser context on the test's server."""
    contexts = []

    async def make(**options: Any) -> Any:
        context = await browser.new_context(base_url=server, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    try:
        yield make
    finally:
        for context in contexts:
            await context.close()


# --------------------------------------------------------------------------- helpers


async def blog_thread_path(page: Any) -> str:
    """From the index, the path of the seed blog thread (its slug is made at import)."""
    await page.goto("/")
    href = await page.locator("a.thread-title", has_text=BLOG_TITLE).get_attribute("href")
    assert href and href.startswith("/t/"), href
    return href


async def long_blog_thread(page: Any, server: str, fillers: int = 60) -> str:
    """The seed blog thread's path, after `fillers` more top-level comments ("Filler
    number 0", 1, ...) went in through the API: past a page of them."""
    thread_path = await blog_thread_path(page)
    slug = thread_path.rsplit("/", 1)[1]
    async with httpx.AsyncClient(base_url=server) as http:
        listing = (await http.get("/api/v1/threads", params={"limit": 50})).json()
        thread_id = next(t["id"] for t in listing["threads"] if t["slug"] == slug)
        for i in range(fillers):
            response = await http.post(
                f"/api/v1/threads/{thread_id}/comments", json={"text": f"Filler number {i}"}
            )
            assert response.status_code == 201, response.text
    return thread_path


def comment(page: Any, comment_id: int | str) -> Any:
    return page.locator(f"li.comment#c{comment_id}")


def top_level_with(page: Any, text: str) -> Any:
    return page.locator("ol#comments > li.comment").filter(
        has=page.locator(":scope > article .body", has_text=text)
    )


async def post_with_js(form: Any, text: str | None, author: str | None = None) -> dict:
    """Fill (unless `text` is None: already filled) and submit an enhanced comment form;
    the JSON the script got back."""
    page = form.page
    if author is not None:
        await form.locator("input[name=author]").fill(author)
    if text is not None:
        await form.locator("textarea[name=text]").fill(text)
    async with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/comments")
    ) as info:
        await form.locator("button[type=submit]").click()
    response = await info.value
    assert response.status == 201, await response.text()
    data = await response.json()
    await comment(page, data["id"]).wait_for()
    return data


async def csrf_token(context: Any, thread_path: str) -> str:
    """The context's CSRF token, as a page of it would put in its forms."""
    page = await context.new_page()
    await page.goto(thread_path)
    token = await page.locator("#comment-form input[name=csrf_token]").input_value()
    await page.close()
    return token


async def post_plain(
    context: Any, thread_path: str, token: str, text: str, parent_id: int | None = None
) -> int:
    """Post as the plain form would, with the context's cookies; the new comment's id."""
    response = await context.request.post(
        f"{thread_path}/comments",
        form={"csrf_token": token, "text": text, "parent_id": str(parent_id or "")},
        max_redirects=0,
    )
    assert response.status == 303, await response.text()
    match = re.search(r"#c(\d+)$", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


async def assert_no_horizontal_scroll(page: Any, device_width: int) -> None:
    """Nothing wider than the window. A mobile browser widens the layout viewport to fit
    wide content (zooming out), so the window must also still be the device's width."""
    widths = await page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"] == device_width, widths


# --------------------------------------------------------------------------- tests


async def test_index_to_seed_thread_shows_the_comment_tree(open_context, tmp_path):
    context = await open_context()
    page = await context.new_page()
    watch = Watch()
    watch.attach(page)

    response = await page.goto("/")
    assert response.status == 200
    titles = page.locator("a.thread-title")
    assert await titles.count() == 5
    blog = page.locator("ol.threads > li").filter(has=page.get_by_role("link", name=BLOG_TITLE))
    assert re.search(r"\b6 comments\b", await blog.inner_text())
    index_png = tmp_path / "index.png"
    await page.screenshot(path=index_png, full_page=True)
    print(f"\nindex screenshot: {index_png}")

    await blog.locator("a.thread-title").click()
    await page.wait_for_url(re.compile(r"/t/[^/]+$"))
    await page.locator("article.post h1").wait_for()
    assert BLOG_TITLE.match(await page.locator("article.post h1").inner_text())

    assert await page.locator("ol#comments li.comment").count() == 6
    top = page.locator("ol#comments > li.comment")
    assert await top.count() == 4
    first_words = [
        (await b.inner_text())[:15] for b in await top.locator(":scope > article .body").all()
    ]
    assert first_words == [
        "That reads just",
        "Is it possible ",
        "Tr2 has already",
        "We know that th",
    ]

    for parent_text, reply_text in [
        ("Tr2 has already started", '"TR2 has alread'),
        ("We know that the MoJ", "Not what I hear"),
    ]:
        parent = top_level_with(page, parent_text)
        assert await parent.count() == 1
        replies = parent.locator(":scope > ol.replies > li.comment")
        assert await replies.count() == 1
        assert (await replies.locator(".body").inner_text()).startswith(reply_text)
        assert await replies.locator("ol.replies").count() == 0

    # The two others have no replies, and every comment has its parts.
    for item in await page.locator("ol#comments li.comment").all():
        comment_id = await item.get_attribute("data-id")
        assert await item.get_attribute("id") == f"c{comment_id}"
        for part in (".author", ".body", "a.permalink", "a.reply-link"):
            assert await item.locator(f":scope > article {part}").count() == 1, part
        assert await item.locator(":scope > article a.permalink").get_attribute("href") == (
            f"#c{comment_id}"
        )
        # Nobody posted these from this browser: nothing to edit.
        assert await item.locator(":scope > article a.edit-link").count() == 0

    thread_png = tmp_path / "thread.png"
    await page.screenshot(path=thread_png, full_page=True)
    print(f"thread screenshot: {thread_png}")
    assert watch.errors() == []


async def test_post_reply_edit_with_javascript(open_context):
    context = await open_context()
    page = await context.new_page()
    watch = Watch()
    watch.attach(page)
    thread_path = await blog_thread_path(page)
    await page.goto(thread_path)
    await page.evaluate("window.__noReload = 'same document'")
    form = page.locator("form#comment-form")
    assert await form.locator("input[name=author]").input_value() == ""

    # A blank comment is refused in the form's error box, without leaving the page.
    await form.locator("textarea[name=text]").fill("   ")
    async with page.expect_response(lambda r: r.url.endswith("/comments")) as refused:
        await form.locator("button[type=submit]").click()
    assert (await refused.value).status == 422
    await expect(form.locator(".form-error")).to_contain_text("Write something before posting")
    assert await page.locator("ol#comments li.comment").count() == 6

    # Live preview: the server's rendering of the markdown, before anything is posted.
    await form.locator("input[name=author]").fill("Ada Lovelace")
    await form.locator("textarea[name=text]").fill("Hello *hi* and **there**")
    preview = form.locator(".preview")
    await preview.locator("em", has_text="hi").wait_for()
    assert await preview.is_visible()
    assert await preview.locator("strong").inner_text() == "there"
    assert await page.locator("ol#comments li.comment").count() == 6  # nothing posted yet

    posted = await post_with_js(form, None)  # the text the preview showed
    first_id = posted["id"]
    assert posted["parent_id"] is None
    first = comment(page, first_id)
    assert await page.evaluate("window.__noReload") == "same document"
    assert page.url.endswith(f"{thread_path}#c{first_id}")
    assert await page.locator("ol#comments > li.comment").last.get_attribute("id") == (
        f"c{first_id}"
    )
    assert await first.locator(".author").inner_text() == "Ada Lovelace"
    assert await first.locator(".body em").inner_text() == "hi"
    assert await first.locator("a.edit-link").count() == 1
    # The form is ready for the next comment: text and preview cleared, name kept.
    assert await form.locator("textarea[name=text]").input_value() == ""
    assert await preview.is_hidden()
    assert await form.locator("input[name=author]").input_value() == "Ada Lovelace"
    assert await form.locator(".form-error").inner_text() == ""
    assert await page.evaluate("localStorage.getItem('forum:author')") == "Ada Lovelace"

    # Inline reply, right under the comment, with the remembered name.
    await first.locator(":scope > article a.reply-link").click()
    inline = page.locator(f"form#reply-{first_id}.inline-reply")
    await inline.wait_for()
    assert await page.locator(f"#c{first_id} > article + form#reply-{first_id}").count() == 1
    assert await inline.locator("input[name=parent_id]").input_value() == str(first_id)
    assert await inline.locator("input[name=author]").input_value() == "Ada Lovelace"
    reply = await post_with_js(inline, "A reply with `code`")
    reply_id = reply["id"]
    assert reply["parent_id"] == first_id
    nested = page.locator(f"#c{first_id} > ol.replies > li.comment#c{reply_id}")
    assert await nested.count() == 1
    assert await nested.locator(".body code").inner_text() == "code"
    assert await inline.count() == 0  # the inline form goes once it has posted
    assert await page.evaluate("window.__noReload") == "same document"
    assert page.url.endswith(f"#c{reply_id}")
    assert await page.locator("ol#comments li.comment").count() == 8

    # Edit within the window, through the Edit link's page.
    await first.locator(":scope > article a.edit-link").click()
    await page.wait_for_url(f"**{thread_path}/c/{first_id}/edit")
    edit_form = page.locator("form.edit-form")
    text = edit_form.locator("textarea[name=text]")
    assert await text.input_value() == "Hello *hi* and **there**"
    await text.fill("Edited with **bold** words")
    await edit_form.get_by_role("button", name="Save changes").click()
    await page.wait_for_url(f"**{thread_path}#c{first_id}")

    for reloaded in (False, True):
        if reloaded:
            await page.reload()
        first = comment(page, first_id)
        body = first.locator(":scope > article .body")
        assert await body.locator("strong").inner_text() == "bold", reloaded
        assert "Hello" not in await body.inner_text()
        assert await first.locator(":scope > article .edited").count() == 1
        assert await first.locator(f":scope > ol.replies > li#c{reply_id}").count() == 1
        assert await page.locator("ol#comments li.comment").count() == 8

    # The remembered name fills the form on a fresh visit (no form-state restore there).
    other = await context.new_page()
    await other.goto(thread_path)
    await expect(other.locator("form#comment-form input[name=author]")).to_have_value(
        "Ada Lovelace"
    )
    assert watch.errors(f"422 {thread_path}/comments") == []
    assert watch.dialogs == []


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
    '<a href="javascript:alert(1)">y</a>',
]

RECORD_ALERTS = """
window.__alerts = [];
for (const name of ["alert", "confirm", "prompt"]) {
  const original = window[name].bind(window);
  window[name] = (...args) => {
    window.__alerts.push(name + ": " + String(args[0]));
    return original(...args);
  };
}
"""


async def assert_harmless(page: Any, watch: Watch, ids: list[int]) -> None:
    await page.wait_for_timeout(300)  # time for any onload/onerror that might fire
    assert watch.dialogs == []
    assert await page.evaluate("window.__alerts") == []
    assert await page.locator(".body script, .body img, .body svg, .body style").count() == 0
    assert (
        await page.locator(".preview script, .preview img, .preview svg, .preview style").count()
        == 0
    )
    assert await page.locator("a[href^='javascript:' i]").count() == 0
    assert await page.locator("[onerror], [onload]").count() == 0
    assert await page.locator("body").is_visible()  # the <style> did not hide the page
    for comment_id, text in zip(ids, HOSTILE, strict=True):
        assert await comment(page, comment_id).locator(".body").inner_text() == text
    assert await page.get_by_text("<script>alert(1)</script>", exact=True).is_visible()
    assert not [c for c in watch.console if "Content Security Policy" in c], watch.console
    assert watch.page_errors == []
    # `<img src=x>` would have been fetched relative to the page.
    assert not [u for u in watch.requests if u.endswith("/x")], watch.requests


async def test_hostile_comments_render_as_text(open_context):
    context = await open_context()
    await context.add_init_script(RECORD_ALERTS)
    page = await context.new_page()
    watch = Watch()
    watch.attach(page)
    thread_path = await blog_thread_path(page)
    response = await page.goto(thread_path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    form = page.locator("form#comment-form")

    # The preview is inserted with innerHTML, so it must be sanitised too.
    await form.locator("textarea[name=text]").fill("<img src=x onerror=alert(1)> *seen*")
    await form.locator(".preview em", has_text="seen").wait_for()
    assert await form.locator(".preview-body").inner_text() == "<img src=x onerror=alert(1)> seen"

    hostile_name = '<img src=x onerror=alert("name")>'
    ids = []
    for text in HOSTILE:
        ids.append((await post_with_js(form, text, author=hostile_name))["id"])
    await assert_harmless(page, watch, ids)
    assert await comment(page, ids[0]).locator(".author").inner_text() == hostile_name

    await page.reload()
    await assert_harmless(page, watch, ids)
    assert await page.locator("ol#comments li.comment").count() == 6 + len(HOSTILE)
    for comment_id in ids:
        assert await comment(page, comment_id).locator(".author").inner_text() == hostile_name


async def test_posting_and_replying_without_javascript(open_context):
    context = await open_context(java_script_enabled=False)
    page = await context.new_page()
    thread_path = await blog_thread_path(page)
    await page.goto(thread_path)
    form = page.locator("form#comment-form")
    await form.locator("input[name=author]").fill("No Script")
    await form.locator("textarea[name=text]").fill("Posted by a *plain* form")
    await form.get_by_role("button", name="Post comment").click()
    await page.wait_for_url(re.compile(re.escape(thread_path) + r"#c\d+$"))
    comment_id = int(page.url.rsplit("#c", 1)[1])
    posted = comment(page, comment_id)
    assert await page.locator(f"ol#comments > li.comment#c{comment_id}").count() == 1
    assert await posted.locator(".author").inner_text() == "No Script"
    assert await posted.locator(".body em").inner_text() == "plain"
    # The ownership cookie works without a script.
    assert await posted.locator("a.edit-link").count() == 1
    assert await posted.locator("form.delete-form").count() == 1
    assert await page.locator("form.inline-reply").count() == 0

    await posted.locator(":scope > article a.reply-link").click()
    await page.wait_for_url(f"**{thread_path}/c/{comment_id}#reply")
    reply_form = page.locator("form#reply-form")
    assert await reply_form.locator("input[name=parent_id]").input_value() == str(comment_id)
    await reply_form.locator("input[name=author]").fill("Still No Script")
    await reply_form.locator("textarea[name=text]").fill("A reply from the sub-thread page")
    await reply_form.get_by_role("button", name="Post comment").click()
    await page.wait_for_url(re.compile(re.escape(thread_path) + r"#c\d+$"))
    reply_id = int(page.url.rsplit("#c", 1)[1])
    assert reply_id != comment_id

    nested = page.locator(f"ol#comments > li#c{comment_id} > ol.replies > li.comment#c{reply_id}")
    assert await nested.count() == 1
    assert await nested.locator(".author").inner_text() == "Still No Script"
    assert await nested.locator(".body").inner_text() == "A reply from the sub-thread page"
    assert await page.locator("ol#comments li.comment").count() == 8


async def test_another_browser_cannot_edit_or_delete(open_context):
    owner = await open_context()
    owner_page = await owner.new_page()
    thread_path = await blog_thread_path(owner_page)
    await owner_page.goto(thread_path)
    posted = await post_with_js(owner_page.locator("form#comment-form"), "Mine to change")
    comment_id = posted["id"]
    mine = comment(owner_page, comment_id)
    assert await mine.locator("a.edit-link").count() == 1
    assert await mine.locator("form.delete-form").count() == 1

    stranger = await open_context()
    page = await stranger.new_page()
    await page.goto(thread_path)
    theirs = comment(page, comment_id)
    assert await theirs.locator(".body").inner_text() == "Mine to change"
    assert await theirs.locator("a.edit-link").count() == 0
    assert await theirs.locator("form.delete-form").count() == 0
    assert await page.get_by_role("button", name="Delete").count() == 0

    edit_url = f"{thread_path}/c/{comment_id}/edit"
    denied_page = await page.goto(edit_url)
    assert denied_page.status == 403
    assert await page.locator("form.edit-form").count() == 0

    # With the stranger's own valid CSRF token, so ownership is what refuses.
    await page.goto(thread_path)
    token = await page.locator("#comment-form input[name=csrf_token]").input_value()
    for url in (edit_url, f"{thread_path}/c/{comment_id}/delete"):
        refused = await stranger.request.post(
            url, form={"csrf_token": token, "text": "hijacked"}, max_redirects=0
        )
        assert refused.status == 403, (url, refused.status)
        assert "Only the browser that posted" in await refused.text()

    # The stranger replies: that reply is theirs to edit, the parent still is not.
    reply_id = await post_plain(stranger, thread_path, token, "A stranger's reply", comment_id)
    await page.goto(thread_path)
    assert await comment(page, reply_id).locator("a.edit-link").count() == 1
    assert await theirs.locator(":scope > article a.edit-link").count() == 0

    # The owner still can: deleting keeps a "[deleted]" marker over the stranger's reply.
    await owner_page.reload()
    await mine.locator(":scope > article").get_by_role("button", name="Delete").click()
    await owner_page.wait_for_url(f"**{thread_path}")
    for viewer in (owner_page, page):
        await viewer.goto(thread_path)
        gone = comment(viewer, comment_id)
        assert await gone.locator(":scope > article").inner_text() == "[deleted]"
        assert await gone.locator(f":scope > ol.replies > li#c{reply_id}").count() == 1
        assert "hijacked" not in await viewer.content()
        assert "Mine to change" not in await viewer.content()


async def test_phone_viewport_has_no_horizontal_scroll(open_context, tmp_path):
    setup = await open_context()
    page = await setup.new_page()
    thread_path = await blog_thread_path(page)
    await page.close()
    token = await csrf_token(setup, thread_path)
    # Content that tends to break narrow layouts: a long unbroken word, a long URL, code,
    # and replies nested past the depth the page shows inline.
    long_word = "Supercalifragilistic" * 12
    parent = await post_plain(
        setup,
        thread_path,
        token,
        f"{long_word}\n\nhttps://example.org/{'a-very-long-path-segment/' * 8}\n\n"
        f"```\n{'wide_code_line = 1; ' * 10}\n```",
    )
    for depth in range(7):
        parent = await post_plain(
            setup, thread_path, token, f"Nested reply {depth} {long_word}", parent
        )

    width = 390
    phone = await open_context(
        viewport={"width": width, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = await phone.new_page()
    await page.goto("/")
    await assert_no_horizontal_scroll(page, width)
    await page.goto(thread_path)
    assert await page.locator("ol#comments li.comment").count() >= 12  # 6 seeds, 6 of ours
    await assert_no_horizontal_scroll(page, width)
    for article in await page.locator("li.comment > article").all():
        box = await article.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        assert box["width"] >= width / 2, box  # deep replies stay readable
    # The comment form fits too.
    box = await page.locator("form#comment-form").bounding_box()
    assert box["x"] + box["width"] <= width, box
    phone_png = tmp_path / "thread-phone.png"
    await page.screenshot(path=phone_png, full_page=True)
    print(f"\nphone screenshot: {phone_png}")


async def test_a_late_preview_does_not_come_back_after_posting(open_context):
    """Type a comment, pause long enough for the preview request to go out, post before
    its answer arrives: the late answer must not fill the emptied form's preview."""
    context = await open_context()
    page = await context.new_page()
    await page.goto(await blog_thread_path(page))
    posted = asyncio.Event()

    async def late_preview(route: Any) -> None:
        await posted.wait()  # a slow connection or a busy server: answered after the post
        with contextlib.suppress(PlaywrightError):  # a fixed page may abort the request
            await route.continue_()

    await page.route("**/preview", late_preview)
    form = page.locator("form#comment-form")
    try:
        await form.locator("textarea[name=text]").fill("Posted *quickly*")
        await page.wait_for_timeout(400)  # the typing pause has sent the preview request
        await post_with_js(form, None)
        assert await form.locator("textarea[name=text]").input_value() == ""
        assert await form.locator(".preview").is_hidden()
    finally:
        posted.set()  # never leave the held request (and its handler) waiting
    await page.wait_for_timeout(500)  # the preview's answer arrives
    preview = form.locator(".preview")
    assert await preview.is_hidden(), await preview.inner_text()


async def test_a_long_thread_pages_and_a_post_lands_on_its_page(open_context, server, tmp_path):
    """Past a page of top-level comments the thread page links on; a comment posted
    without a script lands on the page that shows it."""
    context = await open_context(java_script_enabled=False)
    page = await context.new_page()
    thread_path = await long_blog_thread(page, server)
    await page.goto(thread_path)
    top = page.locator("ol#comments > li.comment")
    assert await top.count() == 50
    assert await page.get_by_role("link", name="Back to the first comments").count() == 0
    await page.get_by_role("link", name="More comments").click()
    await page.wait_for_url(re.compile(r"after="))
    assert await top.count() == 14  # the seed's four and sixty more, fifty a page
    assert await top.last.locator(".body").inner_text() == "Filler number 59"
    await expect(page.get_by_role("link", name="Back to the first comments")).to_be_visible()
    second_png = tmp_path / "thread-page-2.png"
    await page.screenshot(path=second_png, full_page=True)
    print(f"\nsecond page screenshot: {second_png}")

    await page.get_by_role("link", name="Previous comments").click()
    await page.wait_for_url(re.compile(r"before="))
    assert await top.count() == 50
    assert await page.get_by_role("link", name="Previous comments").count() == 0

    await page.get_by_role("link", name="More comments").click()
    await page.get_by_role("link", name="Back to the first comments").click()
    form = page.locator("form#comment-form")
    await form.locator("textarea[name=text]").fill("Lands on the last page")
    await form.get_by_role("button", name="Post comment").click()
    await page.wait_for_url(re.compile(r"\?c=\d+#c\d+$"))
    comment_id = int(page.url.rsplit("#c", 1)[1])
    posted = comment(page, comment_id)
    assert await posted.locator(".body").inner_text() == "Lands on the last page"
    landed_png = tmp_path / "thread-landed.png"
    await page.screenshot(path=landed_png, full_page=True)
    print(f"landed screenshot: {landed_png}")


async def test_a_post_with_javascript_goes_where_the_sort_puts_it(open_context, server, tmp_path):
    """Newest first, a new comment is shown first; oldest first, last. On a page that is
    not where the thread's newest comment goes, the reader is told where it went."""
    context = await open_context()
    page = await context.new_page()
    thread_path = await long_blog_thread(page, server)
    top = page.locator("ol#comments > li.comment")
    form = page.locator("form#comment-form")
    note = form.locator(".form-status")

    await page.goto(f"{thread_path}?sort=newest")
    assert await top.first.locator(".body").inner_text() == "Filler number 59"
    data = await post_with_js(form, "Newest of all, shown first")
    assert await top.first.get_attribute("id") == f"c{data['id']}"
    assert await note.inner_text() == ""
    newest_png = tmp_path / "thread-newest-posted.png"
    await page.screenshot(path=newest_png)  # the viewport: the new comment has the focus
    print(f"\nnewest first, posted: {newest_png}")

    await page.goto(thread_path)  # oldest first: 50 of 65 top-level comments, more to come
    assert await top.count() == 50
    data = await post_with_js(form, "Posted from the first page")
    assert await top.last.get_attribute("id") == f"c{data['id']}"
    assert "after the comments on the next pages" in await note.inner_text()
    note_png = tmp_path / "thread-posted-elsewhere.png"
    await form.screenshot(path=note_png)
    print(f"the note under the form: {note_png}")

    await page.get_by_role("link", name="More comments").click()
    await page.wait_for_url(re.compile(r"after="))
    data = await post_with_js(form, "Posted from the last page")
    assert await top.last.get_attribute("id") == f"c{data['id']}"
    assert await top.nth(await top.count() - 2).locator(".body").inner_text() == (
        "Posted from the first page"
    )
    assert await note.inner_text() == ""

    await page.get_by_role("link", name="Newest first").click()
    await page.get_by_role("link", name="More comments").click()  # the second page
    await page.wait_for_url(re.compile(r"after="))
    data = await post_with_js(form, "Posted from the second page, newest first")
    assert await top.first.get_attribute("id") == f"c{data['id']}"
    assert "at the top of the first page" in await note.inner_text()


async def test_a_held_comment_is_announced_in_the_status_line(browser, settings, tmp_path):
    """On a pre-moderated site a comment posted with the script is not shown; the reader
    is told it waits for a moderator, in the status line rather than the error's red."""
    env = {"FORUM_POST_RATE": "off", "FORUM_PREMODERATION": "1"}
    async with forum_server(settings, env, log_name="premoderated.log") as base:
        context = await browser.new_context(base_url=base)
        context.set_default_timeout(TIMEOUT_MS)
        try:
            page = await context.new_page()
            await page.goto(await blog_thread_path(page))
            form = page.locator("form#comment-form")
            before = await page.locator("li.comment").count()
            await form.locator("textarea[name=text]").fill("Waiting for a moderator")
            async with page.expect_response(lambda r: r.request.method == "POST") as info:
                await form.get_by_role("button", name="Post comment").click()
            assert (await info.value).status == 202
            status = form.locator(".form-status")
            await expect(status).to_contain_text("approved")
            assert await form.locator(".form-error").inner_text() == ""
            assert await page.locator("li.comment").count() == before
            assert await form.locator("textarea[name=text]").input_value() == ""
            held_png = tmp_path / "held-comment.png"
            await form.screenshot(path=held_png)
            print(f"\nheld comment status: {held_png}")
        finally:
            await context.close()
