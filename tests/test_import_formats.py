"""Each export format parses to the exact tree of records its fixture describes.

Fixtures in tests/data/imports cover the odd cases (missing ids, replies to missing or
deleted parents, HTML with scripts, non-ASCII, duplicate threads, bad dates, pingbacks);
the real exports in ../shared/data/import-samples are checked against facts read from them.
"""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from forum.content.sanitize import render_comment
from forum.importers import (
    ImportedComment,
    ImportedThread,
    ImportFormatError,
    blogger,
    commento,
    disqus,
    htmltext,
    isso,
    isso_db,
    jsonexport,
    seedtext,
    wxr,
)
from forum.importers.keys import MAX_KEY_CHARS, make_key
from tests.conftest import SHARED_DATA

DATA = Path(__file__).resolve().parent / "data" / "imports"
SAMPLES = SHARED_DATA / "import-samples"
MODULES = (jsonexport, seedtext, wxr, disqus, isso, isso_db, commento, blogger)


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared import samples are not checked out)")
    return path


def parse(module, path: Path) -> tuple[list[tuple], list[str]]:
    """Records as comparable tuples, and the warnings that went to `on_warning`."""
    late: list[str] = []
    rows = []
    seen_threads = set()
    for record in module.records(path, on_warning=late.append):
        if isinstance(record, ImportedThread):
            seen_threads.add(record.key)
            rows.append(("T", record.key, record.title, record.url, record.warnings))
        else:
            assert isinstance(record, ImportedComment)
            assert record.thread_key in seen_threads, "a comment came before its thread"
            created = record.created_at.isoformat() if record.created_at else None
            rows.append(
                (
                    "C",
                    record.key,
                    record.parent_key,
                    record.author,
                    record.status,
                    created,
                    record.text,
                )
            )
    return rows, late


def when(text: str) -> str:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).isoformat()


def test_wordpress_fixture_tree():
    rows, late = parse(wxr, DATA / "wordpress.xml")
    post = "wxr:blog.example.org:10"
    assert rows == [
        (
            "T",
            post,
            "Budget 2024 & you",
            "http://blog.example.org/2024/01/budget/",
            (
                "wordpress.xml: post 10: comment 104: pingback skipped",
                "wordpress.xml: post 10: comment 105: 'yesterday at noon' is not a time; "
                "the import time is used instead",
                "wordpress.xml: post 10: comment 107: no GMT date; its local date is taken as UTC",
                "wordpress.xml: post 10: comment #8 (no id): keyed by its content",
                "wordpress.xml: post 10: comment 108: replies to skipped comment 104; "
                "kept as top-level",
            ),
        ),
        (
            "C",
            f"{post}:101",
            None,
            "Олена 🌻",
            "visible",
            when("2024-01-05 10:00:00"),
            "Дякую! **Good** news.\\\nSecond line [minutes](https://example.org/minutes)"
            "\n\nNew paragraph 😀",
        ),
        (
            "C",
            f"{post}:102",
            f"{post}:101",
            "Bob & Co",
            "pending",
            when("2024-01-05 11:30:00"),
            "Is 2 \\* 3 \\* 4 really \\_x\\_?",
        ),
        ("C", f"{post}:103", None, "cheap pills", "hidden", when("2024-01-06 00:00:00"), "Buy now"),
        (
            "C",
            f"{post}:105",
            f"{post}:99",
            "Anonymous",
            "visible",
            None,
            "Replying to a comment that is gone.",
        ),
        ("C", f"{post}:106", None, "Mallory", "hidden", when("2024-01-07 09:00:00"), "Rude words"),
        (
            "C",
            f"{post}:107",
            f"{post}:106",
            "Ann",
            "visible",
            when("2024-01-07 11:00:00"),
            "That was uncalled for.",
        ),
        ("C", rows[7][1], None, "No Id", "visible", when("2024-01-08 08:00:00"), "I have no id."),
        (
            "C",
            f"{post}:108",
            None,
            "Ann",
            "visible",
            when("2024-01-08 09:00:00"),
            "Nice of them to link here.",
        ),
        ("T", "wxr:blog.example.org:20", "About", "http://blog.example.org/about/", ()),
        (
            "C",
            "wxr:blog.example.org:20:201",
            None,
            "Reader",
            "visible",
            when("2024-01-09 10:00:00"),
            "> Who we are.\n\nWho, exactly?\\\n\\- not a list",
        ),
    ]
    assert rows[7][1].startswith(f"{post}:sha-")
    assert late == ["wordpress.xml: post 40: draft, not imported; comments skipped"]
    # The script is gone, the onclick is gone, the line break and paragraphs survive.
    assert render_comment(rows[1][6]) == (
        '<p>Дякую! <strong>Good</strong> news.<br>\nSecond line <a href="https://example.org/'
        'minutes" rel="nofollow ugc noopener">minutes</a></p>\n<p>New paragraph 😀</p>'
    )
    assert render_comment(rows[2][6]) == "<p>Is 2 * 3 * 4 really _x_?</p>"


