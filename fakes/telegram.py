"""A fake Telegram Bot API server on 127.0.0.1 that speaks the real wire protocol.

`POST /bot<token>/<method>` with form-encoded, multipart or JSON parameters (python-telegram-bot
sends form fields whose non-string values are JSON-encoded), answered with
`{"ok": true, "result": …}` or `{"ok": false, "error_code": …, "description": …}`.
Tests and the demo push updates with `push()`, built with the helpers at the bottom.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Telegram's default when a bot never chose: everything except these three.
_NOT_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}
_INT_PARAMS = {"offset", "limit", "timeout", "message_thread_id", "max_connections"}
_JSON_PARAMS = {"allowed_updates", "reply_parameters", "reply_markup", "entities"}

CONFLICT_POLLER = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    times: int = 1


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    """The fake server: start it, point the bot's base_url at `base_url`, push updates."""

    token: str = "123456:TEST-token-for-the-fake-server"
    bot_id: int = 123456
    username: str = "liveq_test_bot"
    # getMe's can_read_all_group_messages: False is Telegram's default (privacy mode on).
    reads_all_group_messages: bool = True
    calls: list[Call] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    webhook_url: str = ""
    webhook_secret: str | None = None

    def __post_init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._next_update_id = 1000
        self._message_ids = itertools.count(90_000)
        self._allowed: set[str] | None = None
        self._failures: dict[str, list[Failure]] = {}
        self._arrived = asyncio.Event()
        self._answering = asyncio.Event()  # cleared: getUpdates is held (hold_polls)
        self._answering.set()
        self._hold_after = 0
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._activity = asyncio.Condition()
        self.port = 0
        self.confirmed_up_to = 0  # highest update_id a later offset has confirmed

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, port: int = 0) -> FakeTelegram:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        # Not Telegram: lets a demo in another process push updates and read the bot's replies.
        app.router.add_post("/_fake/push", self._push_over_http)
        app.router.add_get("/_fake/sent", self._sent_over_http)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def close(self) -> None:
        self._closing = True
        self._arrived.set()
        self._answering.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """What to give python-telegram-bot as base_url (it appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- knobs -------------------------------------------------------------------------------

    def push(self, *updates: dict[str, Any]) -> list[int]:
        """Queue updates (without update_id: one is assigned); returns their ids."""
        ids = []
        for update in updates:
            self._next_update_id += 1
            update = {**update, "update_id": self._next_update_id}
            self._pending.append(update)
            ids.append(self._next_update_id)
        self._arrived.set()
        return ids

    def fail(
        self,
        method: str,
        status: int,
        description: str = "",
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail with this HTTP status."""
        self._failures.setdefault(method, []).append(
            Failure(status, description or _DESCRIPTIONS.get(status, "Error"), retry_after, times)
        )

    def hold_polls(self, *, after: int = 0) -> None:
        """Calls of getUpdates confirming update `after` (their offset is past it) wait for
        release_polls() before they are read: a slow network between the bot and Telegram,
        from the poll after a given batch on."""
        self._hold_after = after
        self._answering.clear()

    def release_polls(self) -> None:
        self._answering.set()

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a higher offset."""
        return list(self._pending)

    async def wait_until(
        self, predicate: Callable[[FakeTelegram], bool], within: float = 5.0
    ) -> None:
        """Wait until `predicate(self)` holds, re-checked after every request handled."""
        async with asyncio.timeout(within):
            async with self._activity:
                await self._activity.wait_for(lambda: predicate(self))

    async def _bump(self) -> None:
        async with self._activity:
            self._activity.notify_all()

    def new_message_id(self) -> int:
        return next(self._message_ids)

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def _push_over_http(self, request: web.Request) -> web.Response:
        body = await request.json()
        ids = self.push(*(body if isinstance(body, list) else [body]))
        return web.json_response({"update_ids": ids})

    async def _sent_over_http(self, request: web.Request) -> web.Response:
        return web.json_response(self.sent)

    # -- protocol ----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _read_params(request)
        self.calls.append(Call(method, params))
        queued = self._failures.get(method)
        if queued:
            failure = queued[0]
            failure.times -= 1
            if failure.times <= 0:
                queued.pop(0)
            return _error(failure.status, failure.description, failure.retry_after)
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return _error(404, "Not Found")
        try:
            result = await handler(params)
        except _ApiError as exc:
            return _error(exc.status, exc.description)
        return web.json_response({"ok": True, "result": result})

    def _me(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "liveq", "username": self.username}

    async def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._me(),
            "can_join_groups": True,
            "can_read_all_group_messages": self.reads_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if int(params.get("offset") or 0) > self._hold_after:
            await self._answering.wait()
        if self.webhook_url:
            raise _ApiError(409, CONFLICT_WEBHOOK)
        offset = params.get("offset")
        if "allowed_updates" in params and params["allowed_updates"] is not None:
            self._allowed = set(params["allowed_updates"]) or None
        if offset is not None and offset > 0:
            self.confirmed_up_to = max(self.confirmed_up_to, offset - 1)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        await self._bump()
        limit = max(1, min(int(params.get("limit") or 100), 100))
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            ready = [u for u in self._pending if self._is_allowed(u)]
            # Telegram never delivers what the bot did not ask for: those are dropped.
            self._pending = ready
            if ready or self._closing or time.monotonic() >= deadline:
                return ready[:limit]
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), deadline - time.monotonic())
            except TimeoutError:
                pass

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next(k for k in update if k != "update_id")
        return kind in self._allowed if self._allowed else kind not in _NOT_DEFAULT

    async def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if "chat_id" not in params or not params.get("text"):
            raise _ApiError(400, "Bad Request: message text is empty")
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": self.new_message_id(),
            "date": int(time.time()),
            "chat": {
                "id": chat_id,
                "type": "supergroup" if chat_id < 0 else "private",
                "title": "chat",
            },
            "from": self._me(),
            "text": params["text"],
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
        self.sent.append({**params, "chat_id": chat_id})
        await self._bump()
        return message

    async def _m_setwebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = params.get("url") or ""
        self.webhook_secret = params.get("secret_token")
        if params.get("allowed_updates") is not None:
            self._allowed = set(params["allowed_updates"]) or None
        return True

    async def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url, self.webhook_secret = "", None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _m_close(self, params: dict[str, Any]) -> bool:
        return True


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status, self.description = status, description


_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was kicked from the group chat",
    409: CONFLICT_POLLER,
    429: "Too Many Requests: retry after 5",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        return dict(body or {})
    form = await request.post()
    # Telegram takes parameters in the query string too (GET), read as a form's are.
    params: dict[str, Any] = {key: _decode(key, value) for key, value in request.query.items()}
    for key, value in form.items():
        if not isinstance(value, str):  # an uploaded file part
            continue
        params[key] = _decode(key, value)
    return params


def _decode(key: str, value: str) -> Any:
    if key in _INT_PARAMS or key == "chat_id":
        try:
            return int(value)
        except ValueError:
            return value  # "@channelusername"
    if key in _JSON_PARAMS:
        return json.loads(value)
    return value


# -- building realistic updates (https://core.telegram.org/bots/api#update) ------------------

_clock = itertools.count(1_780_000_000)


def user(
    user_id: int = 501,
    first_name: str = "Ada",
    last_name: str | None = "Lovelace",
    username: str | None = None,
) -> dict[str, Any]:
    found: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        found["last_name"] = last_name
    if username:
        found["username"] = username
    return found


def chat(
    chat_id: int = -1001000000001,
    *,
    title: str = "Live Q&A",
    type: str = "supergroup",
    is_forum: bool = False,
) -> dict[str, Any]:
    found: dict[str, Any] = {"id": chat_id, "type": type}
    if type != "private":
        found["title"] = title
    if is_forum:
        found["is_forum"] = True
    return found


def message(
    *,
    chat: dict[str, Any],
    message_id: int,
    text: str | None = None,
    sender: dict[str, Any] | None = None,
    date: int | None = None,
    caption: str | None = None,
    thread_id: int | None = None,
    reply_to: dict[str, Any] | None = None,
    sender_chat: dict[str, Any] | None = None,
    kind: str = "message",
) -> dict[str, Any]:
    """An update carrying a new message (`kind` "channel_post" for channels)."""
    body: dict[str, Any] = {"message_id": message_id, "date": date or next(_clock), "chat": chat}
    if sender_chat is not None:
        body["sender_chat"] = sender_chat
    elif kind != "channel_post":
        body["from"] = sender or user()
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    if caption is not None:
        body["caption"] = caption
        body["photo"] = [
            {
                "file_id": "AgAD",
                "file_unique_id": "AQAD",
                "width": 90,
                "height": 90,
                "file_size": 1200,
            }
        ]
    if thread_id is not None:
        body["message_thread_id"] = thread_id
        body["is_topic_message"] = True
    if reply_to is not None:
        body["reply_to_message"] = reply_to
    return {kind: body}


def edited(update: dict[str, Any], text: str) -> dict[str, Any]:
    """The edited_message (or edited_channel_post) update for a message update."""
    kind, body = next((k, v) for k, v in update.items() if k != "update_id")
    changed = {**body, "text": text, "edit_date": body["date"] + 30}
    return {f"edited_{kind}" if kind == "channel_post" else "edited_message": changed}


def reaction(
    *,
    chat: dict[str, Any],
    message_id: int,
    user_id: int | None = 777,
    new: tuple[str, ...] = ("👍",),
    old: tuple[str, ...] = (),
    actor_chat: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "chat": chat,
        "message_id": message_id,
        "date": next(_clock),
        "old_reaction": [{"type": "emoji", "emoji": e} for e in old],
        "new_reaction": [{"type": "emoji", "emoji": e} for e in new],
    }
    if actor_chat is not None:
        body["actor_chat"] = actor_chat
    elif user_id is not None:
        body["user"] = user(user_id, first_name="Voter", last_name=None)
    return {"message_reaction": body}


def reaction_count(
    *, chat: dict[str, Any], message_id: int, counts: dict[str, int]
) -> dict[str, Any]:
    return {
        "message_reaction_count": {
            "chat": chat,
            "message_id": message_id,
            "date": next(_clock),
            "reactions": [
                {"type": {"type": "emoji", "emoji": e}, "total_count": n} for e, n in counts.items()
            ],
        }
    }


def main() -> None:
    """`python -m fakes.telegram [--port N]`: serve until interrupted (for the demo)."""
    import argparse

    parser = argparse.ArgumentParser(description="A fake Telegram Bot API on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=FakeTelegram.token)
    parser.add_argument("--privacy", action="store_true", help="getMe reports privacy mode on")
    args = parser.parse_args()

    async def serve() -> None:
        fake = FakeTelegram(token=args.token, reads_all_group_messages=not args.privacy)
        await fake.start(args.port)
        print(f"LIVEQ_TELEGRAM_API_URL={fake.base_url}", flush=True)
        print(f"LIVEQ_TELEGRAM_BOT_TOKEN={fake.token}", flush=True)
        print(
            f"push: POST http://127.0.0.1:{fake.port}/_fake/push (an Update or a list)", flush=True
        )
        try:
            await asyncio.Event().wait()
        finally:
            await fake.close()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
