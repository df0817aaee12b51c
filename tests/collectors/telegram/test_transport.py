"""getUpdates over aiohttp (python-telegram-bot's request interface): the same answers and the
same errors as its own HTTPX transport gives, and never the token in an error."""

from __future__ import annotations

import socket

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

from collectors.telegram.api import ALLOWED_UPDATES, PollingBot
from collectors.telegram.transport import AiohttpRequest
from fakes.telegram import FakeTelegram, chat, message

GROUP = chat(-1001000000011, title="Transport")


@pytest.fixture
async def request_():
    transport = AiohttpRequest(read_timeout=5)
    await transport.initialize()
    yield transport
    await transport.shutdown()


async def test_updates_come_as_the_fake_sent_them(fake: FakeTelegram, request_) -> None:
    ids = fake.push(*[message(chat=GROUP, message_id=i, text=f"Q{i}?") for i in range(1, 4)])
    bot = PollingBot(fake.token, base_url=fake.base_url, get_updates_request=request_)
    raw = await bot.raw_updates(
        offset=None, limit=100, poll_seconds=0, allowed_updates=ALLOWED_UPDATES
    )
    assert [u["update_id"] for u in raw] == ids
    assert raw[2]["message"]["text"] == "Q3?"
    # The same through python-telegram-bot's own transport.
    own = HTTPXRequest()
    await own.initialize()
    try:
        bot = PollingBot(fake.token, base_url=fake.base_url, get_updates_request=own)
        again = await bot.raw_updates(
            offset=None, limit=100, poll_seconds=0, allowed_updates=ALLOWED_UPDATES
        )
    finally:
        await own.shutdown()
    assert again == raw


async def test_a_read_timeout_is_telegrams_timed_out(fake: FakeTelegram, request_) -> None:
    fake.hold_polls(after=-1)  # every getUpdates waits
    with pytest.raises(TimedOut):
        await request_.post(f"{fake.base_url}{fake.token}/getUpdates", read_timeout=0.2)
    fake.release_polls()


async def test_no_server_is_a_network_error_that_never_names_the_token(request_) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    token = "123456:SECRET-token-never-in-an-error"
    with pytest.raises(NetworkError) as raised:
        await request_.post(f"http://127.0.0.1:{port}/bot{token}/getUpdates")
    assert "aiohttp.Client" in str(raised.value)
    assert "SECRET" not in str(raised.value)


async def test_files_are_refused_not_sent(request_) -> None:
    from telegram import InputFile
    from telegram.request import RequestData
    from telegram.request._requestparameter import RequestParameter

    document = InputFile(b"x", filename="x.txt", attach=True)
    data = RequestData([RequestParameter("document", document.attach_uri, [document])])
    with pytest.raises(NetworkError, match="no files"):
        await request_.do_request("http://127.0.0.1:9/x", "POST", request_data=data)


class _Proxy:
    """A forward HTTP proxy on 127.0.0.1 that answers every request itself (an empty batch)
    and keeps each request line: what a client sends a proxy is the absolute URL."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    async def __aenter__(self) -> str:
        import asyncio

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while line := await reader.readline():
                self.lines.append(line.decode().strip())
                while (await reader.readline()).strip():  # the headers (a GET has no body)
                    pass
                body = b'{"ok":true,"result":[]}'
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
            writer.close()

        self._server = await asyncio.start_server(serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *_: object) -> None:
        self._server.close()


@pytest.mark.parametrize("excluded", [False, True])
async def test_the_proxy_comes_from_the_environment(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, excluded: bool
) -> None:
    # As python-telegram-bot's own transport: HTTP(S)_PROXY is used, NO_PROXY excludes.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    proxy = _Proxy()
    async with proxy as address:
        monkeypatch.setenv("HTTP_PROXY", address)
        if excluded:
            monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        transport = AiohttpRequest(read_timeout=5)
        await transport.initialize()  # the environment is read from here on
        try:
            fake.push(message(chat=GROUP, message_id=1, text="Via?"))
            bot = PollingBot(fake.token, base_url=fake.base_url, get_updates_request=transport)
            for _ in range(2):
                raw = await bot.raw_updates(
                    offset=None, limit=100, poll_seconds=0, allowed_updates=ALLOWED_UPDATES
                )
        finally:
            await transport.shutdown()
    if excluded:
        assert proxy.lines == [] and [u["message"]["text"] for u in raw] == ["Via?"]
    else:
        assert raw == []  # the proxy's own answer
        assert len(proxy.lines) == 2
        assert all(
            line.startswith(f"GET {fake.base_url}{fake.token}/getUpdates?") for line in proxy.lines
        )
        assert "limit=100" in proxy.lines[0]