def test_wordpress_thread_fields():
    thread = next(r for r in wxr.records(DATA / "wordpress.xml") if isinstance(r, ImportedThread))
    assert thread.slug == "budget-2024"
    assert thread.body_html == "<p>The council <strong>approved</strong> the budget.</p>"
    assert thread.source == "WordPress export wordpress.xml"


def test_wordpress_theme_unit_test_sample():
    rows, late = parse(wxr, sample("wordpress-theme-unit-test.xml"))
    site = "wxr:wpthemetestdata.wordpress.com"
    comments = [r for r in rows if r[0] == "C"]
    per_thread: dict[str, int] = {}
    for row in comments:
        post = row[1].rsplit(":", 1)[0]
        per_thread[post] = per_thread.get(post, 0) + 1
    # 33 comments in the file, 4 of them pingbacks or trackbacks.
    assert len(comments) == 29
    assert per_thread == {
        f"{site}:51": 1,
        f"{site}:155": 4,
        f"{site}:703": 1,
        f"{site}:1148": 20,
        f"{site}:1149": 1,
        f"{site}:1168": 1,
        f"{site}:1170": 1,
    }
    by_key = {r[1]: r for r in comments}
    # "Comment Depth 01" .. "Depth 10": each a reply to the one before.
    chain = ["904", "905", "906", "907", "910", "911", "912", "913", "914", "915"]
    for parent, child in itertools.pairwise(chain):
        assert by_key[f"{site}:1148:{child}"][2] == f"{site}:1148:{parent}"
    assert by_key[f"{site}:1148:904"][2] is None
    assert by_key[f"{site}:155:1017"][2:5] == (f"{site}:155:168", "themereviewteam", "pending")
    assert by_key[f"{site}:703:1016"][4] == "pending"
    assert by_key[f"{site}:1148:1015"][4] == "pending"
    assert sum(r[4] == "pending" for r in comments) == 3
    assert by_key[f"{site}:1148:881"][3] == "John Γιάννης Doe Κάποιος"
    pingbacks = next(r for r in rows if r[0] == "T" and r[1] == f"{site}:1149")
    assert pingbacks[4] == tuple(
        f"wordpress-theme-unit-test.xml: post 1149: comment {n}: {kind} skipped"
        for n, kind in (
            ("921", "trackback"),
            ("922", "trackback"),
            ("923", "pingback"),
            ("924", "pingback"),
        )
    )
    assert by_key[f"{site}:1149:925"][6] == "This is a comment amongst pingbacks and trackbacks."
    # 56 published posts and 21 published pages; the draft, the scheduled post, 37
    # attachments and 70 menu items are not threads (none of those has comments).
    threads = [r for r in rows if r[0] == "T"]
    assert len(threads) == len({r[1] for r in threads}) == 77
    assert late == []


