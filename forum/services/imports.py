"""Importing documents: pick the format, parse, and store through the comment service.

Each thread is written in one transaction, so a failure leaves nothing half-written.
Threads and comments are found again by their import keys, which is what makes a second
import of the same files change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from tortoise.transactions import in_transaction

from forum.errors import DomainError
from forum.importers import ImportedThread, ImportFormatError, jsonexport, seedtext
from forum.models import Comment, CommentStatus, Thread
from forum.services import threads
from forum.services.comments import NewComment, Origin, post_comment

# Most specific first: the seed text format accepts anything that is not JSON or XML.
FORMATS: tuple[ModuleType, ...] = (jsonexport, seedtext)
PEEK_BYTES = 4096


@dataclass
class ThreadReport:
    slug: str
    created: bool
    comments_created: int = 0
    comments_unchanged: int = 0


@dataclass
class FileReport:
    path: str
    format: str | None = None
    threads: list[ThreadReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def detect_format(data: bytes, name: str) -> ModuleType:
    peek = data[:PEEK_BYTES].decode("utf-8", errors="replace")
    for module in FORMATS:
        if module.detect(peek):
            return module
    raise ImportFormatError(f"{name}: not a format forum can import")


async def import_thread(doc: ImportedThread) -> ThreadReport:
    """Store one parsed thread and its comments, skipping what is already there."""
    async with in_transaction():
        thread = await Thread.get_or_none(import_key=doc.key)
        created = thread is None
        if thread is None:
            thread = await threads.create_thread(
                title=doc.title,
                body_html=doc.body_html,
                import_key=doc.key,
                slug=doc.slug,
                url=doc.url,
                source=doc.source,
            )
        report = ThreadReport(slug=thread.slug, created=created)
        keys = [c.key for c in doc.comments]
        existing = dict(
            await Comment.filter(import_key__in=keys).values_list("import_key", "thread_id")
        )
        foreign = sorted(k for k, tid in existing.items() if tid != thread.id)
        if foreign:
            raise ImportFormatError(f"comment key {foreign[0]!r} belongs to another thread")
        ids = dict(await Comment.filter(import_key__in=keys).values_list("import_key", "id"))
        for item in doc.comments:
            if item.key in ids:
                report.comments_unchanged += 1
                continue
            try:
                comment = await post_comment(
                    thread,
                    NewComment(
                        text=item.text,
                        author=item.author,
                        parent_id=ids.get(item.parent_key) if item.parent_key else None,
                    ),
                    origin=Origin.IMPORT,
                    import_key=item.key,
                    created_at=item.created_at,
                    status=CommentStatus(item.status),
                )
            except DomainError as exc:
                raise ImportFormatError(f"comment {item.key}: {exc.message}") from None
            ids[item.key] = comment.id
            report.comments_created += 1
    return report


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and the files inside folders (sorted, hidden ones skipped)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
        else:
            yield path


async def import_file(path: Path) -> FileReport:
    """Import one file; any problem is reported on the file, never raised."""
    report = FileReport(path=str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.error = f"{path}: cannot read ({exc.strerror or exc})"
        return report
    try:
        module = detect_format(data, str(path))
        report.format = module.FORMAT
        docs = module.parse(data, path.name)
        for doc in docs:
            report.warnings.extend(doc.warnings)
            report.threads.append(await import_thread(doc))
    except (ImportFormatError, DomainError) as exc:
        message = str(exc)
        report.error = message if message.startswith(path.name) else f"{path.name}: {message}"
    return report


async def import_paths(
    paths: Iterable[Path], on_file: Callable[[FileReport], None] | None = None
) -> list[FileReport]:
    """Import every file under `paths`; one bad file does not stop the others."""
    reports = []
    for path in expand_paths(paths):
        report = await import_file(path)
        reports.append(report)
        if on_file is not None:
            on_file(report)
    return reports
