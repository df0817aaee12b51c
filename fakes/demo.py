"""`make demo`: a simulated conversation hour, no account or token needed.

Starts the fake Telegram and YouTube servers, the liveq service on a fresh SQLite database with
the real collectors pointed at the fakes, one live event linked to both chats, and plays a
scripted hour: greetings, chatter, the same questions asked several ways on both platforms,
an edit, a deletion and a ban. Before the stream starts, questions sent in advance arrive: two
through the event's public submission page and, when Dovecot is installed, a few by email through
the real IMAP collector. Open the printed URL and sign in with the printed token.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from collectors.telegram.inbox import SUFFIX as INBOX_SUFFIX
from fakes import telegram as tg
from fakes.telegram import FakeTelegram
from fakes.youtube import FakeYoutube

GROUP = tg.chat(-1001234567890, title="Conversation hour — Telegram")
TAG = "CR&S"

# Sent in advance: (sender, subject, body) by email, and questions typed into /ask/{slug}.
MAILS: list[tuple[str, str, str]] = [
    (
        "Yaw Mensah <yaw@example.org>",
        f"{TAG} two questions",
        "Hello,\n\n1. Where will Wikimania 2027 be held?\n"
        "2. How are the board candidates vetted?\n\nThanks,\nYaw\n-- \nYaw Mensah",
    ),
    ("Zoe <zoe@example.net>", f"{TAG} RSVP", "I will attend. Thank you!"),
    (
        "ines@example.pt",
        f"Re: {TAG} two questions",
        "Will there be captions in Portuguese?\n\nOn Mon, Yaw wrote:\n> 1. Where will Wikimania",
    ),
]
SUBMITTED = [
    ("Ola", "Is the recording going to be on Commons?"),
    ("", "How can I volunteer for the next conversation hour?"),
]
VIDEO = "LiveQdemo01"

# (who, where, what): "tg:<user>" or "yt:<user>"; the text is what they type.
SCRIPT: list[tuple[str, str]] = [
    ("tg:Amina", "Hello everyone, greetings from Lagos!"),
    ("yt:Bruno", "hi from São Paulo 👋"),
    ("tg:Chen", "When does the board election vote close?"),
    ("yt:Dana", "Hi Maggie! When does the vote for the board close?"),
    ("tg:Emeka", "great stream so far"),
    ("yt:Farah", "Will the annual plan be published before the budget vote?"),
    ("tg:Gita", "when does the board election vote close??"),
    ("yt:Hugo", "Q: how can small affiliates apply for rapid grants"),
    ("tg:Amina", "How do small affiliates apply for rapid grants?"),
    ("yt:Ivan", "Why is there a vote at all this year?"),
    ("tg:Jae", "👍"),
    ("yt:Kofi", "Is the foundation going to use AI to write articles?"),
    ("tg:Lena", "Will AI be used to write Wikipedia articles?"),
    ("yt:Mo", "BUY CHEAP FOLLOWERS NOW?? visit spam.example"),
    ("tg:Nia", "Where will Wikimania 2027 be held?"),
    ("yt:Omar", "where will wikimania 2027 be held"),
    ("tg:Pia", "thanks for doing this!"),
    ("yt:Quinn", "What protections exist for volunteers who edit from risky countries?"),
    ("tg:Ravi", "What protections are there for volunteers editing from risky countries?"),
    ("yt:Sara", "¿Cuándo cierra la votación de la junta?"),
    ("tg:Tomas", "Will Wikimania 2028 be in Africa?"),
    ("yt:Uma", "When does the vote close?"),
    ("tg:Vik", "Is the movement charter ratification vote still happening in July?"),
]


async def play(
    fake_tg: FakeTelegram,
    fake_yt: FakeYoutube,
    chat: Any,
    *,
    pace: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Play the script, then an edit, a deletion and a ban."""
    users: dict[str, int] = {}
    yt_ids: dict[str, str] = {}
    tg_updates: dict[str, dict[str, Any]] = {}
    for who, text in SCRIPT:
        platform, name = who.split(":")
        if platform == "tg":
            uid = users.setdefault(name, 1000 + len(users))
            update = tg.message(
                chat=GROUP,
                message_id=fake_tg.new_message_id(),
                text=text,
                sender=tg.user(uid, first_name=name, last_name=None),
                date=int(datetime.now(UTC).timestamp()),
            )
            fake_tg.push(update)
            tg_updates[name] = update
        else:
            yt_ids[name] = fake_yt.post(chat, text, channel_id=f"UC{name.lower():0<22}", name=name)
        await sleep(pace)
    # Tomas edits his message: the ask (and its question) follow the edit.
    fake_tg.push(tg.edited(tg_updates["Tomas"], "Will Wikimania 2028 be held in Africa or Asia?"))
    await sleep(pace)
    # Kofi deletes his message on YouTube; Mo is banned (his spam question disappears).
    fake_yt.delete(chat, yt_ids["Kofi"])
    fake_yt.ban(chat, f"UC{'mo':0<22}", "Mo")
    await sleep(pace)
    fake_yt.super_chat(
        chat,
        "Thank you! Will the recording be shared afterwards?",
        channel_id=f"UC{'wren':0<22}",
        name="Wren",
    )
    fake_yt.post(chat, "Can everyone hear us?", author=chat.owner)  # the host: not a question


