"""Fill forum's database (and an Isso database) with a realistic data set, fast.

    .venv/bin/python benchmarks/generate.py --data-dir /tmp/forum-bench --fresh
    .venv/bin/python benchmarks/generate.py --comments 1000000 --data-dir /tmp/forum-1m --fresh

The database is the one forum itself would use: FORUM_DATA_DIR / FORUM_DATABASE_URL
(`--data-dir` and `--database-url` set them). Its tables come from forum's own migrations
(`forum migrate`); rows then go in through the bulk path in `writers.py`, which skips the
per-comment sanitiser and claim checker: texts come from a pool rendered and checked once
with forum's own functions (see `plan.py`). That is what makes 100,000 comments take
seconds; `--method tortoise` writes the same rows through the ORM for comparison.

It also makes a moderator (`bench`, admin) with a password and an API token, and writes
`bench-manifest.json` into the data folder: which threads the benchmarks read, where
they post, the credentials, and the timings. `load.py` and `scale.py` read it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import writers
from plan import SITE, Plan, build_plan

from forum import db
from forum.models import Role, Thread
from forum.services import accounts, tokens
from forum.settings import Settings

MANIFEST = "bench-manifest.json"
MODERATOR = "bench"
COUNT_URLS = 20


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument(
        "--bench-threads", type=int, default=20, help="threads of exactly --bench-size comments"
    )
    parser.add_argument("--bench-size", type=int, default=100)
    parser.add_argument(
        "--pool", type=int, default=2000, help="distinct texts, each sanitised and checked once"
    )
    parser.add_argument(
        "--queue-share",
        type=float,
        default=0.1,
        help="share of the comments the checker flags that still wait for a moderator",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, help="sets FORUM_DATA_DIR")
    parser.add_argument("--database-url", help="sets FORUM_DATABASE_URL")
    parser.add_argument(
        "--isso", type=Path, help="Isso database to write (default: DATA_DIR/isso.sqlite3)"
    )
    parser.add_argument("--no-isso", action="store_true", help="write forum's database only")
    parser.add_argument("--method", choices=["fast", "tortoise"], default="fast")
    parser.add_argument(
        "--fresh", action="store_true", help="delete forum's SQLite file (or empty its tables)"
    )
    return parser.parse_args(argv)


def _forget_sqlite(settings: Settings) -> None:
    path = Path(settings.database_url.removeprefix("sqlite://"))
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def _empty_postgres(settings: Settings) -> None:
    import asyncpg

    con = await asyncpg.connect(settings.database_url.split("?")[0])
    try:
        await con.execute(
            'TRUNCATE "report", "moderation_action", "comment", "thread", "api_token", '
            '"moderator" RESTART IDENTITY CASCADE'
        )
    finally:
        await con.close()


async def _create_postgres(settings: Settings) -> None:
    """Create the benchmark's PostgreSQL database when it does not exist yet."""
    import asyncpg

    url = settings.database_url.split("?")[0]
    server, _, name = url.rpartition("/")
    con = await asyncpg.connect(f"{server}/postgres")
    try:
        if not await con.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await con.execute(f'CREATE DATABASE "{name}"')
    finally:
        await con.close()


def migrate(settings: Settings) -> float:
    """Run forum's own migration command, in a subprocess, as an operator would.

    It runs from the data folder: `python -m` puts the working directory first on the
    path, and from the project root that would be the work tree's forum even when
    PYTHONPATH names another copy (see checkout.py).
    """
    started = time.perf_counter()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "forum", "migrate"],
        check=True,
        stdout=sys.stderr,
        cwd=settings.data_dir,
    )
    return time.perf_counter() - started


