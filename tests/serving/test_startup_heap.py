"""The start-up heap is frozen while an engine serves, and collectable again once it stops."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from supportbot.serving import startup_heap


def test_a_serving_engine_keeps_the_start_up_heap_out_of_collections(engine: Any) -> None:
    assert engine.alive
    assert gc.get_freeze_count() > 0
    collected = set(map(id, gc.get_objects()))  # what collections look at: the frozen are not
    assert id(engine.model) not in collected


def test_what_was_frozen_is_collected_once_its_engine_stops() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    node = Node()
    alive = weakref.ref(node)
    startup_heap.freeze()
    try:
        del node
        gc.collect()
        assert alive() is not None  # frozen: every collection skips it
    finally:
        startup_heap.release()
    gc.collect()
    assert alive() is None
