"""Synthetic discussions for the benchmarks: comment texts, thread sizes and reply trees.

Pure functions over a seeded `random.Random`, no I/O beyond reading the corpus, so the
same seed gives the same data whatever writes it (forum's SQLite or PostgreSQL database,
Isso's SQLite database). The texts are built from the team's labelled claim corpus
(`tests/data/claims/all.jsonl`): real-sounding sentences, some of them unsourced claims,
so the claim checker flags a realistic share and the moderation queue fills by itself.

Shapes, chosen to look like blog comment sections rather than to be convenient:
- comment length: log-normal, median about 260 characters, a long tail to a few thousand;
- markdown: some quotes, links, emphasis, lists and code, as readers type them;
- thread size: log-normal weights (a few huge threads, many small ones), plus a few
  threads of exactly `bench_size` comments that the read benchmark targets;
- replies: a third of comments start a new branch, the rest answer the previous comment
  (a conversation going back and forth) or an earlier one, so trees get deep.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "claims" / "all.jsonl"

MEDIAN_CHARS = 260
LENGTH_SIGMA = 0.9
MIN_CHARS = 12
MAX_CHARS = 6000
TOP_LEVEL_SHARE = 0.33
ANSWER_PREVIOUS_SHARE = 0.5
CLAIM_SHARE = 0.12

_FIRST_NAMES = (
    "Alex Sam Jo Chris Robin Kim Lee Pat Morgan Jamie Taylor Jordan Casey Riley Avery "
    "Quinn Maria Ahmed Wei Olga Tomasz Aisha Kofi Priya Lars Ingrid Mateo Yuki Fatima Noor "
    "Oisin Sean Grace Ruth Hamza Leila Ivan Marta Emeka Chloe Dev Ana Ben Zoe Tariq Hana "
    "Ewan"
)
FIRST_NAMES = _FIRST_NAMES.split()
_SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Khan Evans Thomas "
    "Roberts Walker Wright Thompson White Hughes Edwards Green Hall Wood Harris Lewis "
    "Martin Jackson Clarke Clark Turner Hill Scott Cooper Morris Ward Moore King Watson "
    "Baker Harrison"
)
SURNAMES = _SURNAMES.split()


@dataclass(frozen=True)
class Sentences:
    """The corpus split by its labels, so a comment can be mostly talk with a few claims
    (the corpus itself is half claims, which is far more than comment sections hold)."""

    claims: list[str]
    talk: list[str]

    def pick(self, rng: random.Random) -> str:
        return rng.choice(self.claims if rng.random() < CLAIM_SHARE else self.talk)


def load_sentences(path: Path = CORPUS) -> Sentences:
    """The corpus texts, one per line of JSON; the generator's only input."""
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return Sentences(
        claims=[r["text"].strip() for r in rows if r["needs_source"]],
        talk=[r["text"].strip() for r in rows if not r["needs_source"]],
    )


def comment_length(rng: random.Random) -> int:
    """A comment length in characters, drawn from the log-normal described above."""
    raw = rng.lognormvariate(math.log(MEDIAN_CHARS), LENGTH_SIGMA)
    return int(min(MAX_CHARS, max(MIN_CHARS, raw)))


def _decorate(rng: random.Random, sentence: str) -> str:
    """Markdown a reader might add to a sentence: emphasis, a link, inline code."""
    roll = rng.random()
    words = sentence.split(" ")
    if roll < 0.06 and len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i] = f"*{words[i]}*" if rng.random() < 0.6 else f"**{words[i]}**"
        return " ".join(words)
    if roll < 0.10:
        topic = rng.choice(("report", "data", "article", "study", "thread"))
        link = f"https://example.org/{topic}/{rng.randrange(1, 10_000)}"
        if rng.random() < 0.5:
            return f"{sentence} See [the {topic}]({link})."
        return f"{sentence} {link}"
    if roll < 0.115 and len(words) > 2:
        i = rng.randrange(len(words))
        words[i] = f"`{words[i]}`"
        return " ".join(words)
    return sentence


