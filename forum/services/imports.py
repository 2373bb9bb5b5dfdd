"""Importing documents: pick the format, check the whole file, then store it in batches.

A file is read twice. The first pass parses every record and writes nothing, so a file
that is not what it claims to be, or breaks off half-way, fails with its reason and
leaves the database as it was; it also learns each comment's parent, which is what lets
the second pass place replies whose parent comes later in the file, and make replies
whose parent is nowhere to be found top-level instead of dropping them. The second pass
writes through the comment service, a batch of comments per transaction, so memory stays
bounded by a batch and the keys, not by the file. Threads and comments are found again
by their import keys, which is what makes a second import of the same file change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Protocol

from forum.errors import DomainError
from forum.importers import (
    ImportedThread,
    ImportFormatError,
    blogger,
    commento,
    disqus,
    isso,
    isso_db,
    jsonexport,
    seedtext,
    webpage,
    wxr,
)
from forum.importers.fetch import fetch_page
from forum.services.import_writer import Survey, ThreadReport, Writer

# Most specific first: Isso's database before the seed text format, which takes
# anything that does not start like JSON or XML.
FORMATS: tuple[ModuleType, ...] = (
    jsonexport,
    wxr,
    disqus,
    blogger,
    commento,
    isso,
    isso_db,
    seedtext,
)
FORMAT_NAMES = {module.FORMAT: module for module in FORMATS}
PEEK_BYTES = 4096

Records = Callable[[Callable[[str], None]], Iterator]


class Progress(Protocol):
    """What a progress bar offers (tqdm does): told the total, then each step."""

    def reset(self, total: int | None = None) -> None: ...

    def update(self, n: float | None = 1) -> bool | None: ...


@dataclass
class FileReport:
    path: str
    format: str | None = None
    threads: list[ThreadReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # records not imported, with why
    error: str | None = None
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def detect_format(data: bytes, name: str) -> ModuleType:
    peek = data[:PEEK_BYTES].decode("utf-8", errors="replace")
    for module in FORMATS:
        if module.detect(peek):
            return module
    raise ImportFormatError(f"{name}: not a format forum can import")


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and the files inside folders (sorted, hidden ones skipped)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
        else:
            yield path


async def import_records(
    records: Records,
    report: FileReport,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    url: str | None = None,
) -> FileReport:
    """Survey `records`, then (unless `dry_run`) store them; problems land on `report`.

    `records(on_warning)` must give a fresh iterator each call. `url` replaces the
    page address of the (single) thread, for a page imported under its canonical URL.
    """
    report.dry_run = dry_run
    name = Path(report.path).name
    try:
        survey = Survey()
        for record in records(report.warnings.append):
            survey.add(_with_url(record, url))
        if progress is not None:
            progress.reset(total=len(survey.comments))
        writer = Writer(survey, report, dry_run=dry_run, progress=progress and progress.update)
        await writer.prepare()
        if not dry_run:
            for record in records(lambda _message: None):  # warned in the survey
                await writer.add(_with_url(record, url))
        await writer.finish()
    except (ImportFormatError, DomainError) as exc:
        message = str(exc)
        report.error = message if message.startswith(name) else f"{name}: {message}"
    return report


def _with_url(record: object, url: str | None) -> object:
    if url is None or not isinstance(record, ImportedThread):
        return record
    return replace(record, url=url)


async def import_file(
    path: Path,
    *,
    format: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> FileReport:
    """Import one file; any problem is reported on the file, never raised."""
    report = FileReport(path=str(path))
    try:
        with path.open("rb") as handle:
            peek = handle.read(PEEK_BYTES)
    except OSError as exc:
        report.error = f"{path}: cannot read ({exc.strerror or exc})"
        return report
    try:
        module = detect_format(peek, path.name) if format is None else FORMAT_NAMES[format]
        if format is not None and not module.detect(peek.decode("utf-8", errors="replace")):
            raise ImportFormatError(f"{path.name}: does not look like a {format} file")
    except ImportFormatError as exc:
        report.error = str(exc)
        return report
    report.format = module.FORMAT
    return await import_records(
        lambda warn: _warned(module.records(path, warn), warn),
        report,
        dry_run=dry_run,
        progress=progress,
    )


async def import_url(
    url: str,
    *,
    thread_url: str | None = None,
    allow_private: bool = False,
    dry_run: bool = False,
) -> FileReport:
    """Fetch a live page and import its article and comments as one thread.

    `thread_url` is the address the thread is known by for embedding (the canonical
    one, when the page was fetched from elsewhere); by default, where the fetch ended.
    """
    report = FileReport(path=url, format=webpage.FORMAT)
    try:
        final_url, html = await fetch_page(url, allow_private=allow_private)
        doc = webpage.extract(html, final_url)
    except ImportFormatError as exc:
        report.error = str(exc)
        return report
    return await import_records(
        lambda warn: _warned(iter([doc]), warn),
        report,
        dry_run=dry_run,
        url=thread_url or final_url,
    )


def _warned(records: Iterator, warn: Callable[[str], None]) -> Iterator:
    """Records, with the warnings a whole-thread record carries passed on as they come."""
    for record in records:
        if isinstance(record, ImportedThread):
            for warning in record.warnings:
                warn(warning)
        yield record


async def import_paths(
    paths: Iterable[Path],
    on_file: Callable[[FileReport], None] | None = None,
    *,
    format: str | None = None,
    dry_run: bool = False,
) -> list[FileReport]:
    """Import every file under `paths`; one bad file does not stop the others."""
    reports = []
    for path in expand_paths(paths):
        report = await import_file(path, format=format, dry_run=dry_run)
        reports.append(report)
        if on_file is not None:
            on_file(report)
    return reports
