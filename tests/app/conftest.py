import pytest

from tests.api_client import api_client


@pytest.fixture
async def client(engine, sessionmaker):
    async with api_client(engine, sessionmaker) as c:
        yield c


@pytest.fixture
async def event_id(client):
    r = await client.post("/api/v1/events", json={"title": "Conversation hour"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def add(client, event_id, text, **extra):
    r = await client.post(f"/api/v1/events/{event_id}/questions", json={"text": text, **extra})
    assert r.status_code == 201, r.text
    return r.json()["question"]
