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


# One row per data source, in the shapes the emulator renders (and, for the two campaign
# sources a public client declares, with its field names).
ROWS = {
    "AGENT_STATE": {"id": "1", "state": "READY", "reasonCodeId": "0", "readyChannels": "[]"},
    "AGENT_STATISTIC": {"id": "", "totalCallsCount": 3, "occupancy": 0.5},
    "ACD_STATUS": {"id": "0", "callsInQueue": 2, "agentsLoggedIn": 4},
    "CAMPAIGN_STATE": {"id": "7", "campaignState": "RUNNING", "priority": 1, "ratio": 1},
    "USER_SESSION": {"id": "1", "userId": "1", "userName": "a", "sessionStart": 5},
    "STATIONS": {"id": "1", "stationId": "", "stationType": "EMPTY", "state": "CONNECTED"},
    "INBOUND_CAMPAIGN_STATISTICS": {
        "id": "7",
        "totalCallsCount": 9,
        "abandonCallRate": 0.25,
        "finishedInIVRErrorCallsCount": 1,
        "dispositions": {"-23": 2},
        "vivrSessionsCounty": 0,
    },
    "OUTBOUND_CAMPAIGN_STATISTICS": {"id": "8", "dialedCount": 4, "connectedCallsCount": 3},
    "OUTBOUND_CAMPAIGN_MANAGER": {
        "id": "8",
        "campaignState": "NOT_RUNNING",
        "callsToAgentRatio": 1.5,
        "dialedWithASAPRequestRecordsCount": 2,
    },
}


def _compact(event_id: int, payload: object) -> str:
    return json.dumps(
        {"context": {"eventId": str(event_id), "timeStamp": 1}, "payLoad": payload},
        separators=(",", ":"),
    )


def test_every_data_source_has_a_typed_row_and_decodes_in_one_pass() -> None:
    from cxkit.five9.events import decode_stats_update
    from cxkit.five9.rows import DataSource, GenericRow, row_type

    assert set(ROWS) == {str(s) for s in DataSource}
    delta = [
        {"dataSource": source, "added": [], "updated": [row], "removed": ["x"]}
        for source, row in ROWS.items()
    ]
    frame = _compact(5012, delta)
    one_pass = decode_stats_update(frame)
    assert one_pass is not None  # no source sends the frame down the general path
    general = decode_event(json.dumps(json.loads(frame), indent=1))  # the sniffer misses
    assert general.payload == one_pass.payload
    assert decode_event(frame, fast=False).payload == one_pass.payload
    for block in one_pass.payload:
        (row,) = block.updated
        assert type(row) is row_type(block.data_source) and not isinstance(row, GenericRow)
        assert row.id == ROWS[block.data_source]["id"] and block.removed == ["x"]
    by_source = {b.data_source: b.updated[0] for b in one_pass.payload}
    inbound = by_source["INBOUND_CAMPAIGN_STATISTICS"]
    assert inbound.finished_in_ivr_error_calls_count == 1  # type: ignore[union-attr]
    assert inbound.abandon_call_rate == 0.25  # type: ignore[union-attr]
    manager = by_source["OUTBOUND_CAMPAIGN_MANAGER"]
    assert manager.dialed_with_asap_request_records_count == 2  # type: ignore[union-attr]
    assert by_source["STATIONS"].station_type == "EMPTY"  # type: ignore[union-attr]

    dump = _compact(5000, [{"dataSource": s, "data": [r]} for s, r in ROWS.items()])
    fast_dump = decode_event(dump)
    slow_dump = decode_event(json.dumps(json.loads(dump), indent=1))
    assert isinstance(fast_dump, StatsSnapshotEvent) and fast_dump.frame == dump
    assert slow_dump.payload == fast_dump.payload and len(fast_dump.payload) == len(ROWS)


def test_fast_false_gives_the_same_event_for_every_kind_of_frame() -> None:
    frames = [
        (GO / f"{name}.json").read_text()
        for name in ("5000_stats", "5012_incrementalStatsUpdate", "1202_pong")
    ]
    frames += [json.dumps(json.loads(f), separators=(",", ":")) for f in frames]
    for frame in frames:
        slow, fast = decode_event(frame, fast=False), decode_event(frame)
        assert (slow.event_id, slow.context, slow.payload) == (
            fast.event_id,
            fast.context,
            fast.payload,
        )
        for kind in (StatsSnapshotEvent, StatsUpdateEvent):
            assert isinstance(slow, kind) == isinstance(fast, kind)
        assert slow.raw_json() == fast.raw_json()
    with pytest.raises(StreamProtocolError):
        decode_event('{"context":{"eventId":"5012"},"payLoad":[{"dataSource":1}]}', fast=False)
