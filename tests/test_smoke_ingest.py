from collectors.asks import Outcome
from collectors.ingest import Intake, ingest
from tests.factories import make_ask, make_event


async def test_ingest_merges_and_counts(session):
    event = await make_event(session)
    intake = Intake()
    r = await ingest(session, intake=intake, event_id=event.id, asks=[
        make_ask(text="Hi Maggie! When does the vote close?", message_id="1", author_id="a"),
        make_ask(text="when does the VOTE close??", message_id="2", author_id="b"),
        make_ask(text="hello from Lagos!", message_id="3", author_id="c"),
    ])
    assert [x.outcome for x in r] == [Outcome.created, Outcome.merged, Outcome.chatter]
