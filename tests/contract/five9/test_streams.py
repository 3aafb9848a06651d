"""Five9 agent and supervisor sockets against the emulator (and a raw WebSocket server for
frames the emulator never sends), over real loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cxkit.core.session import ConnectTarget
from cxkit.events import (
    AgentStateChanged,
    InteractionEnded,
    InteractionStarted,
    StreamState,
)
from cxkit.five9.client import Five9EventStream
from cxkit.five9.errors import DuplicateConnectionError
from cxkit.five9.events import EventId, Five9Event
from cxkit.five9.protocol import AgentStreamSession, ConnectRequest, MalformedFrame
from cxkit.five9.rows import DataSource

from .conftest import FAST_RECONNECT, Emulator

pytestmark = pytest.mark.asyncio
T = 10.0


class Collector:
    """Collects every event of a stream; waits for a predicate without sleeping."""

    def __init__(self, stream: Five9EventStream) -> None:
        self.events: list[Any] = []
        self._changed = asyncio.Event()
        stream.on("*", self._add)

    def _add(self, event: Any) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(
        self, predicate: Callable[[Any], bool], timeout: float = T, *, start: int = 0
    ) -> Any:
        """The first event from index ``start`` on that matches (waits for it)."""

        async def scan() -> Any:
            seen = start
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    def ids(self) -> list[int]:
        return [e.event_id for e in self.events if isinstance(e, Five9Event)]


def is_id(event_id: int) -> Callable[[Any], bool]:
    return lambda e: isinstance(e, Five9Event) and e.event_id == event_id


def truth_rows(state: dict[str, Any], source: str) -> dict[str, Any]:
    return {row["id"]: row for row in state["stats"].get(source, [])}


async def assert_cache_matches_truth(emu: Emulator, stream: Five9EventStream) -> None:
    await emu.admin("flush")
    state = await emu.admin("state")
    cache = stream.cache
    assert cache is not None
    for source in (DataSource.AGENT_STATE, DataSource.ACD_STATUS):
        truth = {k: v for k, v in truth_rows(state, source).items() if k not in ("0", "")}
        table = cache.table(source)
        assert set(table) == set(truth), source
        if source == DataSource.AGENT_STATE:
            assert {k: r.state for k, r in table.items()} == {
                k: v["state"] for k, v in truth.items()
            }
        else:
            assert {k: r.calls_in_queue for k, r in table.items()} == {
                k: v.get("callsInQueue") for k, v in truth.items()
            }


async def test_supervisor_stream_gets_full_statistics_and_state_changes(emu: Emulator) -> None:
    client = emu.client()
    await client.supervisor.load_names()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED))
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        assert stream.cache is not None and not stream.cache.stale
        await assert_cache_matches_truth(emu, stream)
        agent = emu.tenant.agent.user_id
        await emu.admin("set_presence", {"userId": agent, "readyChannels": ["CALL"]})
        await emu.admin("flush")
        changed = await seen.wait_for(
            lambda e: (
                isinstance(e, AgentStateChanged) and e.agent_id == agent and e.state == "ready"
            )
        )
        assert changed.agent_name == emu.tenant.agent.username
        await assert_cache_matches_truth(emu, stream)


async def test_keepalive_pongs_and_missing_pongs_reconnect(emu: Emulator) -> None:
    client = emu.client(ping_interval=0.05)
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.PONG))
        await emu.core("ws/pongs", {"vendor": "five9", "enabled": False})
        await seen.wait_for(lambda e: getattr(e, "state", None) == StreamState.RECONNECTING)
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
        # While down, the tenant changes; the new dump after reconnect must show it.
        agent = emu.tenant.agent.user_id
        await emu.admin("set_presence", {"userId": agent, "readyChannels": ["CALL"]})
        gap = await seen.wait_for(lambda e: type(e).__name__ == "StreamGap")
        await seen.wait_for(is_id(EventId.EVENT_STATS), start=seen.events.index(gap))
        assert stream.cache is not None and not stream.cache.stale
        await assert_cache_matches_truth(emu, stream)


async def test_migration_sequence_moves_socket_and_rest(emu: Emulator) -> None:
    client = emu.client()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        before = client.api_base
        await emu.admin("migrate", {})
        await seen.wait_for(is_id(EventId.EVENT_MAINTENANCE_COMPLETED))
        await seen.wait_for(lambda e: type(e).__name__ == "StreamGap")
        await stream.wait_state(StreamState.CONNECTED, T)
        assert client.api_base != before
        assert [i for i in seen.ids() if i in (70, 1002, 73)] == [70, 1002, 73]
        assert await client.supervisor.users()


async def test_close_1003_reconnects(emu: Emulator) -> None:
    client = emu.client()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED))
        await emu.admin("close", {"code": 1003})
        await seen.wait_for(lambda e: getattr(e, "state", None) == StreamState.RECONNECTING)
        await stream.wait_state(StreamState.CONNECTED, T)


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


async def test_unknown_events_are_delivered_and_handlers_cannot_kill_the_stream(
    emu: Emulator,
) -> None:
    client = emu.client()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)

        def broken(event: Any) -> None:
            raise RuntimeError("handler bug")

        stream.on_event(4242, broken)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED))
        await emu.admin(
            "send_event", {"eventId": "4242", "payLoad": {"x": 1}, "kind": "supervisor"}
        )
        unknown = await seen.wait_for(is_id(4242))
        assert unknown.payload == {"x": 1} and unknown.name == "UNKNOWN_4242"
        await emu.admin("send_event", {"eventId": "37", "payLoad": 60000, "kind": "supervisor"})
        announced = await seen.wait_for(is_id(37))
        assert announced.starts_in_ms == 60000
        assert stream.stats.handler_errors == 1
        assert stream.state == StreamState.CONNECTED


async def test_agent_stream_normalizes_a_call(emu: Emulator) -> None:
    client = emu.client("agent")
    skills = await client.agent.skills()
    await client.agent.set_ready(["CALL"])
    async with client.agent_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED))
        offered = await emu.admin("offer_call", {"skillId": skills[0].id})
        call_id = offered.get("id") or offered.get("callId")
        await emu.admin("call_action", {"callId": call_id, "action": "answer"})
        started = await seen.wait_for(lambda e: isinstance(e, InteractionStarted))
        assert started.interaction_id == call_id
        await emu.admin("call_action", {"callId": call_id, "action": "hangup"})
        await emu.admin("call_action", {"callId": call_id, "action": "dispose"})
        ended = await seen.wait_for(lambda e: isinstance(e, InteractionEnded))
        assert ended.interaction_id == call_id


# --------------------------------------------------------------------------- raw server


async def test_malformed_frames_over_a_real_socket_are_reported_and_skipped() -> None:
    """The emulator only sends well-formed frames: a raw aiohttp server sends garbage."""
    pinged = asyncio.Event()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str("not json at all")
        await ws.send_bytes(b"\xff\xfe")
        await ws.send_str('{"context": {}}')
        await ws.send_str('{"context": {"eventId": "1010"}, "payLoad": null}')
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT and msg.data == "ping":
                pinged.set()
                await ws.send_str('{"context": {"eventId": "1202"}, "payLoad": "pong"}')
        return ws

    app = web.Application()
    app.router.add_get("/appsvcs/ws/{key}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def target(request: ConnectRequest) -> ConnectTarget:
        return ConnectTarget(url=f"ws://127.0.0.1:{port}/appsvcs/ws/k")

    session = AgentStreamSession(target, ping_interval=0.05)
    try:
        async with Five9EventStream(session, reconnect=FAST_RECONNECT) as stream:
            seen = Collector(stream)
            await seen.wait_for(is_id(EventId.SERVER_CONNECTED))
            await seen.wait_for(is_id(EventId.PONG))
            malformed = [e for e in seen.events if isinstance(e, MalformedFrame)]
            assert len(malformed) == 3
            assert session.malformed == 3
            assert stream.state == StreamState.CONNECTED
            assert pinged.is_set()
    finally:
        await runner.cleanup()
