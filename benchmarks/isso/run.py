"""Run Isso, from its own venv, under gunicorn, on a database `generate.py` wrote.

    python3 benchmarks/isso/run.py --db /tmp/forum-bench/isso.sqlite3 --port 18080

Isso is the comparison the issue asks for, so it runs as its users run it: `pip install
isso gunicorn` in a venv of its own (never forum's; `/tmp/isso-venv` by default, made on
first use and not committed), gunicorn's sync workers, and a config written next to the
database. The settings that differ from Isso's defaults, and why:

- `[general] host`: Isso refuses to start without one, and HEADs it at start-up; a closed
  local port answers at once, where a real site would be unreachable from this machine.
- `[guard] enabled = false`: Isso's spam guard allows 2 comments a minute per address;
  forum's own limit is switched off for the same benchmark (FORUM_POST_RATE=off).
- `[admin] enabled = true`: its moderation page (`/admin/`) is the counterpart of forum's
  queue page.

The script replaces itself with gunicorn (exec), so the caller's process id is gunicorn's
master and stopping it stops Isso.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

DEFAULT_VENV = Path("/tmp/isso-venv")
ADMIN_PASSWORD = "bench-admin-password"
CONFIG = """\
[general]
dbpath = {db}
host = http://127.0.0.1:1/
max-age = 15m
notify = stdout
log-file = {log}

[server]
listen = http://127.0.0.1:{port}/
public-endpoint = http://127.0.0.1:{port}

[guard]
enabled = false

[admin]
enabled = true
password = {password}

[moderation]
enabled = false
"""


def ensure_venv(venv: Path = DEFAULT_VENV) -> Path:
    """Isso and gunicorn in their own venv; made once, reused after."""
    gunicorn = venv / "bin" / "gunicorn"
    if not gunicorn.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "isso", "gunicorn"], check=True
        )
    return gunicorn


def isso_version(venv: Path = DEFAULT_VENV) -> str:
    """Asked before anything starts, so on a new machine it makes the venv first."""
    ensure_venv(venv)
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import isso; print(isso.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "unknown"


def write_config(db: Path, port: int) -> Path:
    """isso.cfg beside the database (its log too)."""
    path = db.with_name("isso.cfg")
    path.write_text(
        CONFIG.format(db=db, port=port, password=ADMIN_PASSWORD, log=db.with_name("isso.log")),
        encoding="utf-8",
    )
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    args = parser.parse_args(argv)
    gunicorn = ensure_venv(args.venv)
    config = write_config(args.db.resolve(), args.port)
    os.environ["ISSO_SETTINGS"] = str(config)
    os.execv(
        gunicorn,
        [
            str(gunicorn),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
            "isso.run",
        ],
    )


if __name__ == "__main__":
    main()
