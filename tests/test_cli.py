"""The `forum` command end to end, in subprocesses, against the test database."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import SEEDS, forum_env

pytestmark = pytest.mark.slow


def forum(settings, *args, stdin: str | None = None, timeout: float = 60, env=None):
    return subprocess.run(
        [sys.executable, "-m", "forum", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**forum_env(settings), **(env or {})},
        cwd=settings.data_dir,
        timeout=timeout,
    )


def tree_of(export: dict) -> dict[str, list]:
    """Per thread title prefix: the comments as (first words, parent's first words)."""
    result = {}
    for thread in export["threads"]:
        by_id = {c["id"]: c for c in thread["comments"]}
        result[thread["title"][:20]] = [
            (c["text"][:15], by_id[c["parent_id"]]["text"][:15] if c["parent_id"] else None)
            for c in thread["comments"]
        ]
    return result


@pytest.mark.parametrize("command", ["serve", "migrate", "import", "create-moderator", "export"])
def test_help(settings, command):
    result = forum(settings, command, "--help")
    assert result.returncode == 0
    assert "usage: forum" in result.stdout


def test_no_command_is_a_usage_error(settings):
    result = forum(settings)
    assert result.returncode == 2
    assert "required: COMMAND" in result.stderr


def test_import_twice_then_export_gives_five_threads_and_the_exact_tree(settings):
    first = forum(settings, "import", str(SEEDS))
    assert first.returncode == 0, first.stderr
    assert "5 thread(s) created, 0 unchanged; 6 comment(s) created, 0 unchanged" in first.stdout
    second = forum(settings, "import", str(SEEDS))
    assert second.returncode == 0, second.stderr
    assert "0 thread(s) created, 5 unchanged; 0 comment(s) created, 6 unchanged" in second.stdout
    assert "004_941239107233e0c6.txt [seedtext]" in second.stdout

    exported = forum(settings, "export")
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert len(document["threads"]) == 5
    assert tree_of(document)["It can't be any coin"] == [
        ("That reads just", None),
        ("Is it possible ", None),
        ("Tr2 has already", None),
        ('"TR2 has alread', "Tr2 has already"),
        ("We know that th", None),
        ("Not what I hear", "We know that th"),
    ]
    for thread in document["threads"]:
        assert set(thread) >= {"slug", "title", "url", "body_html", "comments"}
        for comment in thread["comments"]:
            assert set(comment) >= {
                "id",
                "parent_id",
                "author",
                "text",
                "html",
                "status",
                "created_at",
            }


def test_export_import_round_trip_into_a_fresh_database(settings, tmp_path):
    assert forum(settings, "import", str(SEEDS)).returncode == 0
    out = tmp_path / "export.json"
    assert forum(settings, "export", "--output", str(out)).returncode == 0
    original = json.loads(out.read_text())

    fresh = settings.__class__(
        **{
            **settings.__dict__,
            "data_dir": tmp_path / "fresh",
            "database_url": f"sqlite://{tmp_path / 'fresh' / 'forum.sqlite3'}",
        }
    )
    (tmp_path / "fresh").mkdir()
    restored = forum(fresh, "import", str(out))
    assert restored.returncode == 0, restored.stderr
    assert "5 thread(s) created" in restored.stdout
    again = json.loads(forum(fresh, "export").stdout)
    assert tree_of(again) == tree_of(original)
    assert [t["body_html"] for t in again["threads"]] == [
        t["body_html"] for t in original["threads"]
    ]


def test_bad_file_fails_the_command_but_not_the_other_files(settings, tmp_path):
    (tmp_path / "good.txt").write_text("Good Title\nSome text.\n")
    (tmp_path / "bad.json").write_text('{"threads": [ {"slug": 1} ]')
    result = forum(
        settings,
        "import",
        str(tmp_path / "good.txt"),
        str(tmp_path / "bad.json"),
        str(tmp_path / "missing.txt"),
    )
    assert result.returncode == 1
    assert "error: bad.json: not valid JSON" in result.stdout
    assert "missing.txt: no such file or folder" in result.stdout
    assert "thread good-title created" in result.stdout
    assert "Traceback" not in result.stderr


def test_create_moderator(settings):
    made = forum(
        settings,
        "create-moderator",
        "alice",
        "--role",
        "admin",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert made.returncode == 0, made.stderr
    assert "created admin alice" in made.stdout
    again = forum(
        settings, "create-moderator", "alice", "--password-stdin", stdin="another long password\n"
    )
    assert again.returncode == 1
    assert "The username 'alice' is taken." in again.stderr
    short = forum(settings, "create-moderator", "bob", "--password-stdin", stdin="short\n")
    assert short.returncode == 1
    assert "at least 10 characters" in short.stderr
    no_tty = forum(settings, "create-moderator", "carol", stdin="")
    assert no_tty.returncode == 2
    assert "--password-stdin" in no_tty.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_imports_seeds_into_an_empty_database_and_answers(settings):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "forum", "serve", "--port", str(port), "--log-level", "warning"],
        env=forum_env(settings),
        cwd=settings.data_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stdout.read()) from None
                time.sleep(0.2)
        assert health.status_code == 200
        index = httpx.get(base + "/").text
        assert index.count('class="thread-title"') == 5
        slug = next(
            line.split('href="/t/')[1].split('"')[0]
            for line in index.splitlines()
            if "coincidence" in line
        )
        page = httpx.get(f"{base}/t/{slug}").text
        assert page.count('<li class="comment"') == 6
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stdout.close()