def test_disqus_fixture_tree():
    rows, late = parse(disqus, DATA / "disqus.xml")
    mist = "https://notes.example.com/2023/mist/"
    assert rows == [
        (
            "T",
            "disqus:thread:1001",
            "Туман над Дніпром",
            mist,
            (
                "disqus.xml: thread 1002 has the same link as disqus:thread:1001; "
                "their posts are merged",
            ),
        ),
        (
            "C",
            "disqus:5001",
            None,
            "Оксана",
            "visible",
            "2023-03-01T09:15:00+00:00",
            "Гарні фото! 📷\n\nWhere was **this** taken?",
        ),
        (
            "C",
            "disqus:5002",
            "disqus:5001",
            "Editor",
            "visible",
            "2023-03-01T10:00:00+00:00",
            "Near the bridge [here](https://maps.example.com/?q=bridge)",
        ),
        ("C", "disqus:5003", None, "Troll", "deleted", "2023-03-01T11:00:00+00:00", "[deleted]"),
        (
            "C",
            "disqus:5004",
            "disqus:5003",
            "Anonymous",
            "visible",
            None,
            "Don't feed the trolls: 2 \\* 3 \\* 4 = 24",
        ),
        (
            "C",
            "disqus:5005",
            None,
            "spambot",
            "hidden",
            "2023-03-02T00:00:00+00:00",
            "Cheap watches",
        ),
        (
            "C",
            "disqus:5006",
            "disqus:4999",
            "Late Reader",
            "visible",
            "2023-03-03T00:00:00+00:00",
            "Replying to something long gone.",
        ),
        (
            "T",
            "disqus:thread:1003",
            "About",
            "https://notes.example.com/about/",
            ("disqus.xml: post (no id): keyed by its content",),
        ),
        ("C", rows[8][1], None, "Ghost", "visible", "2023-03-04T00:00:00+00:00", "No id at all"),
    ]
    assert rows[8][1].startswith("disqus:sha-")
    assert late == [
        "disqus.xml: post 5004: 'when pigs fly' is not a time; the import time is used instead",
        "disqus.xml: post 5007: names thread 7777, which is not in the file; skipped",
    ]
    assert render_comment(rows[2][6]) == (
        '<p>Near the bridge <a href="https://maps.example.com/?q=bridge" '
        'rel="nofollow ugc noopener">here</a></p>'
    )


def test_disqus_isso_sample():
    rows, late = parse(disqus, sample("isso-disqus.xml"))
    assert [r[:3] for r in rows] == [
        ("T", "disqus:thread:2", "Hello, World!"),
        ("C", "disqus:4", None),
        ("C", "disqus:5", "disqus:4"),
        ("T", "disqus:thread:7", "http://localhost:4000/blog/2013/02/12/redacted/index.html"),
        ("C", "disqus:8", None),
        ("C", "disqus:9", None),
        ("C", "disqus:11", "disqus:9"),
    ]
    assert [r[3:] for r in rows if r[0] == "C"] == [
        ("peter", "visible", "2013-10-10T19:20:29+00:00", "..."),
        ("user", "visible", "2013-10-11T06:51:33+00:00", "Hello, World."),
        (
            "Empty",
            "visible",
            "2013-10-11T06:51:33+00:00",
            "Message from thread with empty title and id",
        ),
        ("peter", "deleted", "2013-10-10T19:20:29+00:00", "[deleted]"),
        ("user", "visible", "2013-10-11T06:52:33+00:00", "Hello, World."),
    ]
    assert late == ["isso-disqus.xml: post 6: names thread 1337, which is not in the file; skipped"]


def test_isso_json_fixture_tree():
    rows, late = parse(isso, DATA / "isso.json")
    walks = "isso:/2022/kyiv-walks/"
    at = "isso.json: thread 0 (/2022/kyiv-walks/): comment"
    assert rows == [
        (
            "T",
            walks,
            "Kyiv walks & talks",
            None,
            (
                f"{at} 2: '01/05/2022' is not a time; the import time is used instead",
                f"{at} 3: no text; skipped",
                f"{at} #4 (no id): no id; keyed by its content",
            ),
        ),
        (
            "C",
            "isso-json:/2022/kyiv-walks/:1",
            None,
            "Марія",
            "visible",
            "2022-05-01T10:00:00+00:00",
            "Дуже цікаво! 🌿\n\nI liked the *river* part.",
        ),
        (
            "C",
            "isso-json:/2022/kyiv-walks/:2",
            None,
            "Anonymous",
            "visible",
            None,
            "<script>alert(1)</script> stays text",
        ),
        ("C", rows[3][1], None, "No Id", "visible", "2022-05-03T12:30:00+00:00", "Who am I?"),
        ("T", "isso:https://example.org/about/", "About us", "https://example.org/about/", ()),
    ]
    assert late == []
    # Isso text is markdown already: kept as written, and rendered safely.
    assert render_comment(rows[2][6]) == "<p>&lt;script&gt;alert(1)&lt;/script&gt; stays text</p>"


