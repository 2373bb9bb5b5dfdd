"""Two ways to make the claim checker's regexes cheap in CPython's `re`, matching exactly as before.

The checker runs some twenty patterns over every sentence of every post, and `re` has no
literal to jump to in most of them, so it starts a match attempt at every character. Two
remedies, both exact:

- `alternation`: phrase lists as prefix-factored alternations (below).
- `Gated`: a pattern that cannot match unless one of a few plain strings occurs in the
  text is not run at all when none does; `str.__contains__` scans far faster than a
  match attempt per character.

Python's `re` tries the alternatives of `a|b|c...` one after another at every position it
tries, and the claim checker's cue lists run to a hundred phrases or more. The engine
rejects an alternative that starts with a literal character in one comparison, but it
still walks the whole list. Grouping the phrases by their leading characters ("caused",
"causes", "causing" become `caus(?:ed|es|ing)`) makes that walk a few comparisons long.

The grouping keeps Python's leftmost-first choice exactly: phrases that begin with
different characters cannot both match at one position, so their order does not matter,
while phrases that share a group keep their relative order. A phrase that does not start
with a plain character, even after the rewrites in `_expand` (`\\w+ed`, a look-ahead), could
match anywhere, so nothing is moved past it: it splits the list into runs that are
grouped one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

_SPECIAL = frozenset("\\()[]?*+{}|.^$")
_QUANTIFIERS = frozenset("?*+{")


def _literal_prefix(phrase: str) -> tuple[str, str]:
    """(the plain characters a phrase must start with, the regex after them)."""
    literal: list[str] = []
    i = 0
    while i < len(phrase):
        char, width = phrase[i], 1
        if char == "\\" and i + 1 < len(phrase) and not phrase[i + 1].isalnum():
            char, width = phrase[i + 1], 2  # an escaped punctuation mark is plain
        elif char in _SPECIAL:
            break
        if phrase[i + width : i + width + 1] in _QUANTIFIERS:
            break  # "hundreds?": the "s" belongs to the quantifier, not the prefix
        literal.append(char)
        i += width
    return "".join(literal), phrase[i:]


def _structure(phrase: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, depth after it) for each `(`, `)` and `|` that is regex syntax.

    Escaped characters and everything inside a character class are skipped.
    """
    depth, escaped, in_class = 0, False, False
    for i, char in enumerate(phrase):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[char]
            yield i, char, depth


def _top_level_bars(phrase: str) -> list[int]:
    """Where `phrase` has a `|` outside every group and character class."""
    return [i for i, char, depth in _structure(phrase) if char == "|" and depth == 0]


def _closing(phrase: str) -> int:
    """The index of the `)` that closes the group opening `phrase`, or -1."""
    closes = (i for i, char, depth in _structure(phrase) if char == ")" and depth == 0)
    return next(closes, -1)


def _expand(phrase: str) -> list[str]:
    """A phrase as phrases that each start with a plain character, where that is exact.

    `(?:a|b)rest` tries `a` then `rest`, then `b` then `rest`, just as `arest|brest`
    does, so a leading group is spread over its alternatives (unless a quantifier follows
    it). A leading `\\b` before a letter becomes a look-behind after that letter: `\\bas`
    and `a(?<!\\wa)s` hold at the same places, and the second starts with a plain "a".
    """
    if phrase.startswith("(?:"):
        end = _closing(phrase)
        inner, rest = phrase[3:end], phrase[end + 1 :]
        if end > 0 and rest[:1] not in _QUANTIFIERS and not rest.startswith("|"):
            cuts = [-1, *_top_level_bars(inner), len(inner)]
            return [
                expanded
                for start, stop in pairwise(cuts)
                for expanded in _expand(inner[start + 1 : stop] + rest)
            ]
    if phrase.startswith("\\b") and phrase[2:3].isalpha() and phrase[3:4] not in _QUANTIFIERS:
        first = phrase[2]
        return [f"{first}(?<!\\w{first}){phrase[3:]}"]
    return [phrase]


def _shared_start(strings: list[str]) -> str:
    first, last = min(strings), max(strings)
    end = 0
    while end < len(first) and first[end] == last[end]:
        end += 1
    return first[:end]


def _factor(items: list[tuple[str, str]]) -> str:
    pieces: list[str] = []
    run: dict[str, list[tuple[str, str]]] = {}

    def flush() -> None:
        for members in run.values():
            shared = _shared_start([literal for literal, _ in members])
            if len(members) == 1:
                literal, rest = members[0]
                pieces.append(re.escape(literal) + rest)
            else:
                inner = _factor([(literal[len(shared) :], rest) for literal, rest in members])
                pieces.append(f"{re.escape(shared)}(?:{inner})")
        run.clear()

    for literal, rest in items:
        if literal:
            run.setdefault(literal[0], []).append((literal, rest))
        else:
            flush()
            pieces.append(rest)
    flush()
    return "|".join(pieces)


def alternation(*phrases: str) -> str:
    """`"|".join(phrases)`, factored by shared leading characters; the same matches."""
    for phrase in phrases:
        if _top_level_bars(phrase):
            raise ValueError(f"a phrase may not hold a top-level '|': {phrase!r}")
    return _factor([_literal_prefix(part) for phrase in phrases for part in _expand(phrase)])


class Gated:
    """`pattern`, skipped when none of `needs` occurs in the text (so it could not match).

    `needs` must hold a string that every match of `pattern` contains, or that the text
    contains wherever `pattern` matches; tests check this against generated matches.
    """

    __slots__ = ("needs", "pattern")

    def __init__(self, pattern: re.Pattern[str], needs: tuple[str, ...]) -> None:
        self.pattern = pattern
        self.needs = needs

    def search(self, text: str) -> re.Match[str] | None:
        if any(map(text.__contains__, self.needs)):
            return self.pattern.search(text)
        return None

    def sub(self, replacement: str, text: str) -> str:
        if any(map(text.__contains__, self.needs)):
            return self.pattern.sub(replacement, text)
        return text