async def _write_forum(settings: Settings, plan: Plan, method: str) -> dict[str, Any]:
    """Bulk rows, then a moderator and token through forum's services."""
    context = await db.start(settings)
    try:
        if await Thread.exists():
            raise SystemExit(
                "generate.py: the database already has threads; use --fresh to start over"
            )
        started = time.perf_counter()
        if method == "tortoise":
            await writers.write_tortoise(plan, settings.secret_key)
        elif settings.is_sqlite:
            await db.stop(context)  # the bulk writer wants the file to itself
            writers.write_sqlite(
                Path(settings.database_url.removeprefix("sqlite://")), plan, settings.secret_key
            )
            context = await db.start(settings)
        else:
            await writers.write_postgres(settings.database_url, plan, settings.secret_key)
        seconds = time.perf_counter() - started
        password = secrets.token_urlsafe(18)
        await accounts.create_moderator(MODERATOR, password, Role.ADMIN)
        _, token = await tokens.create_token(MODERATOR, "benchmarks")
    finally:
        await db.stop(context)
    return {"seconds": seconds, "username": MODERATOR, "password": password, "token": token}


def _manifest(plan: Plan, args: argparse.Namespace, isso: Path | None) -> dict[str, Any]:
    step = max(1, (len(plan.threads) - 1) // COUNT_URLS)
    counted = plan.threads[:-1][::step][:COUNT_URLS]
    by_id = {t.id: t for t in plan.threads}
    bench = [by_id[i] for i in plan.bench_thread_ids]
    post = by_id[plan.post_thread_id]
    return {
        "threads": len(plan.threads),
        "comments": len(plan.comments),
        "reports": len(plan.reports),
        "seed": args.seed,
        "bench_threads": [{"id": t.id, "slug": t.slug, "path": t.path} for t in bench],
        "post_thread": {"id": post.id, "slug": post.slug, "path": post.path},
        "count_urls": [SITE + t.path for t in counted],
        "count_paths": [t.path for t in counted],
        "post_texts": [t.text for t in plan.texts[:50]],
        "isso_db": str(isso) if isso else None,
        "queue": {
            state: sum(1 for c in plan.comments if c.claim_state == state)
            for state in ("flagged", "approved", "source_requested")
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.data_dir:
        os.environ["FORUM_DATA_DIR"] = str(args.data_dir.resolve())
    if args.database_url:
        os.environ["FORUM_DATABASE_URL"] = args.database_url
    settings = Settings.from_env()
    if args.fresh and settings.is_sqlite:
        _forget_sqlite(settings)
    if not settings.is_sqlite:
        asyncio.run(_create_postgres(settings))
    seconds_migrate = migrate(settings)
    if args.fresh and not settings.is_sqlite:
        asyncio.run(_empty_postgres(settings))

    started = time.perf_counter()
    plan = build_plan(
        threads=args.threads,
        comments=args.comments,
        bench_threads=args.bench_threads,
        bench_size=args.bench_size,
        pool_size=args.pool,
        queue_share=args.queue_share,
        seed=args.seed,
    )
    forum = asyncio.run(_write_forum(settings, plan, args.method))
    seconds_forum = time.perf_counter() - started

    isso = None if args.no_isso else (args.isso or settings.data_dir / "isso.sqlite3").resolve()
    seconds_isso = 0.0
    if isso:
        started = time.perf_counter()
        writers.write_isso(isso, plan)
        seconds_isso = time.perf_counter() - started

    manifest = _manifest(plan, args, isso)
    manifest["database_url"] = settings.database_url
    manifest["moderator"] = {k: forum[k] for k in ("username", "password", "token")}
    manifest["seconds"] = {
        "migrate": round(seconds_migrate, 2),
        "texts_pool": round(plan.seconds_pool, 2),
        "rows": round(plan.seconds_rows, 2),
        "forum_write": round(forum["seconds"], 2),
        "forum_total": round(seconds_forum, 2),
        "isso_write": round(seconds_isso, 2),
    }
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    s = manifest["seconds"]
    print(
        f"{len(plan.threads):,} threads, {len(plan.comments):,} comments, "
        f"{len(plan.reports):,} reports into {settings.database_url} ({args.method}): "
        f"{s['forum_total']:.1f} s (texts {s['texts_pool']:.1f} s, rows {s['rows']:.1f} s, "
        f"write {s['forum_write']:.1f} s; migrate {s['migrate']:.1f} s before)"
        + (f"; Isso copy {s['isso_write']:.1f} s at {isso}" if isso else "")
    )
    print(f"queue: {manifest['queue']}; manifest: {settings.data_dir / MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
