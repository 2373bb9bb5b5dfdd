"""The scraped-page importer on the five real seed documents and on broken input."""

from __future__ import annotations

import re

import pytest

from forum.importers import ImportFormatError, seedtext
from tests.conftest import SEEDS

FURNITURE = [
    "Enter your keyword",
    "What's new",
    "Latest on X",
    "Have you registered with us yet?",
    "Register now to enjoy",
    "Already registered?",
    "Sign in",
    "ReplyDelete",
]


def parse(name: str) -> seedtext.ImportedThread:
    [thread] = seedtext.parse((SEEDS / name).read_bytes(), name)
    return thread


def paragraphs(html: str) -> list[str]:
    return re.findall(r"<p>(.*?)</p>", html, flags=re.S)


@pytest.mark.parametrize("path", sorted(SEEDS.iterdir()), ids=lambda p: p.name)
def test_no_page_furniture_or_control_text_anywhere(path):
    [thread] = seedtext.parse(path.read_bytes(), path.name)
    everything = thread.title + thread.body_html + "".join(c.text for c in thread.comments)
    for text in FURNITURE:
        assert text not in everything
    assert not re.search(r"\bDelete\b", everything)


def test_000_title_line_repeated_three_times_is_kept_once():
    thread = parse("000_035c6946ba3dcf9a.txt")
    assert thread.title == "Ensuring the voluntary sector’s role in the future of probation model"
    assert thread.title not in thread.body_html
    assert len(paragraphs(thread.body_html)) == 6
    assert thread.body_html.count("<ol>") == 1
    assert thread.body_html.count("<li>") == 5
    assert paragraphs(thread.body_html)[0].startswith("Since the Ministry of Justice")
    assert paragraphs(thread.body_html)[-1] == "Image courtesy of Landworks"
    assert thread.comments == ()


def test_001_title_from_opening_sentence_and_trailer_removed():
    thread = parse("001_d6956689d503b1e2.txt")
    assert thread.title.startswith("Since the Ministry of Justice announced its decision")
    assert thread.title.endswith("…") and len(thread.title) <= 91
    body = paragraphs(thread.body_html)
    assert len(body) == 24
    assert body[-1].startswith("There must be opportunities and sufficient resource")
    # The numbered recommendations keep their numbers.
    for n in range(2, 6):
        assert f'<ol start="{n}">' in thread.body_html
    for text in ["SDS40", "member advisory forum", "Chair Q&amp;A", "clinks.org/event"]:
        assert text not in thread.body_html


def test_002_trailer_with_links_removed():
    thread = parse("002_6463ee8540244509.txt")
    assert thread.title.startswith("Since Transforming Rehabilitation changed the face")
    body = paragraphs(thread.body_html)
    assert len(body) == 8
    assert body[-1].startswith("Thank you for your support.")
    assert "Autumn Budget 2024" not in thread.body_html
    assert "#CriminalJustice" not in thread.body_html


def test_003_headline_and_signup_trailer():
    thread = parse("003_62daf5bdc9e4159f.txt")
    assert thread.title == (
        "Pace of change in probation services 'slower than anticipated', says report"
    )
    body = paragraphs(thread.body_html)
    assert len(body) == 15
    assert body.count("Probation services") == 1
    assert body[-1].startswith("A Ministry of Justice spokeswoman said:")


def test_004_comment_tree_is_exact():
    thread = parse("004_941239107233e0c6.txt")
    comments = thread.comments
    assert len(comments) == 6
    keys = [c.key for c in comments]
    assert [c.parent_key for c in comments] == [None, None, None, keys[2], None, keys[4]]
    assert sum(c.parent_key is None for c in comments) == 4
    assert comments[0].text.startswith("That reads just like it should.")
    assert comments[0].text.endswith("How do they do that.")
    assert comments[2].text == "Tr2 has already started"
    assert comments[3].text.startswith('"TR2 has already started" - in the interests')
    assert comments[4].text.count("\n\n") == 1  # two paragraphs
    assert comments[4].text.startswith("We know that the MoJ has been hosting")
    assert comments[4].text.endswith("endemic to TR2.")
    assert comments[5].text.startswith("Not what I heard .")
    assert all(c.author == "Anonymous" for c in comments)


def test_004_post_and_comments_do_not_leak_into_each_other():
    thread = parse("004_941239107233e0c6.txt")
    assert thread.title.startswith("It can't be any coincidence")
    for comment in thread.comments:
        assert comment.text not in thread.body_html
        assert "Initial Position Statement" not in comment.text
        assert "BASW" not in comment.text
    assert "humpty" not in thread.body_html
    # The principles keep their bullet list; the signatories are kept.
    assert thread.body_html.count("<ul>") == 1
    assert thread.body_html.count("<li>") == 17
    assert paragraphs(thread.body_html)[-1] == "BASW Criminal Justice England"


def test_keys_are_stable_and_unique():
    first = parse("004_941239107233e0c6.txt")
    second = parse("004_941239107233e0c6.txt")
    assert first.key == second.key == "seedtext:004_941239107233e0c6"
    assert [c.key for c in first.comments] == [c.key for c in second.comments]
    assert len({c.key for c in first.comments}) == 6


def test_multi_paragraph_first_comment_and_text_after_last_marker():
    page = (
        "A Short Headline\n"
        "The article says something important about the town and its budget.\n"
        "Posted by Someone\n"
        "First comment, first paragraph, which is long enough to be prose here.\n"
        "First comment, second paragraph.\n"
        "ReplyDeleteA reply to the first comment.\n"
        "DeleteSecond top-level comment.\n"
        "ReplyDeleteNewer Post Older Post Home\n"
    )
    [thread] = seedtext.parse(page.encode(), "page.txt")
    assert thread.title == "A Short Headline"
    texts = [c.text for c in thread.comments]
    assert texts == [
        "First comment, first paragraph, which is long enough to be prose here.\n\n"
        "First comment, second paragraph.",
        "A reply to the first comment.",
        "Second top-level comment.",
    ]
    assert thread.comments[1].parent_key == thread.comments[0].key
    assert "Posted by Someone" in thread.body_html
    assert any("Newer Post" in w for w in thread.warnings)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00broken", "not UTF-8"),
        (b"text with a NUL \x00 byte\n", "control character U+0000 on line 1"),
        (b"", "no article text"),
        (b"\n\n   \n", "no article text"),
        (b"Enter your keyword\n", "no article text"),
    ],
)
def test_malformed_documents_are_refused_with_the_file_name(data, message):
    with pytest.raises(ImportFormatError) as info:
        seedtext.parse(data, "bad.txt")
    assert str(info.value).startswith("bad.txt: ")
    assert message in str(info.value)


def test_escapes_markup_in_page_text():
    [thread] = seedtext.parse(b"Title\n<script>alert(1)</script> is text here.\n", "x.txt")
    assert "<script>" not in thread.body_html
    assert "&lt;script&gt;" in thread.body_html
