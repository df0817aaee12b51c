"""Email collector throughput against a real Dovecot on 127.0.0.1 (skipped without Dovecot).

1. Questions: N distinct questions from N senders, read, parsed, ingested and committed.
2. Mail bomb: N messages from one sender; all but the per-sender limit are skipped.
3. Parsing alone (no server): µs per message, for a plain mail and for the test mailbox's mix.

Run: `.venv/bin/python -m bench.email_bench [--messages N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from collectors.email.parse import read_mail
from collectors.email.run import EmailCollector
from collectors.email.settings import EmailSettings
from fakes.dovecot import Dovecot, dovecot_binary
from intake.ingest import Intake
from kit.db import make_engine, make_sessionmaker
from kit.migrate import upgrade_to_head
from kit.settings import DatabaseSettings
from models import Event, EventSource, EventStatus, Platform, QuestionMode, SourceState

WORDS = "budget vote grants chapter archive policy travel scholarship board election".split()


def _mail(n: int, sender: str) -> bytes:
    a, b, c = WORDS[n % 10], WORDS[(n // 10) % 10], WORDS[(n // 100) % 10]
    return (
        f"From: {sender}\r\nSubject: CR&S q{n}\r\nMessage-ID: <b{n}@bench>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nHi,\r\n\r\nWhat about the {a} "
        f"{b} {c} plan number {n}?\r\n\r\nThanks,\r\nX\r\n"
    ).encode()


async def _read(dovecot: Dovecot, root: Path, name: str) -> tuple[float, dict]:
    db = DatabaseSettings(database_url=f"sqlite+aiosqlite:///{root / name}.db")
    await asyncio.to_thread(upgrade_to_head, db)
    engine = make_engine(db)
    maker = make_sessionmaker(engine)
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    async with maker() as s, s.begin():
        event = Event(
            slug=name,
            title=name,
            status=EventStatus.live,
            question_mode=QuestionMode.auto,
            created_at=now,
        )
        s.add(event)
        await s.flush()
        s.add(
            EventSource(
                event_id=event.id,
                platform=Platform.email,
                email_mailbox=dovecot.url,
                email_subject_tag="CR&S",
                state=SourceState.waiting,
                updated_at=now,
            )
        )
    settings = EmailSettings(
        email_password=SecretStr(dovecot.password), email_poll_seconds=3600, email_batch=200
    )
    collector = EmailCollector(settings, maker, Intake())
    started = time.perf_counter()
    await collector.start()
    status = await collector.wait_for(lambda s: s["passes"] >= 1, within=600)
    elapsed = time.perf_counter() - started
    await collector.stop()
    await engine.dispose()
    return elapsed, status["mailboxes"][0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    args, _ = parser.parse_known_args()
    n = args.messages
    mixed = [_mail(i, f"user{i}@example.org") for i in range(200)]
    started = time.perf_counter()
    for raw in mixed:
        read_mail(raw, fallback_key="k")
    print(f"parse: {(time.perf_counter() - started) / len(mixed) * 1e6:.0f} µs a message")
    if dovecot_binary() is None:
        print("dovecot is not installed: `make test-setup` installs it; server benches skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        with Dovecot() as dovecot:
            dovecot.append_many(_mail(i, f"user{i}@example.org") for i in range(n))
            elapsed, box = asyncio.run(_read(dovecot, Path(tmp), "questions"))
            print(
                f"questions: {n} mails from {n} senders in {elapsed:.1f} s = "
                f"{n / elapsed:,.0f} mails/s (taken {box['messages_taken']})"
            )
        with Dovecot() as dovecot:
            dovecot.append_many(_mail(i, "bomb@example.org") for i in range(n))
            elapsed, box = asyncio.run(_read(dovecot, Path(tmp), "bomb"))
            print(
                f"mail bomb: {n} mails from one sender in {elapsed:.1f} s = "
                f"{n / elapsed:,.0f} mails/s (skipped {box['skipped_over_limit']})"
            )


if __name__ == "__main__":
    main()