def test_isso_generic_sample():
    rows, _ = parse(isso, sample("isso-generic.json"))
    assert rows == [
        ("T", "isso:/posts/0001/", "Test post", None, ()),
        (
            "C",
            "isso-json:/posts/0001/:0",
            None,
            "texas holdem",
            "visible",
            "2005-02-24T04:03:37+00:00",
            "Great men can't be ruled. by free online poker",
        ),
        ("T", "isso:/posts/0007/", "Nat & Miguel", None, ()),
        (
            "C",
            "isso-json:/posts/0007/:0",
            None,
            "Richard Crinshaw",
            "visible",
            "2005-05-08T06:50:26+00:00",
            "Ja-make-a me crazzy mon :)",
        ),
    ]


@pytest.fixture
def isso_database(tmp_path) -> Path:
    path = tmp_path / "comments.db"
    with sqlite3.connect(path) as db:
        db.executescript((DATA / "isso.sql").read_text())
    return path


def test_isso_database_tree(isso_database):
    rows, late = parse(isso_db, isso_database)
    first, second = "isso:/posts/first/", "isso:/posts/second/"
    assert rows == [
        ("T", first, "First post", None, ()),
        (
            "C",
            f"{first}:1",
            None,
            "Тарас",
            "visible",
            "2022-04-15T05:20:00.500000+00:00",
            "Привіт, *світ* 👋",
        ),
        (
            "C",
            f"{first}:2",
            f"{first}:1",
            "Anonymous",
            "pending",
            "2022-04-15T05:21:40+00:00",
            "Awaiting moderation",
        ),
        ("C", f"{first}:3", None, "Anonymous", "deleted", "2022-04-15T05:23:20+00:00", "[deleted]"),
        (
            "C",
            f"{first}:4",
            f"{first}:3",
            "Ann",
            "visible",
            "2022-04-15T05:25:00+00:00",
            "Reply to a deleted comment",
        ),
        (
            "T",
            second,
            "/posts/second/",
            None,
            (
                "comments.db: thread 2 (/posts/second/): comment 6: 1e+300 is not a time; "
                "the import time is used instead",
            ),
        ),
        (
            "C",
            f"{second}:5",
            f"{second}:99",
            "Bob",
            "visible",
            "2022-04-15T05:26:40+00:00",
            "Parent is missing",
        ),
        ("C", f"{second}:6", None, "Cy", "visible", None, "Bad time"),
    ]
    assert late == ["comments.db: 1 comment(s) belong to no thread; skipped"]


def test_isso_database_refuses_other_sqlite(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER)")
    assert isso_db.detect(path.read_bytes()[:4096].decode("utf-8", errors="replace"))
    with pytest.raises(ImportFormatError, match="a SQLite file, but not Isso's"):
        list(isso_db.records(path))


