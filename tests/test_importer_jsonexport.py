"""The JSON export parser refuses malformed documents, naming the record at fault."""

from __future__ import annotations

import json

import pytest

from forum.importers import ImportFormatError, jsonexport


def doc(comments=None, **thread):
    base = {"slug": "s", "title": "T", "comments": comments or []}
    return json.dumps({"threads": [{**base, **thread}]}).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON (line 1, column 2"),
        (b'{"threads": 3}', 'expected an object with a "threads" list'),
        (b"[]", 'expected an object with a "threads" list'),
        (doc(title=5), "threads[0].title: expected a string"),
        (doc(slug=""), "slug and title must not be empty"),
        (doc([{"id": "1", "text": "x"}]), "threads[0].comments[0].id: expected a whole number"),
        (doc([{"id": 1, "text": 5}]), "threads[0].comments[0].text: expected a string"),
        (doc([{"id": 1, "text": "x", "status": "weird"}]), "comments[0].status: expected one of"),
        (doc([{"id": 1, "text": "x"}, {"id": 1, "text": "y"}]), "comment id 1 appears twice"),
        (doc([{"id": 1, "text": "x", "created_at": "yesterday"}]), "not an ISO 8601 time"),
        (doc([{"id": 1, "text": "x", "created_at": "2020-01-01T00:00:00"}]), "UTC offset"),
        (
            doc([{"id": 1, "parent_id": 2, "text": "x"}, {"id": 2, "parent_id": 1, "text": "y"}]),
            "cycle",
        ),
    ],
)
def test_malformed(data, message):
    with pytest.raises(ImportFormatError) as info:
        jsonexport.parse(data, "in.json")
    assert str(info.value).startswith("in.json: ")
    assert message in str(info.value)


def test_replies_are_ordered_after_their_parents():
    data = doc([{"id": 2, "parent_id": 1, "text": "reply"}, {"id": 1, "text": "parent"}])
    [thread] = jsonexport.parse(data, "in.json")
    assert [c.text for c in thread.comments] == ["parent", "reply"]
    assert thread.comments[1].parent_key == thread.comments[0].key == "forum-json:s:1"


def test_detect():
    assert jsonexport.detect('{"threads": []}')
    assert not jsonexport.detect("Plain text page")
