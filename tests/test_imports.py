"""Importing through the services into a real database: seeds, idempotence, failures."""

from __future__ import annotations

import json

from forum.importers import jsonexport
from forum.models import Comment, CommentStatus, Thread
from forum.services import exports, imports, threads
from tests.conftest import SEEDS

BLOG = "004_941239107233e0c6.txt"


def shape(nodes):
    """A tree as nested (first words, replies) pairs, for exact comparison."""
    return [(" ".join(n.html.removeprefix("<p>").split()[:3]), shape(n.replies)) for n in nodes]


async def test_seed_import_builds_five_threads_and_the_exact_comment_tree(database):
    reports = await imports.import_paths([SEEDS])
    assert [r.error for r in reports] == [None] * 5
    assert await Thread.all().count() == 5
    thread = await Thread.get(source=BLOG)
    tree = await threads.comment_tree(thread)
    assert shape(tree) == [
        ("That reads just", []),
        ("Is it possible", []),
        ("Tr2 has already", [("&quot;TR2 has already", [])]),
        ("We know that", [("Not what I", [])]),
    ]
    assert await Comment.filter(thread=thread).count() == 6
    assert set(await Comment.all().values_list("author", flat=True)) == {"Anonymous"}


async def test_importing_twice_changes_nothing(database):
    await imports.import_paths([SEEDS])
    before = await Comment.all().order_by("id").values("id", "import_key", "text", "created_at")
    reports = await imports.import_paths([SEEDS])
    assert all(not t.created for r in reports for t in r.threads)
    assert sum(t.comments_unchanged for r in reports for t in r.threads) == 6
    assert sum(t.comments_created for r in reports for t in r.threads) == 0
    assert await Thread.all().count() == 5
    after = await Comment.all().order_by("id").values("id", "import_key", "text", "created_at")
    assert after == before


async def test_a_bad_file_is_reported_and_the_others_still_import(database, tmp_path):
    (tmp_path / "a-good.txt").write_text("Good Title\nA real paragraph of text.\n")
    (tmp_path / "b-bad.txt").write_bytes(b"\x00\x01\x02 binary")
    (tmp_path / "c-good.txt").write_text("Another Title\nMore real text here.\n")
    reports = await imports.import_paths([tmp_path])
    errors = {r.path.rsplit("/", 1)[1]: r.error for r in reports}
    assert errors["a-good.txt"] is None and errors["c-good.txt"] is None
    assert errors["b-bad.txt"].startswith("b-bad.txt: control character")
    assert sorted(await Thread.all().values_list("title", flat=True)) == [
        "Another Title",
        "Good Title",
    ]


async def test_a_broken_record_is_skipped_with_its_reason_and_its_replies_kept(database, tmp_path):
    good = {"id": 1, "parent_id": None, "text": "Fine comment", "status": "visible"}
    empty = {"id": 2, "parent_id": 1, "text": "   ", "status": "visible"}
    reply = {"id": 3, "parent_id": 2, "text": "Answering the empty one", "status": "visible"}
    doc = {
        "threads": [
            {"slug": "half", "title": "Half", "body_html": "", "comments": [good, empty, reply]}
        ]
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc))
    [report] = await imports.import_paths([path])
    assert report.error is None
    assert len(report.skipped) == 1
    assert "comment forum-json:half:2" in report.skipped[0] and "empty" in report.skipped[0]
    assert report.warnings == [
        "comment forum-json:half:3: its parent forum-json:half:2 was not imported;"
        " imported as a top-level comment"
    ]
    thread = await Thread.get(slug="half")
    assert shape(await threads.comment_tree(thread)) == [
        ("Fine comment</p>", []),
        ("Answering the empty", []),
    ]


async def test_unreadable_path_is_reported(database, tmp_path):
    report = await imports.import_file(tmp_path / "missing.txt")
    assert "cannot read" in report.error


async def test_export_then_import_into_an_empty_database_restores_the_tree(database, tmp_path):
    await imports.import_paths([SEEDS])
    hidden = await Comment.filter(text="Tr2 has already started").first()
    await Comment.filter(id=hidden.id).update(status=CommentStatus.HIDDEN)
    path = tmp_path / "export.json"
    with path.open("w") as out:
        assert await exports.write_export(out) == 5
    original = json.loads(path.read_text())

    await Comment.all().delete()
    await Thread.all().delete()
    [report] = await imports.import_paths([path])
    assert report.error is None and report.format == jsonexport.FORMAT
    with (tmp_path / "again.json").open("w") as out:
        await exports.write_export(out)
    restored = json.loads((tmp_path / "again.json").read_text())

    def comparable(doc):
        ids = {}
        out = []
        for t in doc["threads"]:
            for c in t["comments"]:
                ids[c["id"]] = c["key"]
            out.append(
                (
                    t["slug"],
                    t["title"],
                    t["body_html"],
                    t["key"],
                    [
                        (
                            c["key"],
                            ids.get(c["parent_id"]),
                            c["author"],
                            c["text"],
                            c["html"],
                            c["status"],
                            c["created_at"],
                        )
                        for c in t["comments"]
                    ],
                )
            )
        return out

    assert comparable(restored) == comparable(original)
    [blog] = [t for t in restored["threads"] if t["source"] == BLOG]
    assert [c["status"] for c in blog["comments"]].count("hidden") == 1


async def test_restore_never_trusts_the_html_field(database, tmp_path):
    doc = {
        "threads": [
            {
                "slug": "evil",
                "title": "Evil",
                "body_html": '<p onclick="x()">Body</p><script>alert(1)</script>',
                "comments": [
                    {
                        "id": 1,
                        "parent_id": None,
                        "text": "plain *text*",
                        "html": "<script>alert(1)</script>",
                        "status": "visible",
                    }
                ],
            }
        ]
    }
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(doc))
    [report] = await imports.import_paths([path])
    assert report.error is None
    thread = await Thread.get(slug="evil")
    assert thread.body_html == "<p>Body</p>alert(1)"
    comment = await Comment.get(thread=thread)
    assert comment.html == "<p>plain <em>text</em></p>"


async def test_a_reply_whose_parent_is_missing_becomes_top_level(database, tmp_path):
    doc = {
        "threads": [
            {
                "slug": "orphans",
                "title": "Orphans",
                "comments": [
                    {"id": 5, "parent_id": 99, "text": "lost parent"},
                    {"id": 6, "parent_id": 5, "text": "child of the orphan"},
                ],
            }
        ]
    }
    path = tmp_path / "o.json"
    path.write_text(json.dumps(doc))
    [report] = await imports.import_paths([path])
    assert report.error is None
    assert any("parent 99 is missing" in w for w in report.warnings)
    tree = await threads.comment_tree(await Thread.get(slug="orphans"))
    assert shape(tree) == [("lost parent</p>", [("child of the", [])])]
