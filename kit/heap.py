"""Keeping the garbage collector's full passes short.

The service holds large, long-lived structures (the libraries themselves, each event's match
index, its embeddings): a full collection walks every one of them, and at 10,000 questions
that pause was 130–260 ms, on the event loop, every few seconds under load (a queue read's
p99 went from 10 ms to 250 ms). Moving what exists into the collector's permanent generation
once it is built (`gc.freeze`) leaves full passes only the objects made since. Frozen objects
are still freed by reference counting; only a cycle among them would wait for `unfreeze`.
"""

from __future__ import annotations

import gc

# Below this many objects made since the last freeze, freezing again is not worth a call.
_WORTH_IT = 10_000


_settled = False


def settle() -> None:
    """At start, once the libraries are loaded: collect what start-up left, freeze the rest.
    Once per process (a test run starts many apps)."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()


_grown = 0


def grown(made: int) -> None:
    """A long-lived structure grew by about `made` objects (an event's index as questions
    arrive): once enough has accumulated, collect the young generations and freeze the rest,
    so that a flood's full collections walk only what it made since (they took a sixth of a
    3,000-question flood, walking every earlier flood's questions)."""
    global _grown
    _grown += made
    if _grown >= _WORTH_IT:
        _grown = 0
        gc.collect(1)
        gc.freeze()


def keep(made: int = _WORTH_IT) -> None:
    """After building a long-lived structure of about `made` objects (an event's index, its
    embeddings): freeze it, so full collections no longer walk it."""
    if made >= _WORTH_IT:
        gc.freeze()
