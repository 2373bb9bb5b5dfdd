"""Validate the labelled claim corpus and split it into dev and held-out sets.

Reads ``all.jsonl`` (next to this script), checks every record, then shuffles the
records (in file order) with ``random.Random(SEED)`` and writes the first 60% to
``dev.jsonl`` and the rest to ``heldout.jsonl`` (each file sorted by id). If either part's
positive rate (share of ``needs_source: true``) is more than 5 percentage points away
from the overall rate, it tries the next seed (SEED + 1, ...) and says so.

The split is deterministic: running the script again on the same ``all.jsonl`` writes
byte-identical files. ``--check`` only validates the three files and that dev and
held-out are a disjoint split of all, without writing anything.

Standard library only. Usage::

    python tests/data/claims/split.py          # validate, split, write, print counts
    python tests/data/claims/split.py --check  # validate existing files only
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261123
DEV_SHARE = 0.6
MAX_RATE_GAP = 0.05  # dev and held-out positive rates must be within 5 points of overall
FIELDS = {
    "id": str,
    "text": str,
    "needs_source": bool,
    "rationale": str,
    "topic": str,
    "origin": str,
}
ORIGINS = {"seed", "team"}


class CorpusError(ValueError):
    pass


def read_jsonl(path: Path) -> list[dict]:
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                raise CorpusError(f"{path.name}:{number}: blank line")
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path.name}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise CorpusError(f"{path.name}:{number}: not a JSON object")
            records.append(record)
    return records


def validate(records: list[dict], name: str) -> None:
    seen_ids: set[str] = set()
    seen_texts: dict[str, str] = {}
    for number, record in enumerate(records, start=1):
        where = f"{name}:{number}"
        missing = set(FIELDS) - set(record)
        if missing:
            raise CorpusError(f"{where}: missing {sorted(missing)}")
        extra = set(record) - set(FIELDS)
        if extra:
            raise CorpusError(f"{where}: unexpected {sorted(extra)}")
        for key, kind in FIELDS.items():
            # bool is checked exactly: 0/1 or "true" are not labels.
            if type(record[key]) is not kind:
                raise CorpusError(f"{where}: {key} must be {kind.__name__}")
            if kind is str and not record[key].strip():
                raise CorpusError(f"{where}: {key} is empty")
        if record["origin"] not in ORIGINS:
            raise CorpusError(f"{where}: origin must be one of {sorted(ORIGINS)}")
        if "\n" in record["rationale"]:
            raise CorpusError(f"{where}: rationale must be one line")
        if record["id"] in seen_ids:
            raise CorpusError(f"{where}: duplicate id {record['id']}")
        seen_ids.add(record["id"])
        key = " ".join(record["text"].split()).casefold()
        if key in seen_texts:
            raise CorpusError(f"{where}: same text as {seen_texts[key]}")
        seen_texts[key] = record["id"]


def positive_rate(records: list[dict]) -> float:
    return sum(r["needs_source"] for r in records) / len(records) if records else 0.0


def split(records: list[dict], seed: int) -> tuple[list[dict], list[dict]]:
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    cut = round(len(shuffled) * DEV_SHARE)
    by_id = lambda r: r["id"]  # noqa: E731
    return sorted(shuffled[:cut], key=by_id), sorted(shuffled[cut:], key=by_id)


def balanced_split(records: list[dict]) -> tuple[int, list[dict], list[dict]]:
    overall = positive_rate(records)
    for seed in range(SEED, SEED + 100):
        dev, heldout = split(records, seed)
        gaps = [abs(positive_rate(part) - overall) for part in (dev, heldout)]
        if max(gaps) <= MAX_RATE_GAP:
            return seed, dev, heldout
        print(f"seed {seed}: positive rates off by {max(gaps):.3f}, trying the next seed")
    raise CorpusError("no balanced split in 100 seeds")


def write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def report(name: str, records: list[dict]) -> None:
    positives = sum(r["needs_source"] for r in records)
    print(
        f"{name:<14} {len(records):>4} items  {positives:>4} needs_source  "
        f"{len(records) - positives:>4} fine  positive rate {positive_rate(records):.3f}"
    )


def check_parts(every: list[dict], dev: list[dict], heldout: list[dict]) -> None:
    dev_ids = {r["id"] for r in dev}
    held_ids = {r["id"] for r in heldout}
    if dev_ids & held_ids:
        raise CorpusError(f"ids in both dev and held-out: {sorted(dev_ids & held_ids)[:5]}")
    originals = {r["id"]: r for r in every}
    if dev_ids | held_ids != set(originals):
        raise CorpusError("dev + held-out is not the same set of ids as all.jsonl")
    for record in dev + heldout:
        if record != originals[record["id"]]:
            raise CorpusError(f"{record['id']} differs from all.jsonl")


def main(argv: list[str]) -> int:
    check_only = "--check" in argv
    try:
        every = read_jsonl(HERE / "all.jsonl")
        validate(every, "all.jsonl")
        if check_only:
            dev = read_jsonl(HERE / "dev.jsonl")
            heldout = read_jsonl(HERE / "heldout.jsonl")
            seed = None
        else:
            seed, dev, heldout = balanced_split(every)
            write_jsonl(HERE / "dev.jsonl", dev)
            write_jsonl(HERE / "heldout.jsonl", heldout)
            # Re-read what was written, so the check covers the files on disk.
            dev = read_jsonl(HERE / "dev.jsonl")
            heldout = read_jsonl(HERE / "heldout.jsonl")
        validate(dev, "dev.jsonl")
        validate(heldout, "heldout.jsonl")
        check_parts(every, dev, heldout)
    except (CorpusError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if seed is not None:
        print(f"split with random.Random({seed}), dev share {DEV_SHARE:.0%}")
    report("all.jsonl", every)
    report("dev.jsonl", dev)
    report("heldout.jsonl", heldout)
    for origin in sorted(ORIGINS):
        report(f"  origin={origin}", [r for r in every if r["origin"] == origin])
    print("ok: every line parses, ids unique, fields present and typed, no duplicate texts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
