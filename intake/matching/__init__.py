"""Duplicate detection: a matcher (pure scoring) and a per-event index (candidates)."""

from collectors.matching.base import Matcher, Signature
from collectors.matching.index import EventIndex, IndexRegistry
from collectors.matching.lexical import LexicalMatcher

__all__ = ["EventIndex", "IndexRegistry", "LexicalMatcher", "Matcher", "Signature"]
