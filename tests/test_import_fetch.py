"""Fetching a page and extracting its article and comments, against a local server only."""

from __future__ import annotations

import pytest

from forum.content.sanitize import render_comment
from forum.importers import ImportFormatError, webpage
from forum.importers.fetch import fetch_page
from tests.conftest import QuietHandler, http_server

BLOGGER_PAGE = """<!DOCTYPE html><html><head><title>Sadok: Tomatoes</title>
<meta property="og:title" content="Помідори"></head>
<body class="has-sidebar"><nav><a href="/">Home</a></nav>
<div class="post hentry"><h3 class="post-title">Помідори</h3>
<div class="post-body entry-content" itemprop="articleBody"><p>Planting <i>tomatoes</i>.</p>
<div class="sharing-buttons">Share on X</div></div></div>
<div class="comments" id="comments"><h4>2 comments:</h4>
<div class="comment-thread"><ol>
<li class="comment" id="c111"><div class="comment-block"><div class="comment-header">
<cite class="user"><a href="https://www.blogger.com/profile/1">Оля</a></cite>
<span class="datetime"><a href="#c111">May 3, 2021 at 10:00 AM</a></span></div>
<p class="comment-content">Гарно! 🍅<br>Where from? <a href="/seeds" onclick="x()">seeds</a></p>
<span class="comment-actions"><a>Reply</a><a>Delete</a></span></div>
<div class="comment-replies"><div class="comment-thread"><ol>
<li class="comment" id="c222"><div class="comment-block"><div class="comment-header">
<cite class="user">Halyna</cite><span class="datetime">sometime</span></div>
<p class="comment-content">From the market, 2 * 3 jars</p></div></li>
</ol></div></div></li>
<li class="comment" id="c333"><div class="comment-block"><div class="comment-header">
<cite class="user">Anonymous</cite></div>
<p class="comment-content"><script>alert(1)</script>Nice</p></div></li>
</ol></div></div>
<footer>© 2021</footer></body></html>"""

WORDPRESS_PAGE = """<html><head><title>Budget | Council blog</title></head><body>
<header><h1 class="site-title">Council blog</h1></header>
<main><article class="post"><h1 class="entry-title">Budget 2024</h1>
<div class="entry-content"><p>The council approved the budget.</p></div></article>
<div id="comments" class="comments-area"><ol class="comment-list">
<li id="comment-5" class="comment even depth-1"><article class="comment-body">
<footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Bob</b></div>
<div class="comment-metadata"><time datetime="2024-01-05T10:00:00+00:00">Jan 5</time></div>
</footer><div class="comment-content"><p>Good news.</p><p>Second para.</p></div>
<div class="reply"><a>Reply</a></div></article>
<ol class="children"><li id="comment-6" class="comment odd depth-2">
<article class="comment-body"><footer class="comment-meta"><div class="comment-author vcard">
<b class="fn"><a href="https://ann.example">Ann</a></b></div>
<div class="comment-metadata"><time datetime="2024-01-06T09:30:00Z">Jan 6</time></div></footer>
<div class="comment-content"><p>Agreed.</p></div></article></li></ol></li>
<li id="comment-7" class="pingback"><div class="comment-body">Pingback: elsewhere</div></li>
</ol></div></main><aside class="widget-area">Recent posts</aside></body></html>"""


