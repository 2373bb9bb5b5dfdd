"""How long a large WordPress export takes to import, and how much memory it needs.

Writes a WXR file of N comments over P posts (threaded replies, HTML, a few pending and
spam ones), then runs `forum import` on it in a fresh data folder, in a subprocess, and
reports the wall time and the child's peak resident memory. Run it at two sizes to see
that memory follows the number of comments by their keys only, not the file:

    .venv/bin/python benchmarks/import_large.py --comments 10000
    .venv/bin/python benchmarks/import_large.py --comments 100000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = ROOT / "tests" / "data" / "claims" / "all.jsonl"

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench blog</title><link>https://bench.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://bench.example</wp:base_site_url>
<wp:base_blog_url>https://bench.example</wp:base_blog_url>
"""


def sentences() -> list[str]:
    lines = CLAIMS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def comment_xml(cid: int, parent: int, text: str, when: datetime, approved: str) -> str:
    stamp = when.strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
        f"<wp:comment_author><![CDATA[Reader {cid % 997}]]></wp:comment_author>"
        f"<wp:comment_date>{stamp}</wp:comment_date>"
        f"<wp:comment_date_gmt>{stamp}</wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[{text}]]></wp:comment_content>"
        f"<wp:comment_approved>{approved}</wp:comment_approved>"
        f"<wp:comment_type>comment</wp:comment_type>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
    )


def write_wxr(path: Path, comments: int, posts: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    pool = sentences()
    per_post = [comments // posts] * posts
    per_post[0] += comments - sum(per_post)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    cid = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for post_id, count in enumerate(per_post, start=1):
            title = escape(rng.choice(pool)[:80])
            out.write(
                f"<item><title>{title}</title>"
                f"<link>https://bench.example/?p={post_id}</link>"
                f"<content:encoded><![CDATA[<p>{rng.choice(pool)}</p>]]></content:encoded>"
                f"<wp:post_id>{post_id}</wp:post_id><wp:post_type>post</wp:post_type>"
                f"<wp:status>publish</wp:status>\n"
            )
            first = cid + 1
            for _ in range(count):
                cid += 1
                parent = rng.randint(first, cid - 1) if cid > first and rng.random() < 0.5 else 0
                text = " ".join(rng.choice(pool) for _ in range(rng.randint(1, 4)))
                if rng.random() < 0.2:
                    text = f"<p>{text}</p><p><em>{rng.choice(pool)}</em></p>"
                roll = rng.random()
                approved = "spam" if roll < 0.01 else "0" if roll < 0.03 else "1"
                when = start + timedelta(minutes=cid)
                out.write(comment_xml(cid, parent, text, when, approved))
            out.write("</item>\n")
        out.write("</channel></rss>\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/forum-import-bench"))
    args = parser.parse_args(argv)

    shutil.rmtree(args.work_dir, ignore_errors=True)
    data = args.work_dir / "data"
    data.mkdir(parents=True)
    export = args.work_dir / "export.xml"
    began = time.perf_counter()
    write_wxr(export, args.comments, args.posts)
    print(
        f"wrote {export} ({export.stat().st_size / 1e6:.1f} MB, {args.comments:,} comments, "
        f"{args.posts} posts) in {time.perf_counter() - began:.1f} s"
    )
    env = {"FORUM_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"}
    forum = [sys.executable, "-m", "forum"]
    subprocess.run([*forum, "migrate"], env=env, check=True, cwd=ROOT, capture_output=True)
    began = time.perf_counter()
    done = subprocess.run(
        [*forum, "import", str(export)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:])
    print(
        f"import: {seconds:.1f} s, {args.comments / seconds:,.0f} comments/s, "
        f"peak RSS {peak_mb:.0f} MB (exit {done.returncode})"
    )
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
