"""Scraped page text (the seed documents) -> a thread with its post body and comments.

A scrape keeps the article, but also the site's page furniture and, on blog pages, the
comment thread with the blog engine's control text glued into it. The rules below are
general, not per-file:

- Furniture lines (a search box's "Enter your keyword") are dropped wherever they stand.
- A trailer section ("What's new", "Latest on X", "Have you registered with us yet?",
  "Related articles", ...) ends the document: it and everything after it are left out.
- Blogger-style comments: "ReplyDelete" glued to the start of a line ends the top-level
  comment before it; "Delete" ends a reply to the latest top-level comment. The text
  between two markers is one comment, however many lines. The first comment has no marker
  before it: it is the line before the first marker plus the prose paragraphs directly
  above it, up to the page's last non-prose line (a heading, a name, a list item) or a line
  the page already showed.
- Title: a short first line that reads like a headline (repeats of it are kept once);
  otherwise the opening sentence, shortened.
- Body: one paragraph per line; "1." and "-" lines become ordered and bullet lists; a line
  repeated on consecutive lines is kept once.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

from forum.importers import ImportedComment, ImportedThread, ImportFormatError
from forum.importers.reporting import Warn

FORMAT = "seedtext"

FURNITURE_LINE = re.compile(
    r"^(enter your keyword|search( this site| for)?:?|type (here )?and press enter( to search)?"
    r"|skip to (main )?content)$",
    re.IGNORECASE,
)
TRAILER_START = re.compile(
    r"^(what['’]s new|latest on (x|twitter|facebook|bluesky|threads|linkedin)"
    r"|have you registered with us yet\??|related (articles|posts|stories)"
    r"|you (may|might) also like|share this( article| post| page)?:?|post a comment"
    r"|newer post|older post)$",
    re.IGNORECASE,
)
TOP_LEVEL_END = "ReplyDelete"
REPLY_END = "Delete"
ORDERED_ITEM = re.compile(r"^\s*(\d{1,3})[.)]\s+(\S.*)$")
BULLET_ITEM = re.compile(r"^\s*[-*•]\s+(\S.*)$")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'‘“(A-Z0-9])")
TITLE_MAX_CHARS = 150
TITLE_MAX_WORDS = 25
DERIVED_TITLE_CHARS = 90


def detect(peek: str) -> bool:
    """Plain text that is not structured data: anything not starting like JSON or XML."""
    head = peek.lstrip("\ufeff \t\r\n")
    return bool(head) and head[0] not in "{[<"


def decode(data: bytes, name: str) -> str:
    """Bytes -> text, refusing what is not UTF-8 text, with the reason and position."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    bad = CONTROL_CHARS.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise ImportFormatError(
            f"{name}: control character U+{ord(bad.group()):04X} on line {line}; "
            "this does not look like a text document"
        )
    return text


