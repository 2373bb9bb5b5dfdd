"""How many comments a second the claim checker handles on one core.

Reads the team corpus (tests/data/claims/all.jsonl) and, when present, the ClaimBuster
sentences in ../shared/data, then checks every text repeatedly for a few seconds.

    .venv/bin/python benchmarks/claims_throughput.py [--seconds 5]

Timings on a shared VM move by a quarter between runs. For a figure that does not,
count instructions: `--once` checks the team corpus once (pass 0 for imports alone), so

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python benchmarks/claims_throughput.py --once 1

minus the same with `--once 0`, divided by the corpus size, is instructions per comment.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

from forum.content.claims import check_claims

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "claims" / "all.jsonl"
CLAIMBUSTER = ROOT.parent / "shared" / "data" / "claimbuster_two_class.csv"


def texts() -> dict[str, list[str]]:
    sets = {"team corpus": [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]}
    if CLAIMBUSTER.exists():
        with CLAIMBUSTER.open(encoding="utf-8") as handle:
            sets["ClaimBuster"] = [row["text"] for row in csv.DictReader(handle)]
    return sets


def measure(items: list[str], seconds: float) -> float:
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in items:
            check_claims(text)
        done += len(items)
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--once", type=int, choices=(0, 1), help="check the team corpus once")
    args = parser.parse_args()
    if args.once is not None:
        items = texts()["team corpus"]
        for text in items[: len(items) * args.once]:
            check_claims(text)
        print(f"{len(items)} texts")
        return
    for name, items in texts().items():
        average = sum(len(t) for t in items) / len(items)
        rate = measure(items, args.seconds)
        print(f"{name}: {len(items)} texts, {average:.0f} chars on average: {rate:,.0f} per second")


if __name__ == "__main__":
    main()
