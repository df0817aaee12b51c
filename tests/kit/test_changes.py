import asyncio

from kit.changes import notify_on_commit, watching
from tests.factories import make_event


async def test_commit_wakes_watchers_and_rollback_does_not(sessionmaker):
    async with sessionmaker() as s, s.begin():
        event_id = (await make_event(s)).id
    with watching(event_id) as changed, watching(event_id + 1) as other:
        async with sessionmaker() as s:
            await s.begin()
            notify_on_commit(s, event_id)
            await s.rollback()
        await asyncio.sleep(0)
        assert not changed.is_set()
        async with sessionmaker() as s, s.begin():
            notify_on_commit(s, event_id)
        await asyncio.wait_for(changed.wait(), 1)
        assert not other.is_set()
