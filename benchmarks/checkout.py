"""Unpack one commit of forum to measure it, whatever the work tree holds meanwhile.

    PYTHONPATH=$(.venv/bin/python benchmarks/checkout.py 234e9f9) \\
        .venv/bin/python benchmarks/load.py --data-dir /tmp/forum-bench

Several people commit to this tree while a benchmark runs for a quarter of an hour; a
server started halfway through would measure a different forum from the one before it.
`git archive` writes the commit's files to /tmp/forum-at-<sha> (the repository itself is
not touched), and PYTHONPATH puts that copy ahead of the project venv's editable install
for every process the benchmarks start. The results files say which code they measured
(`servers.forum_code`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = ".forum-commit"


def checkout(commit: str) -> Path:
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{commit}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dest = Path(f"/tmp/forum-at-{sha[:12]}")
    if not (dest / MARKER).exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
        (dest / MARKER).write_text(sha + "\n", encoding="utf-8")
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commit")
    print(checkout(parser.parse_args().commit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
