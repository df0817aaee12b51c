"""Duplicate detection: a matcher (pure scoring) and a per-event index (candidates)."""

from intake.matching.base import Matcher, Signature
from intake.matching.index import EventIndex, IndexRegistry
from intake.matching.lexical import LexicalMatcher

__all__ = ["EventIndex", "IndexRegistry", "LexicalMatcher", "Matcher", "Signature"]
