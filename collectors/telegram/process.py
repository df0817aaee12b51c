"""One batch of parsed updates → the queue, inside the caller's transaction.

Polling and the webhook both call `process_batch`; the caller commits, and only then confirms the
updates to Telegram (polling) or answers 200 (webhook), so a crash in between loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from collectors.telegram.parse import (
    Agreement,
    ChatSeen,
    Edit,
    NewAsk,
    Parsed,
    Reaction,
    ReactionCount,
)
from collectors.telegram.store import Route, activate_sources, remember_chats, routes_for
from intake.asks import Outcome
from intake.ingest import Intake, ingest
from intake.source_changes import asks_for_messages, edit_ask
from intake.suggest_later import SuggestLater
from intake.votes import VoteIn, upvotes, voter_key
from models import Platform, SourceState


@dataclass(frozen=True, slots=True)
class AckRequest:
    """A reply to send after the commit: the asker's message became (part of) a question."""

    chat_id: int
    chat_type: str
    message_id: int
    thread_id: int | None


@dataclass
class BatchOutcome:
    updates: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    votes: int = 0
    edits: int = 0
    acks: list[AckRequest] = field(default_factory=list)
    # Events whose in-memory index ingest changed: to forget if the transaction rolls back.
    events: set[int] = field(default_factory=set)

    def count(self, name: str, n: int = 1) -> None:
        self.outcomes[name] = self.outcomes.get(name, 0) + n


async def process_batch(
    session: AsyncSession,
    *,
    intake: Intake,
    batch: Sequence[Parsed],
    into: BatchOutcome | None = None,
    later: SuggestLater | None = None,
) -> BatchOutcome:
    """Apply a batch of updates in order; the caller owns (and commits) the transaction.

    `into` lets the caller see what was done even when the transaction later fails; `later`
    finds the new questions' suggestions after the commit (intake/suggest_later.py).
    """
    result = into if into is not None else BatchOutcome()
    result.updates = len(batch)
    chats = {p.chat.id: p.chat for p in batch if p.chat is not None}
    if not chats:
        return result
    _hold_strongly(session)
    now = intake.clock()
    await remember_chats(session, chats=list(chats.values()), now=now)
    routes = await routes_for(session, chat_ids=list(chats))
    waking = [r.source_id for rs in routes.values() for r in rs if r.state != SourceState.active]
    if waking:
        await activate_sources(session, source_ids=waking, now=now)
    run = _Run(session, intake, routes, chats, result, later)
    # New asks first, in one ingest; then what refers to earlier messages (edits, votes,
    # "+1" replies), in order, votes together. A follow-up only ever refers to an earlier
    # message, so this is the same as applying each update in turn.
    follow_ups: list[Agreement | Edit | Reaction | ReactionCount] = []
    for parsed in batch:
        intent = parsed.intent
        if intent is None or not routes.get(_chat_of(intent)):
            continue  # a chat no live event collects from is only remembered
        if isinstance(intent, NewAsk):
            run.queue(intent)
        else:
            follow_ups.append(intent)
    await run.flush()
    await run.settle(follow_ups)
    await run.flush()  # "+1" replies to messages that are no question: ordinary asks
    return result


def _target_of(intent: Agreement | Edit | Reaction | ReactionCount) -> int:
    return intent.target_message_id if isinstance(intent, Agreement) else intent.message_id


def _hold_strongly(session: AsyncSession) -> None:
    """Keep every object the batch loads in memory until the session ends.

    The identity map holds objects weakly: without this, ingest and upvote would reload the same
    event and questions from the database for every ask of the batch.
    """
    held: list[object] = []
    sync = session.sync_session
    for name in ("loaded_as_persistent", "pending_to_persistent"):
        event.listen(sync, name, lambda _s, obj: held.append(obj))
    sync.info["telegram_held"] = held


def _chat_of(intent: NewAsk | Agreement | Edit | Reaction | ReactionCount) -> int:
    return intent.fallback.chat_id if isinstance(intent, Agreement) else intent.chat_id


