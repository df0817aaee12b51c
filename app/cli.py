"""The `liveq` command: serve, migrate, events, exports, tokens, collectors, purge."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import typer
from pydantic import ValidationError

from kit import blas  # noqa: F401 - before numpy loads
from kit.settings import ApiSettings, DatabaseSettings, describe_error

T = TypeVar("T")

cli = typer.Typer(
    help="liveq: one calm, deduplicated question queue for live Q&A.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
event_cli = typer.Typer(help="Create and list events.", no_args_is_help=True)
token_cli = typer.Typer(help="API tokens.", no_args_is_help=True)
collect_cli = typer.Typer(help="Run one collector alone (without the API).", no_args_is_help=True)
telegram_cli = typer.Typer(help="Telegram helpers.", no_args_is_help=True)
cli.add_typer(event_cli, name="event")
cli.add_typer(token_cli, name="token")
cli.add_typer(collect_cli, name="collect")
cli.add_typer(telegram_cli, name="telegram")


def fail(message: str) -> None:
    typer.echo(f"liveq: {message}", err=True)
    raise typer.Exit(2)


def load(factory: Callable[[], T]) -> T:
    """Settings from the environment; a bad value ends the command with one clear line."""
    try:
        return factory()
    except ValidationError as exc:
        fail(describe_error(exc))
        raise  # unreachable


def run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(coro_factory())  # type: ignore[arg-type]


async def _with_session(database: DatabaseSettings, work: Callable[[Any], Awaitable[T]]) -> T:
    from kit.db import make_engine, make_sessionmaker

    engine = make_engine(database)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


def _migrate(database: DatabaseSettings) -> None:
    from kit.migrate import upgrade_to_head

    try:
        upgrade_to_head(database)
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback
        fail(f"cannot migrate {_safe_url(database.database_url)}: {type(exc).__name__}: {exc}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@cli.command()
def migrate() -> None:
    """Upgrade the database schema to the newest version."""
    database = load(DatabaseSettings)
    _migrate(database)
    typer.echo(f"schema at head on {_safe_url(database.database_url)}")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Migrate once, then serve the API (and every configured collector)."""
    import uvicorn

    from app.main import create_app
    from app.wiring import collector_factories, secrets_to_redact
    from kit import logs

    database, api = load(DatabaseSettings), load(ApiSettings)
    factories = collector_factories(load)
    for secret in secrets_to_redact(api, load):
        logs.register_secret(secret)
    logs.configure()
    _migrate(database)
    url = f"http://{host}:{port}"
    typer.echo(f"liveq serving on {url}  (API docs: {url}/docs)")
    if not api.admin_token:
        token = run(lambda: _with_session(database, lambda s: _new_token(s, "admin", "serve")))
        logs.register_secret(token)
        typer.echo(f"admin token (new, shown once): {token}")
    from intake.matching.hostlog import MergeLogSettings

    app = create_app(
        database=database, api=api, collectors=factories, merge_log=load(MergeLogSettings).merge_log
    )
    # Live streams stay open for minutes: do not let them hold a restart up (clients resume).
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, proxy_headers=True, timeout_graceful_shutdown=5
    )
    uvicorn.Server(config).run()


async def _new_token(session: Any, role: str, name: str) -> str:
    from app.auth.tokens import create_token
    from models import Role

    return await create_token(session, role=Role(role), name=name, now=datetime.now(UTC))


@token_cli.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, host, moderator or viewer")],
    name: Annotated[str, typer.Option(help="who or what holds it")] = "cli",
) -> None:
    """Create an API token; it is shown once and stored hashed."""
    if role not in {"admin", "host", "moderator", "viewer"}:
        fail(f"--role must be admin, host, moderator or viewer (got {role!r})")
    if not name.strip() or len(name) > 120:
        fail(f"--name must be 1 to 120 characters (got {len(name)})")
    database = load(DatabaseSettings)
    _migrate(database)
    token = run(lambda: _with_session(database, lambda s: _new_token(s, role, name)))
    typer.echo(token)


@token_cli.command("list")
def token_list() -> None:
    """List API tokens (id, role, name, created, last used, revoked); never their secret."""
    from app.tokens.service import list_tokens

    database = load(DatabaseSettings)
    _migrate(database)
    tokens = run(lambda: _with_session(database, list_tokens))
    for t in tokens:
        used = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "never"
        state = "revoked" if t.revoked else "active"
        created = t.created_at.isoformat(timespec="seconds")
        typer.echo(f"{t.id}\t{t.role.value}\t{state}\t{created}\t{used}\t{t.name}")


@token_cli.command("revoke")
def token_revoke(
    token_id: Annotated[
        int, typer.Argument(help="the token's id (token list)", min=1, max=2**31 - 1)
    ],
) -> None:
    """Revoke a token; a running service refuses it within seconds."""
    from app.events.service import NotFound
    from app.tokens.service import revoke_token

    database = load(DatabaseSettings)
    _migrate(database)
    try:
        token = run(
            lambda: _with_session(database, lambda s: revoke_token(s, token_id=token_id, by=None))
        )
    except NotFound as exc:
        fail(str(exc))
    typer.echo(f"token {token.id} ({token.name}) revoked")


