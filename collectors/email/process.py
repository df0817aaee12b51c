"""Parsed mails → asks for one event, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from collectors.email.parse import Mail, clamp_sent, subject_question
from intake.asks import IncomingAsk, IngestResult
from intake.ingest import Intake, ingest
from models import Platform


def mail_asks(mail: Mail, *, source_id: str, tag: str | None, now: datetime) -> list[IncomingAsk]:
    """One ask per question in the mail (the subject stands in for an empty body)."""
    questions = list(mail.questions)
    if not questions:
        subject = subject_question(mail.subject, tag)
        questions = [subject] if subject else []
    asked_at = clamp_sent(mail.sent_at, now=now)
    several = len(questions) > 1
    return [
        IncomingAsk(
            platform=Platform.email,
            source_id=source_id,
            message_id=f"{mail.key}#{n}" if several else mail.key,
            text=text,
            asked_at=asked_at,
            author_id=mail.sender,
            author_name=mail.sender_name,
            source_label="email",
        )
        for n, text in enumerate(questions, start=1)
    ]


async def ingest_mails(
    session: AsyncSession, *, intake: Intake, event_id: int, asks: Sequence[IncomingAsk]
) -> list[IngestResult]:
    if not asks:
        return []
    return await ingest(session, intake=intake, event_id=event_id, asks=asks)
