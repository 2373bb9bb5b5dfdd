"""Pausing Python's cycle collector while a large, cycle-free structure is built.

A 50,000-comment thread becomes 50,000 rows, nodes and dicts, all alive at once. Each
batch of new containers sets off the cycle collector, and the oldest generation's passes
walk every object the process holds, growing with the tree: three quarters of a large
thread's cold read went there. None of these objects form cycles (a reply holds its
parent's id, not the parent), so reference counting frees them, and pausing the
collector for the build loses nothing. Garbage cycles other requests make meanwhile are
collected once the pause ends. Pauses may overlap across tasks (a database read awaits
inside one); the collector runs again when the last of them ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
_resume = False


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth, _resume
    if _depth == 0:
        _resume = gc.isenabled()
        gc.disable()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _resume:
            gc.enable()
