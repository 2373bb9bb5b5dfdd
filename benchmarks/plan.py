"""The benchmark data set as plain rows, decided once and written to any database.

`build_plan` draws every thread, comment and report from a seed, so forum's database and
Isso's database hold the same discussions (same ids, texts, authors, times, trees). Texts
come from a small pool that is rendered and claim-checked once with forum's own
`render_comment` and `claim_fields`: the stored HTML and flags are exactly what forum's
write path would have produced, without paying the sanitiser for every row.

Moderation state follows what a site with a moderation backlog looks like: most comments
the checker flagged were already handled (approved, or a source requested), a share still
waits in the queue; a few comments are pending, hidden or deleted, a few reported.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, replace
from typing import NamedTuple

import synth

from forum.content.sanitize import clean_body, render_comment
from forum.models import ClaimState, CommentStatus, ReportReason
from forum.services.comments import claim_fields
from forum.services.threads import slugify

SITE = "https://blog.example"
SPAN_SECONDS = 2 * 365 * 86400
PENDING_SHARE = 0.005
HIDDEN_SHARE = 0.01
DELETED_SHARE = 0.015
REPORTED_SHARE = 0.005
UNRESOLVED_REPORT_SHARE = 0.3
SOURCE_REQUESTED_SHARE = 0.2
EDITED_SHARE = 0.03
POSTERS = 5000


@dataclass(frozen=True, slots=True)
class PooledText:
    """A comment text with what forum stores for it (sanitised HTML, claim columns)."""

    text: str
    html: str
    findings_json: str
    score: float
    needs_source: bool


@dataclass(frozen=True, slots=True)
class ThreadRow:
    id: int
    slug: str
    title: str
    path: str  # Isso's thread uri; forum's url is SITE + path
    body_html: str
    created: float
    last_activity: float
    size: int


class CommentRow(NamedTuple):
    id: int
    thread_id: int
    parent_id: int | None
    top_id: int  # the first comment of the branch: Isso keeps one level of nesting
    author: str
    text: int  # index into Plan.texts
    status: str
    claim_state: str
    moderator_note: str
    created: float
    edited: float | None
    poster: int  # which of POSTERS wrote it (for ip_hash / remote_addr)


class ReportRow(NamedTuple):
    id: int
    comment_id: int
    reason: str
    note: str
    resolved: bool
    created: float


@dataclass
class Plan:
    threads: list[ThreadRow]
    comments: list[CommentRow]
    reports: list[ReportRow]
    texts: list[PooledText]
    bench_thread_ids: list[int]
    post_thread_id: int
    seconds_pool: float
    seconds_rows: float


def _pool(rng: random.Random, sentences: synth.Sentences, size: int) -> list[PooledText]:
    pool = []
    for _ in range(size):
        text = synth.comment_text(rng, sentences)
        claims = claim_fields(text)
        pool.append(
            PooledText(
                text=text,
                html=render_comment(text),
                findings_json=json.dumps(claims["claim_findings"], separators=(",", ":")),
                score=claims["claim_score"],
                needs_source=claims["claim_state"] == ClaimState.FLAGGED,
            )
        )
    return pool


def _bodies(rng: random.Random, sentences: synth.Sentences, count: int) -> list[str]:
    bodies = []
    for _ in range(count):
        paragraphs = [
            " ".join(sentences.pick(rng) for _ in range(rng.randint(2, 5)))
            for _ in range(rng.randint(3, 8))
        ]
        bodies.append(clean_body("".join(f"<p>{p}</p>" for p in paragraphs)))
    return bodies


def _status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < PENDING_SHARE:
        return CommentStatus.PENDING.value
    if roll < PENDING_SHARE + HIDDEN_SHARE:
        return CommentStatus.HIDDEN.value
    if roll < PENDING_SHARE + HIDDEN_SHARE + DELETED_SHARE:
        return CommentStatus.DELETED.value
    return CommentStatus.VISIBLE.value


def _claim_state(rng: random.Random, needs_source: bool, status: str, queue_share: float) -> str:
    if not needs_source:
        return ClaimState.CLEAR.value
    if status in (CommentStatus.VISIBLE, CommentStatus.PENDING) and rng.random() < queue_share:
        return ClaimState.FLAGGED.value
    if rng.random() < SOURCE_REQUESTED_SHARE:
        return ClaimState.SOURCE_REQUESTED.value
    return ClaimState.APPROVED.value


def build_plan(
    *,
    threads: int,
    comments: int,
    bench_threads: int,
    bench_size: int,
    pool_size: int,
    queue_share: float,
    seed: int,
    now: float | None = None,
) -> Plan:
    """Every row of the data set; the last thread is left empty for the posting benchmark,
    so posts never change the threads the read benchmarks read."""
    rng = random.Random(seed)
    sentences = synth.load_sentences()
    started = time.perf_counter()
    texts = _pool(rng, sentences, max(1, min(pool_size, comments)))
    bodies = _bodies(rng, sentences, 50)
    seconds_pool = time.perf_counter() - started

    started = time.perf_counter()
    now = now if now is not None else time.time()
    names = synth.author_names(rng, 400)
    sizes = [*synth.thread_sizes(rng, threads - 1, comments, bench_threads, bench_size), 0]
    drafts = []  # (created, thread index, position in thread, parent position)
    thread_rows: list[ThreadRow] = []
    for index, size in enumerate(sizes):
        timeline = synth.thread_timeline(rng, size)
        # Recent posts are likelier; a thread's last comment is never in the future.
        start = now - SPAN_SECONDS * (1 - rng.random() ** 2) - 3600
        start = min(start, now - sum(timeline.gaps) - 60)
        when = start
        for position, parent in enumerate(synth.reply_parents(rng, size)):
            when += timeline.gaps[position]
            drafts.append((when, index, position, parent))
        title = synth.thread_title(rng, sentences)
        thread_id = index + 1
        thread_rows.append(
            ThreadRow(
                id=thread_id,
                slug=f"{slugify(title)[:60]}-{thread_id}",
                title=title,
                path=f"/post/{thread_id}",
                body_html=rng.choice(bodies),
                created=start,
                last_activity=start,
                size=size,
            )
        )
    # Ids follow posting time across the site, as they would on a live forum.
    drafts.sort()
    ids: list[list[int]] = [[0] * size for size in sizes]
    for comment_id, (_, index, position, _) in enumerate(drafts, start=1):
        ids[index][position] = comment_id

    rows: list[CommentRow] = []
    tops: dict[int, int] = {}
    last_visible = [t.created for t in thread_rows]
    for comment_id, (created, index, _, parent) in enumerate(drafts, start=1):
        parent_id = ids[index][parent] if parent is not None else None
        top_id = tops[parent_id] if parent_id is not None else comment_id
        tops[comment_id] = top_id
        text = rng.randrange(len(texts))
        # Read-benchmark threads keep all their comments visible, so forum and Isso both
        # serve exactly `bench_size` of them (they treat removed comments differently).
        status = _status(rng) if index >= bench_threads else CommentStatus.VISIBLE.value
        claim_state = _claim_state(rng, texts[text].needs_source, status, queue_share)
        note = (
            "Which report is this figure from?"
            if claim_state == ClaimState.SOURCE_REQUESTED
            else ""
        )
        author = "Anonymous" if rng.random() < 0.15 else rng.choice(names)
        edited = created + rng.uniform(10, 800) if rng.random() < EDITED_SHARE else None
        rows.append(
            CommentRow(
                comment_id,
                index + 1,
                parent_id,
                top_id,
                author,
                text,
                status,
                claim_state,
                note,
                created,
                edited,
                rng.randrange(POSTERS),
            )
        )
        if status == CommentStatus.VISIBLE:
            last_visible[index] = max(last_visible[index], created)
    thread_rows = [replace(t, last_activity=last_visible[t.id - 1]) for t in thread_rows]
    reports = _reports(rng, rows)
    return Plan(
        threads=thread_rows,
        comments=rows,
        reports=reports,
        texts=texts,
        bench_thread_ids=list(range(1, bench_threads + 1)),
        post_thread_id=len(thread_rows),
        seconds_pool=seconds_pool,
        seconds_rows=time.perf_counter() - started,
    )


def _reports(rng: random.Random, rows: list[CommentRow]) -> list[ReportRow]:
    reasons = [r.value for r in ReportReason]
    reports: list[ReportRow] = []
    for row in rows:
        if row.status != CommentStatus.VISIBLE or rng.random() >= REPORTED_SHARE:
            continue
        resolved = rng.random() >= UNRESOLVED_REPORT_SHARE
        for _ in range(rng.randint(1, 2)):
            reports.append(
                ReportRow(
                    id=len(reports) + 1,
                    comment_id=row.id,
                    reason=rng.choice(reasons),
                    note="" if rng.random() < 0.6 else "Is this true?",
                    resolved=resolved,
                    created=row.created + rng.uniform(60, 86400),
                )
            )
    return reports
