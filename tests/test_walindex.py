"""The commit watch: a version kept between commits is never kept past one.

Every writer here is another process, as a second worker or the CLI would be: a commit
made in this process could be seen through shared state a real deployment lacks.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from forum.services.readcache import VersionSource
from forum.walindex import CommitWatch

WRITER = r"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
for line in sys.stdin:
    conn.execute(line.strip())
    print("done", flush=True)
"""


class Writer:
    """Another process that runs one SQL statement per request and says when it is done."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, sql: str) -> None:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(sql + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline() == "done\n"

    def close(self) -> None:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.close()
        assert self.process.wait(timeout=10) == 0
        self.process.stdout.close()


def make_database(path: Path, journal_mode: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode={journal_mode}")
    conn.execute("CREATE TABLE thread (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)")
    conn.execute("CREATE TABLE other (x INTEGER)")
    conn.execute("INSERT INTO thread VALUES (1, 0), (2, 0)")
    conn.close()


@pytest.fixture
def wal_database(tmp_path: Path) -> Iterator[tuple[Path, Writer]]:
    path = tmp_path / "forum.sqlite3"
    make_database(path, "wal")
    writer = Writer(path)
    yield path, writer
    writer.close()


def read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    conn.execute("SELECT 1 FROM thread").fetchall()
    return conn


def test_every_commit_from_another_process_changes_the_mark(wal_database):
    path, writer = wal_database
    conn = read_only(path)
    watch = CommitWatch(str(path), conn)
    assert watch.usable
    seen = [watch.mark()]
    assert seen[0] is not None and watch.mark() == seen[0]  # no commit, same mark
    for n in range(1, 60):
        writer.run(f"UPDATE thread SET version = {n} WHERE id = 1")
        seen.append(watch.mark())
        assert seen[-1] not in seen[:-1]
        assert watch.mark() == seen[-1]
    # A checkpoint that empties the log, then a commit that restarts it from frame one.
    writer.run("PRAGMA wal_checkpoint(TRUNCATE)")
    before = watch.mark()
    writer.run("INSERT INTO other VALUES (1)")
    assert watch.mark() not in (before, *seen)
    watch.close()
    conn.close()


def test_no_mark_outside_wal_mode(tmp_path: Path):
    path = tmp_path / "rollback.sqlite3"
    make_database(path, "delete")
    conn = read_only(path)
    watch = CommitWatch(str(path), conn)
    assert not watch.usable and watch.mark() is None
    conn.close()


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
async def test_versions_are_kept_until_a_commit_and_not_after(tmp_path: Path, journal_mode):
    """Between commits one statement answers every read of a thread; after another
    process commits, the next read asks again and sees it, in either journal mode."""
    path = tmp_path / "forum.sqlite3"
    make_database(path, journal_mode)
    writer = Writer(path)
    source = VersionSource(f"sqlite://{path}")
    try:
        assert await source.get(1) == 0
        statements: list[str] = []
        conn = source._local()
        assert conn is not None
        conn.set_trace_callback(statements.append)
        for _ in range(5):
            assert await source.get(1) == 0
        assert await source.get(3) is None
        assert await source.get(3) is None
        kept = journal_mode == "wal"
        assert len(statements) == (1 if kept else 7)
        for n in range(1, 40):
            writer.run(f"UPDATE thread SET version = {n} WHERE id = 1")
            assert await source.get(1) == n
            assert await source.get(1) == n
        writer.run("INSERT INTO thread VALUES (3, 7)")
        assert await source.get(3) == 7
        writer.run("INSERT INTO other VALUES (1)")  # any commit: ask again, same answer
        before = len(statements)
        assert await source.get(1) == 39 and await source.get(2) == 0
        assert len(statements) == before + 2
    finally:
        source.close()
        writer.close()


async def test_reads_racing_a_writer_never_fall_behind_it(tmp_path: Path):
    """A writer in another process bumps a version as fast as it can while this process
    reads it; each read must see at least every commit finished before it began."""
    path = tmp_path / "forum.sqlite3"
    make_database(path, "wal")
    script = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "for n in range(1, 401):\n"
        "    conn.execute('UPDATE thread SET version = ? WHERE id = 1', (n,))\n"
        "    open(sys.argv[2], 'w').write(str(n))\n"  # after the commit returned
    )
    progress = tmp_path / "committed"
    progress.write_text("0")
    source = VersionSource(f"sqlite://{path}")
    writer = subprocess.Popen([sys.executable, "-c", script, str(path), str(progress)])
    reads = 0
    try:
        while writer.poll() is None or reads == 0:
            committed = int(progress.read_text() or 0)  # read before asking
            version = await source.get(1)
            assert version is not None and version >= committed
            reads += 1
            await asyncio.sleep(0)
        assert writer.wait(timeout=30) == 0
        assert await source.get(1) == 400
    finally:
        source.close()
        writer.kill()
    assert reads > 50