def test_blogger_page_tree():
    url = "https://sadok.blogspot.com/2021/05/tomatoes.html"
    thread = webpage.extract(BLOGGER_PAGE, url)
    assert (thread.key, thread.title, thread.url) == (f"url:{url}", "Помідори", url)
    assert thread.body_html == "<p>Planting <i>tomatoes</i>.</p>"
    rows = [
        (
            c.key,
            c.parent_key,
            c.author,
            c.status,
            c.created_at and c.created_at.isoformat(),
            render_comment(c.text),
        )
        for c in thread.comments
    ]
    assert rows == [
        (
            f"url:{url}#c111",
            None,
            "Оля",
            "visible",
            "2021-05-03T10:00:00+00:00",
            '<p>Гарно! 🍅<br>\nWhere from? <a href="https://sadok.blogspot.com/seeds" '
            'rel="nofollow ugc noopener">seeds</a></p>',
        ),
        (
            f"url:{url}#c222",
            f"url:{url}#c111",
            "Halyna",
            "visible",
            None,
            "<p>From the market, 2 * 3 jars</p>",
        ),
        (f"url:{url}#c333", None, "Anonymous", "visible", None, "<p>Nice</p>"),
    ]
    assert thread.warnings == (
        f"{url}: comment c222: date 'sometime' not understood; the import time is used instead",
    )


def test_wordpress_page_tree():
    url = "https://council.example.org/budget/"
    thread = webpage.extract(WORDPRESS_PAGE, url)
    assert thread.title == "Budget 2024"
    assert thread.body_html == "<p>The council approved the budget.</p>"
    assert [
        (c.key, c.parent_key, c.author, c.created_at.isoformat(), c.text) for c in thread.comments
    ] == [
        (
            f"url:{url}#comment-5",
            None,
            "Bob",
            "2024-01-05T10:00:00+00:00",
            "Good news.\n\nSecond para.",
        ),
        (
            f"url:{url}#comment-6",
            f"url:{url}#comment-5",
            "Ann",
            "2024-01-06T09:30:00+00:00",
            "Agreed.",
        ),
    ]
    assert thread.warnings == ()


class Site(QuietHandler):
    """Pages for the fetch tests: an article, redirects, a big page, a PDF, a 404."""

    def do_GET(self) -> None:
        if self.path == "/post":
            body = BLOGGER_PAGE.encode()
            self.send_body(200, body, Content_Type="text/html; charset=utf-8")
        elif self.path.startswith("/hop/"):
            left = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", f"/hop/{left - 1}" if left else "/post")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/big":
            self.send_body(200, b"<p>" + b"x" * 20_000 + b"</p>", Content_Type="text/html")
        elif self.path == "/pdf":
            self.send_body(200, b"%PDF-1.4", Content_Type="application/pdf")
        else:
            self.send_body(404, b"<p>no</p>", Content_Type="text/html")


@pytest.fixture(scope="module")
def site():
    with http_server(Site) as base:
        yield base


async def test_fetch_follows_redirects_to_the_page(site):
    final, html = await fetch_page(f"{site}/hop/2", allow_private=True)
    assert final == f"{site}/post"
    thread = webpage.extract(html, final)
    assert [c.key.rsplit("#", 1)[1] for c in thread.comments] == ["c111", "c222", "c333"]


async def test_fetch_gives_up_after_too_many_redirects(site):
    with pytest.raises(ImportFormatError, match="more than 2 redirects; gave up"):
        await fetch_page(f"{site}/hop/5", allow_private=True, max_redirects=2)


async def test_fetch_refuses_a_page_over_the_size_limit(site):
    with pytest.raises(ImportFormatError, match="the limit is 10,000"):
        await fetch_page(f"{site}/big", allow_private=True, max_bytes=10_000)


async def test_fetch_refuses_what_is_not_html(site):
    with pytest.raises(
        ImportFormatError, match=r"not an HTML page \(content type 'application/pdf'\)"
    ):
        await fetch_page(f"{site}/pdf", allow_private=True)


async def test_fetch_reports_the_http_status(site):
    with pytest.raises(ImportFormatError, match=r"/missing: the server answered HTTP 404$"):
        await fetch_page(f"{site}/missing", allow_private=True)


async def test_fetch_refuses_private_addresses_by_default(site):
    with pytest.raises(ImportFormatError, match=r"resolves to 127\.0\.0\.1, a private"):
        await fetch_page(f"{site}/post")


async def test_fetch_refuses_other_schemes():
    with pytest.raises(ImportFormatError, match="only http and https"):
        await fetch_page("file:///etc/passwd")
