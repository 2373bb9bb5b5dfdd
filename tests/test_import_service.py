"""Real export formats through the import service: ordering, orphans, batches, dry runs.

The parsers' exact record trees are in test_import_formats.py; this file checks what the
service does with them in a real database: every comment goes through the comment
service (sanitised, claim-checked), a second import changes nothing, a dry run writes
nothing, a broken file writes nothing, and an export of what was imported restores it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forum.models import ClaimState, Comment, CommentStatus, Thread
from forum.services import exports, import_writer, imports, threads
from tests.conftest import SHARED_DATA, http_server
from tests.test_cli import forum
from tests.test_import_fetch import Site

FIXTURES = Path(__file__).parent / "data" / "imports"
WXR_SAMPLE = SHARED_DATA / "import-samples" / "wordpress-theme-unit-test.xml"

DISQUS_HEAD = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="1"><link>https://blog.example/bridge/</link><title>The bridge</title>
    <createdAt>2024-01-01T08:00:00Z</createdAt></thread>
"""


def post(pid: int, text: str, *, parent: int | None = None, minute: int = 0, spam=False) -> str:
    parent_tag = f'<parent dsq:id="{parent}"/>' if parent else ""
    return f"""<post dsq:id="{pid}"><message><![CDATA[<p>{text}</p>]]></message>
    <createdAt>2024-01-01T09:{minute:02d}:00Z</createdAt><isDeleted>false</isDeleted>
    <isSpam>{str(spam).lower()}</isSpam><author><name>Reader {pid}</name></author>
    <thread dsq:id="1"/>{parent_tag}</post>
"""


def disqus(tmp_path: Path, *posts: str, name: str = "disqus.xml") -> Path:
    path = tmp_path / name
    path.write_text(DISQUS_HEAD + "".join(posts) + "</disqus>\n")
    return path


def tree(nodes) -> list:
    """(author, text) pairs nested as the thread shows them."""
    return [(n.author, n.html, tree(n.replies)) for n in nodes]


async def thread_tree(key: str) -> list:
    return tree(await threads.comment_tree(await Thread.get(import_key=key)))


async def test_a_reply_before_its_parent_is_placed_under_it(database, tmp_path):
    path = disqus(
        tmp_path,
        post(3, "Reply that came first", parent=2, minute=5),
        post(2, "Parent, later in the file", minute=1),
        post(4, "Reply to a post that is not there", parent=99, minute=6),
    )
    [report] = await imports.import_paths([path])
    assert report.error is None and report.format == "disqus"
    assert await thread_tree("disqus:thread:1") == [
        ("Reader 2", "<p>Parent, later in the file</p>", [
            ("Reader 3", "<p>Reply that came first</p>", []),
        ]),
        ("Reader 4", "<p>Reply to a post that is not there</p>", []),
    ]  # fmt: skip
    assert report.warnings == [
        "comment disqus:4: its parent disqus:99 is not in the file; imported as a top-level comment"
    ]


async def test_statuses_and_claims_go_through_the_comment_service(database, tmp_path):
    path = disqus(
        tmp_path,
        post(1, "The council spent £4m on the bridge in 2021.", minute=1),
        post(2, "Cheap pills here", minute=2, spam=True),
        post(3, "I think it looks <b>lovely</b><script>alert(1)</script>", minute=3),
    )
    await imports.import_paths([path])
    by_key = {c.import_key: c for c in await Comment.all()}
    assert by_key["disqus:1"].claim_state == ClaimState.FLAGGED
    assert by_key["disqus:2"].status == CommentStatus.HIDDEN
    assert by_key["disqus:3"].claim_state == ClaimState.CLEAR
    assert by_key["disqus:3"].html == "<p>I think it looks <strong>lovely</strong></p>"
    thread = await Thread.get(import_key="disqus:thread:1")
    assert thread.comment_count == 2 and thread.url == "https://blog.example/bridge/"
    assert thread.last_activity_at == by_key["disqus:3"].created_at


async def test_small_batches_give_the_same_tree(database, tmp_path, monkeypatch):
    monkeypatch.setattr(import_writer, "BATCH", 2)
    posts = [post(1, "Root", minute=0)]
    posts += [post(i, f"Reply {i}", parent=i - 1, minute=i) for i in range(2, 8)]
    [report] = await imports.import_paths([disqus(tmp_path, *reversed(posts))])
    assert report.error is None and report.warnings == []
    chain = await thread_tree("disqus:thread:1")
    depth = 0
    while chain:
        [(author, _html, chain)] = chain
        depth += 1
        assert author == f"Reader {depth}"
    assert depth == 7


async def test_a_dry_run_reports_the_import_and_writes_nothing(database, tmp_path):
    path = disqus(tmp_path, post(1, "One", minute=1), post(2, "Two", parent=1, minute=2))
    [dry] = await imports.import_paths([path], dry_run=True)
    assert await Thread.all().count() == 0 and await Comment.all().count() == 0
    [real] = await imports.import_paths([path])
    assert [(t.slug, t.created, t.comments_created) for t in dry.threads] == [
        (t.slug, t.created, t.comments_created) for t in real.threads
    ]
    assert real.threads[0].comments_created == 2
    [again] = await imports.import_paths([path], dry_run=True)
    assert [(t.created, t.comments_created, t.comments_unchanged) for t in again.threads] == [
        (False, 0, 2)
    ]


