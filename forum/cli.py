"""The `forum` command: a thin shell that parses arguments and calls services."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path

from tqdm import tqdm

from forum import db, workers
from forum.content import claim_eval, claim_train
from forum.content.claim_model import MODEL_PATH
from forum.errors import DomainError
from forum.models import Role, Thread
from forum.services import accounts, exports, imports, tokens
from forum.settings import Settings, SettingsError

DEFAULT_EVAL_FILE = "tests/data/claims/heldout.jsonl"


class CommandError(Exception):
    """A message for the user; the command exits with status 1 (2 for usage)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


async def _with_db(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    async with db.startup_lock(settings):
        await db.migrate(settings)
    context = await db.start(settings)
    try:
        return await work()
    finally:
        await db.stop(context)


def _describe(report: imports.FileReport) -> str:
    if report.error:
        return f"error: {report.error}"
    parts = []
    would = "would be " if report.dry_run else ""
    for t in report.threads:
        state = f"{would}created" if t.created else "unchanged"
        parts.append(
            f"thread {t.slug} {state}, comments {t.comments_created} {would}created, "
            f"{t.comments_unchanged} unchanged"
        )
    line = f"{report.path} [{report.format}]: " + ("; ".join(parts) or "no threads")
    line += f", {len(report.skipped)} skipped" if report.skipped else ""
    line += "".join(f"\n  skipped: {s}" for s in report.skipped)
    return line + "".join(f"\n  warning: {w}" for w in report.warnings)


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


async def run_import(
    targets: Sequence[Path | str],
    *,
    quiet: bool = False,
    format: str | None = None,
    dry_run: bool = False,
    allow_private: bool = False,
    thread_url: str | None = None,
) -> list[imports.FileReport]:
    """Import files, folders and page URLs, with a line per file and a progress bar."""
    urls = [str(t) for t in targets if _is_url(str(t))]
    paths = [Path(t) for t in targets if not _is_url(str(t))]
    missing = [p for p in paths if not p.exists()]
    reports = [
        imports.FileReport(path=str(p), error=f"{p}: no such file or folder") for p in missing
    ]
    for report in reports:
        print(_describe(report))
    show = not quiet and sys.stderr.isatty()
    for url in urls:
        reports.append(
            await imports.import_url(
                url, thread_url=thread_url, allow_private=allow_private, dry_run=dry_run
            )
        )
        if not quiet:
            print(_describe(reports[-1]))
    for path in imports.expand_paths(p for p in paths if p.exists()):
        with tqdm(unit="comment", file=sys.stderr, disable=not show, leave=False) as bar:
            bar.set_description(path.name)
            report = await imports.import_file(path, format=format, dry_run=dry_run, progress=bar)
        reports.append(report)
        if not quiet or not report.ok:
            print(_describe(report))
    if not quiet:
        print(_summary(reports))
    return reports


def _summary(reports: list[imports.FileReport]) -> str:
    threads = [t for r in reports for t in r.threads]
    would = " (dry run: nothing written)" if any(r.dry_run for r in reports) else ""
    return (
        f"{len(reports)} file(s){would}: {sum(t.created for t in threads)} thread(s) created, "
        f"{sum(not t.created for t in threads)} unchanged; "
        f"{sum(t.comments_created for t in threads)} comment(s) created, "
        f"{sum(t.comments_unchanged for t in threads)} unchanged, "
        f"{sum(len(r.skipped) for r in reports)} skipped; "
        f"{sum(not r.ok for r in reports)} error(s)"
    )


async def seed_if_empty(settings: Settings) -> None:
    """On an empty database, import the bundled seed documents so the first run has content."""
    if await Thread.exists():
        return
    if not settings.seeds_dir.is_dir():
        print(f"no seeds folder at {settings.seeds_dir}; starting empty", file=sys.stderr)
        return
    print(f"empty database: importing {settings.seeds_dir}", file=sys.stderr)
    await run_import([settings.seeds_dir], quiet=True)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    async def prepare() -> int:
        if not args.no_seeds:
            # Checked and imported under the lock, so processes starting together
            # import the seeds once.
            async with db.startup_lock(settings):
                await seed_if_empty(settings)
        return 0

    asyncio.run(_with_db(settings, prepare))
    options = {
        "factory": True,
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "proxy_headers": True,
        "log_level": args.log_level,
        # Access lines are logged at info: above it they are never printed, and
        # uvicorn would still format each request's client and path to drop them.
        "access_log": args.log_level in ("info", "debug"),
    }
    if args.workers > 1 and workers.balances_connections():
        config = uvicorn.Config("forum.app:app_from_env", **options)
        with contextlib.suppress(KeyboardInterrupt):
            workers.OwnSocketPerWorker(config).run()
    else:
        uvicorn.run("forum.app:app_from_env", **options)
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(db.migrate(settings))
    print("database is up to date")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> int:
        if args.thread_url and sum(_is_url(t) for t in args.targets) != 1:
            raise CommandError("--thread-url names the thread of one page URL", 2)
        reports = await run_import(
            args.targets,
            quiet=args.quiet,
            format=args.format,
            dry_run=args.dry_run,
            allow_private=args.allow_private,
            thread_url=args.thread_url,
        )
        return 0 if all(r.ok for r in reports) else 1

    return asyncio.run(_with_db(settings, work))


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask for a password: use --password-stdin", 2)
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CommandError("the two passwords differ")
    return first


def cmd_create_moderator(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args)

    async def work() -> int:
        moderator = await accounts.create_moderator(args.username, password, Role(args.role))
        print(f"created {moderator.role} {moderator.username}")
        return 0

    return asyncio.run(_with_db(settings, work))


def cmd_create_token(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> int:
        token, secret = await tokens.create_token(args.username, args.name)
        # The secret alone on stdout, so `TOKEN=$(forum create-token alice)` works.
        print(secret)
        print(
            f"created token {token.prefix}... for {args.username}; it is shown only now",
            file=sys.stderr,
        )
        return 0

    return asyncio.run(_with_db(settings, work))


def cmd_list_tokens(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> int:
        for token in await tokens.list_tokens(args.username):
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "live"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            print(
                f"{token.prefix}...  {token.moderator.username:<16} {state:<18} "
                f"last used {used:<16} {token.name}"
            )
        return 0

    return asyncio.run(_with_db(settings, work))


def cmd_revoke_token(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> int:
        token = await tokens.revoke_token(args.prefix)
        print(f"revoked token {token.prefix}...")
        return 0

    return asyncio.run(_with_db(settings, work))


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> int:
        if args.output == "-":
            count = await exports.write_export(sys.stdout)
        else:
            with open(args.output, "w", encoding="utf-8") as out:
                count = await exports.write_export(out)
        print(f"exported {count} thread(s)", file=sys.stderr)
        return 0

    return asyncio.run(_with_db(settings, work))


def _open_lines(path: str) -> Iterator[str]:
    if path == "-":
        yield from sys.stdin
        return
    try:
        with open(path, encoding="utf-8") as handle:
            yield from handle
    except OSError as exc:
        raise CommandError(f"{path}: cannot read ({exc.strerror or exc})") from None


def cmd_check_claims(args: argparse.Namespace, settings: Settings | None) -> int:
    try:
        for record in claim_eval.read_records(_open_lines(args.file)):
            print(json.dumps(claim_eval.annotate(record), ensure_ascii=False))
    except claim_eval.RecordError as exc:
        raise CommandError(f"{args.file}: {exc}") from None
    return 0


def cmd_eval_claims(args: argparse.Namespace, settings: Settings | None) -> int:
    try:
        records = list(claim_eval.read_records(_open_lines(args.file), labelled=True))
    except claim_eval.RecordError as exc:
        raise CommandError(f"{args.file}: {exc}") from None
    print(f"{args.file}")
    print(claim_eval.format_evaluation(claim_eval.evaluate(records)))
    return 0


def cmd_train_claims(args: argparse.Namespace, settings: Settings | None) -> int:
    records = []
    for path in args.files:
        if Path(path).name.startswith("heldout"):
            raise CommandError(f"{path}: the held-out part is for measuring, never for training")
        try:
            records += claim_eval.read_records(_open_lines(path), labelled=True)
        except claim_eval.RecordError as exc:
            raise CommandError(f"{path}: {exc}") from None
    options = {"l2": args.l2, "threshold": args.threshold}
    if args.cv:
        result = claim_train.cross_validate(records, folds=args.cv, **options)
        print(f"{args.cv}-fold cross-validation on {len(records)} items")
        print(claim_eval.format_evaluation(result).split("\n\nmisclassified")[0])
    model = claim_train.train(records, **options)
    out = Path(args.output or MODEL_PATH)
    out.write_text(model.to_json(), encoding="utf-8")
    print(f"wrote {out} ({len(model.weights)} weights, threshold {model.threshold})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="forum",
        description="Discussion forums and blog comments, built around moderation.",
        epilog="Configuration comes from FORUM_* environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="apply migrations and run the web server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--no-seeds", action="store_true", help="do not import seeds/ into an empty database"
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply pending database migrations")
    migrate.set_defaults(func=cmd_migrate)

    imp = sub.add_parser(
        "import",
        help="import exports (WordPress, Blogger, Disqus, Isso, Commento, forum), page text"
        " or a live page by URL",
    )
    imp.add_argument(
        "targets", nargs="+", metavar="PATH_OR_URL", help="files, folders or http(s) URLs"
    )
    imp.add_argument("--quiet", "-q", action="store_true", help="print errors only")
    imp.add_argument(
        "--format",
        choices=sorted(imports.FORMAT_NAMES),
        help="read files as this format instead of detecting it",
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="report what would change; write nothing"
    )
    imp.add_argument(
        "--allow-private",
        action="store_true",
        help="let a URL import fetch from private and loopback addresses",
    )
    imp.add_argument("--thread-url", help="the canonical address to record for a URL's thread")
    imp.set_defaults(func=cmd_import)

    mod = sub.add_parser("create-moderator", help="create a moderator account")
    mod.add_argument("username")
    mod.add_argument("--role", choices=[r.value for r in Role], default=Role.MODERATOR.value)
    mod.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    mod.set_defaults(func=cmd_create_moderator)

    tok = sub.add_parser("create-token", help="make a personal API token for a moderator")
    tok.add_argument("username")
    tok.add_argument("--name", default="", help="what the token is for (shown in listings)")
    tok.set_defaults(func=cmd_create_token)

    lst = sub.add_parser("list-tokens", help="list API tokens (prefix, owner, state, last use)")
    lst.add_argument("username", nargs="?", help="only this moderator's tokens")
    lst.set_defaults(func=cmd_list_tokens)

    rev = sub.add_parser("revoke-token", help="revoke an API token by its shown prefix")
    rev.add_argument("prefix", help="the token's first characters, as list-tokens shows them")
    rev.set_defaults(func=cmd_revoke_token)

    exp = sub.add_parser("export", help="write every thread and comment as JSON")
    exp.add_argument(
        "--output", "-o", default="-", metavar="FILE", help="file to write (default: stdout)"
    )
    exp.set_defaults(func=cmd_export)

    check = sub.add_parser(
        "check-claims",
        help="check JSON lines with a text field; print each with needs_source and its cues",
    )
    check.add_argument("file", nargs="?", default="-", help="JSON lines file (default: stdin)")
    check.set_defaults(func=cmd_check_claims, needs_settings=False)

    ev = sub.add_parser(
        "eval-claims", help="score the claim checker on labelled JSON lines (needs_source)"
    )
    ev.add_argument(
        "file", nargs="?", default=DEFAULT_EVAL_FILE, help=f"default: {DEFAULT_EVAL_FILE}"
    )
    ev.set_defaults(func=cmd_eval_claims, needs_settings=False)

    tr = sub.add_parser(
        "train-claims", help="learn the claim model's weights from labelled development data"
    )
    tr.add_argument("files", nargs="+", metavar="FILE", help="labelled JSON lines (dev only)")
    tr.add_argument("--output", "-o", metavar="FILE", help="default: the package's model file")
    tr.add_argument("--l2", type=float, default=0.03, help="L2 regularisation (default 0.03)")
    tr.add_argument("--threshold", type=float, default=0.55, help="claim probability cut-off")
    tr.add_argument(
        "--cv", type=int, nargs="?", const=5, default=0, help="report k-fold CV first (5)"
    )
    tr.set_defaults(func=cmd_train_claims, needs_settings=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        # The claim commands are pure text tools: they need no database or secret.
        settings = Settings.from_env() if getattr(args, "needs_settings", True) else None
        return args.func(args, settings)
    except (SettingsError, CommandError) as exc:
        print(f"forum: {exc}", file=sys.stderr)
        return getattr(exc, "status", 2)
    except DomainError as exc:
        print(f"forum: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
