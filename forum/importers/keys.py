"""Import keys: the stable identity of an imported thread or comment.

A key is what makes a second import of the same export change nothing, so it must be built
only from what the export itself says (ids, guids, URLs), never from the time of import or
the position in the file. Keys start with the format's name, which keeps two formats' ids
apart; they must also fit the `import_key` column (255 characters), and URLs can be longer,
so an over-long key keeps a readable start and ends with a digest of the whole.
"""

from __future__ import annotations

import hashlib

MAX_KEY_CHARS = 255
DIGEST_CHARS = 20


def make_key(*parts: str) -> str:
    """Join `parts` with ":"; a key over the column's length is shortened with a digest."""
    key = ":".join(parts)
    if len(key) <= MAX_KEY_CHARS:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:DIGEST_CHARS]
    return f"{key[: MAX_KEY_CHARS - DIGEST_CHARS - 1]}~{digest}"


def content_key(prefix: str, *fields: str) -> str:
    """A key for a record that has no id of its own: a digest of what it says.

    Re-importing the same export finds the same record again; the price is that an edited
    comment without an id counts as a new one.
    """
    digest = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:DIGEST_CHARS]
    return make_key(prefix, f"sha-{digest}")
