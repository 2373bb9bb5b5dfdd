"""Scoring the claim checker against labelled JSON lines (pure: no I/O beyond the lines).

Input lines carry `text` and, for evaluation, `needs_source` (true/false). `annotate`
adds the checker's verdict to any record, so a labelled set can be scored from outside;
`evaluate` computes precision, recall and F1 of "needs source" and a confusion matrix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from forum.content.claims import ClaimChecker, check_claims


class RecordError(ValueError):
    """A line that is not a JSON object with a string `text`; the message has its number."""


def read_records(lines: Iterable[str], *, labelled: bool = False) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise RecordError(f'line {number}: expected an object with a "text" string')
        if labelled and not isinstance(record.get("needs_source"), bool):
            raise RecordError(f'line {number}: expected "needs_source": true or false')
        yield record


def annotate(record: dict[str, Any], checker: ClaimChecker | None = None) -> dict[str, Any]:
    """The record with the verdict: `needs_source` and the flagged sentences with cues."""
    report = checker.check(record["text"]) if checker else check_claims(record["text"])
    out = {k: v for k, v in record.items() if k not in {"needs_source", "flagged"}}
    out["needs_source"] = report.needs_source
    out["flagged"] = [
        {
            "sentence": s.text,
            "start": s.start,
            "end": s.end,
            "reason": s.reason,
            "cues": list(s.cues),
        }
        for s in report.flagged
    ]
    return out


@dataclass
class Evaluation:
    true_positive: int = 0
    false_positive: int = 0
    true_negative: int = 0
    false_negative: int = 0
    mistakes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def total(self) -> int:
        return self.true_positive + self.false_positive + self.true_negative + self.false_negative


def evaluate(records: Iterable[dict[str, Any]], checker: ClaimChecker | None = None) -> Evaluation:
    result = Evaluation()
    for record in records:
        verdict = annotate(record, checker)
        expected, got = record["needs_source"], verdict["needs_source"]
        if expected and got:
            result.true_positive += 1
        elif got:
            result.false_positive += 1
        elif expected:
            result.false_negative += 1
        else:
            result.true_negative += 1
        if expected != got:
            result.mistakes.append({**verdict, "expected": expected})
    return result


def format_evaluation(result: Evaluation) -> str:
    lines = [
        f"items: {result.total}",
        f"precision: {result.precision:.3f}",
        f"recall:    {result.recall:.3f}",
        f"F1:        {result.f1:.3f}",
        "",
        "                    predicted needs   predicted fine",
        f"labelled needs      {result.true_positive:>15}   {result.false_negative:>14}",
        f"labelled fine       {result.false_positive:>15}   {result.true_negative:>14}",
        "",
        f"misclassified ({len(result.mistakes)}):",
    ]
    for m in result.mistakes:
        kind = "missed" if m["expected"] else "false flag"
        ident = m.get("id", "")
        lines.append(f"- [{kind}] {ident} {m['text'][:160]!r}")
        for f in m["flagged"]:
            lines.append(f"    flagged: {f['sentence'][:100]!r} cues={f['cues']}")
    return "\n".join(lines)