class _Run:
    """The state of one batch: asks waiting to be ingested per event, in arrival order."""

    def __init__(
        self,
        session: AsyncSession,
        intake: Intake,
        routes: dict[int, list[Route]],
        chats: dict[int, ChatSeen],
        result: BatchOutcome,
        later: SuggestLater | None,
    ) -> None:
        self.session, self.intake, self.routes, self.chats = session, intake, routes, chats
        self.result, self.later = result, later
        self.pending: dict[int, list[NewAsk]] = {}
        self.queued: set[tuple[int, int]] = set()
        self.acknowledging = {r.event_id for rs in routes.values() for r in rs if r.acknowledge}
        self.acked: set[tuple[int, int]] = set()

    def _events(self, chat_id: int) -> set[int]:
        """The events collecting from a chat."""
        return {r.event_id for r in self.routes.get(chat_id, [])}

    def queue(self, new: NewAsk) -> None:
        for route in self.routes.get(new.chat_id, []):
            if route.takes(new.thread_id):
                self.pending.setdefault(route.event_id, []).append(new)
                self.queued.add((new.chat_id, new.message_id))

    def is_queued(self, chat_id: int, message_id: int) -> bool:
        return (chat_id, message_id) in self.queued

    async def flush(self) -> None:
        pending, self.pending = self.pending, {}
        self.queued.clear()
        for event_id, news in pending.items():
            self.result.events.add(event_id)
            results = await ingest(
                self.session,
                intake=self.intake,
                event_id=event_id,
                asks=[n.ask for n in news],
                later=self.later,
            )
            for new, res in zip(news, results, strict=True):
                self.result.count(res.outcome.value)
                if (
                    res.outcome in (Outcome.created, Outcome.merged)
                    and event_id in self.acknowledging
                    and (new.chat_id, new.message_id) not in self.acked
                ):
                    self.acked.add((new.chat_id, new.message_id))
                    self.result.acks.append(
                        AckRequest(
                            new.chat_id, self.chats[new.chat_id].type, new.message_id, new.thread_id
                        )
                    )

    async def settle(self, intents: Sequence[Agreement | Edit | Reaction | ReactionCount]) -> None:
        """Apply follow-ups in order: runs of votes together, an edit on its own."""
        votes: list[Agreement | Reaction | ReactionCount] = []
        for intent in intents:
            if isinstance(intent, Edit) or self.is_queued(_chat_of(intent), _target_of(intent)):
                await self.cast(votes)
                votes = []
                await self.flush()  # a "+1" to a reply that became an ask just above
            if isinstance(intent, Edit):
                self.result.edits += len(
                    await edit_ask(
                        self.session,
                        intake=self.intake,
                        event_ids=self._events(intent.chat_id),
                        platform=Platform.telegram,
                        source_id=str(intent.chat_id),
                        message_id=str(intent.message_id),
                        text=intent.text,
                    )
                )
            else:
                votes.append(intent)
        await self.cast(votes)

    async def cast(self, intents: Sequence[Agreement | Reaction | ReactionCount]) -> None:
        """Votes on the questions messages became, together; an agreement with a message that
        became no question is an ordinary message."""
        if not intents:
            return
        asks = await asks_for_messages(
            self.session,
            event_ids={e for i in intents for e in self._events(_chat_of(i))},
            platform=Platform.telegram,
            messages={(str(_chat_of(i)), str(_target_of(i))) for i in intents},
        )
        secret = await self.intake.secret(self.session)
        votes: list[VoteIn] = []
        for intent in intents:
            chat_id, target = _chat_of(intent), _target_of(intent)
            thread_id = intent.fallback.thread_id if isinstance(intent, Agreement) else None
            events = {
                r.event_id
                for r in self.routes.get(chat_id, [])
                if r.takes(thread_id) or thread_id is None
            }
            targets = [a for a in asks.get((str(chat_id), str(target)), []) if a[0] in events]
            if not targets:
                if isinstance(intent, Agreement):
                    self.queue(intent.fallback)
                continue
            if isinstance(intent, ReactionCount):
                voter, weight, replace = f"reactions:{chat_id}:{target}", intent.total, True
            else:
                voter = voter_key(secret, Platform.telegram, intent.voter_id)
                voting = isinstance(intent, Agreement) or intent.voting
                weight, replace = (1, False) if voting else (0, True)
            votes.extend(VoteIn(qid, voter, weight, replace) for _, qid in targets)
        changed = await upvotes(
            self.session, intake=self.intake, platform=Platform.telegram, votes=votes
        )
        self.result.votes += sum(changed)
