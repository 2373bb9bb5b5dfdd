"""WordPress export (WXR: RSS 2.0 with the `wp:` namespace) -> threads and comments.

Each published post or page becomes a thread, yielded with its warnings before its
comments; the file is read one <item> at a time, so its size does not matter. Other item
types (attachments, menu items) are skipped silently, and so are drafts unless they have
comments, which are then reported as left out. Pingbacks and trackbacks are not
conversation: they are skipped and reported.

Keys: a thread is "wxr:<site>:<post_id>" and a comment "wxr:<site>:<post_id>:<comment_id>",
where the site is the blog's address without its scheme (so a move to https keeps them).
WordPress numbers posts and comments per site, so the site keeps two blogs imported into
one forum apart; guids are not used because real exports repeat them (the theme unit test
data gives two posts the guid "?p=568").

Comment text is WordPress's stored form, HTML whose bare newlines are line breaks, turned
into forum's markdown. Status: approved 1 is visible, 0 pending, spam and trash hidden.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from forum.importers import ImportedComment, ImportedThread
from forum.importers.documents import xml_error
from forum.importers.htmltext import autop, html_to_plain, html_to_text
from forum.importers.keys import content_key, make_key
from forum.importers.reporting import Warn, log_warning
from forum.importers.times import read_time

FORMAT = "wxr"
WP_NAMESPACE = re.compile(r"^\{https?://wordpress\.org/export/[\d.]+/\}")
SCHEME = re.compile(r"^[a-z]+://", re.IGNORECASE)
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
THREAD_TYPES = {"post", "page"}
STATUS_BY_APPROVAL = {
    "1": "visible",
    "approve": "visible",
    "0": "pending",
    "hold": "pending",
    "spam": "hidden",
    "trash": "hidden",
    "post-trashed": "hidden",
}
LINK_COMMENT_TYPES = {"pingback", "trackback"}


def detect(peek: str) -> bool:
    """An RSS document that names WordPress's export namespace."""
    return "<rss" in peek and "wordpress.org/export" in peek


def _wp(element: ET.Element, name: str) -> str:
    """The text of `element`'s child `wp:<name>`, whatever the WXR version ("" if absent)."""
    for child in element:
        if WP_NAMESPACE.match(child.tag) and WP_NAMESPACE.sub("", child.tag) == name:
            return (child.text or "").strip()
    return ""


def _text(element: ET.Element, tag: str) -> str:
    return (element.findtext(tag) or "").strip()


def _comment_time(node: ET.Element, at: str, warnings: list[str]) -> datetime | None:
    """The GMT date; WordPress leaves it "0000-00-00 00:00:00" on some comments, and then
    the local date is the best there is."""
    gmt_problems: list[str] = []
    created = read_time(_wp(node, "comment_date_gmt"), at, gmt_problems)
    if created is None and _wp(node, "comment_date"):
        created = read_time(_wp(node, "comment_date"), at, warnings)
        if created is not None:
            warnings.append(f"{at}: no GMT date; its local date is taken as UTC")
    else:
        warnings.extend(gmt_problems)
    return created


def _comments(
    item: ET.Element, thread_key: str, where: str, warnings: list[str]
) -> list[ImportedComment]:
    comments = []
    skipped: set[str] = set()
    for number, node in enumerate(
        (c for c in item if WP_NAMESPACE.match(c.tag) and c.tag.endswith("}comment")), 1
    ):
        cid = _wp(node, "comment_id")
        at = f"{where}: comment {cid or f'#{number} (no id)'}"
        kind = _wp(node, "comment_type")
        if kind in LINK_COMMENT_TYPES:
            warnings.append(f"{at}: {kind} skipped")
            skipped.add(cid)
            continue
        text = html_to_text(autop(_wp(node, "comment_content")))
        if not text:
            warnings.append(f"{at}: empty comment skipped")
            skipped.add(cid)
            continue
        approval = _wp(node, "comment_approved")
        status = STATUS_BY_APPROVAL.get(approval)
        if status is None:
            warnings.append(f"{at}: unknown approval {approval!r}; kept as pending")
            status = "pending"
        created = _comment_time(node, at, warnings)
        author = " ".join(html.unescape(_wp(node, "comment_author")).split()) or "Anonymous"
        if cid:
            key = make_key(thread_key, cid)
        else:
            key = content_key(thread_key, author, _wp(node, "comment_date_gmt"), text)
            warnings.append(f"{at}: keyed by its content")
        parent = _wp(node, "comment_parent")
        if parent in skipped:
            warnings.append(f"{at}: replies to skipped comment {parent}; kept as top-level")
        comments.append(
            ImportedComment(
                key=key,
                text=text,
                author=author,
                parent_key=make_key(thread_key, parent)
                if parent not in {"", "0"} and parent not in skipped
                else None,
                created_at=created,
                status=status,
                thread_key=thread_key,
            )
        )
    return comments


def _item(
    item: ET.Element, name: str, site: str, on_warning: Warn
) -> Iterator[ImportedThread | ImportedComment]:
    """One <item>: its thread and comments, or nothing for what is not a published post."""
    post_id = _wp(item, "post_id")
    kind = _wp(item, "post_type") or "post"
    where = f"{name}: {kind} {post_id or '(no id)'}"
    has_comments = any(WP_NAMESPACE.match(c.tag) and c.tag.endswith("}comment") for c in item)
    if kind not in THREAD_TYPES:
        if has_comments:
            on_warning(f"{where}: items of type {kind!r} are not imported; comments skipped")
        return
    status = _wp(item, "status")
    if status != "publish":
        if has_comments:
            on_warning(f"{where}: {status or 'unpublished'}, not imported; comments skipped")
        return
    link = _text(item, "link") or None
    site_parts = (site,) if site else ()
    if post_id:
        thread_key = make_key(FORMAT, *site_parts, post_id)
    else:
        thread_key = content_key(make_key(FORMAT, *site_parts), _text(item, "guid"), link or "")
        on_warning(f"{where}: no post id; keyed by its guid and link")
    warnings: list[str] = []
    if _wp(item, "post_password"):
        warnings.append(f"{where}: password-protected in WordPress, public once imported")
    comments = _comments(item, thread_key, where, warnings)
    yield ImportedThread(
        key=thread_key,
        title=html_to_plain(_text(item, "title")) or "(no title)",
        body_html=(item.findtext(CONTENT_ENCODED) or "").strip(),
        slug=_wp(item, "post_name") or None,
        url=link,
        source=f"WordPress export {name}",
        warnings=tuple(warnings),
    )
    yield from comments


def records(
    path: Path, on_warning: Warn | None = None
) -> Iterator[ImportedThread | ImportedComment]:
    """Read the export one <item> at a time; items are cleared once yielded."""
    warn = on_warning or log_warning
    site = ""
    depth = 0
    channel: ET.Element | None = None
    try:
        for event, element in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 2 and element.tag == "channel":
                    channel = element
                continue
            depth -= 1
            if depth == 2 and element.tag == "link" and not site:
                site = SCHEME.sub("", (element.text or "").strip()).rstrip("/")
            elif depth == 2 and element.tag == "item" and channel is not None:
                yield from _item(element, path.name, site, warn)
                channel.clear()
    except ET.ParseError as exc:
        raise xml_error(path.name, exc) from None