def comment_text(rng: random.Random, sentences: Sentences) -> str:
    """One comment's markdown: paragraphs of corpus sentences up to a drawn length."""
    target = comment_length(rng)
    paragraphs: list[str] = []
    if rng.random() < 0.08:
        paragraphs.append("> " + sentences.pick(rng))
    size = 0
    while size < target:
        if rng.random() < 0.04:
            items = [sentences.pick(rng) for _ in range(rng.randint(2, 4))]
            mark = "-" if rng.random() < 0.6 else "1."
            block = "\n".join(f"{mark} {item}" for item in items)
        else:
            count = rng.randint(1, 4)
            block = " ".join(_decorate(rng, sentences.pick(rng)) for _ in range(count))
        paragraphs.append(block)
        size += len(block) + 2
    text = "\n\n".join(paragraphs)
    if len(text) > target * 1.5 and len(text) > MIN_CHARS:
        # One long sentence overshot a short target: cut at a word, as a short remark.
        cut = text[: max(MIN_CHARS, target)].rsplit(" ", 1)[0].rstrip(" ,;:")
        text = cut if cut.count("`") % 2 == 0 and cut.count("*") % 2 == 0 else text
    return text[:MAX_CHARS]


def thread_title(rng: random.Random, sentences: Sentences) -> str:
    """A post title: the start of a corpus sentence, as a blog headline would be."""
    words = sentences.pick(rng).split()
    return " ".join(words[: rng.randint(4, 10)]).rstrip(".,;:") or "Untitled"


def author_names(rng: random.Random, count: int) -> list[str]:
    """Distinct-looking display names for the posters."""
    return [f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}" for _ in range(count)]


def thread_sizes(
    rng: random.Random, threads: int, comments: int, bench: int, size: int
) -> list[int]:
    """Comments per thread: `bench` threads of exactly `size` first, then heavy-tailed.

    The remaining comments are shared out by log-normal weights, largest remainders first,
    so the total is exactly `comments`.
    """
    if threads < bench or comments < bench * size:
        raise ValueError(
            f"{threads} threads and {comments} comments leave no room for "
            f"{bench} benchmark threads of {size} comments"
        )
    rest_threads = threads - bench
    rest = comments - bench * size
    if rest_threads == 0:
        if rest:
            raise ValueError("every thread is a benchmark thread, but comments are left over")
        return [size] * bench
    weights = [rng.lognormvariate(0.0, 1.3) for _ in range(rest_threads)]
    total = sum(weights)
    shares = [w / total * rest for w in weights]
    sizes = [int(s) for s in shares]
    by_remainder = sorted(range(rest_threads), key=lambda i: shares[i] - sizes[i], reverse=True)
    for i in by_remainder[: rest - sum(sizes)]:
        sizes[i] += 1
    return [size] * bench + sizes


def reply_parents(rng: random.Random, count: int) -> list[int | None]:
    """For each comment of a thread (in posting order), the index of the one it answers."""
    parents: list[int | None] = []
    for i in range(count):
        if i == 0 or rng.random() < TOP_LEVEL_SHARE:
            parents.append(None)
        elif rng.random() < ANSWER_PREVIOUS_SHARE:
            parents.append(i - 1)
        else:
            parents.append(rng.randrange(i))
    return parents


@dataclass(frozen=True)
class Timeline:
    """How a thread's comments spread after the post: seconds since the one before."""

    gaps: list[float]


def thread_timeline(rng: random.Random, count: int) -> Timeline:
    """Comments come fast after the post and slow down: exponential gaps that grow from a
    minute to at most an hour on average (a huge thread runs for months)."""
    gaps = [rng.expovariate(1 / min(3600, 60 + 20 * i)) + 1 for i in range(count)]
    return Timeline(gaps)
