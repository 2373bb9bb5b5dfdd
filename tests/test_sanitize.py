"""The sanitiser: the markdown subset, the allow-list, and idempotence."""

from __future__ import annotations

from html.parser import HTMLParser
from re import Match

import pytest
from bleach.linkifier import URL_RE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.content.sanitize import (
    COMMENT_TAGS,
    LINK_REL,
    _cleaner,
    _LinkPattern,
    clean_body,
    clean_html,
    render_comment,
)
from tests.conftest import claim_corpus_texts

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"></svg>',
    '<style>body{display:none}</style><p style="position:fixed">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="vbscript:msgbox(1)">x</a>',
    "<<script>script>alert(1)<</script>/script>",
    '"><img src=x onerror=alert(1)>',
]


class TagCollector(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parsed(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = TagCollector()
    collector.feed(html)
    return collector.tags


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_renders_inert(text):
    for tag, attrs in parsed(render_comment(text)):
        assert tag in COMMENT_TAGS
        assert set(attrs) <= {"href", "title", "rel", "start"}
        href = attrs.get("href") or ""
        assert href.split(":", 1)[0] in {"http", "https", "mailto"} or not href


def test_hostile_input_is_still_shown_as_text():
    html = render_comment("<script>alert(1)</script>")
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


@pytest.mark.parametrize(
    "text",
    [
        *HOSTILE,
        "plain",
        "*em* **strong** `code`",
        "> q\n\n- a\n- b",
        "see https://example.org/a?b=1&c=2 now",
        "1. one\n2. two",
    ],
)
def test_sanitising_again_changes_nothing(text):
    html = render_comment(text)
    assert clean_html(html) == html
    assert clean_html(clean_html(html)) == html


def test_markdown_subset():
    html = render_comment("*em* **strong** `x<y`\n\n> quoted\n\n- one\n- two\n\n```\ncode\n```")
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<code>x&lt;y</code>" in html
    assert "<blockquote>" in html and "<ul>" in html and "<pre><code>" in html


def test_headings_and_images_are_not_part_of_the_subset():
    html = render_comment("# Big\n\n![alt](https://example.org/a.png)")
    assert "<h1>" not in html and "<img" not in html


def test_bare_urls_become_links_with_rel():
    html = render_comment("look at https://example.org/page and [this](https://example.com)")
    assert html.count(f'rel="{LINK_REL}"') == 2
    assert 'href="https://example.org/page"' in html


def test_urls_inside_code_are_not_linked():
    assert "<a " not in render_comment("`https://example.org`")


def test_body_keeps_headings_but_not_attributes():
    html = clean_body(
        '<h2 class="x">Head</h2><p onclick="x()">Text</p><ol start="3"><li>a</li></ol>'
    )
    assert html == '<h2>Head</h2><p>Text</p><ol start="3"><li>a</li></ol>'


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.from_regex(URL_RE))
def test_the_link_gate_lets_through_everything_linkify_would_link(text):
    assert URL_RE.search(text)
    assert _LinkPattern.could_hold_link.search(text)
    assert list(map(Match.group, _LinkPattern().finditer(text))) == [
        m.group() for m in URL_RE.finditer(text)
    ]


def test_the_link_gate_changes_no_rendered_comment(monkeypatch):
    texts = [
        *claim_corpus_texts(),
        "see example.com/page, www.EXAMPLE.org and http://a.b.co.uk:8080/x?y=1 today",
        "a.m. e.g. i.e. 3.5 v1.2 foo-bar.Com [typed](https://example.net) `code.com`",
    ]
    gated = [render_comment(text) for text in texts]
    monkeypatch.setattr(_LinkPattern, "finditer", lambda self, text: URL_RE.finditer(text))
    _cleaner.cache_clear()
    try:
        assert [render_comment(text) for text in texts] == gated
    finally:
        _cleaner.cache_clear()
    assert 'href="http://example.com/page"' in gated[-2]
