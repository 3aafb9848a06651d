"""decode_event: catalogue, typed payloads, and the single-pass statistics fast path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxkit.errors import StreamProtocolError
from cxkit.five9.events import (
    EventId,
    Five9Event,
    StatsSnapshotEvent,
    StatsUpdateEvent,
    decode_event,
    event_name,
)

GO = Path(__file__).parents[2] / "fixtures" / "five9_client" / "go"


@pytest.mark.parametrize("name", ["5000_stats", "5012_incrementalStatsUpdate"])
def test_fast_path_and_general_path_agree(name: str) -> None:
    pretty = (GO / f"{name}.json").read_text()  # tabs: the sniffer misses, general path
    compact = json.dumps(json.loads(pretty), separators=(",", ":"))  # fast single pass
    slow, fast = decode_event(pretty), decode_event(compact.encode())
    kind = StatsSnapshotEvent if name.startswith("5000") else StatsUpdateEvent
    assert isinstance(slow, kind) and isinstance(fast, kind)
    assert fast.event_id == slow.event_id and fast.frame == compact.encode()
    assert slow.payload == fast.payload and slow.context == fast.context
    assert decode_event(compact).payload == fast.payload  # str input too


def test_fast_path_falls_back_for_unknown_sources_and_int_ids() -> None:
    frame = json.dumps(
        {
            "context": {"eventId": "5012"},
            "payLoad": [
                {"dataSource": "NEW", "added": [{"id": "a"}], "updated": [], "removed": [7]}
            ],
        },
        separators=(",", ":"),
    )
    event = decode_event(frame)
    assert isinstance(event, StatsUpdateEvent)
    (delta,) = event.payload
    assert delta.data_source == "NEW" and delta.removed == ["7"]


def test_catalogue_names_and_unknown_ids() -> None:
    assert len(EventId) >= 100
    assert event_name(4) == "EVENT_CALL_UPDATED" and event_name(99999) == "UNKNOWN_99999"
    event = decode_event('{"context": {"eventId": 1202}, "payLoad": "pong"}')
    assert type(event) is Five9Event and event.id is EventId.PONG and event.payload == "pong"
    with pytest.raises(StreamProtocolError) as info:
        decode_event("ping")
    assert info.value.frame == "ping"


def test_statistics_fast_path_keeps_the_raw_payload_and_refuses_other_shapes() -> None:
    from cxkit.five9.events import decode_stats_update

    compact = json.dumps(
        json.loads((GO / "5012_incrementalStatsUpdate.json").read_text()), separators=(",", ":")
    )
    event = decode_stats_update(compact)
    assert isinstance(event, StatsUpdateEvent)
    assert event.raw_json() == json.loads(compact)["payLoad"]  # nothing lost by typing
    assert decode_stats_update('{"context":{"eventId":"5000"},"payLoad":[]}') is None
    assert decode_stats_update("not json") is None
    # A delta carrying full rows under "data" is not the common shape: the general path
    # reads it (the fast one would drop the rows).
    odd = json.dumps(
        {
            "context": {"eventId": "5012"},
            "payLoad": [{"dataSource": "ACD_STATUS", "data": [{"id": "7", "callsInQueue": 2}]}],
        }
    )
    assert decode_stats_update(odd) is None
    (delta,) = decode_event(odd).payload
    assert [(r.id, r.calls_in_queue) for r in delta.updated] == [("7", 2)]
