"""A published web page (HTML) -> a thread: the article and, where present, its comments.

For moving a blog whose owner has no export, only its pages. Nothing is fetched here (see
`forum.importers.fetch`); this is pure extraction from a page already in hand.

- Title: og:title, else the article's <h1> (not the site name in the header), else
  <title>, else the address.
- Body: [itemprop=articleBody], .post-body, .entry-content or <article>, else the element
  holding the most paragraph text; page furniture (nav, header, footer, aside, forms,
  scripts, share and related-post widgets) is dropped first.
- Comments: `li.comment` items, as Blogger (div.comment-thread, ol.comment-replies,
  cite.user, .comment-content, .datetime) and WordPress themes (ol.commentlist or
  .comment-list, nested .children, .comment-author .fn, .comment-content or .comment-body,
  time[datetime]) both mark them up; a reply is the comment inside another comment's item.
  Pingbacks and trackbacks are left out.

Keys: the thread is "url:<url>" and a comment "url:<url>#<its element id>".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from forum.importers import ImportedComment, ImportedThread
from forum.importers.htmltext import DROPPED_ELEMENTS, html_to_plain, html_to_text
from forum.importers.keys import content_key, make_key
from forum.importers.times import read_time

FORMAT = "url"
FURNITURE = ("nav", "header", "footer", "aside", "form", "script", "style", *DROPPED_ELEMENTS)
FURNITURE_NAME = re.compile(
    r"(^|[-_])(share|sharing|sharedaddy|social|related|sidebar|widget|newsletter|subscribe"
    r"|breadcrumbs?|comments?|respond|navigation|post-footer)([-_]|$)"
)
BODY_SELECTORS = ("[itemprop=articleBody]", ".post-body", ".entry-content", "article")
COMMENT_ID = re.compile(r"^(?:li-)?(comment-\d+|c\d+)$")
HUMAN_DATES = ("%B %d, %Y at %I:%M %p", "%B %d, %Y at %H:%M", "%d %B %Y at %H:%M", "%B %d, %Y")


def _is_comment(element: Tag) -> bool:
    classes = element.get("class") or []
    return (
        element.name == "li"
        and "comment" in classes
        and not {"pingback", "trackback"} & set(classes)
    )


def _owner(element: Tag) -> Tag | None:
    """The comment item an element belongs to: its nearest li.comment ancestor."""
    return element.find_parent(_is_comment)


def _own(item: Tag, selector: str) -> Tag | None:
    """The first match of `selector` inside `item` but not inside a reply nested in it."""
    return next((found for found in item.select(selector) if _owner(found) is item), None)


def _comment_id(item: Tag) -> str | None:
    for candidate in (item, *item.select("[id]")):
        match = COMMENT_ID.match(str(candidate.get("id") or ""))
        if match and (candidate is item or _owner(candidate) is item):
            return match.group(1)
    return None


def _content(item: Tag) -> Tag | None:
    found = _own(item, ".comment-content") or _own(item, ".comment-body")
    if found is None:
        return None
    for extra in found.select(".comment-meta, .comment-metadata, .comment-author, .reply, .vcard"):
        extra.decompose()
    return found


def _when(item: Tag, where: str, warnings: list[str]) -> datetime | None:
    stamp = _own(item, "time[datetime]")
    if stamp is not None:
        return read_time(str(stamp.get("datetime")), where, warnings)
    label = (
        _own(item, ".datetime") or _own(item, ".comment-metadata") or _own(item, ".comment-meta")
    )
    text = " ".join(label.get_text(" ").split()) if label is not None else ""
    if not text:
        return None
    for pattern in HUMAN_DATES:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    warnings.append(f"{where}: date {text!r} not understood; the import time is used instead")
    return None


def _comments(soup: BeautifulSoup, url: str, warnings: list[str]) -> list[ImportedComment]:
    thread_key = make_key(FORMAT, url)
    keys: dict[int, str] = {}
    comments = []
    for number, item in enumerate(soup.find_all(_is_comment), 1):
        own_id = _comment_id(item)
        where = f"{url}: comment {own_id or f'#{number}'}"
        author_node = (
            _own(item, ".comment-author .fn") or _own(item, "cite.user") or _own(item, ".fn")
        )
        author = html_to_plain(author_node.decode_contents()) if author_node else ""
        created = _when(item, where, warnings)
        content = _content(item)
        text = html_to_text(content.decode_contents(), base_url=url) if content else ""
        key = make_key(thread_key + f"#{own_id}") if own_id else content_key(thread_key, text)
        keys[id(item)] = key
        if not text:
            warnings.append(f"{where}: no comment text found; skipped")
            continue
        parent = _owner(item)
        comments.append(
            ImportedComment(
                key=key,
                text=text,
                author=author or "Anonymous",
                parent_key=keys.get(id(parent)) if parent is not None else None,
                created_at=created,
                thread_key=thread_key,
            )
        )
    return comments


def _title(soup: BeautifulSoup, url: str) -> str:
    og = soup.find("meta", attrs={"property": "og:title"})
    if og is not None and str(og.get("content") or "").strip():
        return " ".join(str(og["content"]).split())
    headline = soup.select_one("article h1, h1.entry-title, h1.post-title") or next(
        (h for h in soup.find_all("h1") if not h.find_parent(["header", "nav"])), None
    )
    for node in (headline, soup.find("title")):
        if node is not None and node.get_text().strip():
            return " ".join(node.get_text().split())
    return url


def _body(soup: BeautifulSoup) -> Tag | None:
    for selector in BODY_SELECTORS:
        found = soup.select_one(selector)
        if found is not None and found.get_text().strip():
            return found
    weights: dict[int, tuple[int, Tag]] = {}
    for paragraph in soup.find_all("p"):
        parent = paragraph.parent
        if isinstance(parent, Tag):
            weight = weights.get(id(parent), (0, parent))[0] + len(paragraph.get_text())
            weights[id(parent)] = (weight, parent)
    return max(weights.values(), key=lambda pair: pair[0])[1] if weights else soup.body


def _drop_furniture(soup: BeautifulSoup) -> None:
    """Remove page furniture, never the article itself or what contains it (a <body
    class="has-sidebar"> names furniture too)."""
    for element in soup.find_all(FURNITURE):
        element.decompose()
    keep: set[int] = set()
    for selector in BODY_SELECTORS:
        for found in soup.select(selector):
            keep.update(id(node) for node in (found, *found.parents))
    for element in soup.find_all(True):
        if element.decomposed or id(element) in keep or element.name in {"html", "body", "main"}:
            continue
        names = [*(element.get("class") or []), str(element.get("id") or "")]
        if any(FURNITURE_NAME.search(name.lower()) for name in names):
            element.decompose()


def extract(html: str, url: str) -> ImportedThread:
    """The page's article and comments as one thread (comments carried inline)."""
    soup = BeautifulSoup(html, "html.parser")
    title = _title(soup, url)
    warnings: list[str] = []
    comments = _comments(soup, url, warnings)
    _drop_furniture(soup)
    body = _body(soup)
    if body is not None:
        for link in body.find_all("a", href=True):
            link["href"] = urljoin(url, str(link["href"]))
    return ImportedThread(
        key=make_key(FORMAT, url),
        title=title,
        body_html=body.decode_contents().strip() if body is not None else "",
        comments=tuple(comments),
        url=url,
        source=f"web page {url}",
        warnings=tuple(warnings),
    )
