"""The claim checker's fast patterns match exactly what the plain ones would.

`fastre.alternation` regroups phrase lists and `fastre.Gated` skips patterns whose plain
strings are absent. Either would silently change verdicts if it were wrong, so both are
checked against the plain form: on generated phrase lists, on strings generated to match
each real pattern, and on every sentence of the team's claim corpus.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.content import claim_cues as vocab
from forum.content.claims import RuleChecker, split_sentences
from forum.content.fastre import Gated, alternation
from tests.conftest import claim_corpus_texts

PHRASE_LISTS = {
    name: getattr(vocab, name)
    for name in (
        "NUMBER_WORDS",
        "EVENT_VERBS",
        "CAUSE",
        "COMPARISON",
        "BODIES",
        "SOURCE",
        "EVALUATIVE_WORDS",
        "DATE_WORDS",
    )
}
GATED = {name: value for name, value in vars(vocab).items() if isinstance(value, Gated)}


def span(match: re.Match[str] | None) -> tuple[int, int, str] | None:
    return match and (match.start(), match.end(), match.group())


def corpus_sentences() -> list[str]:
    sentences = [s for text in claim_corpus_texts() for _, _, s in split_sentences(text)]
    return sentences + [s.lower() for s in sentences]


SENTENCES = corpus_sentences()


def plain_and_fast(phrases: tuple[str, ...], bounded: bool) -> tuple[re.Pattern, re.Pattern]:
    wrap = (r"\b(?:", r")\b") if bounded else ("(?:", ")")
    plain = re.compile(wrap[0] + "|".join(phrases) + wrap[1])
    return plain, re.compile(wrap[0] + alternation(*phrases) + wrap[1])


# Pieces that exercise every rewrite: shared prefixes, a phrase that is a prefix of the
# next, quantified letters, leading groups (and a quantified one), leading \b, escapes.
PIECES = st.sampled_from(
    ["a", "ab", "abc", "b", "ba", " ", "s?", "\\w+", "(?:a|ab)", "(?:b|a)?", "\\b", "\\(", "."]
)
PHRASES = st.lists(st.lists(PIECES, min_size=1, max_size=4).map("".join), min_size=1, max_size=8)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(phrases=PHRASES, text=st.text(alphabet="ab (.x", max_size=12), bounded=st.booleans())
def test_factored_alternation_finds_the_same_match_as_the_plain_one(phrases, text, bounded):
    try:
        plain, fast = plain_and_fast(tuple(phrases), bounded)
    except re.error:
        return  # pieces can combine into an invalid pattern; nothing to compare
    assert span(fast.search(text)) == span(plain.search(text))
    assert [span(m) for m in fast.finditer(text)] == [span(m) for m in plain.finditer(text)]


def test_factoring_groups_shared_starts():
    assert alternation("caused", "causes", "causing") == "caus(?:e(?:d|s)|ing)"
    assert alternation("because of", "because") == r"because(?:\ of|)"  # order kept
    assert alternation("(?:has|have) won") == r"ha(?:s\ won|ve\ won)"
    assert alternation(r"\bas x") == r"a(?<!\wa)s x"
    assert alternation(r"(?:a|b)? x") == r"(?:a|b)? x"  # a quantified group stays whole


def test_a_phrase_with_a_top_level_bar_is_refused():
    with pytest.raises(ValueError, match="top-level"):
        alternation("a|b")


@pytest.mark.parametrize("name", sorted(PHRASE_LISTS))
def test_real_phrase_lists_match_the_same_on_the_corpus(name):
    phrases = PHRASE_LISTS[name]
    for bounded in (False, True):
        plain, fast = plain_and_fast(phrases, bounded)
        differing = [s for s in SENTENCES if span(fast.search(s)) != span(plain.search(s))]
        assert differing == []


@pytest.mark.parametrize("name", sorted(PHRASE_LISTS))
def test_real_phrase_lists_match_the_same_on_generated_matches(name):
    plain, fast = plain_and_fast(PHRASE_LISTS[name], bounded=False)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text=st.from_regex(plain))
    def check(text):
        assert span(fast.search(text)) == span(plain.search(text))

    check()


@pytest.mark.parametrize("name", sorted(GATED))
def test_a_gate_never_hides_a_match(name):
    gated = GATED[name]

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text=st.from_regex(gated.pattern))
    def check(text):
        assert gated.pattern.search(text)
        assert span(gated.search(text)) == span(gated.pattern.search(text))
        assert gated.sub(" ", text) == gated.pattern.sub(" ", text)

    check()
    for sentence in SENTENCES:
        assert span(gated.search(sentence)) == span(gated.pattern.search(sentence))


def test_gates_change_no_verdict_on_the_corpus(monkeypatch):
    texts = claim_corpus_texts()
    gated = [RuleChecker().check(text) for text in texts]
    monkeypatch.setattr(Gated, "search", lambda self, text: self.pattern.search(text))
    monkeypatch.setattr(Gated, "sub", lambda self, repl, text: self.pattern.sub(repl, text))
    assert [RuleChecker().check(text) for text in texts] == gated


def test_gates_skip_sentences_without_their_strings():
    # The point of a gate: a sentence without "will", "won't", "set to" or "due to" is
    # never scanned for a future event (a pattern that raises would show it was run).
    class Exploding:
        def search(self, text):
            raise AssertionError("scanned")

    gated = Gated(Exploding(), vocab.FUTURE.needs)
    assert gated.search("the council closed the library") is None
    with pytest.raises(AssertionError):
        gated.search("the council will close the library")