async def test_a_second_import_changes_nothing(database, tmp_path):
    path = disqus(tmp_path, post(1, "One", minute=1), post(2, "Two", parent=1, minute=2))
    await imports.import_paths([path])
    before = await Comment.all().order_by("id").values_list("id", "import_key", "parent_id")
    version = (await Thread.get(import_key="disqus:thread:1")).version
    [report] = await imports.import_paths([path])
    assert report.threads[0].created is False
    assert (report.threads[0].comments_created, report.threads[0].comments_unchanged) == (0, 2)
    after = await Comment.all().order_by("id").values_list("id", "import_key", "parent_id")
    assert after == before
    assert (await Thread.get(import_key="disqus:thread:1")).version >= version


async def test_a_file_that_breaks_off_writes_nothing(database, tmp_path):
    whole = (FIXTURES / "wordpress.xml").read_text()
    cut = tmp_path / "cut.xml"
    cut.write_text(whole[: int(len(whole) * 0.8)])
    [report] = await imports.import_paths([cut])
    assert report.format == "wxr"
    assert report.error and report.error.startswith("cut.xml:")
    assert await Thread.all().count() == 0 and await Comment.all().count() == 0


async def test_a_file_read_as_the_wrong_format_fails_clearly(database, tmp_path):
    [report] = await imports.import_paths([FIXTURES / "wordpress.xml"], format="disqus")
    assert report.error and "wordpress.xml" in report.error
    assert await Thread.all().count() == 0


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.suffix != ".sql"))
async def test_every_fixture_imports_and_is_idempotent(database, name):
    [first] = await imports.import_paths([FIXTURES / name])
    assert first.error is None, first.error
    stored = await Comment.all().count()
    assert stored == sum(t.comments_created for t in first.threads) > 0
    visible = await Comment.filter(status=CommentStatus.VISIBLE).count()
    assert sum(t.comment_count for t in await Thread.all()) == visible
    [second] = await imports.import_paths([FIXTURES / name])
    assert sum(t.comments_created for t in second.threads) == 0
    assert await Comment.all().count() == stored


async def test_wordpress_sample_through_the_service(database):
    if not WXR_SAMPLE.exists():
        pytest.skip(f"{WXR_SAMPLE} is absent (the shared import samples are not checked out)")
    [report] = await imports.import_paths([WXR_SAMPLE])
    assert report.error is None
    assert await Comment.all().count() == 29  # 33 less 4 pingbacks and trackbacks
    assert await Comment.filter(status=CommentStatus.PENDING).count() == 3
    deepest = await Comment.get(import_key__endswith=":915")
    depth = 0
    while deepest.parent_id:
        deepest = await Comment.get(id=deepest.parent_id)
        depth += 1
    assert depth == 9 and deepest.import_key.endswith(":904")


async def test_an_export_of_imported_threads_restores_them(database, tmp_path):
    await imports.import_paths([FIXTURES / "wordpress.xml", FIXTURES / "disqus.xml"])
    first = tmp_path / "first.json"
    with first.open("w") as out:
        await exports.write_export(out)
    await Comment.all().delete()
    await Thread.all().delete()
    [report] = await imports.import_paths([first])
    assert report.error is None
    second = tmp_path / "second.json"
    with second.open("w") as out:
        await exports.write_export(out)

    def comparable(path: Path) -> dict:
        doc = json.loads(path.read_text())
        out = {}
        for thread in doc["threads"]:
            keys = {c["id"]: c["key"] for c in thread["comments"]}
            out[thread["key"]] = (
                thread["title"],
                thread["url"],
                thread["body_html"],
                sorted(
                    (c["key"], keys.get(c["parent_id"]), c["author"], c["text"], c["status"])
                    for c in thread["comments"]
                ),
            )
        return out

    assert comparable(second) == comparable(first)
    assert len(comparable(first)) >= 3


def test_a_live_page_imports_by_url_with_its_canonical_address(settings):
    with http_server(Site) as base:
        refused = forum(settings, "import", f"{base}/post")
        assert refused.returncode == 1 and "private" in refused.stdout + refused.stderr
        done = forum(
            settings,
            "import",
            f"{base}/post",
            "--allow-private",
            "--thread-url",
            "https://sadok.example/2024/06/tomatoes.html",
        )
    assert done.returncode == 0, done.stderr
    assert "comments 3 created" in done.stdout
    listed = forum(settings, "export")
    [thread] = json.loads(listed.stdout)["threads"]
    assert thread["url"] == "https://sadok.example/2024/06/tomatoes.html"
    replies = [c for c in thread["comments"] if c["parent_id"]]
    assert replies and all(
        any(p["id"] == c["parent_id"] for p in thread["comments"]) for c in replies
    )
