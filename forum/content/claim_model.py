"""A trained scorer behind the `ClaimChecker` interface: rule cues weighed by a linear model.

The rules in `claims.py` find the cues (figures, events, named bodies, sources, questions,
hearsay...) and decide them with hand-set weights. Hand-set weights fit the examples they
were set on and generalise less well than weights learned from labelled comments, so this
module turns each sentence into features (which kinds of cue the rules found, their score,
the sentence's shape, its first word and its words) and weighs them with logistic-regression
weights learned by `claim_train.py` from the development corpus. Words let the weights pick
up claim verbs and personal chatter the cue lists miss: trained on two batches of the
corpus and scored on a third, they raised F1 from 0.76 to 0.81. Word pairs were tried and
dropped (they fitted noise). Sources are still found by the rules: whether a sentence names where
it comes from is a lexical question the rules answer well, and a learned model would need
far more labelled data to do better.

Inference is a dictionary lookup per feature, so the checker stays fast enough to run on
every post; the weights are one JSON file shipped in the package.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from forum.content.claims import ClaimReport, RuleChecker, SentenceVerdict

MODEL_PATH = Path(__file__).with_name("claim_model.json")

TOKEN = re.compile(r"[a-z]+(?:['’][a-z]+)?")
NEVER_CLAIMS = {"-question", "-request", "-thanks", "-rating", "-quoted-challenge"}
FIRST_PERSON = {"i", "i'm", "i've", "i'd", "me", "my", "mine", "we", "we've", "our", "us"}


def features(verdict: SentenceVerdict, index: int, count: int) -> dict[str, float]:
    """Sparse features of one sentence in its comment; names are stable across versions."""
    out: dict[str, float] = {"bias": 1.0}
    for cue in verdict.cues:
        kind = cue.split(":", 1)[0]
        out[f"cue:{kind}"] = 1.0
    out["rule:score"] = max(-3.0, min(3.0, verdict.score)) / 3.0
    if verdict.is_claim:
        out["rule:claim"] = 1.0
    tokens = [t.replace("’", "'") for t in TOKEN.findall(verdict.text.lower())]
    if tokens:
        out[f"first:{tokens[0]}"] = 1.0
    for token in tokens:
        out[f"w:{token}"] = 1.0
    if any(len(t) > 4 and t.endswith(("ed", "en")) for t in tokens):
        out["shape:participle"] = 1.0
    if FIRST_PERSON.intersection(tokens):
        out["shape:first-person"] = 1.0
    capitalised = sum(1 for word in verdict.text.split()[1:] if word[:1].isupper())
    if capitalised:
        out["shape:names"] = min(3, capitalised) / 3
    out["len:" + ("short" if len(tokens) < 6 else "long" if len(tokens) > 25 else "mid")] = 1.0
    if count > 1:
        out["pos:first" if index == 0 else "pos:later"] = 1.0
    return out


@dataclass(frozen=True)
class LinearModel:
    weights: dict[str, float]
    threshold: float = 0.5

    def probability(self, feats: dict[str, float]) -> float:
        z = sum(self.weights.get(name, 0.0) * value for name, value in feats.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> str:
        kept = {k: round(v, 4) for k, v in sorted(self.weights.items()) if abs(v) >= 1e-4}
        return json.dumps({"threshold": self.threshold, "weights": kept}, indent=0) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LinearModel:
        data = json.loads(text)
        return cls(weights=dict(data["weights"]), threshold=float(data["threshold"]))


class ModelChecker:
    """Rule cues and sources, with the claim decision taken by a trained linear model."""

    def __init__(self, model: LinearModel, rules: RuleChecker | None = None) -> None:
        self.model = model
        self.rules = rules or RuleChecker()

    def check(self, text: str) -> ClaimReport:
        base = self.rules.check(text)
        count = len(base.sentences)
        out = []
        for index, verdict in enumerate(base.sentences):
            # What the labelling rule excludes outright stays excluded: a question, a
            # request, thanks or a challenged quotation is never a claim, whatever its
            # words, so its words are not weighed (a third of a post's sentences).
            if NEVER_CLAIMS.intersection(verdict.cues):
                out.append(verdict)
                continue
            p = self.model.probability(features(verdict, index, count))
            is_claim = p >= self.model.threshold
            cues = verdict.cues
            if is_claim and not any(":" in c and not c.startswith("-") for c in cues):
                cues = (*cues, "claim:learned")
            out.append(
                SentenceVerdict(
                    verdict.text,
                    verdict.start,
                    verdict.end,
                    is_claim,
                    verdict.has_source,
                    round(p, 3),
                    cues,
                )
            )
        return ClaimReport(tuple(out))


@lru_cache(maxsize=1)
def default_model() -> LinearModel | None:
    """The shipped weights, or None when the package carries none (rules decide alone)."""
    try:
        return LinearModel.from_json(MODEL_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
