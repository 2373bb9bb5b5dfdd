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
interface: a stronger scorer (a trained model) can replace `RuleChecker` later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

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
}


def _words(*phrases: str) -> str:
    return "|".join(phrases)


_NUMBER_WORDS = _words(
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "hundreds?",
    "thousands?",
    "millions?",
    "billions?",
    "dozens?",
    "half",
    "a third",
    "a quarter",
    "doubled?",
    "tripled?",
    "halved",
    "tenfold",
    "twice",
)
_EVENT_VERBS = _words(
    "announced",
    "closed",
    "closing",
    "scrapped",
    "cut",
    "axed",
    "rose",
    "risen",
    "fell",
    "fallen",
    "increased",
    "decreased",
    "dropped",
    "soared",
    "plummeted",
    "started",
    "launched",
    "banned",
    "approved",
    "rejected",
    "voted",
    "decided",
    "signed",
    "awarded",
    "ruled",
    "arrested",
    "charged",
    "convicted",
    "sentenced",
    "fined",
    "jailed",
    "resigned",
    "sacked",
    "fired",
    "elected",
    "opened",
    "built",
    "demolished",
    "sold",
    "bought",
    "privatised",
    "outsourced",
    "collapsed",
    "died",
    "killed",
    "injured",
    "spent",
    "paid",
    "raised",
    "reduced",
    "introduced",
    "abolished",
    "cancelled",
    "canceled",
    "delayed",
    "postponed",
    "confirmed",
    "admitted",
    "refused",
    "shut",
    "moved",
    "merged",
    "hired",
    "employs",
    "employed",
    "invested",
    "borrowed",
    "owes",
    "earned",
    "earns",
    "costs?",
    "went into administration",
    "went bust",
    "has been hosting",
    "has already",
    "have already",
    "was caught",
    "were caught",
    "won",
    "lost",
    "beat",
    "scored",
    "broke",
    "released",
    "recorded",
    "reported",
    "found guilty",
    "overturned",
    "dropped",
    "withdrew",
    "leaked",
    "is planning",
    "are planning",
    "plans to",
    "is going to",
    "are going to",
    "has \\w+ed",
    "have \\w+ed",
    "had \\w+ed",
    "was \\w+ed",
    "were \\w+ed",
    "is being \\w+ed",
    "(?:has|have|had) been \\w+(?:ed|en|ing)",
    "were all \\w+ed",
    "got \\w+ed",
    "downgraded",
    "upgraded",
    "found",
    "knew",
    "prosecuted",
    "switching",
    "rationed",
    "shot",
    "owned by",
    "committed by",
    "go(?:es)? to landfill",
    "gone",
    "done nothing",
    "works? better",
    "don't work",
    "doesn't work",
)
_CAUSE = _words(
    "because of",
    "caused",
    "causes",
    "causing",
    "led to",
    "leads to",
    "leading to",
    "due to",
    "as a result",
    "resulted in",
    "results in",
    "responsible for",
    "driven by",
    "linked to",
    "blamed on",
    "is why",
    "that's why",
    "contributed to",
    "triggered",
    "because",
    "so \\w+ that",
    "so (?:bad|full|polluted|expensive|busy) (?:they|that|the)",
)
_COMPARISON = _words(
    "record",
    "highest",
    "lowest",
    "largest",
    "smallest",
    "biggest",
    "fastest",
    "slowest",
    "more than",
    "fewer than",
    "less than",
    "compared (?:to|with)",
    "twice as",
    "worst",
    "most \\w+ (?:since|in|of)",
    "outnumber\\w*",
    "above average",
    "below average",
    "overtook",
    "ahead of",
    "behind",
    "since (?:19|20)\\d\\d",
    "all-time",
    "record-breaking",
    "more \\w+(?: \\w+){0,4} than",
    "(?<!rath)(?<!oth)\\w\\wer (?:\\w+ ){0,8}than",
    "the most \\w+",
    "every (?:single )?(?:day|year|week|time)",
    "any other",
    "up every year",
)
_BODIES = _words(
    "council",
    "government",
    "ministry",
    "minister",
    "department",
    "police",
    "nhs",
    "court",
    "judge",
    "parliament",
    "mps?",
    "committee",
    "inspectorate",
    "regulator",
    "company",
    "firm",
    "club",
    "board",
    "school",
    "university",
    "hospital",
    "trust",
    "agency",
    "authority",
    "service",
    "treasury",
    "home office",
    "mayor",
    "union",
    "party",
    "club's",
    "team",
    "manager",
    "chancellor",
    "prime minister",
    "secretary",
    "officials?",
    "landlords?",
    "developers?",
    "contractors?",
)
_SOURCE = _words(
    "according to",
    "source:",
    "sources:",
    "\\(source",
    "as reported (?:by|in)",
    "reported by",
    "figures (?:from|published|released|show)",
    "data (?:from|show)",
    "statistics (?:from|show)",
    "published (?:by|in)",
    "(?:report|study|survey|review|"
    "analysis|audit|inquiry|paper|research|poll|dataset|census|foi)s? (?:by|from|in|for|"
    "published|found|finds|shows?|showed|says|said|suggests|suggested|revealed|reveals)",
    "freedom of information",
    "foi (?:request|response|answer|reply)",
    "foi,",
    "the \\w+ report",
    "(?:ons|nao|ifs|obr|bbc|reuters|guardian|telegraph|lancet|bmj|ofsted|ofcom|who|cdc)"
    " (?:figures|data|report|statistics|analysis|found|shows|showed|published|reported|"
    "says|said|survey|study)",
    "(?:told|tells) (?:the|a|reporters|mps|the committee|parliament|bbc|us)",
    "in (?:a|an|the|his|her|their) (?:statement|interview|letter|speech|press release)",
    "published (?:on|in|last|this|yesterday|today)",
    "cited in",
    "via ",
    "see:",
    "(?:report|survey|accounts|notice|list|register|minutes|records|figures|data|statistics)"
    "\\b[^.]{0,80}\\b(?:shows?|showed|found|finds|reported|reports|sets out|says|said|"
    "reveals?|revealed|confirms?|confirmed)\\b",
    "\\b\\w+ (?:estimates|estimated|forecasts|forecast|projects|projected) that",
    "based on (?:\\w+ ){0,4}(?:survey|study|fieldwork|report|data|analysis|figures|research)",
)
_ATTRIBUTED_SAY = re.compile(
    r"\b(?!i\b|we\b|you\b|they\b|people\b|everyone\b|some\b)([A-Za-z][\w'’.-]*)\s+"
    r"(?:said|says|stated|states|wrote|writes|confirmed|announced|told)\b(?:\s+(?:that|in|on|:))?",
)
_OPINION_START = re.compile(
    r"^(?:i think|i believe|i feel|i reckon|i suspect|i hope|i wish|i guess|i doubt|"
    r"i'm not sure|im not sure|i am not sure|i'd say|i would say|in my (?:view|opinion)|imo|"
    r"imho|personally|it seems|it feels|for me|to me|my view|i love|i hate|i like|i dislike|"
    r"i agree|i disagree|i'm sure|honestly|frankly|surely|maybe|perhaps|probably)\b"
)
_REQUEST_START = re.compile(
    r"^(?:please|pls|could you|can you|would you|will you|can someone|could someone|"
    r"does anyone|anyone know|let's|lets|let us|don't|do not|read|see|check|sign|join|"
    r"contact|email|write to|go to|visit|share|remember|imagine|consider|keep|stop|try|apply|"
    r"book|register|come|donate|vote|call|tell|ask|watch|listen|what a|what an|how lovely|"
    r"we'll|we will|we're holding|join us|just finished|just got back)\b"
)
_THANKS = re.compile(
    r"^(?:thanks|thank you|thx|cheers|great (?:post|article|piece|blog)|well said|"
    r"good (?:post|point|article)|nice|hi|hello|welcome|congrat\w*|brilliant|excellent|"
    r"spot on|agreed|exactly|ok|okay|yes|no|hear hear)\b"
)
_THANKS_ANYWHERE = re.compile(r"\b(?:thanks|thank you|enjoy your|well done|congratulations)\b")
_RATING = re.compile(r"\b\d+(?:\.\d+)? ?(?:stars?|/10|out of (?:5|10))\b")
_HEARSAY = re.compile(
    r"according to (?:my|a|some|our|his|her) (?:mate|friend|neighbou?r|mum|dad|mother|father|"
    r"colleague|cousin|brother|sister|uncle|aunt|bloke|guy|lad|someone)|\b(?:i heard|i've heard|"
    r"word is|rumour has it|everyone knows|people say|they say|experts say|scientists say|"
    r"studies show|research shows|research says|science says)\b"
)
_EVALUATIVE = re.compile(
    r"\b(?:should|shouldn't|ought|must|need to|needs to|would|could|might|may|terrible|"
    r"awful|disgrace\w*|shameful|ridiculous|stupid|brilliant|great|amazing|wonderful|"
    r"fantastic|best|good|bad|worse|wrong|right|fair|unfair|sad|shame|pathetic|joke|"
    r"nonsense|rubbish|useless|hopeless|incompetent|clueless|obviously|clearly|ruin\w*|"
    r"destroy\w*|love\w*|goosebumps|gutted|delighted|proud|"
    r"seems|appears|feel|opinion|agree|disagree|love|hate|fiasco|mess|rob|robbing)\b"
)
_PERSONAL_START = re.compile(
    r"^(?:i|i've|i'm|i'd|i was|me|we've been|our family|someone tried my)\b"
)
_MY_START = re.compile(r"^(?:my|our)\b")
_IMPLIED_I = re.compile(r"^(?:just )?[a-z]+ed (?!by\b)")
_ASKING = re.compile(r"\b(?:we|i)(?:'d| would)? (?:ask|urge|encourage|invite) you\b")
_QUOTED = re.compile(r"[\"“”«»](?:[^\"“”«»]{8,})[\"“”«»]|(?<!\w)['‘’](?:[^'‘’]{12,})['‘’](?!\w)")
_CHALLENGE = re.compile(
    r"\b(?:source\??|citation|evidence|proof|expand|explain|clarify|really\?|is that true|"
    r"where did you|where's the|do you have|can you back|fake news|not true|untrue|myth|"
    r"claim|claims|claimed|rumou?r|supposedly|allegedly)\b"
)
_FIGURE = re.compile(
    r"(?<![\w:])(?:[£$€]\s?\d[\d,.]*\s?(?:m|bn|k|million|billion)?|\d[\d,]*(?:\.\d+)?\s?"
    r"(?:%|per ?cent|percent|pc\b|m\b|bn\b|k\b)?)(?![\d:])|\b(?:" + _NUMBER_WORDS + r")\b"
)
_TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}\b")
_DATE = re.compile(
    r"\b(?:(?:19|20)\d\d|january|february|march|april|may|june|july|august|september|"
    r"october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|monday|"
    r"tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|last (?:year|month|week|"
    r"night|summer|winter|spring|autumn|decade)|this (?:year|month|week)|next (?:year|month|"
    r"week))\b"
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_BODY_STATE = re.compile(
    r"(?:\b[A-Z]{2,6}\d?s?|(?i:\bthe (?:" + _BODIES + r")))\s+"
    r"(?i:(?:has|have|had|is|are|was|were)\s+(?:(?:a|an|the|no|not|now|already|still|just|been)\s+)*\w+)"
)
_FUTURE = re.compile(
    r"(?<!\bi )(?<!\bwe )(?<!\byou )\b(?:will|won't|is set to|are set to|is due to|are due to)"
    r"\s+(?!be (?:happy|glad|interesting|nice|great)\b)\w+"
)
_ACRONYM = re.compile(
    r"\b(?!I\b|OK\b|TV\b|UK\b|US\b|USA\b|EU\b|AM\b|PM\b)[A-Z][A-Za-z]?[A-Z]{1,5}\d?s?\b"
)
_PROPER_NAME = re.compile(r"(?<=[a-z,;] )(?:[A-Z][a-z]+(?:\s+(?:of|for|and|the)?\s*[A-Z][a-z]+)+)")
_URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
# A sentence ends at . ! or ? (with closing quotes or brackets) before whitespace, or at
# a line break; "59.7%" and "e.g." inside a sentence do not end it.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n+")

_WEIGHTS = {
    "figure": 1.0,
    "date": 0.5,
    "event": 1.0,
    "cause": 1.0,
    "comparison": 1.0,
    "body": 0.6,
    "future": 1.0,
    "state": 0.5,
}


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    return {
        "event": re.compile(r"\b(?:" + _EVENT_VERBS + r")\b"),
        "cause": re.compile(r"\b(?:" + _CAUSE + r")\b"),
        "comparison": re.compile(r"\b(?:" + _COMPARISON + r")\b"),
        "body": re.compile(r"\bthe (?:" + _BODIES + r")\b"),
        "source": re.compile(r"(?:" + _SOURCE + r")"),
    }


def split_sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sentence) for each sentence, with offsets into `text`."""
    out = []
    position = 0
    ends = [m.end() for m in _BOUNDARY.finditer(text)] + [len(text)]
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
        return bool(_URL.search(text)) or "source:" in lowered or "sources:" in lowered

    def _verdict(self, start: int, end: int, sentence: str, covered: str | None) -> SentenceVerdict:
        p = _patterns()
        lowered = sentence.lower().lstrip("-–•*> \"“'‘(")
        cues: list[str] = []

        def verdict(is_claim: bool, has_source: bool, score: float) -> SentenceVerdict:
            return SentenceVerdict(
                sentence, start, end, is_claim, has_source, round(score, 2), tuple(cues)
            )

        quoted = _QUOTED.search(sentence)
        if sentence.rstrip("\"'”’)] ").endswith("?"):
            cues.append("-question")
            return verdict(False, False, 0.0)
        if _ASKING.search(lowered):
            cues.append("-request")
            return verdict(False, False, 0.0)
        if _THANKS_ANYWHERE.search(lowered):
            cues.append("-thanks")
            return verdict(False, False, 0.0)
        if _RATING.search(lowered):
            cues.append("-rating")
            return verdict(False, False, 0.0)
        for pattern, cue in (
            (_THANKS, "-thanks"),
            (_REQUEST_START, "-request"),
            (_OPINION_START, "-opinion"),
        ):
            if pattern.match(lowered):
                cues.append(cue)
                return verdict(False, False, 0.0)

        body = _QUOTED.sub(" ", sentence) if quoted else sentence
        if quoted and _CHALLENGE.search(body.lower()):
            cues.append("-quoted-challenge")
            return verdict(False, False, 0.0)
        body = _TIME_OF_DAY.sub(" ", body)
        lowered_body = body.lower()

        score = 0.0
        found = {
            "figure": _FIGURE.search(_YEAR.sub(" ", lowered_body)),
            "date": _DATE.search(lowered_body),
            "event": p["event"].search(lowered_body),
            "cause": p["cause"].search(lowered_body),
            "comparison": p["comparison"].search(lowered_body),
            "body": p["body"].search(lowered_body)
            or _ACRONYM.search(body)
            or _PROPER_NAME.search(body),
            "future": _FUTURE.search(lowered_body),
            "state": _BODY_STATE.search(body),
        }
        for kind, match in found.items():
            if match:
                cues.append(f"{kind}:{match.group().strip()}")
                score += _WEIGHTS[kind]
        evaluative = _EVALUATIVE.findall(lowered_body)
        if evaluative:
            cues.append(f"-evaluative:{evaluative[0]}")
            score -= min(1.0, 0.5 * len(evaluative))
        if (
            _PERSONAL_START.match(lowered)
            or _IMPLIED_I.match(lowered)
            or (_MY_START.match(lowered) and not found["body"])
        ):
            cues.append("-personal")
            score -= 2.0

        source = p["source"].search(lowered) or _ATTRIBUTED_SAY.search(sentence)
        hearsay = _HEARSAY.search(lowered)
        if hearsay:
            # Hearsay is no source, and "experts say X" still asserts X.
            cues.append(f"hearsay:{hearsay.group()}")
            source = None
            score += 1.0
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


_default = RuleChecker()


def check_claims(text: str) -> ClaimReport:
    """Check one comment's text with the default checker."""
    return _default.check(text)


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
