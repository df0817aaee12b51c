"""Suggestions found as questions arrive: each new question is compared with the event's earlier
ones (by words, and by meaning once the sentence encoder is loaded), and the likely duplicates
are kept, in the ask's own transaction, for the queue row to show.

Bounded per new question: the lexical index reads at most its budget of postings and scores at
most 16 candidates; the meaning stage is one matrix-vector product over the event's embeddings
(512 floats a question) and one model call for the new text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.asks import IncomingAsk
from intake.bookkeeping import touch
from intake.matching.index import EventIndex
from intake.matching.suggest import Meaning, Offer, candidates, offer
from intake.text.detect import is_question
from intake.text.normalize import normalize
from models import MAX_TEXT, MergeBlock, Question, QuestionMode, Suggestion, SuggestionStatus

log = logging.getLogger("liveq.suggest")

# A suggestion is kept (and shown on the row) from this rank up: the lexical score over 100
# plus the cosine, as `offer` ranks them. On the tune half of the labelled set, 76 % of new
# questions get a mark at 0.55, 67 % of marks name the right question, and they catch 66 % of
# repeated asks on the first suggestion (the merge dialog offers five: 93 %).
MARK = 0.55
# By words alone (the encoder off, loading, or failed) the rank is the lexical score over 100:
# at 0.2, 35 % of new questions get a mark on the tune half, 71 % of marks right.
MARK_WORDS = 0.2
# Suggestions kept per question: dismissing one shows the next.
KEEP = 3
# New questions compared by words between two chances for the event loop to serve others.
_YIELD_EVERY = 32


def _rank(words: dict[int, float], near: dict[int, float], o: Offer) -> float:
    return words.get(o.question_id, 0.0) / 100 + max(near.get(o.question_id, 0.0), 0.0)


async def embed_ahead(meaning: Meaning | None, asks: Sequence[IncomingAsk]) -> None:
    """Embed the asks that look like questions before the batch takes its event's queue (on
    SQLite, the database's write lock): the model call, the bulk of the cost by meaning, is
    then never made while other writers wait."""
    if meaning is None or meaning.encoder is None:
        return
    keys = [
        normalize(a.text)
        for a in asks
        if 0 < len(a.text) <= MAX_TEXT
        and is_question(a.text, QuestionMode.auto, force=a.force_question)
    ]
    if keys:
        try:
            await asyncio.to_thread(meaning.embed, [k for k in keys if k])
        except Exception as exc:  # noqa: BLE001 - the model is a help: asks go in regardless
            log.warning("embedding asks failed (%s): suggesting by words", type(exc).__name__)


class _Before:
    """The questions a new one is never compared with: itself and any created after it (a
    larger id), those of a batch still being read (a provisional id, below zero: suggestions
    found after a commit run while the next batch is read), and those its text was split from."""

    __slots__ = ("question_id", "blocked")

    def __init__(self, question_id: int, blocked: frozenset[int]) -> None:
        self.question_id, self.blocked = question_id, blocked

    def __contains__(self, other: object) -> bool:
        return isinstance(other, int) and (
            other >= self.question_id or other < 0 or other in self.blocked
        )


async def suggest_new(
    session: AsyncSession,
    *,
    event_id: int,
    index: EventIndex,
    meaning: Meaning | None,
    new: Sequence[tuple[int, str]],
    blocked: dict[str, frozenset[int]],
    now: datetime,
) -> None:
    """Find and keep suggestions for new questions (id, normalized text), each compared only
    with questions asked before it; then make them candidates by meaning for later ones."""
    rows = await find_suggestions(
        event_id=event_id, index=index, meaning=meaning, new=new, blocked=blocked, now=now
    )
    await store_suggestions(session, rows)


async def find_suggestions(
    *,
    event_id: int,
    index: EventIndex,
    meaning: Meaning | None,
    new: Sequence[tuple[int, str]],
    blocked: dict[str, frozenset[int]],
    now: datetime,
    executor: Executor | None = None,
) -> list[dict[str, Any]]:
    """The suggestion rows for new questions (id, normalized text, in id order): by words on
    the event loop (the index is only changed there), by meaning in a thread (`executor`'s, or
    the loop's default)."""
    if not new:
        return []
    if meaning is not None:
        meaning.warm(event_id, index, besides={qid for qid, _ in new})
    found: list[tuple[int, str, dict[int, float], _Before]] = []
    for n, (qid, key) in enumerate(new):
        if n and n % _YIELD_EVERY == 0:
            await asyncio.sleep(0)  # a backlog found after a flood lets the next batch in
        exclude = _Before(qid, blocked.get(key, frozenset()))
        # The question is indexed already: its signature is not computed twice.
        indexed = index.signatures.get(qid)
        signature = indexed if indexed is not None and indexed.key == key else None
        words = candidates(index, key, exclude=exclude, signature=signature)
        found.append((qid, key, words, exclude))
    nears: list[dict[int, float]] = [{} for _ in found]
    least = MARK_WORDS
    if meaning is not None and meaning.encoder is not None:
        try:
            nears = await asyncio.get_running_loop().run_in_executor(
                executor, _by_meaning, meaning, event_id, index, found
            )
            least = MARK
        except Exception as exc:  # noqa: BLE001 - never lose an ask to the model
            log.warning("suggestions by meaning failed (%s): by words", type(exc).__name__)
    rows = []
    for (qid, _, words, exclude), near in zip(found, nears, strict=True):
        for o in offer(words, near, limit=KEEP, exclude=exclude):
            rank = _rank(words, near, o)
            if rank < least:
                break
            rows.append(
                {
                    "event_id": event_id,
                    "question_id": qid,
                    "into_id": o.question_id,
                    "score": o.score,
                    "rank": rank,
                    "by": o.by,
                    "status": SuggestionStatus.open,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    return rows


async def store_suggestions(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(Suggestion), rows)


def _by_meaning(
    meaning: Meaning,
    event_id: int,
    index: EventIndex,
    found: list[tuple[int, str, dict[int, float], _Before]],
) -> list[dict[int, float]]:
    meaning.embed(key for _, key, _, _ in found)  # one model call for the batch
    nears = [
        meaning.nearest(event_id, key, index=index, exclude=exclude, also=words)
        for _, key, words, exclude in found
    ]
    meaning.add(event_id, [(qid, key) for qid, key, _, _ in found])
    return nears


async def follow_merge(
    session: AsyncSession, *, merged: int, into: int, now: datetime
) -> list[int]:
    """`merged` was folded into `into`: its open suggestions follow, and the questions whose
    row's mark changed are touched (their ids returned, for the live stream to resend).

    A suggestion between the two was taken (merged). One from `merged` closes with it (its
    question is gone). One into `merged` from another question now points at `into`, which
    holds its asks, unless that pair is known already: an open suggestion of the pair stays
    the one shown (this one closes as merged); a pair the moderator dismissed or the host
    split stays apart (this one closes as dismissed, never offered again).
    """
    found = list(
        await session.scalars(
            select(Suggestion).where(
                Suggestion.status == SuggestionStatus.open,
                or_(Suggestion.question_id == merged, Suggestion.into_id == merged),
            )
        )
    )
    if not found:
        return []
    known = await _pairs_with(session, into)
    changed: set[int] = set()
    for s in found:
        changed.add(s.question_id)
        s.updated_at = now
        if s.question_id == merged or s.question_id == into:
            s.status = SuggestionStatus.merged
        elif s.question_id in known:
            s.status = known[s.question_id]
        else:
            s.into_id = into
    rows = await session.scalars(select(Question).where(Question.id.in_(changed)))
    for question in rows:
        touch(question, now)
    await session.flush()
    return sorted(changed)


async def marks_into(session: AsyncSession, *, event_id: int, question_id: int) -> list[int]:
    """The questions whose open suggestion points at `question_id`: their rows' marks show or
    go as it leaves the queue (hidden) or returns, so the live stream resends them."""
    rows = await session.scalars(
        select(Suggestion.question_id).where(
            Suggestion.event_id == event_id,  # served by the event's index of open suggestions
            Suggestion.status == SuggestionStatus.open,
            Suggestion.into_id == question_id,
        )
    )
    return sorted(set(rows))


async def _pairs_with(session: AsyncSession, question_id: int) -> dict[int, SuggestionStatus]:
    """The questions `question_id` is known to be paired with (either way round), and what a
    second suggestion of the pair becomes: merged beside an open one, dismissed beside a
    dismissed or split pair."""
    known: dict[int, SuggestionStatus] = {}
    rows = await session.execute(
        select(Suggestion.question_id, Suggestion.into_id, Suggestion.status).where(
            or_(Suggestion.question_id == question_id, Suggestion.into_id == question_id)
        )
    )
    for a, b, status in rows:
        other = b if a == question_id else a
        if status is SuggestionStatus.dismissed:
            known[other] = SuggestionStatus.dismissed
        else:
            known.setdefault(other, SuggestionStatus.merged)
    blocks = await session.execute(
        select(MergeBlock.question_id, MergeBlock.other_question_id).where(
            or_(MergeBlock.question_id == question_id, MergeBlock.other_question_id == question_id)
        )
    )
    for a, b in blocks:
        known[b if a == question_id else a] = SuggestionStatus.dismissed
    return known
