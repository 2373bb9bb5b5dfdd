"""The claim checker: which sentences of a comment state a checkable fact without a source.

Pure and dependency-free, so it can run on every post (thousands of comments a second on
one core). It reads a comment as sentences and, for each, weighs cues:

- claim cues: figures and quantities, dates, events that happened or will happen, causes
  and effects, records and comparisons, what a named body did or decided;
- not-a-claim cues: a question, an opinion or value judgement, a request, thanks,
  experience that is only about the writer, a claim the writer quotes to question it;
- source cues: a link, "according to", a named report, study, survey, dataset, FOI answer
  or publication, an attributed quotation. A link or "Source:" anywhere in the comment
  covers all of its sentences.

A comment `needs_source` when at least one sentence is a claim without a source. Every
verdict carries the cues that decided it, so a moderator sees why. `ClaimChecker` is the
interface: `claim_model.ModelChecker` keeps these cues and sources but lets weights learned
from the development corpus take the claim decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from forum.content import claim_cues as vocab

CLAIM_THRESHOLD = 1.0


@dataclass(frozen=True)
class SentenceVerdict:
    text: str
    start: int
    end: int
    is_claim: bool
    has_source: bool
    score: float
    cues: tuple[str, ...]

    @property
    def needs_source(self) -> bool:
        return self.is_claim and not self.has_source

    @property
    def reason(self) -> str:
        """One line for a moderator: what made this a claim, and that no source was seen."""
        kinds = sorted({c.split(":", 1)[0] for c in self.cues if not c.startswith("-")})
        return "states " + ", ".join(REASONS.get(k, k) for k in kinds) + " without a source"


@dataclass(frozen=True)
class ClaimReport:
    sentences: tuple[SentenceVerdict, ...]

    @property
    def flagged(self) -> tuple[SentenceVerdict, ...]:
        return tuple(s for s in self.sentences if s.needs_source)

    @property
    def needs_source(self) -> bool:
        return bool(self.flagged)

    @property
    def score(self) -> float:
        return max((s.score for s in self.flagged), default=0.0)


class ClaimChecker(Protocol):
    def check(self, text: str) -> ClaimReport: ...


REASONS = {
    "figure": "a figure",
    "date": "a date",
    "event": "an event",
    "cause": "a cause or effect",
    "comparison": "a comparison or record",
    "body": "what a named body did",
    "future": "what will happen",
    "state": "a fact about a named body",
    "hearsay": "hearsay",
    "claim": "a factual claim",
}


def split_sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sentence) for each sentence, with offsets into `text`."""
    out = []
    position = 0
    ends = [m.end() for m in vocab.BOUNDARY.finditer(text)] + [len(text)]
    for end in ends:
        chunk = text[position:end]
        stripped = chunk.strip()
        if len(stripped) >= 2:
            start = position + (len(chunk) - len(chunk.lstrip()))
            out.append((start, start + len(stripped), stripped))
        position = end
    return out


