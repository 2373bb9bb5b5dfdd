"""Pausing Python's cycle collector while a large, cycle-free structure is built.

A 50,000-comment thread becomes 50,000 rows, nodes and dicts, all alive at once. Each
batch of new containers sets off the cycle collector, and the oldest generation's passes
walk every object the process holds, growing with the tree: most of a large thread's
cold read went there. None of these objects form cycles (a reply holds its parent's id,
not the parent), so reference counting frees them, and pausing the collector for the
build loses nothing.

Only around synchronous code: no other task runs during the pause. Held across an
await, pauses from concurrent requests overlapped so often under load that the
collector hardly ran, and a worker grew past 480 MB of uncollected cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
