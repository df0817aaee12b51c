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