class RuleChecker:
    """The default checker: weighted cues, tuned on the development corpus only."""

    def __init__(self, threshold: float = CLAIM_THRESHOLD) -> None:
        self.threshold = threshold

    def _comment_has_source(self, text: str) -> bool:
        lowered = text.lower()
        if "source:" in lowered or "sources:" in lowered:
            return True
        # Only an "http" or "www." (in any case) can start a link: most comments skip the scan.
        return ("http" in lowered or "www." in lowered) and bool(vocab.URL.search(text))

    def _verdict(self, start: int, end: int, sentence: str, covered: str | None) -> SentenceVerdict:
        p = vocab.patterns()
        lowered = sentence.lower().lstrip("-–•*> \"“'‘(")
        cues: list[str] = []

        def verdict(is_claim: bool, has_source: bool, score: float) -> SentenceVerdict:
            return SentenceVerdict(
                sentence, start, end, is_claim, has_source, round(score, 2), tuple(cues)
            )

        quoted = vocab.QUOTED.search(sentence)
        if sentence.rstrip("\"'”’)] ").endswith("?"):
            cues.append("-question")
            return verdict(False, False, 0.0)
        if vocab.ASKING.search(lowered):
            cues.append("-request")
            return verdict(False, False, 0.0)
        if vocab.THANKS_ANYWHERE.search(lowered):
            cues.append("-thanks")
            return verdict(False, False, 0.0)
        if vocab.RATING.search(lowered):
            cues.append("-rating")
            return verdict(False, False, 0.0)
        for pattern, cue in (
            (vocab.THANKS, "-thanks"),
            (vocab.REQUEST_START, "-request"),
            (vocab.OPINION_START, "-opinion"),
        ):
            if pattern.match(lowered):
                cues.append(cue)
                return verdict(False, False, 0.0)

        body = vocab.QUOTED.pattern.sub(" ", sentence) if quoted else sentence
        if quoted and vocab.CHALLENGE.search(body.lower()):
            cues.append("-quoted-challenge")
            return verdict(False, False, 0.0)
        body = vocab.TIME_OF_DAY.sub(" ", body)
        lowered_body = body.lower()

        score = 0.0
        found = {
            "figure": vocab.FIGURE.search(vocab.YEAR.sub(" ", lowered_body)),
            "date": vocab.DATE.search(lowered_body),
            "event": p["event"].search(lowered_body),
            "cause": p["cause"].search(lowered_body),
            "comparison": p["comparison"].search(lowered_body),
            "body": p["body"].search(lowered_body)
            or vocab.ACRONYM.search(body)
            or vocab.PROPER_NAME.search(body),
            "future": vocab.FUTURE.search(lowered_body),
            "state": vocab.BODY_STATE.search(body),
        }
        for kind, match in found.items():
            if match:
                cues.append(f"{kind}:{match.group().strip()}")
                score += vocab.WEIGHTS[kind]
        evaluative = vocab.EVALUATIVE.findall(lowered_body)
        if evaluative:
            cues.append(f"-evaluative:{evaluative[0]}")
            score -= min(1.0, 0.5 * len(evaluative))
        if (
            vocab.PERSONAL_START.match(lowered)
            or vocab.IMPLIED_I.match(lowered)
            or (vocab.MY_START.match(lowered) and not found["body"])
        ):
            cues.append("-personal")
            score -= 2.0

        hearsay = vocab.HEARSAY.search(lowered)
        if hearsay:
            # Hearsay is no source, and "experts say X" still asserts X; a real source
            # named in the rest of the sentence still counts.
            cues.append(f"hearsay:{hearsay.group()}")
            score += 1.5
            lowered = lowered[: hearsay.start()] + " " + lowered[hearsay.end() :]
        source = p["source"].search(lowered) or (
            None if hearsay else vocab.ATTRIBUTED_SAY.search(sentence)
        )
        if source:
            cues.append(f"source:{source.group().strip()}")
        elif covered:
            cues.append(f"source:{covered}")
        return verdict(score >= self.threshold, bool(source) or bool(covered), score)

    def check(self, text: str) -> ClaimReport:
        link = "link in comment" if self._comment_has_source(text) else None
        verdicts = []
        # Sentences inside a quotation opened by an attributed sentence ("A spokeswoman
        # said: "... ... "") carry that attribution.
        quoting = False
        for start, end, sentence in split_sentences(text):
            verdict = self._verdict(
                start, end, sentence, link or ("attributed quotation" if quoting else None)
            )
            if sum(sentence.count(q) for q in '"“”') % 2 == 1:
                quoting = not quoting and verdict.has_source
            verdicts.append(verdict)
        return ClaimReport(tuple(verdicts))


@lru_cache(maxsize=1)
def default_checker() -> ClaimChecker:
    """The trained model when the package ships its weights, else the rules alone."""
    from forum.content.claim_model import ModelChecker, default_model  # it builds on this

    model = default_model()
    return ModelChecker(model) if model else RuleChecker()


def check_claims(text: str) -> ClaimReport:
    """Check one comment's text with the default checker."""
    return default_checker().check(text)


def segments(text: str, findings: list[dict]) -> list[tuple[str, str | None]]:
    """The text cut into (piece, reason) pairs; `reason` is set on flagged sentences.

    For showing moderators exactly which sentences need a source.
    """
    spans = sorted(
        (f["start"], f["end"], f.get("reason", "needs a source"))
        for f in findings
        if 0 <= f.get("start", -1) < f.get("end", -1) <= len(text)
    )
    out: list[tuple[str, str | None]] = []
    position = 0
    for start, end, reason in spans:
        if start < position:
            continue
        if start > position:
            out.append((text[position:start], None))
        out.append((text[start:end], reason))
        position = end
    if position < len(text):
        out.append((text[position:], None))
    return out
