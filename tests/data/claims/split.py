"""Validate the labelled claim corpus and split it into dev and held-out sets.

Reads ``all.jsonl`` (next to this script), checks every record, then splits each batch
on its own. A batch is the set of ids with one prefix (``c`` for the first 534 items,
``b`` for the second batch of 400), so adding a batch never moves an item of an earlier
batch between dev and held-out. Each batch's records (in file order) are shuffled with
``random.Random(seed)``; the first share goes to ``dev.jsonl`` and the rest to
``heldout.jsonl`` (each file sorted by id). If either part's positive rate (share of
``needs_source: true``) is more than 5 percentage points away from the batch's rate, it
tries the next seed (seed + 1, ...) and says so.

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
# id prefix -> (first seed, dev share). Batch "c" was split before any tuning; batch "b"
# was written later, after the first held-out figures, and split before anyone read it.
BATCHES = {"c": (20261123, 0.6), "b": (20261201, 0.5), "d": (20261202, 0.5), "e": (20261203, 0.5)}
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
        if record["id"][:1] not in BATCHES:
            raise CorpusError(f"{where}: id must start with one of {sorted(BATCHES)}")
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


def split(records: list[dict], seed: int, share: float) -> tuple[list[dict], list[dict]]:
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    cut = round(len(shuffled) * share)
    return shuffled[:cut], shuffled[cut:]


def balanced_split(records: list[dict]) -> tuple[dict[str, int], list[dict], list[dict]]:
    """Each batch split on its own; returns the seed used per batch and the two parts."""
    seeds: dict[str, int] = {}
    dev: list[dict] = []
    heldout: list[dict] = []
    for prefix, (first_seed, share) in BATCHES.items():
        batch = [r for r in records if r["id"].startswith(prefix)]
        overall = positive_rate(batch)
        for seed in range(first_seed, first_seed + 100):
            batch_dev, batch_heldout = split(batch, seed, share)
            gaps = [abs(positive_rate(part) - overall) for part in (batch_dev, batch_heldout)]
            if max(gaps) <= MAX_RATE_GAP:
                break
            print(f"batch {prefix} seed {seed}: rates off by {max(gaps):.3f}, trying the next")
        else:
            raise CorpusError(f"batch {prefix}: no balanced split in 100 seeds")
        seeds[prefix] = seed
        dev += batch_dev
        heldout += batch_heldout
    by_id = lambda r: (r["id"][0] != "c", r["id"])  # noqa: E731
    return seeds, sorted(dev, key=by_id), sorted(heldout, key=by_id)


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
        for prefix, used in seed.items():
            print(f"batch {prefix}: random.Random({used}), dev share {BATCHES[prefix][1]:.0%}")
    report("all.jsonl", every)
    report("dev.jsonl", dev)
    report("heldout.jsonl", heldout)
    for prefix in BATCHES:
        report(f"  held-out {prefix}", [r for r in heldout if r["id"].startswith(prefix)])
    for origin in sorted(ORIGINS):
        report(f"  origin={origin}", [r for r in every if r["origin"] == origin])
    print("ok: every line parses, ids unique, fields present and typed, no duplicate texts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
