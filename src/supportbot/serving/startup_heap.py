"""The start-up heap kept out of the garbage collector's way while an engine serves.

A loaded model server holds some 400 thousand objects made at start-up (imported modules, the
model's modules and parameters, its tokenizers) that live as long as it does. Every full
collection of Python's cyclic garbage collector walks all of them: about a quarter of a second on
a small CPU machine, with the GIL held, so the generation loop and the event loop both stand
still and every request in flight waits. When one comes is decided by how many objects were made
since the last, start-up included, so a change to what is imported moves it into or out of a
given burst of requests. Frozen (``gc.freeze``), those objects are skipped by every collection:
full ones then walk only what serving made, and take milliseconds. (``supportbot bot`` does the
same for its process, and vLLM after its engine starts.)

Freezing is process-wide, and engines come and go in one process (tests, an evaluation's
temporary server beside a running one): an engine that stops unfreezes the heap, so that what it
leaves behind can be collected, and the heap is frozen again while other engines still serve.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_serving = 0  # engines started and not yet stopped


def freeze() -> None:
    """An engine starts serving: collect what is garbage now (frozen, it never would be) and
    freeze everything left."""
    global _serving
    with _lock:
        _serving += 1
        gc.collect()
        gc.freeze()


def release() -> None:
    """An engine stopped: its objects may be collected again; the rest stays frozen while any
    other engine still serves."""
    global _serving
    with _lock:
        _serving = max(0, _serving - 1)
        gc.unfreeze()
        if _serving:
            gc.collect()
            gc.freeze()