def test_commento_fixture_tree():
    rows, late = parse(commento, DATA / "commento.json")
    hello = "commento:blog.example.net/posts/hello"
    assert rows == [
        (
            "T",
            hello,
            "blog.example.net/posts/hello",
            "https://blog.example.net/posts/hello",
            (
                "commento.json: comment 3: 'not-a-date' is not a time; "
                "the import time is used instead",
            ),
        ),
        (
            "C",
            "commento:a1f0",
            None,
            "Іван",
            "visible",
            "2020-02-01T10:00:00.123000+00:00",
            "First! **Вітаю** 🎉",
        ),
        (
            "C",
            "commento:a1f2",
            "commento:a1f0",
            "Sue",
            "visible",
            "2020-02-01T11:00:00+00:00",
            "Replying to the first",
        ),
        ("C", "commento:a1f3", None, "Anonymous", "hidden", None, "Buy followers"),
        (
            "C",
            "commento:a1f4",
            "commento:a1f3",
            "Sue",
            "deleted",
            "2020-02-03T09:00:00+00:00",
            "[deleted]",
        ),
        (
            "C",
            "commento:a1f5",
            "commento:dead",
            "Іван",
            "visible",
            "2020-02-04T09:00:00+00:00",
            "Orphan reply <script>x()</script>",
        ),
        (
            "T",
            "commento:blog.example.net/posts/other",
            "blog.example.net/posts/other",
            "https://blog.example.net/posts/other",
            (),
        ),
        (
            "C",
            "commento:a1f1",
            None,
            "Anonymous",
            "pending",
            "2020-02-02T10:00:00+00:00",
            "Different page",
        ),
    ]
    assert late == []


def test_blogger_classic_tree():
    rows, late = parse(blogger, DATA / "blogger.xml")
    blog = "blogger:tag:blogger.com,1999:blog-42"
    assert rows == [
        (
            "T",
            f"{blog}.post-100",
            "Помідори & tomatoes",
            "https://sadok.blogspot.com/2021/05/tomatoes.html",
            (),
        ),
        # This comment came before its post in the file; it is held until the post is read.
        (
            "C",
            f"{blog}.post-9001",
            None,
            "Early Bird",
            "visible",
            "2021-05-02T06:00:00+00:00",
            "I came before the post **itself**",
        ),
        (
            "C",
            f"{blog}.post-9002",
            f"{blog}.post-9001",
            "Halyna",
            "visible",
            "2021-05-03T07:00:00+00:00",
            "Thanks, Early Bird!\\\nSee [seeds](https://example.org/seeds)",
        ),
        (
            "C",
            f"{blog}.post-9003",
            f"{blog}.post-8000",
            "Anonymous",
            "visible",
            None,
            "Reply to a vanished comment",
        ),
    ]
    assert late == [
        "blogger.xml: comment tag:blogger.com,1999:blog-42.post-9003: 'sometime in May' is not "
        "a time; the import time is used instead",
        "blogger.xml: comment tag:blogger.com,1999:blog-42.post-9004: its post is a draft or "
        "removed; skipped",
        "blogger.xml: 1 comment(s) on tag:blogger.com,1999:blog-42.post-300, not in the file; "
        "skipped",
    ]
    assert render_comment(rows[2][6]) == (
        '<p>Thanks, Early Bird!<br>\nSee <a href="https://example.org/seeds" '
        'rel="nofollow ugc noopener">seeds</a></p>'
    )
    thread = next(blogger.records(DATA / "blogger.xml", on_warning=lambda _: None))
    assert (thread.slug, thread.body_html) == ("tomatoes", "<p>Planting <i>tomatoes</i>.</p>")


def test_blogger_takeout_tree():
    rows, late = parse(blogger, DATA / "blogger-takeout.atom")
    blog = "blogger:tag:blogger.com,1999:blog-77"
    assert rows == [
        ("T", f"{blog}.post-1", "Зима 2020", None, ()),
        ("C", f"{blog}.post-11", None, "Reader ❄️", "visible", "2020-01-11T10:00:00+00:00", "Cold!"),
        (
            "C",
            f"{blog}.post-12",
            f"{blog}.post-11",
            "Owner",
            "visible",
            "2020-01-12T10:00:00+00:00",
            "Very.",
        ),
        (
            "C",
            f"{blog}.post-13",
            None,
            "Gone",
            "deleted",
            "2020-01-13T10:00:00+00:00",
            "Removed by author",
        ),
    ]
    assert late == []


