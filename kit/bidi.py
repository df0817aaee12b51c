"""Bidirectional control characters: the ones that can reorder what a reader sees."""

from __future__ import annotations

import re

# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): "safe\u202egpj.exe"
# shows as "safeexe.jpg". Right-to-left text needs none of them (its letters carry their own
# direction), so they are dropped from what people read. The marks (LRM, RLM, ALM) stay: they
# only nudge neutral characters and cannot flip a run.
_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def neutralise(text: str) -> str:
    """`text` without the bidirectional controls that reorder it."""
    return _CONTROLS.sub("", text)


def neutralise_optional(text: str | None) -> str | None:
    return None if text is None else neutralise(text)
