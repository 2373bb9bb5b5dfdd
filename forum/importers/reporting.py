"""Where a parser's warnings go when no thread is left to carry them.

Warnings about a thread's own records ride on its `ImportedThread.warnings`. A streaming
parser sometimes learns of a problem only after that thread was yielded (a Disqus post with
a bad date, far down the file) or about something that has no thread at all (a post naming
a thread the export lacks). Those go to the `on_warning` callback a caller passes to
`records()`; a caller that passes none still sees them in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

Warn = Callable[[str], None]

logger = logging.getLogger("forum.importers")


def log_warning(message: str) -> None:
    """The default `on_warning`: keep the message in the application log."""
    logger.warning("%s", message)
