"""The two passes of an import (see services.imports): what a file holds, then storing it.

Memory is bounded by a batch of comments plus, per comment, its key, its parent's key and
its thread's key (about 400 bytes a comment, measured at 100,000): an export's texts are
never in memory at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from forum.errors import DomainError
from forum.importers import ImportedComment, ImportedThread
from forum.models import Comment, CommentStatus, Thread
from forum.services import threads
from forum.services.comments import NewComment, Origin, post_comment

if TYPE_CHECKING:
    from forum.services.imports import FileReport

BATCH = 500  # comments per transaction
LOOKUP = 500  # keys per IN (...) query


@dataclass
class ThreadReport:
    slug: str
    created: bool
    comments_created: int = 0
    comments_unchanged: int = 0


def _chunks(items: list[str], size: int = LOOKUP) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Survey:
    """The first pass: every thread, and for each comment its parent's and thread's keys."""

    def __init__(self) -> None:
        self.threads: dict[str, ImportedThread] = {}
        self.comments: dict[str, tuple[str | None, str | None]] = {}
        self.duplicates: list[str] = []
        self.first_comment_at: dict[str, datetime] = {}  # per thread key

    def add(self, record: object) -> None:
        if isinstance(record, ImportedThread):
            self.threads.setdefault(record.key, replace(record, comments=()))
            for comment in record.comments:
                self._comment(comment, record.key)
        elif isinstance(record, ImportedComment):
            self._comment(record, record.thread_key)

    def _comment(self, comment: ImportedComment, thread_key: str | None) -> None:
        if comment.key in self.comments:
            self.duplicates.append(comment.key)
            return
        self.comments[comment.key] = (comment.parent_key, thread_key)
        when = comment.created_at
        if when is not None and thread_key is not None:
            first = self.first_comment_at.get(thread_key)
            self.first_comment_at[thread_key] = min(first, when) if first else when


class Writer:
    """The second pass: threads and comments through the services, a batch at a time."""

    def __init__(
        self,
        survey: Survey,
        report: FileReport,
        *,
        dry_run: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.survey = survey
        self.report = report
        self.dry_run = dry_run
        self.progress = progress or (lambda _n: None)
        self.ids: dict[str, int] = {}  # comment key -> id, once stored (or found stored)
        self.existing: set[str] = set()  # keys stored before this import
        self.outside: dict[str, int] = {}  # parents from earlier imports, not in this file
        self.threads: dict[str, Thread] = {}
        self.reports: dict[str, ThreadReport] = {}
        self.failed: set[str] = set()
        # (comment, its thread's key, the parent it lost when it had to go top-level)
        self.batch: list[tuple[ImportedComment, str | None, str | None]] = []
        self.deferred: list[tuple[ImportedComment, str | None]] = []
        self.seen: set[str] = set()

    async def prepare(self) -> None:
        """Find what is stored already; in a dry run, that is the whole report."""
        keys = list(self.survey.comments)
        for chunk in _chunks(keys):
            for key, cid in await Comment.filter(import_key__in=chunk).values_list(
                "import_key", "id"
            ):
                self.ids[key] = cid
                self.existing.add(key)
        wanted = {
            p for p, _ in self.survey.comments.values() if p and p not in self.survey.comments
        }
        for chunk in _chunks(sorted(wanted)):
            for key, cid in await Comment.filter(import_key__in=chunk).values_list(
                "import_key", "id"
            ):
                self.outside[key] = cid
        for key in self.survey.duplicates:
            self.report.skipped.append(f"comment {key}: appears twice in the file; kept the first")
        if self.dry_run:
            await self._dry_run_report()

    async def _dry_run_report(self) -> None:
        stored = {
            t.import_key: t for t in await Thread.filter(import_key__in=list(self.survey.threads))
        }
        for key, doc in self.survey.threads.items():
            thread = stored.get(key)
            self.reports[key] = ThreadReport(
                slug=thread.slug if thread else threads.slugify(doc.slug or doc.title),
                created=thread is None,
            )
            self.report.threads.append(self.reports[key])
        for key, (parent, thread_key) in self.survey.comments.items():
            target = self.reports.get(thread_key or "")
            if target is None:
                self.report.skipped.append(
                    f"comment {key}: names thread {thread_key}, not in the file"
                )
                continue
            if key in self.existing:
                target.comments_unchanged += 1
                continue
            target.comments_created += 1
            if parent and parent not in self.survey.comments and parent not in self.outside:
                self.report.warnings.append(self._orphan_note(key, parent))

    async def add(self, record: object) -> None:
        if isinstance(record, ImportedThread):
            await self._thread(record)
            for comment in record.comments:
                await self._queue(comment, record.key)
        elif isinstance(record, ImportedComment):
            await self._queue(record, record.thread_key)

    async def finish(self) -> None:
        """Write the last batch, then the replies that waited for a later parent."""
        if self.dry_run:
            return
        await self._flush()
        while self.deferred:
            ready = [d for d in self.deferred if d[0].parent_key in self.ids]
            if not ready:  # their parents failed, or point at each other: top-level
                ready, self.deferred = self.deferred, []
                self.batch = [(replace(c, parent_key=None), t, c.parent_key) for c, t in ready]
            else:
                self.deferred = [d for d in self.deferred if d[0].parent_key not in self.ids]
                self.batch = [(c, t, None) for c, t in ready]
            await self._flush(resolving=True)

    async def _thread(self, doc: ImportedThread) -> None:
        if doc.key in self.threads or doc.key in self.reports:
            return
        thread = await Thread.get_or_none(import_key=doc.key)
        created = thread is None
        if thread is None:
            try:
                thread = await threads.create_thread(
                    title=doc.title,
                    body_html=doc.body_html,
                    import_key=doc.key,
                    slug=doc.slug,
                    url=doc.url,
                    source=doc.source,
                    # An export without the post's date: the thread is as old as its
                    # first comment, not as new as the import.
                    created_at=doc.created_at or self.survey.first_comment_at.get(doc.key),
                )
            except DomainError as exc:
                self.report.skipped.append(f"thread {doc.key}: {exc.message}; its comments skipped")
                self.reports[doc.key] = ThreadReport(slug="", created=False)
                return
        self.threads[doc.key] = thread
        self.reports[doc.key] = ThreadReport(slug=thread.slug, created=created)
        self.report.threads.append(self.reports[doc.key])

    async def _queue(self, comment: ImportedComment, thread_key: str | None) -> None:
        if comment.key in self.seen:  # a duplicate, reported by the survey
            return
        self.seen.add(comment.key)
        self.batch.append((comment, thread_key, None))
        if len(self.batch) >= BATCH:
            await self._flush()

    async def _flush(self, *, resolving: bool = False) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        activity: dict[int, datetime | None] = {}
        async with in_transaction():
            for comment, thread_key, lost_parent in batch:
                await self._write(comment, thread_key, lost_parent, activity, resolving)
            for thread_id, when in activity.items():
                await threads.touch(thread_id, when)

    async def _write(
        self,
        comment: ImportedComment,
        thread_key: str | None,
        lost_parent: str | None,
        activity: dict[int, datetime | None],
        resolving: bool,
    ) -> None:
        if not resolving:
            self.progress(1)
        report = self.reports.get(thread_key or "")
        thread = self.threads.get(thread_key or "")
        if comment.key in self.existing:
            if report is not None:
                report.comments_unchanged += 1
            return
        if thread is None or report is None:
            why = "was not imported" if report is not None else "is not in the file"
            self.report.skipped.append(f"comment {comment.key}: its thread {thread_key} {why}")
            self.failed.add(comment.key)
            return
        parent_id = None
        if comment.parent_key:
            parent_id = self.ids.get(comment.parent_key) or self.outside.get(comment.parent_key)
            if parent_id is None:
                if comment.parent_key in self.survey.comments and not resolving:
                    self.deferred.append((comment, thread_key))  # its parent comes later
                    return
                self.report.warnings.append(self._orphan_note(comment.key, comment.parent_key))
        elif lost_parent:
            self.report.warnings.append(
                self._orphan_note(comment.key, lost_parent, "was not imported")
            )
        try:
            stored = await post_comment(
                thread,
                NewComment(text=comment.text, author=comment.author, parent_id=parent_id),
                origin=Origin.IMPORT,
                import_key=comment.key,
                created_at=comment.created_at,
                status=CommentStatus(comment.status),
                bump=False,
            )
        except DomainError as exc:
            self.report.skipped.append(f"comment {comment.key}: {exc.message}")
            self.failed.add(comment.key)
            return
        self.ids[comment.key] = stored.id
        report.comments_created += 1
        if stored.status == CommentStatus.VISIBLE:
            latest = activity.get(thread.id)
            activity[thread.id] = max(latest, stored.created_at) if latest else stored.created_at
        else:
            activity.setdefault(thread.id, None)

    @staticmethod
    def _orphan_note(key: str, parent: str, why: str = "is not in the file") -> str:
        return f"comment {key}: its parent {parent} {why}; imported as a top-level comment"
