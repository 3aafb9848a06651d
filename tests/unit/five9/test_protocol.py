"""The sans-I/O Five9 stream sessions: no sockets, time driven by hand."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from cxkit.core.session import ConnectTarget, Fail, Reconnect, SendText, StreamSession
from cxkit.errors import ConfigError
from cxkit.events import (
    AgentState,
    AgentStateChanged,
    InteractionEnded,
    InteractionStarted,
    InteractionUpdated,
    QueueStatisticsUpdated,
)
from cxkit.five9.errors import DuplicateConnectionError
from cxkit.five9.events import Five9Event, MigrationEvent, StatsSnapshotEvent, StatsUpdateEvent
from cxkit.five9.protocol import (
    AgentStreamSession,
    ConnectRequest,
    MalformedFrame,
    SupervisorStreamSession,
)

GO = Path(__file__).parents[2] / "fixtures" / "five9_client" / "go"

NEW_METADATA = {
    "freedomUrl": "https://app.five9.com",
    "dataCenters": [
        {"name": "Old", "active": False, "apiUrls": [{"host": "old.example", "port": "443"}]},
        {"name": "SCL", "active": True, "apiUrls": [{"host": "new.example", "port": "8443"}]},
    ],
}


def frame(
    event_id: int, payload: Any = None, reason: str | None = None, ts: int = 1_700_000_000_000
) -> str:
    return json.dumps(
        {
            "context": {
                "eventId": str(event_id),
                "eventReason": reason,
                "messageId": None,
                "userId": "3001",
                "correlationId": None,
                "userName": None,
                "timeStamp": ts,
                "tenantId": "131792",
                "broadCast": False,
            },
            "payLoad": payload,
        }
    )


PONG = frame(1202, "pong")


class Targets:
    """A fake client: records what the session asked for."""

    def __init__(self) -> None:
        self.requests: list[ConnectRequest] = []

    async def __call__(self, request: ConnectRequest) -> ConnectTarget:
        self.requests.append(request)
        host = "new.example" if request.metadata is not None else "old.example"
        return ConnectTarget(url=f"wss://{host}/appsvcs/ws/key")


def agent(**kwargs: Any) -> tuple[AgentStreamSession, Targets]:
    targets = Targets()
    return AgentStreamSession(targets, tenant="131792", **kwargs), targets


def actions_of(step: Any, kind: type) -> list[Any]:
    return [a for a in step.actions if isinstance(a, kind)]


def test_sessions_implement_the_core_protocol() -> None:
    session, _ = agent()
    assert isinstance(session, StreamSession)
    assert session.name == "five9.agent" and session.vendor == "five9"
    sup = SupervisorStreamSession(Targets())
    assert isinstance(sup, StreamSession) and sup.name == "five9.supervisor"


def test_ping_every_interval_and_pongs_keep_it_alive() -> None:
    session, _ = agent()
    assert session.next_deadline() is None  # closed: nothing to time
    session.on_open(100.0)
    assert session.next_deadline() == 115.0  # 15 s default, as Five9 documents
    assert session.tick(110.0).actions == []
    step = session.tick(115.0)
    assert step.actions == [SendText("ping")]
    assert session.next_deadline() == 130.0
    session.receive_text(PONG, 116.0)
    for now in (130.0, 145.0, 160.0):  # answered pings never trigger a reconnect
        assert session.tick(now).actions == [SendText("ping")]
        session.receive_text(PONG, now + 0.5)
    assert session.pings == 4 and session.pongs == 4


def test_two_missed_pongs_reconnect() -> None:
    session, _ = agent(ping_interval=0.25)
    session.on_open(0.0)
    assert session.tick(0.25).actions == [SendText("ping")]
    assert session.tick(0.5).actions == [SendText("ping")]
    step = session.tick(0.75)
    (reconnect,) = actions_of(step, Reconnect)
    assert "pings without a pong" in reconnect.reason
    assert session.next_deadline() is None


def test_one_missed_pong_is_tolerated() -> None:
    session, _ = agent(ping_interval=1.0)
    session.on_open(0.0)
    session.tick(1.0)  # unanswered
    session.tick(2.0)
    session.receive_text(PONG, 2.1)  # late pong resets the count
    assert session.tick(3.0).actions == [SendText("ping")]


def test_bad_keepalive_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="ping_interval"):
        agent(ping_interval=0)
    with pytest.raises(ConfigError, match="missed_pongs"):
        agent(missed_pongs=0)


def test_migration_70_1002_73_reconnects_to_new_metadata() -> None:
    session, targets = agent()
    session.on_open(0.0)
    session.receive_text(frame(70, None, "STARTED"), 1.0)
    step = session.receive_text(
        frame(1002, NEW_METADATA, "Domain Migrated, please use MetadataAPI to reload client."), 2.0
    )
    (migration,) = [e for e in step.events if isinstance(e, MigrationEvent)]
    assert migration.payload is not None
    assert step.actions == []  # wait for 73
    step = session.receive_text(frame(73, "IDLE_MAINTENANCE", "COMPLETED"), 3.0)
    (reconnect,) = actions_of(step, Reconnect)
    assert reconnect.delay == 0
    session.on_closed(1000, reconnect.reason, 3.1)
    target = asyncio.run(session.connect_target())
    assert target.url.startswith("wss://new.example")
    request = targets.requests[-1]
    assert request.metadata is not None
    active = request.metadata.active_data_center()
    assert active is not None and active.name == "SCL"
    # The migration is consumed: the next connect is ordinary.
    session.on_open(4.0)
    asyncio.run(session.connect_target())
    assert targets.requests[-1].metadata is None


def test_1002_without_73_switches_over_after_two_intervals() -> None:
    session, targets = agent(ping_interval=1.0)
    session.on_open(0.0)
    session.receive_text(frame(1002, NEW_METADATA), 0.5)
    session.receive_text(PONG, 0.6)
    assert session.next_deadline() == 1.0
    session.tick(1.0)
    session.receive_text(PONG, 1.1)
    (reconnect,) = actions_of(session.tick(2.5), Reconnect)
    assert reconnect.delay == 0
    asyncio.run(session.connect_target())
    assert targets.requests[-1].metadata is not None


def test_duplicate_connection_is_surfaced_not_fought() -> None:
    session, _ = agent()
    session.on_open(0.0)
    step = session.receive_text(frame(1020, None, "Duplicate connection"), 1.0)
    assert [e.event_id for e in step.events] == [1020]
    (fail,) = actions_of(session.on_closed(3000, "duplicate", 1.1), Fail)
    assert isinstance(fail.error, DuplicateConnectionError)
    assert fail.error.code == 3000
    # Close code 3000 alone means the same.
    session2, _ = agent()
    session2.on_open(0.0)
    (fail2,) = actions_of(session2.on_closed(3000, "", 0.5), Fail)
    assert isinstance(fail2.error, DuplicateConnectionError)


def test_close_1003_and_restart_events_reconnect_with_relogin() -> None:
    session, targets = agent()
    session.on_open(0.0)
    (reconnect,) = actions_of(session.on_closed(1003, "", 1.0), Reconnect)
    assert reconnect.delay is None  # with backoff
    asyncio.run(session.connect_target())
    assert targets.requests[-1].relogin is True
    session.on_open(2.0)
    step = session.receive_text(frame(1000, None, "server unavailable"), 3.0)
    assert [e.event_id for e in step.events] == [1000]
    assert actions_of(step, Reconnect)
    asyncio.run(session.connect_target())
    assert targets.requests[-1].relogin is True
    session.on_open(4.0)
    (graceful,) = actions_of(session.receive_text(frame(1001), 5.0), Reconnect)
    assert graceful.delay == 0


def test_plain_drop_gets_runner_backoff_and_failed_attempt_relogs_in() -> None:
    session, targets = agent()
    session.on_open(0.0)
    assert session.on_closed(None, "connection lost", 1.0).actions == []
    asyncio.run(session.connect_target())
    assert targets.requests[-1].relogin is False
    # That attempt never opened (e.g. handshake 401): the next one logs in again.
    asyncio.run(session.connect_target())
    assert targets.requests[-1].relogin is True


def test_malformed_frames_are_reported_and_skipped() -> None:
    session, _ = agent()
    session.on_open(0.0)
    bad = ["not json", "{}", '{"context": {"eventId": "abc"}}', "[1,2]", "pong"]
    for i, data in enumerate(bad):
        step = session.receive_text(data, float(i))
        (malformed,) = step.events
        assert isinstance(malformed, MalformedFrame)
        assert malformed.frame is not None
        assert session.event_kinds(malformed) == ("malformed",)
    assert session.malformed == len(bad)
    step = session.receive_bytes(PONG.encode(), 9.0)  # a binary frame with JSON is tolerated
    assert [e.event_id for e in step.events] == [1202]
    unknown = session.receive_text(frame(4242, {"x": 1}), 10.0)
    (event,) = unknown.events
    assert type(event) is Five9Event and event.payload == {"x": 1}
    assert session.event_kinds(event) == ("4242", "UNKNOWN_4242")


def test_event_filter_keeps_keepalive_working() -> None:
    session, _ = agent(event_filter=[4], ping_interval=1.0, unified=False)
    session.on_open(0.0)
    session.tick(1.0)
    assert session.receive_text(PONG, 1.1).events == []  # filtered out...
    assert session.tick(2.0).actions == [SendText("ping")]  # ...but still counted as a pong
    session.receive_text(PONG, 2.1)
    assert session.tick(3.0).actions == [SendText("ping")]
    assert [e.event_id for e in session.receive_text(frame(4, {"id": "C1"}), 4.0).events] == [4]


def test_agent_call_lifecycle_normalized_like_salesforce() -> None:
    session, _ = agent()
    session.on_open(0.0)
    call = {"id": "C86EBE50B9744D6D946531842B278846", "callType": "INBOUND", "campaignId": "1"}
    frames = [
        frame(3, {**call, "state": "RINGING"}, "CREATED", ts=1_000_000),
        frame(4, {**call, "state": "TALKING"}, "CONNECTED", ts=1_001_000),
        frame(4, {**call, "state": "ON_HOLD"}, "UPDATED", ts=1_002_000),
        frame(4, {**call, "state": "TALKING"}, "UPDATED", ts=1_003_000),
        frame(5, {**call, "state": "FINISHED"}, "DISPOSITIONED", ts=1_061_000),
    ]
    unified = []
    for i, data in enumerate(frames):
        unified += [
            e for e in session.receive_text(data, float(i)).events if not isinstance(e, Five9Event)
        ]
    assert [type(e) for e in unified] == [
        InteractionUpdated,
        InteractionStarted,
        InteractionUpdated,
        InteractionUpdated,
        InteractionEnded,
    ]
    assert unified[1].interaction_id == call["id"] and unified[1].direction == "inbound"
    assert unified[1].agent_id == "3001" and unified[1].tenant == "131792"
    assert unified[4].duration_seconds == 60.0
    assert session.normalizer.active_calls == []


def test_agent_presence_becomes_agent_state() -> None:
    session, _ = agent()
    session.on_open(0.0)
    not_ready = {
        "currentState": {"readyChannels": [], "notReadyReasonCodeId": "42"},
        "currentStateTime": 1_700_000_000_000,
    }
    ready = {"currentState": {"readyChannels": ["CALL", "VOICE_MAIL"], "notReadyReasonCodeId": "0"}}
    (_, first) = session.receive_text(frame(12, not_ready), 1.0).events
    (_, second) = session.receive_text(frame(12, ready), 2.0).events
    assert isinstance(first, AgentStateChanged) and first.state is AgentState.NOT_READY
    assert first.reason == "42" and first.since is not None
    assert isinstance(second, AgentStateChanged) and second.state is AgentState.READY
    assert second.previous_state is AgentState.NOT_READY


def test_supervisor_stats_applied_and_marked_stale_on_close() -> None:
    calls: list[str] = []
    session = SupervisorStreamSession(
        Targets(), tenant="123456", on_connected=lambda: calls.append("full")
    )
    session.on_open(0.0)
    assert calls == ["full"]  # request_full_statistics on every (re)connect
    step = session.receive_text((GO / "5000_stats.json").read_text(), 1.0)
    assert isinstance(step.events[0], StatsSnapshotEvent)
    assert [type(e) for e in step.events[1:]] == [AgentStateChanged, AgentStateChanged]
    assert not session.stats.stale
    step = session.receive_text((GO / "5012_incrementalStatsUpdate.json").read_text(), 2.0)
    assert sum(isinstance(e, QueueStatisticsUpdated) for e in step.events) == 6
    session.on_closed(None, "lost", 3.0)
    assert session.stats.stale
    assert session.stats.agent_state("345123789") is not None  # kept while stale
    session.on_open(4.0)
    assert calls == ["full", "full"]
    # An administrator changed the statistics filter (6001): the rows in scope changed.
    step = session.receive_text(frame(6001, {"skillsSelectionType": "SPECIFY"}, "UPDATED"), 5.0)
    assert [e.event_id for e in step.events] == [6001]
    assert calls == ["full", "full", "full"]


def test_on_connected_callback_errors_do_not_break_the_session() -> None:
    def boom() -> None:
        raise RuntimeError("callback bug")

    session = SupervisorStreamSession(Targets(), on_connected=boom)
    session.on_open(0.0)
    assert session.next_deadline() == 15.0


def _compact(name: str) -> str:
    return json.dumps(json.loads((GO / name).read_text()), separators=(",", ":"))


def test_auto_unified_builds_nothing_until_wanted_and_keeps_the_cache_current() -> None:
    session = SupervisorStreamSession(Targets(), unified=None)
    step = session.receive_text(_compact("5000_stats.json"), 1.0)
    (dump,) = step.events
    assert isinstance(dump, StatsSnapshotEvent)
    delta = session.receive_text(_compact("5012_incrementalStatsUpdate.json"), 2.0)
    (update,) = delta.events
    assert isinstance(update, StatsUpdateEvent)
    assert session.stats.queue("300000000000171") is not None  # applied all the same
    session.want_unified()
    ready = {"id": "345123789", "state": "READY", "reasonCodeId": "0"}
    update = [{"dataSource": "AGENT_STATE", "added": [], "updated": [ready], "removed": []}]
    again = session.receive_text(frame(5012, update), 3.0)
    (changed,) = again.events[1:]
    assert isinstance(changed, AgentStateChanged) and changed.state == AgentState.READY
    assert changed.previous_state == AgentState.NOT_READY
    off = SupervisorStreamSession(Targets(), unified=False)
    off.want_unified()  # an explicit False stays off
    assert not off.unified


def test_event_filter_applies_to_statistics_on_the_fast_path() -> None:
    session = SupervisorStreamSession(Targets(), unified=False, event_filter=[1202])
    step = session.receive_text(_compact("5012_incrementalStatsUpdate.json"), 1.0)
    assert step.events == [] and session.stats.deltas == 1
    assert session.receive_text(PONG, 2.0).events[0].event_id == 1202


def test_ring_buffer_keeps_the_last_frames() -> None:
    session, _ = agent(frame_buffer=3)
    for now in range(5):
        session.receive_text(frame(4242, now), float(now))
    session.receive_text("garbage", 9.0)
    kept = session.recent_frames()
    assert [t for t, _ in kept] == [3.0, 4.0, 9.0] and kept[-1][1] == "garbage"
    quiet, _ = agent(frame_buffer=0)
    quiet.receive_text(PONG, 1.0)
    assert quiet.recent_frames() == []
    with pytest.raises(ConfigError, match="frame_buffer"):
        agent(frame_buffer=-1)


def test_maintenance_announcement_sets_when_it_begins() -> None:
    session, _ = agent()
    session.on_open(0.0)
    step = session.receive_text(frame(37, 90000), 10.0)
    assert step.events[0].starts_in_ms == 90000
    assert session.maintenance_at == 100.0


def test_identity_is_stamped_once_known() -> None:
    session, _ = agent()
    session.set_identity("999", "3001")
    session.receive_text(frame(12, {"currentState": {"readyChannels": ["CALL"]}}), 1.0)
    step = session.receive_text(frame(12, {"currentState": {"readyChannels": []}}), 2.0)
    (changed,) = [e for e in step.events if isinstance(e, AgentStateChanged)]
    assert changed.agent_id == "3001" and changed.previous_state == AgentState.READY