def _normalise(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return [line.rstrip() for line in text.split("\n")]


def _is_prose(line: str) -> bool:
    """A sentence-like line, as opposed to a heading, a name or a list item."""
    stripped = line.strip()
    if ORDERED_ITEM.match(stripped) or BULLET_ITEM.match(stripped):
        return False
    return len(stripped) >= 60 or stripped.endswith((".", "!", "?", '"', "”", ")", "…"))


def _is_title_line(line: str) -> bool:
    stripped = line.strip()
    return (
        len(stripped) <= TITLE_MAX_CHARS
        and len(stripped.split()) <= TITLE_MAX_WORDS
        and not stripped.endswith((".", ";", ":", ","))
        and not ORDERED_ITEM.match(stripped)
        and not BULLET_ITEM.match(stripped)
    )


def _derive_title(first_paragraph: str) -> str:
    sentence = SENTENCE_END.split(first_paragraph.strip(), maxsplit=1)[0]
    if len(sentence) <= DERIVED_TITLE_CHARS:
        return sentence.rstrip(".")
    cut = sentence[:DERIVED_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:–- ")
    return cut + "…"


@dataclass
class _CommentSpan:
    lines: list[str]
    is_reply: bool


def _split_comments(lines: list[str]) -> tuple[list[str], list[_CommentSpan], list[str]]:
    """Return (body lines, comments, warnings) for a page with Blogger-style markers."""
    first_marker = next((i for i, ln in enumerate(lines) if ln.startswith(TOP_LEVEL_END)), None)
    if first_marker is None:
        return lines, [], []

    start = first_marker - 1
    while start > 0 and not lines[start].strip():
        start -= 1
    while start > 0:
        above = start - 1
        while above > 0 and not lines[above].strip():
            above -= 1
        candidate = lines[above].strip()
        if not candidate or not _is_prose(candidate):
            break
        if candidate in {ln.strip() for ln in lines[:above]}:
            break
        start = above

    comments: list[_CommentSpan] = []
    current: list[str] = []
    for line in lines[start:]:
        marker = _marker(line)
        if marker is None:
            current.append(line)
            continue
        if any(part.strip() for part in current):
            comments.append(_CommentSpan(current, is_reply=marker == REPLY_END))
        current = [line[len(marker) :]]
    leftover = [ln for ln in current if ln.strip()]
    warnings = []
    if leftover:
        warnings.append(
            f"{len(leftover)} line(s) after the last comment marker were left out "
            f"as page text: {leftover[0][:60]!r}"
        )
    return lines[:start], comments, warnings


def _marker(line: str) -> str | None:
    if line.startswith(TOP_LEVEL_END):
        return TOP_LEVEL_END
    if line.startswith(REPLY_END):
        return REPLY_END
    return None


def _cut_trailer(lines: list[str]) -> list[str]:
    """Drop a trailer section and what follows it.

    On a page with comments the trailer is looked for only after the last comment marker,
    so a "Post a comment" heading above the comments cannot swallow them.
    """
    first = next((i for i, ln in enumerate(lines) if ln.startswith(TOP_LEVEL_END)), None)
    search_from = 1
    if first is not None:
        search_from = max(i for i in range(first, len(lines)) if _marker(lines[i])) + 1
    for i in range(search_from, len(lines)):
        if TRAILER_START.match(lines[i].strip()):
            return lines[:i]
    return lines


def _collapse_repeats(lines: list[str]) -> list[str]:
    """Non-blank lines, with a line repeated on consecutive lines kept once."""
    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped and (not kept or kept[-1].strip() != stripped):
            kept.append(line)
    return kept


def _body_html(lines: list[str]) -> tuple[str, int]:
    """Paragraphs and lists as HTML (escaped here, sanitised again by the service)."""
    out: list[str] = []
    paragraphs = 0
    i = 0
    while i < len(lines):
        for pattern, tag in ((ORDERED_ITEM, "ol"), (BULLET_ITEM, "ul")):
            if pattern.match(lines[i]):
                items = []
                first_number = pattern.match(lines[i]).groups()[0] if tag == "ol" else "1"
                while i < len(lines) and (m := pattern.match(lines[i])):
                    items.append(f"<li>{html.escape(m.groups()[-1].strip())}</li>")
                    i += 1
                start = f' start="{int(first_number)}"' if int(first_number) != 1 else ""
                out.append(f"<{tag}{start}>\n" + "\n".join(items) + f"\n</{tag}>")
                break
        else:
            out.append(f"<p>{html.escape(lines[i].strip())}</p>")
            paragraphs += 1
            i += 1
    return "\n".join(out), paragraphs


def parse_text(text: str, name: str) -> ImportedThread:
    """Parse decoded page text; `name` is the document's file name (its stable identity)."""
    lines = [ln for ln in _normalise(text) if not FURNITURE_LINE.match(ln.strip())]
    lines = _cut_trailer(lines)
    body_lines, spans, warnings = _split_comments(lines)

    body = _collapse_repeats(body_lines)
    if not body:
        raise ImportFormatError(f"{name}: no article text found")

    if len(body) > 1 and _is_title_line(body[0]):
        title = body[0].strip()
        body = body[1:]
    else:
        title = _derive_title(body[0])

    body_html, _ = _body_html(body)
    stem = PurePath(name).stem
    comments: list[ImportedComment] = []
    latest_top: str | None = None
    for number, span in enumerate(spans, start=1):
        key = f"{FORMAT}:{stem}:{number}"
        paragraphs = [ln.strip() for ln in span.lines if ln.strip()]
        parent = latest_top if span.is_reply else None
        if span.is_reply and parent is None:
            warnings.append(f"comment {number} replies to nothing and was kept as top-level")
        comments.append(ImportedComment(key=key, text="\n\n".join(paragraphs), parent_key=parent))
        if not span.is_reply:
            latest_top = key
    return ImportedThread(
        key=f"{FORMAT}:{stem}",
        title=title,
        body_html=body_html,
        comments=tuple(comments),
        source=PurePath(name).name,
        warnings=tuple(warnings),
    )


def parse(data: bytes, name: str) -> list[ImportedThread]:
    """Parse one scraped page document from its bytes: always exactly one thread."""
    return [parse_text(decode(data, name), name)]


def records(path: Path, on_warning: Warn | None = None) -> Iterator[ImportedThread]:
    """Small documents are read whole: a thread carries its comments, and its warnings."""
    yield from parse(path.read_bytes(), path.name)
