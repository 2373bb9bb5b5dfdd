"""User text -> safe HTML: a small markdown subset, then a bleach allow-list.

This runs once, when content is written; pages and the API serve the stored result. The
markdown subset is emphasis, links, block quotes, inline and fenced code, and lists: no
raw HTML, images, headings or tables. Bare URLs become links, and every link carries
`rel="nofollow ugc noopener"`. Cleaning the output again with the same policy returns it
unchanged, which is what lets an import or a restore re-sanitise safely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import bleach
from bleach.linkifier import URL_RE, LinkifyFilter
from markdown_it import MarkdownIt

LINK_REL = "nofollow ugc noopener"
PROTOCOLS = frozenset({"http", "https", "mailto"})

COMMENT_TAGS = frozenset(
    {"p", "br", "em", "strong", "a", "blockquote", "code", "pre", "ul", "ol", "li"}
)
# Post bodies come from imports and keep their headings and separators.
BODY_TAGS = COMMENT_TAGS | {"h2", "h3", "h4", "hr"}
ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"]}


def _force_rel(attrs: dict, new: bool = False) -> dict:
    """Every link, typed or linkified, gets the same rel, so a second pass changes nothing."""
    attrs[(None, "rel")] = LINK_REL
    return attrs


class _LinkPattern:
    """bleach's own URL pattern, not run over text that cannot hold a link.

    Every link it finds ends its host with a word character or "-", a dot and the first
    letter of a top-level domain; most comments have no such three characters in a row,
    and this look for a dot is far cheaper than the pattern's scan through hundreds of
    domains at every character. Linkify calls only `finditer`.
    """

    could_hold_link = re.compile(r"\.(?<=[\w-]\.)[a-z]", re.IGNORECASE)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.could_hold_link.search(text) is None:
            return iter(())
        return URL_RE.finditer(text)


@lru_cache(maxsize=4)
def _cleaner(tags: frozenset[str]) -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=tags,
        attributes=ATTRIBUTES,
        protocols=PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            lambda source: LinkifyFilter(
                source,
                callbacks=[_force_rel],
                skip_tags=["pre", "code"],
                parse_email=False,
                url_re=_LinkPattern(),
            )
        ],
    )


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["heading", "lheading", "image", "html_block", "html_inline", "hr"])
    return md


def clean_html(html: str, tags: Iterable[str] = COMMENT_TAGS) -> str:
    """Apply the allow-list to HTML that came from anywhere (an import, an old export)."""
    return _cleaner(frozenset(tags)).clean(html).strip()


def render_comment(text: str) -> str:
    """Render a comment's submitted text (markdown subset) to sanitised HTML."""
    return clean_html(_markdown().render(text), COMMENT_TAGS)


def clean_body(html: str) -> str:
    """Sanitise a thread's post body, which may use headings as well."""
    return clean_html(html, BODY_TAGS)
