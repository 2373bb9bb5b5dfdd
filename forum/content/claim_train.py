"""Learning the claim model's weights from labelled comments (pure Python, no numpy).

Labels are per comment ("needs a source"), but the checker decides per sentence, so the
learner treats a comment as a bag of sentences: every unsourced sentence of a comment
labelled fine is a negative example; a comment labelled as needing a source has at least
one positive sentence, taken to be the one the current model scores highest (the rules'
score in the first round). A few rounds of re-picking and re-fitting settle it.

Only development data may be fed to `train` or `cross_validate`: the held-out part of the
corpus is for the final measurement alone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from forum.content.claim_eval import Evaluation, evaluate
from forum.content.claim_model import NEVER_CLAIMS, LinearModel, ModelChecker, features
from forum.content.claims import RuleChecker

Example = tuple[dict[str, float], bool]


def _bags(records: Sequence[dict[str, Any]], rules: RuleChecker) -> list[tuple[list, bool]]:
    """(features of the sentences the model decides, label) per comment.

    Sourced sentences and those the rules rule out (questions, requests, thanks...) are
    decided without the model, so they teach it nothing; comments with none left drop out.
    """
    bags = []
    for record in records:
        report = rules.check(record["text"])
        count = len(report.sentences)
        candidates = [
            (features(v, i, count), v.score)
            for i, v in enumerate(report.sentences)
            if not v.has_source and not NEVER_CLAIMS.intersection(v.cues)
        ]
        if candidates:
            bags.append((candidates, bool(record["needs_source"])))
    return bags


def _fit(examples: list[Example], l2: float, epochs: int, seed: int) -> dict[str, float]:
    """Logistic regression by AdaGrad with L2, deterministic for a given seed."""
    weights: dict[str, float] = {}
    history: dict[str, float] = {}
    order = list(range(len(examples)))
    rng = random.Random(seed)
    rate = 0.5
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            feats, label = examples[i]
            z = sum(weights.get(k, 0.0) * v for k, v in feats.items())
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            error = p - (1.0 if label else 0.0)
            for k, v in feats.items():
                w = weights.get(k, 0.0)
                grad = error * v + (l2 * w if k != "bias" else 0.0)
                history[k] = history.get(k, 0.0) + grad * grad
                weights[k] = w - rate * grad / math.sqrt(history[k] + 1e-8)
    return weights


def train(
    records: Sequence[dict[str, Any]],
    *,
    l2: float = 0.03,
    epochs: int = 30,
    rounds: int = 3,
    threshold: float = 0.55,
    seed: int = 20261123,
) -> LinearModel:
    rules = RuleChecker()
    bags = _bags(records, rules)
    model: LinearModel | None = None
    for _ in range(rounds):
        examples: list[Example] = []
        for candidates, label in bags:
            if not label:
                examples.extend((feats, False) for feats, _ in candidates)
                continue
            best = max(
                candidates,
                key=lambda c: model.probability(c[0]) if model else c[1],
            )
            examples.append((best[0], True))
        model = LinearModel(_fit(examples, l2, epochs, seed), threshold)
    assert model is not None
    return model


def cross_validate(
    records: Sequence[dict[str, Any]], *, folds: int = 5, seed: int = 7, **options: Any
) -> Evaluation:
    """Pooled out-of-fold evaluation: each item is scored by a model that never saw it."""
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    pooled = Evaluation()
    for k in range(folds):
        test = shuffled[k::folds]
        training = [r for i, r in enumerate(shuffled) if i % folds != k]
        result = evaluate(test, ModelChecker(train(training, **options)))
        pooled.true_positive += result.true_positive
        pooled.false_positive += result.false_positive
        pooled.true_negative += result.true_negative
        pooled.false_negative += result.false_negative
        pooled.mistakes.extend(result.mistakes)
    return pooled
