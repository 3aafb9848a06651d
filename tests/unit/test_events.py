"""The unified event model round-trips through JSON and tolerates new fields."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from cxkit import events as ev

T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "event",
    [
        ev.AgentStateChanged(
            vendor="five9", tenant="1", occurred_at=T0, agent_id="a1", state=ev.AgentState.READY
        ),
        ev.InteractionStarted(vendor="genesys", occurred_at=T0, interaction_id="c1", agent_id="a"),
        ev.InteractionUpdated(vendor="genesys", occurred_at=T0, interaction_id="c1", state="held"),
        ev.InteractionEnded(
            vendor="five9", occurred_at=T0, interaction_id="c1", disposition="Sale"
        ),
        ev.QueueStatisticsUpdated(vendor="five9", occurred_at=T0, queue_id="q", calls_waiting=3),
        ev.StreamStateChanged(
            vendor="five9", occurred_at=T0, stream="s", state=ev.StreamState.CONNECTED
        ),
        ev.StreamGap(vendor="genesys", occurred_at=T0, stream="s", since=T0, until=T0),
        ev.RawEvent(vendor="five9", occurred_at=T0, type="1010", payload={"x": [1]}),
    ],
)
def test_round_trip(event: ev.UnifiedEvent) -> None:
    data = ev.encode(event)
    back = ev.decode(data)
    assert back == event
    assert msgspec.json.decode(data)["kind"] == event.event_kind


def test_unknown_fields_are_ignored_and_raw_payload_kept() -> None:
    data = (
        b'{"kind":"agent.state","vendor":"five9","occurred_at":"2026-01-02T03:04:05Z",'
        b'"agent_id":"7","state":"not_ready","reason":"Lunch","new_field":1,'
        b'"raw":{"eventId":"5012"}}'
    )
    event = ev.decode(data)
    assert isinstance(event, ev.AgentStateChanged)
    assert event.state is ev.AgentState.NOT_READY and event.raw == {"eventId": "5012"}


def test_received_at_defaults_to_now() -> None:
    before = ev.utcnow()
    event = ev.RawEvent(vendor="x", occurred_at=T0, type="t")
    assert before <= event.received_at <= ev.utcnow()


def test_bad_kind_is_a_clear_error() -> None:
    with pytest.raises(msgspec.ValidationError, match="kind"):
        ev.decode(b'{"kind":"nope","vendor":"x","occurred_at":"2026-01-02T03:04:05Z"}')
