"""Five9 agent and supervisor sockets against the emulator, over real loopback sockets:
statistics (cache equal to the emulator's truth, also after drops), keepalive with pongs
stopped, migration, restarts, duplicates, malformed and unknown frames, agent events."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from cxkit.events import (
    AgentStateChanged,
    InteractionEnded,
    InteractionStarted,
    QueueStatisticsUpdated,
    StreamGap,
    StreamState,
)
from cxkit.five9.errors import DuplicateConnectionError
from cxkit.five9.events import EventId, SkillQueueEvent
from cxkit.five9.protocol import MalformedFrame

from .conftest import Emulator
from .helpers import Collector, T, assert_cache_matches_truth, is_id

pytestmark = pytest.mark.asyncio

SALES, BILLING = "300000000000171", "300000000000125"


async def test_supervisor_stream_gets_full_statistics_and_state_changes(emu: Emulator) -> None:
    client = emu.client()
    await client.supervisor.load_names()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED))
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        assert stream.cache is not None and not stream.cache.stale
        await assert_cache_matches_truth(emu, stream, seen)
        agent = emu.tenant.agent.user_id
        await emu.admin("set_presence", {"userId": agent, "readyChannels": ["CALL"]})
        await emu.admin("flush")
        changed = await seen.wait_for(
            lambda e: (
                isinstance(e, AgentStateChanged) and e.agent_id == agent and e.state == "ready"
            )
        )
        assert changed.agent_name == emu.tenant.agent.username
        # Scripted activity: calls queue, are answered and disposed; every row stays true.
        await emu.admin("scenario", {"action": "step", "steps": 8})
        busy = await seen.wait_for(
            lambda e: isinstance(e, QueueStatisticsUpdated) and e.agents_on_interaction
        )
        assert busy.queue_name in ("Sales", "Support", "Billing")
        await assert_cache_matches_truth(emu, stream, seen)
        assert stream.cache.queue_totals() is not None
        assert stream.cache.agent_totals() is not None


async def test_keepalive_pongs_and_missing_pongs_reconnect(emu: Emulator) -> None:
    client = emu.client(ping_interval=0.05)
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.PONG))
        await emu.core("ws/pongs", {"vendor": "five9", "enabled": False})
        down = await seen.wait_for(lambda e: getattr(e, "state", None) == StreamState.RECONNECTING)
        assert "pings without a pong" in (down.reason or "")
        await emu.core("ws/pongs", {"vendor": "five9", "enabled": True})
        await stream.wait_state(StreamState.CONNECTED, T)
        assert stream.stats.reconnects >= 1
        before = stream.five9.pongs
        await seen.wait_for(lambda e: is_id(EventId.PONG)(e) and stream.five9.pongs > before)


async def test_dropped_sockets_reconnect_and_cache_is_true_afterwards(emu: Emulator) -> None:
    client = emu.client()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        await emu.core("ws/drop", {"vendor": "five9"})
        # While down, the tenant changes; the dump after the reconnect must show it.
        agent = emu.tenant.agent.user_id
        await emu.admin("set_presence", {"userId": agent, "readyChannels": ["CALL"]})
        await emu.admin("offer_call", {"skillId": BILLING})
        gap = await seen.wait_for(lambda e: isinstance(e, StreamGap))
        await seen.wait_for(is_id(EventId.EVENT_STATS), start=seen.events.index(gap))
        await assert_cache_matches_truth(emu, stream, seen)
        row = stream.cache.agent_state(agent) if stream.cache else None
        assert row is not None and row.state == "READY"


async def test_migration_sequence_moves_socket_and_rest(emu: Emulator) -> None:
    client = emu.client()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        before, logins = client.api_base, client.logins
        await emu.admin("migrate", {})
        await seen.wait_for(is_id(EventId.EVENT_MAINTENANCE_COMPLETED))
        gap = await seen.wait_for(lambda e: isinstance(e, StreamGap))
        await seen.wait_for(is_id(EventId.EVENT_STATS), start=seen.events.index(gap))
        assert client.api_base != before and client.logins == logins + 1
        assert [i for i in seen.ids() if i in (70, 1002, 73)] == [70, 1002, 73]
        # The new login started in RELOGIN and was resumed with session_restart.
        assert ("supervisor", "RELOGIN") in client.state_history
        assert await client.supervisor.users()
        await assert_cache_matches_truth(emu, stream, seen)


async def test_close_1003_and_restart_events_reconnect(emu: Emulator) -> None:
    client = emu.client()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED))
        await emu.admin("close", {"code": 1003})
        await seen.wait_for(lambda e: getattr(e, "state", None) == StreamState.RECONNECTING)
        await stream.wait_state(StreamState.CONNECTED, T)
        logins = client.logins
        mark = len(seen.events)
        await emu.admin("script", {"name": "server_unavailable", "kind": "supervisor"})
        await seen.wait_for(is_id(EventId.SERVER_UNAVAILABLE), start=mark)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED), start=mark)
        assert client.logins == logins + 1  # 1000 = restart the session: a fresh login


async def test_maintenance_announcement_and_handler_reconnect(emu: Emulator) -> None:
    client = emu.client()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED))
        await emu.admin("script", {"name": "maintenance_announced", "inMs": 120000})
        announced = await seen.wait_for(is_id(EventId.EVENT_MAINTENANCE_ANNOUNCED))
        assert announced.starts_in_ms == 120000
        assert stream.five9.maintenance_at is not None
        # A handler may ask for a reconnect (the Python pack's "reconnect" return).
        mark = len(seen.events)
        stream.on_event(EventId.EVENT_DOMAIN_USERS_CAN_MIGRATE, lambda e: stream.reconnect())
        await emu.admin("script", {"name": "ready_for_migration"})
        await seen.wait_for(lambda e: isinstance(e, StreamGap), start=mark)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED), start=mark)


async def test_duplicate_socket_is_surfaced_not_fought(emu: Emulator) -> None:
    client = emu.client()
    first = client.supervisor_stream(key="same-key")
    second = client.supervisor_stream(key="same-key")
    async with first:
        await first.wait_state(StreamState.CONNECTED, T)
        async with second:
            closed = [asyncio.ensure_future(s.wait_closed()) for s in (first, second)]
            done, pending = await asyncio.wait(
                closed, timeout=T, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
            assert len(done) == 1
            (task,) = done
            assert isinstance(task.exception(), DuplicateConnectionError)
    # The other stream stayed up until we closed it.
    assert sum(isinstance(s.error, DuplicateConnectionError) for s in (first, second)) == 1


async def test_malformed_and_unknown_frames_are_reported_skipped_and_the_stream_lives(
    emu: Emulator,
) -> None:
    client = emu.client(frame_buffer=5)
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)

        def broken(event: Any) -> None:
            raise RuntimeError("handler bug")

        stream.on_event(4242, broken)
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        for body in (
            {"text": "not json at all"},
            {"base64": base64.b64encode(b"\xff\xfe\x00").decode()},
            {"text": '{"context": {}}'},
            {"text": '{"context": {"eventId": "five"}, "payLoad": null}'},
            {"text": '{"context": {"eventId": "4"}, "payLoad": {"id": []}}'},
        ):
            await emu.admin("send_raw", body)
        await emu.admin("send_event", {"eventId": "4242", "payLoad": {"x": 1}})
        unknown = await seen.wait_for(is_id(4242))
        assert unknown.payload == {"x": 1} and unknown.name == "UNKNOWN_4242"
        malformed = [e for e in seen.events if isinstance(e, MalformedFrame)]
        assert len(malformed) == 5 and stream.five9.malformed == 5
        assert all(e.error.frame is not None for e in malformed)
        assert stream.stats.handler_errors == 1
        assert stream.state == StreamState.CONNECTED
        # The ring buffer kept the last five frames, the bad ones included.
        frames = [frame for _, frame in stream.recent_frames()]
        assert len(frames) == 5 and "not json" not in str(frames[0])
        assert any(isinstance(f, bytes) for f in frames)
        # The stream still works: statistics keep flowing into the cache.
        await emu.admin("set_presence", {"userId": "3000011", "readyChannels": ["CALL"]})
        await assert_cache_matches_truth(emu, stream, seen)


async def test_unified_events_are_built_only_when_consumed(emu: Emulator) -> None:
    client = emu.client()
    async with client.supervisor_stream() as stream:
        by_id: list[Any] = []
        stream.on_event(EventId.EVENT_INCREMENTAL_STATS_UPDATE, by_id.append)
        await stream.wait_state(StreamState.CONNECTED, T)
        assert not stream.five9.unified  # nobody reads unified events yet
        unified: list[Any] = []
        stream.on("agent.state", unified.append)
        assert stream.five9.unified
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        await emu.admin("set_presence", {"userId": "3000013", "readyChannels": ["CALL"]})
        await emu.admin("flush")
        await seen.wait_for(lambda e: isinstance(e, AgentStateChanged))
        assert by_id and unified and all(isinstance(e, AgentStateChanged) for e in unified)
    never = client.supervisor_stream(unified=False)
    never.on("*", lambda e: None)
    assert not never.five9.unified


async def test_agent_stream_normalizes_a_call_and_sees_queue_and_skill_events(
    emu: Emulator,
) -> None:
    client = emu.client("agent")
    skills = await client.agent.skills()
    await client.agent.set_ready(["CALL"])
    async with client.agent_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED))
        offered = await emu.admin("offer_call", {"skillId": skills[0].id})
        call_id = offered["id"]
        await emu.admin("call_action", {"callId": call_id, "action": "answer"})
        started = await seen.wait_for(lambda e: isinstance(e, InteractionStarted))
        assert started.interaction_id == call_id
        assert started.agent_id == client.user_id and started.tenant == client.org_id
        await emu.admin("call_action", {"callId": call_id, "action": "hangup"})
        await emu.admin("call_action", {"callId": call_id, "action": "dispose"})
        ended = await seen.wait_for(lambda e: isinstance(e, InteractionEnded))
        assert ended.interaction_id == call_id and ended.duration_seconds is not None
        await emu.admin("offer_call", {"skillId": BILLING})  # not the agent's skill yet
        await emu.admin("skill", {"userId": client.user_id, "skillId": BILLING})
        await seen.wait_for(is_id(EventId.EVENT_AGENT_ADDED_TO_SKILL))
        queue = await seen.wait_for(lambda e: isinstance(e, SkillQueueEvent))
        assert queue.payload is not None and set(queue.payload) <= {s.id for s in skills} | {
            BILLING
        }


async def test_a_pluggable_statistics_backend_receives_the_feed(emu: Emulator) -> None:
    from cxkit.five9.stats_backend import MemoryStatsBackend

    class Shared(MemoryStatsBackend):
        """Stands for a backend shared with other processes (counts what it is asked)."""

        def __init__(self) -> None:
            super().__init__()
            self.lookups = 0

        def table(self, data_source: str) -> Any:
            self.lookups += 1
            return super().table(data_source)

    backend = Shared()
    client = emu.client(stats_backend=backend)
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        assert stream.cache is not None and stream.cache.backend is backend
        await emu.admin("offer_call", {"skillId": SALES})
        await assert_cache_matches_truth(emu, stream, seen)
        assert backend.lookups and backend.table("ACD_STATUS")


async def test_the_clients_own_calls_drive_both_sockets(emu: Emulator) -> None:
    """Presence set over REST shows on the agent socket (12) and as an AGENT_STATE delta on
    the supervisor socket; a call answered and disposed over REST gives 4 CONNECTED/TALKING
    and 5 DISPOSITIONED/FINISHED, i.e. a unified start and end."""
    from cxkit.events import InteractionUpdated
    from cxkit.five9.events import CallEvent, PresenceEvent

    supervisor = emu.client()
    agent = emu.client("agent")
    agent_id = emu.tenant.agent.user_id
    await supervisor.supervisor.load_names()
    async with supervisor.supervisor_stream() as sup_stream, agent.agent_stream() as agent_stream:
        sup_seen, agent_seen = Collector(sup_stream), Collector(agent_stream)
        await sup_seen.wait_for(is_id(EventId.EVENT_STATS))
        await agent_seen.wait_for(is_id(EventId.SERVER_CONNECTED))

        await agent.agent.set_ready(["CALL"])
        presence = await agent_seen.wait_for(is_id(EventId.EVENT_PRESENCE_UPDATED))
        assert isinstance(presence, PresenceEvent) and presence.payload is not None
        assert presence.payload.current_state is not None
        assert presence.payload.current_state.channels == ["CALL"]
        await agent_seen.wait_for(lambda e: isinstance(e, AgentStateChanged) and e.state == "ready")
        ready = await sup_seen.wait_for(
            lambda e: (
                isinstance(e, AgentStateChanged) and e.agent_id == agent_id and e.state == "ready"
            )
        )
        assert ready.previous_state == "not_ready"  # logged in by the agent's session_start
        assert ready.agent_name == emu.tenant.agent.username
        row = sup_stream.cache.agent_state(agent_id) if sup_stream.cache else None
        assert row is not None and row.state == "READY"

        call_id = (await emu.admin("offer_call", {"skillId": SALES}))["id"]
        created = await agent_seen.wait_for(is_id(EventId.EVENT_CALL_CREATED))
        assert isinstance(created, CallEvent) and created.payload is not None
        assert created.payload.id == call_id
        mark = len(agent_seen.events)
        await agent.agent.answer(call_id)
        connected = await agent_seen.wait_for(is_id(EventId.EVENT_CALL_UPDATED), start=mark)
        assert connected.reason == "CONNECTED" and connected.payload.state == "TALKING"
        started = await agent_seen.wait_for(lambda e: isinstance(e, InteractionStarted))
        assert started.interaction_id == call_id and started.queue_id == SALES

        await agent.agent.set_call_variables(call_id, {"300000000000504": "A-42"})
        updated = await agent_seen.wait_for(
            lambda e: isinstance(e, InteractionUpdated) and e.interaction_id == call_id,
            start=agent_seen.events.index(started),
        )
        assert updated.state == "TALKING"
        dispositions = await agent.agent.dispositions("1137597")
        mark = len(agent_seen.events)
        await agent.agent.dispose(call_id, dispositions[0].id)
        deleted = await agent_seen.wait_for(is_id(EventId.EVENT_CALL_DELETED), start=mark)
        assert deleted.reason == "DISPOSITIONED" and deleted.payload.state == "FINISHED"
        ended = await agent_seen.wait_for(lambda e: isinstance(e, InteractionEnded))
        assert ended.interaction_id == call_id and ended.disposition == dispositions[0].id
        # The supervisor saw the agent on the call and back, and its cache is the truth.
        await sup_seen.wait_for(
            lambda e: (
                isinstance(e, AgentStateChanged)
                and e.agent_id == agent_id
                and e.state == "on_interaction"
            )
        )
        await assert_cache_matches_truth(emu, sup_stream, sup_seen)
        totals = sup_stream.cache.agent_statistics(agent_id) if sup_stream.cache else None
        assert totals is not None and totals.total_calls_count == 1


async def test_both_streams_of_a_client_migrate_with_one_login(emu: Emulator) -> None:
    """A migration reaches every socket of one client: they all move to the new data center
    and share one re-login instead of logging in once each."""
    client = emu.client()
    # two sockets of one client (default keys: numbered, so not duplicates of each other)
    async with client.supervisor_stream() as first, client.supervisor_stream() as second:
        seen = [Collector(first), Collector(second)]
        for collector in seen:
            await collector.wait_for(is_id(EventId.EVENT_STATS))
        before, logins = client.api_base, client.logins
        await emu.admin("migrate", {})
        for collector in seen:
            gap = await collector.wait_for(lambda e: isinstance(e, StreamGap))
            await collector.wait_for(
                is_id(EventId.SERVER_CONNECTED), start=collector.events.index(gap)
            )
            await collector.wait_for(is_id(EventId.EVENT_STATS), start=collector.events.index(gap))
        assert client.api_base != before
        assert client.logins == logins + 1
        await assert_cache_matches_truth(emu, first, seen[0])


@pytest.mark.parametrize("mode", ["cookies", "header"])
async def test_sockets_authenticate_with_cookies_alone_or_headers_alone(
    emu: Emulator, mode: str
) -> None:
    for role in ("supervisor", "agent"):
        client = emu.client(role, auth_mode=mode)
        stream = client.supervisor_stream() if role == "supervisor" else client.agent_stream()
        async with stream:
            seen = Collector(stream)
            await seen.wait_for(is_id(EventId.SERVER_CONNECTED))
            await seen.wait_for(is_id(EventId.PONG))
            if role == "supervisor":
                await seen.wait_for(is_id(EventId.EVENT_STATS))


async def test_an_administrators_filter_change_brings_a_fresh_dump(emu: Emulator) -> None:
    client = emu.client()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        assert stream.cache is not None and len(stream.cache.table("ACD_STATUS")) == 3
        settings = {"skillsSelectionType": "SPECIFY", "skills": [SALES]}
        await emu.admin("stats_filter", {"userId": client.user_id, "settings": settings})
        changed = await seen.wait_for(is_id(EventId.EVENT_FILTER_SETTINGS_UPDATED))
        await seen.wait_for(is_id(EventId.EVENT_STATS), start=seen.events.index(changed))
        assert set(stream.cache.table("ACD_STATUS")) == {SALES}
        assert stream.cache.queue_totals() is not None
        filtered = await client.supervisor.stats_filter_settings()
        assert filtered is not None and filtered.skills == [SALES]
