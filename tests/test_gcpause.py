"""The cycle collector pause restores the collector's state, however the block ends."""

from __future__ import annotations

import gc

import pytest

from forum.gcpause import paused_gc


def test_the_collector_runs_again_after_the_pause_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_pause_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