FIXTURES = [
    (DATA / "wordpress.xml", wxr),
    (DATA / "disqus.xml", disqus),
    (DATA / "isso.json", isso),
    (DATA / "commento.json", commento),
    (DATA / "blogger.xml", blogger),
    (DATA / "blogger-takeout.atom", blogger),
    (SAMPLES / "wordpress-theme-unit-test.xml", wxr),
    (SAMPLES / "isso-disqus.xml", disqus),
    (SAMPLES / "isso-generic.json", isso),
]


def peek_of(data: bytes) -> str:
    return data[:4096].decode("utf-8", errors="replace")


@pytest.mark.parametrize(("path", "module"), FIXTURES, ids=lambda v: getattr(v, "name", ""))
def test_each_fixture_is_detected_by_exactly_one_format(path, module):
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared import samples are not checked out)")
    peek = peek_of(path.read_bytes())
    assert [m for m in MODULES if m.detect(peek)] == [module]


def test_detection_of_forum_json_seed_text_and_isso_database(isso_database):
    forum_json = '{"threads": [{"slug": "s", "title": "T", "comments": []}]}'
    assert [m for m in MODULES if m.detect(forum_json)] == [jsonexport]
    assert [m for m in MODULES if m.detect("A scraped page\nwith text")] == [seedtext]
    # Seed text takes anything that does not open like JSON or XML, a database included:
    # the service must ask isso_db first.
    database_peek = peek_of(isso_database.read_bytes())
    assert [m for m in MODULES if m.detect(database_peek)] == [seedtext, isso_db]


def test_malformed_xml_is_a_format_error(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text('<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>')
    with pytest.raises(ImportFormatError, match=r"broken.xml: not well-formed XML \(line 1"):
        list(wxr.records(path))


def test_long_keys_fit_the_column():
    url = "https://example.org/" + "very-long-path/" * 40
    key = make_key("disqus", "thread", url)
    assert len(key) == MAX_KEY_CHARS
    assert key != make_key("disqus", "thread", url + "x")
    assert make_key("disqus", "5") == "disqus:5"


@pytest.mark.parametrize(
    ("html", "rendered"),
    [
        (
            "<p>2 * 3 * 4 and _x_ and [a](b) `c` AT&amp;T &lt;b&gt;</p>",
            "<p>2 * 3 * 4 and _x_ and [a](b) `c` AT&amp;T &lt;b&gt;</p>",
        ),
        ('<p onclick="x()">hi<script>alert(1)</script><style>p{}</style></p>', "<p>hi</p>"),
        ('<a href="javascript:alert(1)">js</a> <a href="/relative">rel</a>', "<p>js rel</p>"),
        (
            "<blockquote><p>quoted</p></blockquote><ul><li>one</li><li>two</li></ul>",
            "<blockquote>\n<p>quoted</p>\n</blockquote>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
        ),
        (
            "<pre><code>x = 1\n  y *z*</code></pre><p>and <code>a_b</code></p>",
            "<pre><code>x = 1\n  y *z*\n</code></pre>\n<p>and <code>a_b</code></p>",
        ),
        (
            "<h1>Head</h1><p>1. not a list<br>- nor this<br>&gt; nor a quote</p>",
            "<p><strong>Head</strong></p>\n"
            "<p>1. not a list<br>\n- nor this<br>\n&gt; nor a quote</p>",
        ),
        (
            "Привіт 😀 <em>так</em> <i>і</i> <b>ні</b>",
            "<p>Привіт 😀 <em>так</em> <em>і</em> <strong>ні</strong></p>",
        ),
    ],
)
def test_html_to_text_renders_back_faithfully(html, rendered):
    assert render_comment(htmltext.html_to_text(html)) == rendered


def test_autop_reads_wordpress_newlines():
    html = htmltext.autop("one\ntwo\n\nthree\n<blockquote>q\n\nr</blockquote>\n<pre>a\n\n b</pre>")
    assert render_comment(htmltext.html_to_text(html)) == (
        "<p>one<br>\ntwo</p>\n<p>three</p>\n<blockquote>\n<p>q</p>\n<p>r</p>\n</blockquote>\n"
        "<pre><code>a\n\n b\n</code></pre>"
    )
