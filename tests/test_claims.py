"""The claim checker: what it flags, what it leaves alone, and the reasons it gives."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from forum.content.claim_eval import evaluate, read_records
from forum.content.claim_model import LinearModel, ModelChecker, default_model
from forum.content.claim_train import train
from forum.content.claims import check_claims, default_checker, split_sentences
from tests.conftest import ROOT


@pytest.mark.parametrize(
    "text",
    [
        "Tr2 has already started",
        "Crime rose 20% last year.",
        "The council scrapped the night bus route.",
        "The closure caused the rise in burglaries.",
        "Unemployment will double by next spring.",
        "My local CRC has an active bid group meeting regularly.",
    ],
)
def test_unsourced_claims_are_flagged(text):
    report = check_claims(text)
    assert report.needs_source, report
    assert report.flagged[0].reason.startswith("states ")
    assert report.flagged[0].reason.endswith(" without a source")


@pytest.mark.parametrize(
    "text",
    [
        '"TR2 has already started" - in the interests of avoiding anything that might be '
        "construed as 'fake news', could I suggest 07:38 you expand a little on your "
        "statement please?",
        "Did crime really rise 20% last year?",
        "I think the council is useless.",
        "Thanks for writing this up, great post!",
        "Please could someone explain what the new contracts mean?",
        "According to the ONS, crime rose 20% last year.",
        "Crime rose 20% last year (https://www.ons.gov.uk/crime).",
        "The minister told MPs that 300 jobs would go.",
        "Privatisation was a disaster and they should reverse it.",
    ],
)
def test_opinions_questions_quotes_and_sourced_claims_are_not_flagged(text):
    report = check_claims(text)
    assert not report.needs_source, [(s.text, s.cues) for s in report.sentences]


def test_a_link_anywhere_covers_the_comment():
    report = check_claims("Crime rose 20% last year. Source: https://example.org/stats")
    assert not report.needs_source
    assert any(c.startswith("source:") for c in report.sentences[0].cues)


def test_only_the_unsourced_sentence_is_flagged_with_offsets():
    text = "I love this town. The council closed the library in 2019. What a shame?"
    report = check_claims(text)
    [flagged] = report.flagged
    assert text[flagged.start : flagged.end] == "The council closed the library in 2019."
    assert "date:2019" in flagged.cues
    assert report.score > 0


def test_sentence_splitting_keeps_offsets():
    text = "One. Two!\nThree? Four"
    assert [(text[s:e], sent) for s, e, sent in split_sentences(text)] == [
        ("One.", "One."),
        ("Two!", "Two!"),
        ("Three?", "Three?"),
        ("Four", "Four"),
    ]


def forum(*args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "forum", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_check_claims_command_passes_fields_through():
    lines = "\n".join(
        json.dumps(r)
        for r in [{"id": 7, "text": "Tr2 has already started"}, {"id": 8, "text": "Why?"}]
    )
    result = forum("check-claims", "-", stdin=lines)
    assert result.returncode == 0, result.stderr
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert first["id"] == 7 and first["needs_source"] is True
    assert first["flagged"][0]["sentence"] == "Tr2 has already started"
    assert second == {"id": 8, "text": "Why?", "needs_source": False, "flagged": []}


def test_check_claims_command_reports_bad_lines():
    result = forum("check-claims", "-", stdin='{"text": "ok"}\nnot json\n')
    assert result.returncode == 1
    assert "line 2: not JSON" in result.stderr


def test_eval_claims_command_prints_figures(tmp_path):
    data = tmp_path / "labelled.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": "a", "text": "Crime rose 20% last year.", "needs_source": True},
                {"id": "b", "text": "I think so.", "needs_source": False},
                {"id": "c", "text": "Lovely weather.", "needs_source": True},
            ]
        )
    )
    result = forum("eval-claims", str(data))
    assert result.returncode == 0, result.stderr
    assert "items: 3" in result.stdout
    assert "precision: 1.000" in result.stdout and "recall:    0.500" in result.stdout
    assert "[missed] c 'Lovely weather.'" in result.stdout


CORPUS = ROOT / "tests" / "data" / "claims"


def load(name: str) -> list[dict]:
    with (CORPUS / name).open(encoding="utf-8") as handle:
        return list(read_records(handle, labelled=True))


def test_corpus_is_split_without_overlap():
    dev, held_out = load("dev.jsonl"), load("heldout.jsonl")
    assert len(dev) + len(held_out) >= 400
    assert not {r["text"] for r in dev} & {r["text"] for r in held_out}
    assert all(r.get("rationale") for r in dev + held_out)


def test_quality_does_not_regress():
    """Guards against regressions; the figures themselves are reported in the notes.

    The checker was tuned and trained on dev only; held-out was scored once per version,
    after tuning (precision 0.860, F1 0.853 for the version these floors were set on).
    """
    dev = evaluate(load("dev.jsonl"))
    held_out = evaluate(load("heldout.jsonl"))
    assert dev.precision >= 0.93 and dev.f1 >= 0.90
    assert held_out.precision >= 0.84 and held_out.f1 >= 0.84


def test_the_shipped_model_is_what_training_on_dev_gives():
    """A rule change without retraining would leave weights fitted to other cues."""
    shipped = default_model()
    assert shipped is not None, "forum/content/claim_model.json is missing"
    retrained = LinearModel.from_json(train(load("dev.jsonl")).to_json())
    assert retrained == shipped, "run: forum train-claims tests/data/claims/dev.jsonl"


def test_the_default_checker_is_the_trained_model():
    assert isinstance(default_checker(), ModelChecker)
    report = check_claims("Crime rose 20% last year.")
    assert report.needs_source and 0.5 <= report.score <= 1.0


def test_training_refuses_the_held_out_part(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "forum",
            "train-claims",
            str(CORPUS / "heldout.jsonl"),
            "--output",
            str(tmp_path / "model.json"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode != 0
    assert "held-out" in result.stderr
    assert not (tmp_path / "model.json").exists()


def test_training_writes_a_model_the_checker_can_load(tmp_path):
    out = tmp_path / "model.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "forum",
            "train-claims",
            str(CORPUS / "dev.jsonl"),
            "--output",
            str(out),
            "--cv",
            "3",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "3-fold cross-validation on" in result.stdout
    model = LinearModel.from_json(out.read_text(encoding="utf-8"))
    checker = ModelChecker(model)
    assert checker.check("The council closed the library in March.").needs_source
    assert not checker.check("Could the council reopen the library?").needs_source
