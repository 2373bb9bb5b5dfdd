"""Comment HTML from other systems -> the markdown-subset text forum stores.

forum stores what a commenter typed, in its markdown subset (see `forum.content.sanitize`),
and renders it once at write time; imported comments must go the same way, so HTML from an
export is turned back into that markdown. What the subset can say survives: paragraphs,
line breaks, links, emphasis, block quotes, code and lists. Headings become bold lines,
images become links to the image, tables become one line per row, and any other element
gives up its text. Scripts, styles and embedded objects are dropped with their content.
Plain text is escaped so that it renders literally: "2 * 3 * 4" stays arithmetic.

`autop` first gives HTML to text that uses bare newlines for breaks (WordPress comments).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from markdownify import MarkdownConverter

DROPPED_ELEMENTS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "head",
    "button",
    "select",
    "textarea",
)
LINK_SCHEMES = {"http", "https", "mailto"}
ALWAYS_ESCAPED = re.compile(r"([\\*_`\[\]<>])")
ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# A list marker or code fence at the start of a line would turn prose into markup.
LINE_START_MARKUP = re.compile(r"(^|\n)([ \t]*)([-+]|\d{1,9}(?=[.)])|~(?=~~))", re.MULTILINE)
MANY_BLANK_LINES = re.compile(r"\n{3,}")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TRAILING_SPACE = re.compile(r"[ \t]+\n")

# Block-level tags for `autop`: text between them is where bare newlines mean something.
AUTOP_BLOCKS = (
    "address|article|aside|blockquote|dd|div|dl|dt|figcaption|figure|footer|h[1-6]|header"
    "|hr|li|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul"
)
AUTOP_TAG = re.compile(rf"(</?(?:{AUTOP_BLOCKS})\b[^>]*>)", re.IGNORECASE)
AUTOP_TAG_NAME = re.compile(r"</?([a-z0-9]+)", re.IGNORECASE)
BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
INLINE_ONLY = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "th", "td"}


class _ForumMarkdown(MarkdownConverter):
    """markdownify, narrowed to what forum's markdown subset renders."""

    def __init__(self, base_url: str | None) -> None:
        super().__init__(newline_style="backslash", bullets="-", escape_misc=False)
        self.base_url = base_url

    def escape(self, text: str, parent_tags: set[str]) -> str:
        if not text:
            return ""
        text = ALWAYS_ESCAPED.sub(r"\\\1", text)
        text = ENTITY_LIKE.sub(r"\\&", text)
        return LINE_START_MARKUP.sub(_escape_line_start, text)

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        href = _link_target(el.get("href"), self.base_url)
        if href is None or "_noformat" in parent_tags:
            return text
        el["href"] = href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        el.attrs.pop("title", None)
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        alt = self.escape(" ".join(str(el.get("alt") or "").split()), parent_tags)
        src = _link_target(el.get("src"), self.base_url)
        if src is None or "_noformat" in parent_tags:
            return alt
        return f"[{alt or 'image'}]({src.replace(' ', '%20')})"

    def convert_hN(self, n: int, el: Tag, text: str, parent_tags: set[str]) -> str:
        text = " ".join(text.split())
        if "_inline" in parent_tags or not text:
            return text
        return f"\n\n**{text}**\n\n"

    def convert_hr(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return "\n\n"

    def convert_del(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return text

    convert_s = convert_del

    def convert_td(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return " ".join(text.split()) + " | "

    convert_th = convert_td

    def convert_tr(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return "\n\n" + text.strip().removesuffix("|").strip() + "\n\n"

    def convert_table(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return "\n\n" + text.strip() + "\n\n"


def _escape_line_start(match: re.Match[str]) -> str:
    newline, indent, marker = match.groups()
    return f"{newline}{indent}\\{marker}" if not marker[0].isdigit() else match.group() + "\\"


def _link_target(value: object, base_url: str | None) -> str | None:
    """An absolute http(s)/mailto URL, or None for anything a link must not point at."""
    if not isinstance(value, str) or not value.strip():
        return None
    url = value.strip()
    if base_url:
        url = urljoin(base_url, url)
    return url if urlsplit(url).scheme.lower() in LINK_SCHEMES else None


def html_to_text(html: str, *, base_url: str | None = None) -> str:
    """Comment HTML -> markdown-subset text that `render_comment` renders back faithfully.

    Relative links are resolved against `base_url`; without one they keep only their text.
    """
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(DROPPED_ELEMENTS):
        element.decompose()
    text = _ForumMarkdown(base_url).convert_soup(soup)
    text = TRAILING_SPACE.sub("\n", text)
    return strip_control(MANY_BLANK_LINES.sub("\n\n", text)).strip()


def strip_control(text: str) -> str:
    """Text without control characters, which forum refuses in a comment; exports keep
    stray ones (a pasted form feed) that the old system let through."""
    return CONTROL_CHARS.sub("", text)


def html_to_plain(html: str) -> str:
    """HTML meant as one line of text (a post title, an author name) -> that text."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(DROPPED_ELEMENTS):
        element.decompose()
    return " ".join(soup.get_text().split())


def autop(text: str) -> str:
    """Text with bare newlines (WordPress's comment storage) -> HTML with <p> and <br>.

    Like WordPress's `wpautop`: a blank line starts a paragraph, a single newline is a line
    break, newlines next to block-level tags are layout only, and <pre> is left alone.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    open_tags: list[str] = []
    for part in AUTOP_TAG.split(text):
        tag = AUTOP_TAG_NAME.match(part) if AUTOP_TAG.fullmatch(part) else None
        if tag:
            name = tag.group(1).lower()
            if part.startswith("</"):
                if name in open_tags:
                    del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name) :]
            elif name != "hr" and not part.endswith("/>"):
                open_tags.append(name)
            out.append(part)
        elif "pre" in open_tags:
            out.append(part)
        else:
            paragraphs = [_breaks(p.strip()) for p in BLANK_LINE.split(part) if p.strip()]
            if open_tags and open_tags[-1] in INLINE_ONLY:
                out.append("<br>\n<br>\n".join(paragraphs))
            else:
                out.extend(f"<p>{p}</p>" for p in paragraphs)
    return "".join(out)


def _breaks(paragraph: str) -> str:
    return "<br>\n".join(line.strip() for line in paragraph.split("\n"))