@event_cli.command("create")
def event_create(
    title: Annotated[str, typer.Option(help="e.g. 'Conversation hour, 15 February'")],
    telegram_chat: Annotated[list[int] | None, typer.Option(help="Telegram chat id")] = None,
    youtube: Annotated[list[str] | None, typer.Option(help="YouTube video id or URL")] = None,
    mode: Annotated[str, typer.Option(help="auto, all or marked")] = "auto",
) -> None:
    """Create a live event; prints its id."""
    from app.events.schemas import EventCreate
    from app.events.service import create_event

    try:
        data = EventCreate.model_validate(
            {
                "title": title,
                "question_mode": mode,
                "sources": [{"platform": "telegram", "chat_id": c} for c in telegram_chat or []]
                + [{"platform": "youtube", "video": v} for v in youtube or []],
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    database = load(DatabaseSettings)
    _migrate(database)

    async def work(session: Any) -> Any:
        return await create_event(session, data=data, actor="cli", now=datetime.now(UTC))

    event = run(lambda: _with_session(database, work))
    typer.echo(f"event {event.id} created: {event.title} ({event.slug})")


@event_cli.command("list")
def event_list() -> None:
    """List events, newest first."""
    from app.events.service import list_events

    database = load(DatabaseSettings)
    events = run(lambda: _with_session(database, list_events))
    for e in events:
        typer.echo(f"{e.id}\t{e.status.value}\t{e.title}")


@cli.command()
def export(
    event: Annotated[int, typer.Argument(help="event id")],
    format: Annotated[str, typer.Option(help="csv, json, md or wikitext")] = "md",
    status: Annotated[str, typer.Option(help="unanswered, answered or all")] = "unanswered",
    authors: Annotated[str, typer.Option(help="none or names")] = "none",
    out: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
) -> None:
    """Export an event's questions (names stay out unless --authors names)."""
    from app.events.service import NotFound, get_event
    from app.exports.service import RENDERERS, SCOPES, Format, Scope
    from app.exports.service import export as do_export
    from kit.clock import utcnow

    if format not in RENDERERS:
        fail(f"--format must be one of {', '.join(RENDERERS)} (got {format!r})")
    if status not in SCOPES:
        fail(f"--status must be one of {', '.join(SCOPES)} (got {status!r})")
    if authors not in {"none", "names"}:
        fail(f"--authors must be none or names (got {authors!r})")
    database = load(DatabaseSettings)

    async def work(session: Any) -> bytes:
        ev = await get_event(session, event_id=event)
        body, _, _ = await do_export(
            session,
            event=ev,
            fmt=cast("Format", format),
            scope=cast("Scope", status),
            names=authors == "names",
            now=utcnow(),
        )
        return body

    try:
        body = run(lambda: _with_session(database, work))
    except NotFound as exc:
        fail(str(exc))
    if out is None:
        sys.stdout.buffer.write(body)
    else:
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(body)
        tmp.replace(out)  # never a half-written file
        typer.echo(f"wrote {len(body)} bytes to {out}")


@cli.command()
def purge(
    event: Annotated[int, typer.Argument(help="event id")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
) -> None:
    """Forget who asked in an event: names, author keys and voters. Questions stay."""
    from app.events.service import NotFound, get_event, purge_personal_data

    if not yes:
        typer.confirm(f"Remove every asker's name and key from event {event}?", abort=True)
    database = load(DatabaseSettings)

    async def work(session: Any) -> int:
        ev = await get_event(session, event_id=event)
        return await purge_personal_data(session, event=ev, actor="cli", now=datetime.now(UTC))

    try:
        n = run(lambda: _with_session(database, work))
    except NotFound as exc:
        fail(str(exc))
    typer.echo(f"purged personal data from {n} asks")


def _collect(name: str) -> None:
    """Run one collector in this process until interrupted (Ctrl-C or SIGTERM)."""
    import signal

    from app.wiring import collector_factories, secrets_to_redact
    from intake.ingest import Intake
    from intake.text.ahead import TextsAhead
    from kit import logs
    from kit.db import make_engine, make_sessionmaker

    database, api = load(DatabaseSettings), load(ApiSettings)
    factories = collector_factories(load)
    if name not in factories:
        variable = {"telegram": "LIVEQ_TELEGRAM_BOT_TOKEN", "youtube": "LIVEQ_YOUTUBE_API_KEY"}
        fail(f"{variable[name]} is not set: nothing to collect from {name}")
    for secret in secrets_to_redact(api, load):
        logs.register_secret(secret)
    logs.configure()
    _migrate(database)

    async def work() -> None:
        engine = make_engine(database)
        ahead = TextsAhead()  # a flood's texts, read in a process of its own
        collector = factories[name](make_sessionmaker(engine), Intake(ahead=ahead))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await collector.start()
        typer.echo(f"collecting from {name}; Ctrl-C to stop")
        try:
            await stop.wait()
        finally:
            await collector.stop()
            await ahead.close()
            await engine.dispose()

    asyncio.run(work())


@collect_cli.command("telegram")
def collect_telegram() -> None:
    """Collect from Telegram alone (needs LIVEQ_TELEGRAM_BOT_TOKEN)."""
    _collect("telegram")


@collect_cli.command("youtube")
def collect_youtube() -> None:
    """Collect from YouTube alone (needs LIVEQ_YOUTUBE_API_KEY)."""
    _collect("youtube")


@telegram_cli.command("chats")
def telegram_chats() -> None:
    """Chats the bot has seen (id, type, title): how to find the id of the group to link."""
    from collectors.telegram.store import list_chats

    database = load(DatabaseSettings)
    _migrate(database)
    chats = run(lambda: _with_session(database, list_chats))
    if not chats:
        typer.echo("no chats seen yet: add the bot to your group, post a message, run again")
    for chat in chats:
        typer.echo(f"{chat.id}\t{chat.type}\t{chat.title or ''}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
