"""The cycle collector pause: overlapping pauses end with the collector running again."""

from __future__ import annotations

import asyncio
import gc

from forum.gcpause import paused_gc


async def test_overlapping_pauses_resume_the_collector_when_the_last_one_ends():
    assert gc.isenabled()
    first_in, second_in = asyncio.Event(), asyncio.Event()

    async def first():
        with paused_gc():
            first_in.set()
            await second_in.wait()
        assert not gc.isenabled()  # the second pause is still open

    async def second():
        await first_in.wait()
        with paused_gc():
            second_in.set()
            await asyncio.sleep(0.01)
            assert not gc.isenabled()

    await asyncio.gather(first(), second())
    assert gc.isenabled()


def test_a_pause_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
