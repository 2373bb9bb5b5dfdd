"""The moderation flow in a real browser: queue, highlighted claim, source request, badge,
the author's source link, a reader's report, and nothing for anonymous visitors."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.conftest import MinutesPage, forum_env, http_server
from tests.test_browser import (  # noqa: F401  (fixtures used by name)
    TIMEOUT_MS,
    blog_thread_path,
    browser,
    forum_server,
    post_with_js,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "moderator password 1"


@pytest.fixture
def source_site() -> Iterator[str]:
    with http_server(MinutesPage) as base:
        yield f"{base}/minutes"


@pytest.fixture
async def mod_server(browser, settings) -> AsyncIterator[str]:  # noqa: F811
    created = subprocess.run(
        [sys.executable, "-m", "forum", "create-moderator", "mod", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=forum_env(settings),
        cwd=settings.data_dir,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    env = {"FORUM_POST_RATE": "off", "FORUM_ALLOW_PRIVATE_LINKS": "1"}
    async with forum_server(settings, env) as base:
        yield base


async def new_page(browser, base: str) -> Any:  # noqa: F811
    context = await browser.new_context(base_url=base)
    context.set_default_timeout(TIMEOUT_MS)
    return await context.new_page()


async def test_moderation_flow(browser, mod_server, source_site, tmp_path):  # noqa: F811
    anonymous = await new_page(browser, mod_server)
    author = await new_page(browser, mod_server)
    moderator = await new_page(browser, mod_server)
    try:
        # Anonymous visitors get the login page, never the queue.
        await anonymous.goto("/mod?tab=needs_source")
        assert urlpath(anonymous.url) == "/mod/login"
        assert await anonymous.locator(".queue-item").count() == 0

        # A reader posts an unsourced claim; another reports the seed's "Tr2" comment.
        thread = await blog_thread_path(author)
        await author.goto(thread)
        posted = await post_with_js(
            author.locator("#comment-form"), "The council closed the lido in 2019."
        )
        assert posted["needs_source"] is True
        await anonymous.goto(thread)
        tr2 = anonymous.locator("li.comment").filter(
            has=anonymous.locator(":scope > article .body", has_text=re.compile(r"^Tr2 has"))
        )
        tr2_id = await tr2.get_attribute("data-id")
        await tr2.locator(":scope > article details.report summary").click()
        await tr2.locator(":scope > article input[value=needs_source]").check()
        await tr2.locator(":scope > article input[name=note]").fill("Which contracts?")
        await tr2.locator(":scope > article .report-form button").click()
        await anonymous.locator(".notice", has_text="moderators will look").wait_for()

        # The moderator logs in and sees the claim highlighted with its reason.
        await moderator.goto("/mod/login")
        await moderator.fill("#username", "mod")
        await moderator.fill("#password", PASSWORD)
        await moderator.click("button[type=submit]")
        await moderator.wait_for_url(re.compile(r"/mod$"))
        item = moderator.locator(f"#q{tr2_id}")
        mark = item.locator("mark")
        assert await mark.inner_text() == "Tr2 has already started"
        assert (await mark.get_attribute("title")).startswith("states ")
        await moderator.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
        print("screenshot:", tmp_path / "queue.png")

        # The reader's report is in the reported tab.
        await moderator.goto("/mod?tab=reported")
        reported = moderator.locator(f"#q{tr2_id} .reports")
        assert "needs_source: Which contracts?" in (await reported.inner_text())

        # Request a source for both claims, in one bulk action.
        await moderator.goto("/mod?tab=needs_source")
        await moderator.check(f"#pick-{tr2_id}")
        await moderator.check(f"#pick-{posted['id']}")
        await moderator.fill("#note", "Where was this announced?")
        await moderator.click("button[value=request_source]")
        await moderator.wait_for_url(re.compile(r"/mod\?tab=needs_source"))
        assert await moderator.locator(f"#q{tr2_id}").count() == 0

        # The public thread shows the badge with the note.
        await anonymous.goto(thread)
        badge = anonymous.locator(f"#c{tr2_id} > article .badge.source-requested")
        assert "Where was this announced?" in await badge.inner_text()

        # The author adds a link; forum checks it and the flag is cleared.
        await author.goto(thread)
        mine = author.locator(f"#c{posted['id']}")
        await mine.locator("input[name=url]").fill(source_site)
        await mine.locator(".source-form button").click()
        await author.wait_for_url(re.compile(rf"#c{posted['id']}$"))
        mine = author.locator(f"#c{posted['id']}")
        assert "answered" in await mine.locator("ul.sources").inner_text()
        assert await mine.locator(".badge.source-requested").count() == 0
        await author.screenshot(path=str(tmp_path / "thread-with-source.png"), full_page=True)

        # The audit trail shows both steps.
        await moderator.goto(f"/mod/c/{posted['id']}")
        history = await moderator.locator("table.history").inner_text()
        assert "request_source" in history and "source_added" in history
    finally:
        for page in (anonymous, author, moderator):
            await page.context.close()


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3].split("?")[0]
