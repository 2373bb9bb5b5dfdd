"""Reading the timestamps of export formats into timezone-aware UTC datetimes.

Exports write times in several shapes (ISO 8601 with or without an offset, "YYYY-MM-DD
HH:MM:SS", Unix seconds). A time that cannot be read must not stop an import: it becomes
None (the service then uses the import time) and the caller records a warning.
"""

from __future__ import annotations

from datetime import UTC, datetime

# Dates before this are placeholders ("0000-00-00", "1970-01-01"), not real comment times.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def parse_time(value: str | float | None) -> datetime:
    """A UTC datetime from ISO 8601 text (naive text is taken as UTC) or Unix seconds.

    Raises ValueError, with the value in the message, for anything else.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{value!r} is not a time") from None
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a time") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
    else:
        raise ValueError(f"{value!r} is not a time")
    parsed = parsed.astimezone(UTC)
    if parsed < EARLIEST:
        raise ValueError(f"{value!r} is a placeholder, not a time")
    return parsed


def read_time(value: str | float | None, where: str, warnings: list[str]) -> datetime | None:
    """`parse_time`, but a bad time becomes None and a warning naming `where`.

    A missing time (None or empty text) is None without a warning: formats leave it out.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        warnings.append(f"{where}: {exc}; the import time is used instead")
        return None
