"""The comment service's rules: every limit gives a clear message, nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from forum.errors import Conflict, Invalid
from forum.models import Comment, CommentStatus, Thread, ThreadStatus
from forum.services import threads
from forum.services.comments import NewComment, Origin, hash_ip, post_comment


async def make_thread(title="A thread") -> Thread:
    return await threads.create_thread(
        title=title, body_html="<p>Body</p>", import_key=f"test:{title}"
    )


async def test_posting_stores_text_html_and_hashed_ip(database):
    thread = await make_thread()
    comment = await post_comment(
        thread,
        NewComment(text="  Hello *there*  ", author="  Ann  Lee "),
        ip="203.0.113.9",
        secret="s" * 20,
    )
    stored = await Comment.get(id=comment.id)
    assert stored.text == "Hello *there*"
    assert stored.html == "<p>Hello <em>there</em></p>"
    assert stored.author == "Ann Lee"
    assert stored.ip_hash == hash_ip("203.0.113.9", "s" * 20)
    assert "203.0.113.9" not in stored.ip_hash
    assert stored.import_key.startswith("forum:")
    refreshed = await Thread.get(id=thread.id)
    assert refreshed.last_activity_at == stored.created_at


async def test_empty_name_is_anonymous(database):
    thread = await make_thread()
    for author in (None, "", "   "):
        comment = await post_comment(thread, NewComment(text="hi", author=author))
        assert comment.author == "Anonymous"


@pytest.mark.parametrize(
    ("new", "field", "message"),
    [
        (NewComment(text=""), "text", "empty"),
        (NewComment(text=" \n\t "), "text", "empty"),
        (NewComment(text="x" * 10_001), "text", "10,001 characters long; the limit is 10,000"),
        (NewComment(text="nul \x00 byte"), "text", "control characters"),
        (NewComment(text="bell \x07"), "text", "control characters"),
        (NewComment(text="ok", author="n" * 81), "author", "81 characters long; the limit is 80"),
        (NewComment(text="ok", author="evil\x1b[31m"), "author", "control characters"),
    ],
)
async def test_limits(database, new, field, message):
    thread = await make_thread()
    with pytest.raises(Invalid) as info:
        await post_comment(thread, new)
    assert info.value.field == field
    assert message in info.value.message
    assert await Comment.all().count() == 0


async def test_text_of_exactly_the_limit_is_accepted(database):
    thread = await make_thread()
    comment = await post_comment(thread, NewComment(text="x" * 10_000, author="n" * 80))
    assert len(comment.text) == 10_000


async def test_reply_to_a_comment_in_another_thread_is_refused(database):
    one, two = await make_thread("One"), await make_thread("Two")
    parent = await post_comment(one, NewComment(text="parent"))
    with pytest.raises(Conflict, match="not in this thread"):
        await post_comment(two, NewComment(text="reply", parent_id=parent.id))
    with pytest.raises(Conflict, match="not in this thread"):
        await post_comment(two, NewComment(text="reply", parent_id=999_999))


async def test_reply_to_a_hidden_comment_is_refused_on_the_web_but_restorable(database):
    thread = await make_thread()
    parent = await post_comment(thread, NewComment(text="parent"))
    await Comment.filter(id=parent.id).update(status=CommentStatus.HIDDEN)
    with pytest.raises(Conflict, match="no longer shown"):
        await post_comment(thread, NewComment(text="reply", parent_id=parent.id))
    restored = await post_comment(
        thread, NewComment(text="reply", parent_id=parent.id), origin=Origin.IMPORT
    )
    assert restored.parent_id == parent.id


async def test_closed_thread_refuses_new_comments(database):
    thread = await make_thread()
    thread.status = ThreadStatus.CLOSED
    await thread.save()
    with pytest.raises(Conflict, match="closed"):
        await post_comment(thread, NewComment(text="late"))
    assert await Comment.all().count() == 0


async def test_an_old_imported_comment_does_not_move_last_activity_back(database):
    thread = await make_thread()
    before = thread.last_activity_at
    await post_comment(
        thread,
        NewComment(text="old"),
        origin=Origin.IMPORT,
        created_at=datetime(2019, 5, 1, tzinfo=UTC),
    )
    assert (await Thread.get(id=thread.id)).last_activity_at == before


async def test_deleted_comment_with_replies_keeps_its_place(database):
    thread = await make_thread()
    parent = await post_comment(thread, NewComment(text="parent"))
    await post_comment(thread, NewComment(text="child", parent_id=parent.id))
    lonely = await post_comment(thread, NewComment(text="lonely"))
    await Comment.filter(id__in=[parent.id, lonely.id]).update(status=CommentStatus.DELETED)
    tree = await threads.comment_tree(thread)
    assert len(tree) == 1
    assert tree[0].removed and tree[0].html == "" and tree[0].author == ""
    assert tree[0].replies[0].html == "<p>child</p>"


def test_slugify():
    assert threads.slugify("Pace of change 'slower', says report") == (
        "pace-of-change-slower-says-report"
    )
    assert threads.slugify("Ünïcode – sector’s role") == "unicode-sectors-role"
    assert threads.slugify("!!!") == "thread"
    assert len(threads.slugify("word " * 100)) <= 80


async def test_slugs_stay_unique(database):
    a = await make_thread("Same title")
    b = await threads.create_thread(title="Same title", body_html="", import_key="other")
    assert (a.slug, b.slug) == ("same-title", "same-title-2")


async def test_a_held_comment_bumps_the_version_but_not_the_activity(database):
    thread = await make_thread()
    before = await Thread.get(id=thread.id)
    await post_comment(thread, NewComment(text="waiting"), status=CommentStatus.PENDING)
    after = await Thread.get(id=thread.id)
    assert after.last_activity_at == before.last_activity_at
    assert after.version == before.version + 1
    shown = await post_comment(thread, NewComment(text="shown"))
    latest = await Thread.get(id=thread.id)
    assert latest.last_activity_at == shown.created_at > before.last_activity_at
    assert latest.version == before.version + 2
