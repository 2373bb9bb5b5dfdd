"""Settings read from the environment once, then passed around explicitly.

Nothing in forum imports settings as a global: `create_app(settings)` and the CLI take a
`Settings` value, so every test can build a fresh one for a temporary data folder.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SECRET_KEY_FILE = "secret_key"


class SettingsError(ValueError):
    """A configuration value that cannot be used; the message names the variable."""


def _default_database_url(data_dir: Path) -> str:
    return f"sqlite://{data_dir / 'forum.sqlite3'}"


def database_url_from_env(env: Mapping[str, str] = os.environ) -> str:
    """The database URL alone, without touching the secret key (used by Tortoise's CLI)."""
    data_dir = Path(env.get("FORUM_DATA_DIR", "data")).resolve()
    return env.get("FORUM_DATABASE_URL") or _default_database_url(data_dir)


def load_or_create_secret_key(data_dir: Path) -> str:
    """Return the secret kept in the data folder, creating it (mode 0600) on first use.

    A generated secret survives restarts, so signed cookies and IP hashes stay valid, and it
    is never a constant in code or in the repository.
    """
    path = data_dir / SECRET_KEY_FILE
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    os.chmod(path, 0o600)
    return key


def _split_origins(raw: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise SettingsError(
                f"FORUM_ALLOWED_ORIGINS: {origin!r} is not an origin like https://blog.example"
            )
    return origins


def parse_rate(raw: str) -> tuple[int, int] | None:
    """ "5/minute" -> (5, 60); "off" -> None (no limit)."""
    raw = raw.strip().lower()
    if raw in {"off", "none", "0"}:
        return None
    units = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
    count, _, unit = raw.partition("/")
    unit = unit.removesuffix("s")
    if not count.isdigit() or int(count) <= 0 or unit not in units:
        raise SettingsError(f"FORUM_POST_RATE: {raw!r} is not like 5/minute, 100/hour or off")
    return int(count), units[unit]


def _frame_ancestors(raw: str) -> str:
    """Sources allowed to frame pages, for the CSP frame-ancestors directive."""
    allowed = re.compile(r"^('self'|'none'|https?://[a-zA-Z0-9.*:-]+)$")
    sources = raw.split()
    if not sources or not all(allowed.match(s) for s in sources):
        raise SettingsError(
            f"FORUM_FRAME_ANCESTORS: {raw!r} must be 'self', 'none' or origins like "
            "https://blog.example, separated by spaces"
        )
    return " ".join(sources)


def _positive_int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}: {raw!r} is not a whole number") from None
    if value < minimum:
        raise SettingsError(f"{name}: must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything forum needs to know about its environment, resolved once."""

    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    allowed_origins: tuple[str, ...] = ()
    redis_url: str | None = None
    redis_prefix: str = "forum"
    seeds_dir: Path = Path("seeds")
    db_pool_size: int = 10
    post_rate: tuple[int, int] | None = (5, 60)
    edit_window_seconds: int = 900
    frame_ancestors: str = "'self'"
    secure_cookies: bool = False
    source_window_seconds: int = 7 * 86400
    allow_private_links: bool = False
    premoderation: bool = False
    thread_cache_mb: int = 16

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        data_dir = Path(env.get("FORUM_DATA_DIR", "data")).resolve()
        secret = env.get("FORUM_SECRET_KEY") or load_or_create_secret_key(data_dir)
        if len(secret) < 16:
            raise SettingsError("FORUM_SECRET_KEY: use at least 16 characters")
        return cls(
            data_dir=data_dir,
            database_url=database_url_from_env(env),
            secret_key=secret,
            allowed_origins=_split_origins(env.get("FORUM_ALLOWED_ORIGINS", "")),
            redis_url=env.get("FORUM_REDIS_URL") or None,
            redis_prefix=env.get("FORUM_REDIS_PREFIX", "forum"),
            seeds_dir=Path(env.get("FORUM_SEEDS_DIR", "seeds")).resolve(),
            db_pool_size=_positive_int(env, "FORUM_DB_POOL_SIZE", 10),
            post_rate=parse_rate(env.get("FORUM_POST_RATE", "5/minute")),
            edit_window_seconds=_positive_int(env, "FORUM_EDIT_WINDOW", 900),
            frame_ancestors=_frame_ancestors(env.get("FORUM_FRAME_ANCESTORS", "'self'")),
            secure_cookies=env.get("FORUM_SECURE_COOKIES", "") in {"1", "true", "yes"},
            source_window_seconds=_positive_int(env, "FORUM_SOURCE_WINDOW", 7 * 86400),
            allow_private_links=env.get("FORUM_ALLOW_PRIVATE_LINKS", "") in {"1", "true", "yes"},
            premoderation=env.get("FORUM_PREMODERATION", "") in {"1", "true", "yes"},
            thread_cache_mb=_positive_int(env, "FORUM_THREAD_CACHE_MB", 16, minimum=0),
        )