async def run(port: int, pace: float, database: Path, stop_after: float | None) -> None:
    import uvicorn

    from app.main import create_app
    from collectors.telegram.run import TelegramCollector
    from collectors.telegram.settings import TelegramSettings
    from collectors.youtube.run import YoutubeCollector
    from collectors.youtube.settings import YoutubeSettings
    from intake.ingest import Intake
    from kit import logs
    from kit.db import make_engine, make_sessionmaker
    from kit.migrate import upgrade_to_head
    from kit.settings import ApiSettings, DatabaseSettings

    db = DatabaseSettings(database_url=f"sqlite+aiosqlite:///{database}")
    await asyncio.to_thread(upgrade_to_head, db)
    admin = "demo-" + secrets.token_urlsafe(18)
    logs.register_secret(admin)
    logs.configure("WARNING")

    fake_tg = FakeTelegram()
    await fake_tg.start()
    fake_yt = FakeYoutube()
    yt_url = await fake_yt.start()
    chat = fake_yt.add_video(VIDEO, polling_interval_ms=1000, owner_name="Maggie (host)")

    dovecot = await asyncio.to_thread(_mailbox)
    engine = make_engine(db)
    sessionmaker = make_sessionmaker(engine)
    slug = await _make_event(sessionmaker, dovecot.url if dovecot else None)

    telegram = TelegramSettings(
        telegram_bot_token=SecretStr(fake_tg.token),
        telegram_api_url=fake_tg.base_url,
        telegram_poll_timeout=2,
    )
    youtube = YoutubeSettings(
        youtube_api_key=SecretStr(fake_yt.api_key),
        youtube_api_endpoint=yt_url,
        youtube_daily_quota=1_000_000,
        youtube_rescan_seconds=2,
    )
    collectors: dict[str, Any] = {
        "telegram": lambda sm, intake: TelegramCollector(telegram, sm, intake),
        "youtube": lambda sm, intake: YoutubeCollector(youtube, sm, intake),
    }
    if dovecot is not None:
        from collectors.email.run import EmailCollector
        from collectors.email.settings import EmailSettings

        email = EmailSettings(email_password=SecretStr(dovecot.password), email_poll_seconds=5)
        collectors["email"] = lambda sm, intake: EmailCollector(email, sm, intake)
    app = create_app(
        database=db,
        api=ApiSettings(admin_token=admin),
        engine=engine,
        sessionmaker=sessionmaker,
        intake=Intake(),
        collectors=collectors,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, timeout_graceful_shutdown=2
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag
        await asyncio.sleep(0.05)
    print(
        f"\nliveq demo on http://127.0.0.1:{port}/  — sign in with: {admin}\n"
        f"(a simulated Telegram group and YouTube chat are playing a conversation hour)\n",
        flush=True,
    )
    await _submit_ahead(port, slug)
    print(
        f"questions sent before the stream: {len(SUBMITTED)} on http://127.0.0.1:{port}/ask/{slug}"
        + (f", {len(MAILS)} mails to {dovecot.url}" if dovecot else " (no Dovecot: no email)"),
        flush=True,
    )
    await asyncio.sleep(3 * pace)  # the collectors' first polls
    player = asyncio.create_task(play(fake_tg, fake_yt, chat, pace=pace))
    try:
        if stop_after is not None:
            await asyncio.wait_for(asyncio.shield(player), timeout=stop_after)
            await asyncio.sleep(4)
            server.should_exit = True
        await serving
    finally:
        player.cancel()
        await fake_tg.close()
        await fake_yt.stop()
        await engine.dispose()
        if dovecot is not None:
            await asyncio.to_thread(dovecot.stop)


def _mailbox() -> Any:
    """A real Dovecot holding the mails sent in advance; None when it is not installed."""
    from email.message import EmailMessage

    from fakes.dovecot import Dovecot, dovecot_binary

    if dovecot_binary() is None:
        return None
    server = Dovecot().start()
    for sender, subject, body in MAILS:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = sender, server.user, subject
        mail.set_content(body)
        server.append(bytes(mail))
    return server


async def _submit_ahead(port: int, slug: str) -> None:
    """Type the questions into the public page, as a visitor's browser would post them."""
    import re

    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for name, question in SUBMITTED:
            page = await client.get(f"/ask/{slug}")
            fields = dict(re.findall(r'name="(csrf|form_id)" value="([^"]+)"', page.text))
            await client.post(f"/ask/{slug}", data={"question": question, "name": name, **fields})


async def _make_event(sessionmaker: Any, mailbox: str | None) -> str:
    from app.events.schemas import EventCreate
    from app.events.service import create_event

    sources: list[dict[str, Any]] = [
        {"platform": "telegram", "chat_id": GROUP["id"]},
        {"platform": "youtube", "video": f"https://youtu.be/{VIDEO}"},
        {"platform": "web", "note": "Send us your questions before the conversation hour."},
    ]
    if mailbox is not None:
        sources.append({"platform": "email", "mailbox": mailbox, "subject_tag": TAG})
    data = EventCreate.model_validate(
        {
            "title": "Conversation hour (demo)",
            "planned_end_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "sources": sources,
        }
    )
    async with sessionmaker() as session, session.begin():
        event = await create_event(session, data=data, actor="demo", now=datetime.now(UTC))
        return event.slug


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--pace", type=float, default=2.5, help="seconds between messages")
    parser.add_argument("--database", type=Path, default=Path("liveq-demo.db"))
    parser.add_argument(
        "--stop-after",
        type=float,
        default=None,
        help="stop once the script has played (for tests), within N seconds",
    )
    args = parser.parse_args()
    # A fresh hour every time, the Telegram inbox too: its bot's next offset would be past the
    # new fake server's update ids.
    for suffix in ("", "-wal", "-shm"):
        for name in (f"{args.database}", f"{args.database}{INBOX_SUFFIX}"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    try:
        asyncio.run(run(args.port, args.pace, args.database, args.stop_after))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
