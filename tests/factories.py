"""Keyword-only factories for test rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from intake.asks import IncomingAsk
from models import Event, EventSource, EventStatus, Platform, QuestionMode, SourceState

T0 = datetime(2026, 2, 15, 17, 0, tzinfo=UTC)


async def make_event(
    session: AsyncSession,
    *,
    title: str = "Conversation hour",
    mode: QuestionMode = QuestionMode.auto,
    review: bool = False,
    telegram_chats: tuple[int, ...] = (),
    telegram_thread: int | None = None,
    youtube_videos: tuple[str, ...] = (),
    status: EventStatus = EventStatus.live,
    acknowledge: bool = False,
    paid_boost: int = 0,
    include_moderators: bool = False,
    mailboxes: tuple[str, ...] = (),
    subject_tag: str | None = None,
    move_to: str | None = None,
) -> Event:
    """A flushed event with the given sources."""
    now = datetime.now(UTC)
    event = Event(
        slug=f"{title.lower().replace(' ', '-')}-{id(session) % 100000}-{now.timestamp()}",
        title=title,
        status=status,
        question_mode=mode,
        review=review,
        acknowledge=acknowledge,
        paid_boost=paid_boost,
        include_moderators=include_moderators,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    for chat in telegram_chats:
        session.add(
            EventSource(
                event_id=event.id,
                platform=Platform.telegram,
                telegram_chat_id=chat,
                telegram_thread_id=telegram_thread,
                state=SourceState.waiting,
                updated_at=now,
            )
        )
    for video in youtube_videos:
        session.add(
            EventSource(
                event_id=event.id,
                platform=Platform.youtube,
                youtube_video_id=video,
                state=SourceState.waiting,
                updated_at=now,
            )
        )
    for mailbox in mailboxes:
        session.add(
            EventSource(
                event_id=event.id,
                platform=Platform.email,
                email_mailbox=mailbox,
                email_subject_tag=subject_tag,
                email_move_to=move_to,
                state=SourceState.waiting,
                updated_at=now,
            )
        )
    await session.flush()
    return event


def make_ask(
    *,
    text: str,
    message_id: str,
    platform: Platform = Platform.telegram,
    source_id: str = "-1001",
    author_id: str | None = None,
    author_name: str | None = None,
    asked_at: datetime = T0,
    **extra: object,
) -> IncomingAsk:
    return IncomingAsk(
        platform=platform,
        source_id=source_id,
        message_id=message_id,
        text=text,
        asked_at=asked_at,
        author_id=author_id,
        author_name=author_name,
        **extra,
    )  # type: ignore[arg-type]
