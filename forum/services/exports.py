"""`forum export`: every thread and comment as JSON, in the documented shape.

`{"threads": [{"slug", "title", "url", "body_html", "key", "source", "comments": [{"id",
"parent_id", "author", "text", "html", "status", "created_at", "key"}]}]}`. `key` is the
stable import key, so importing an export into the database it came from changes nothing.
Threads are produced one at a time so a large export does not sit in memory whole.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, TextIO

from forum.models import Comment, Thread

BATCH = 100


async def iter_threads() -> AsyncIterator[dict[str, Any]]:
    """Each thread as an export dict, with its comments, two queries per thread."""
    last_id = 0
    while True:
        batch = await Thread.filter(id__gt=last_id).order_by("id").limit(BATCH)
        if not batch:
            return
        for thread in batch:
            rows = (
                await Comment.filter(thread_id=thread.id)
                .order_by("created_at", "id")
                .values(
                    "id",
                    "parent_id",
                    "author",
                    "text",
                    "html",
                    "status",
                    "created_at",
                    "import_key",
                )
            )
            yield {
                "slug": thread.slug,
                "title": thread.title,
                "url": thread.url,
                "body_html": thread.body_html,
                "key": thread.import_key,
                "source": thread.source,
                "comments": [
                    {
                        "id": row["id"],
                        "parent_id": row["parent_id"],
                        "author": row["author"],
                        "text": row["text"],
                        "html": row["html"],
                        "status": str(row["status"]),
                        "created_at": row["created_at"].isoformat(),
                        "key": row["import_key"],
                    }
                    for row in rows
                ],
            }
        last_id = batch[-1].id


async def write_export(out: TextIO) -> int:
    """Write the export document to `out`; return the number of threads written."""
    out.write('{"threads": [')
    count = 0
    async for thread in iter_threads():
        out.write(",\n" if count else "\n")
        out.write(json.dumps(thread, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
