"""The cxkit Five9 client against the emulator running a simulated contact center: the
supervisor statistics and the agent events are a view of the one truth (``GET
/_emulator/sim``), over real loopback sockets, the emulator clock frozen and moved by the
admin API (the simulation moves only with it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.five9 import create_plugin
from cxkit.emulator.server import EmulatorServer
from cxkit.events import AgentStateChanged, InteractionEnded, InteractionStarted, StreamGap
from cxkit.five9.events import CallEvent, EventId, PresenceEvent
from cxkit.five9.stats import five9_agent_state
from cxkit.five9.streams import Five9EventStream
from cxkit.sim import AgentGroupSpec, CenterSpec, Fixed, QueueSpec, SimConfig, five9_call_id

from .conftest import Emulator
from .helpers import Collector, assert_cache_matches_truth, is_id

pytestmark = pytest.mark.asyncio

QUIET_GROUP = "Desk"


def quiet_center() -> CenterSpec:
    """Two queues with no arrivals of their own and three agents who log in only after a
    day: every call and every state change comes from the test."""
    queue = {"calls_per_hour": 0.0, "talk": Fixed(120.0), "wrap": Fixed(30.0), "patience": None}
    return CenterSpec(
        name="Quiet",
        queues=(QueueSpec(name="Sales", **queue), QueueSpec(name="Billing", **queue)),
        groups=(
            AgentGroupSpec(
                name=QUIET_GROUP,
                count=3,
                skills=("Sales", "Billing"),
                login_at=86_400.0,
                breaks_per_hour=0.0,
            ),
        ),
    )


async def start(center: CenterSpec, seed: int = 11) -> EmulatorServer:
    """An emulator with only the Five9 plugin, a frozen clock and ``center`` simulated."""
    config = EmulatorConfig(
        seed=7, frozen_clock=True, simulation=SimConfig(center=center, seed=seed)
    )
    server = EmulatorServer(config, plugins=[create_plugin(config)])
    await server.start()
    return server


async def running(center: CenterSpec) -> AsyncIterator[Emulator]:
    server = await start(center)
    try:
        async with aiohttp.ClientSession() as http:
            emulator = Emulator(server, http)
            try:
                yield emulator
            finally:
                for client in emulator.clients:
                    await client.close()
    finally:
        await server.stop()


@pytest.fixture
async def demo() -> AsyncIterator[Emulator]:
    """The demo center (six queues, 40 agents, breaks and shifts)."""
    async for emulator in running(CenterSpec.demo()):
        yield emulator


@pytest.fixture
async def quiet() -> AsyncIterator[Emulator]:
    async for emulator in running(quiet_center()):
        yield emulator


async def truth(emu: Emulator) -> dict[str, Any]:
    async with emu.http.get(f"{emu.url}/_emulator/sim") as resp:
        assert resp.status == 200
        body: dict[str, Any] = await resp.json()
        return body


async def advance(emu: Emulator, seconds: float) -> None:
    """Move the clock (and so the simulation); the tick's 5012 is queued on return."""
    await emu.core("clock/advance", {"seconds": seconds})


def new_updates(seen: Collector, start: int) -> list[Any]:
    return [e for e in seen.events[start:] if is_id(EventId.EVENT_INCREMENTAL_STATS_UPDATE)(e)]


async def assert_follows_sim(emu: Emulator, stream: Five9EventStream, seen: Collector) -> None:
    """The client's cache (fed by 5000/5012 only) says what the simulation's truth says:
    every agent's state, reason and since; every queue's waiting calls, longest wait and
    agents by state; the domain totals."""
    await seen.sync(emu)
    now = await truth(emu)
    cache = stream.cache
    assert cache is not None and not cache.stale
    client = emu.clients[0]
    reasons = {c.id: c.name for c in await client.supervisor.not_ready_reason_codes()}
    reasons |= {c.id: c.name for c in await client.supervisor.logout_reason_codes()}
    epoch_ms = (now["wall_time"] - now["now"]) * 1000.0
    assert set(cache.table("AGENT_STATE")) == {a["five9_id"] for a in now["agents"]}
    for agent in now["agents"]:
        row = cache.agent_state(agent["five9_id"])
        assert row is not None, agent
        assert five9_agent_state(row.state) == agent["state"], (agent, row.state)
        assert reasons.get(str(row.reason_code_id)) == agent["reason"], (agent, row)
        assert row.state_since is not None
        assert abs(row.state_since - (epoch_ms + agent["since"] * 1000.0)) <= 1, agent
    for queue in now["queues"]:
        row = cache.queue(queue["five9_id"])
        assert row is not None, queue
        assert_queue_row(row, queue["calls_waiting"], queue["agents"], queue["longest_wait"])
    total = cache.queue_totals()
    assert total is not None
    center = now["center"]
    longest = max((q["longest_wait"] for q in now["queues"]), default=0.0)
    assert_queue_row(total, center["calls_waiting"], center["agents"], longest)


def assert_queue_row(row: Any, waiting: int, agents: dict[str, int], longest: float) -> None:
    assert row.calls_in_queue == waiting, row
    assert row.current_longest_queue_time == pytest.approx(longest * 1000.0, abs=1), row
    assert row.agents_logged_in == sum(agents.values()) - agents["logged_out"], row
    assert row.agents_in_queue == agents["ready"], row
    assert row.agents_on_call == agents["on_interaction"] + agents["after_work"], row
    assert row.agents_not_ready_for_calls == agents["not_ready"], row


# --------------------------------------------------------------------------- statistics


async def test_statistics_follow_the_simulation_across_clock_advances(demo: Emulator) -> None:
    client = demo.client()
    await client.supervisor.load_names()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        await advance(demo, 0)  # the logins due at t=0
        await assert_follows_sim(demo, stream, seen)
        states: set[str] = set()
        for seconds in (30, 120, 300, 600, 900):
            mark = len(seen.events)
            await advance(demo, seconds)
            await assert_follows_sim(demo, stream, seen)
            # Every record of the advance (hundreds) went out as one 5012 of the tick.
            assert len(new_updates(seen, mark)) == 1
            states |= {a["state"] for a in (await truth(demo))["agents"]}
        assert states >= {"ready", "not_ready", "on_interaction", "logged_out"}
        assert (await truth(demo))["center"]["offered"] > 50
        # The Five9-side truth (every row, totals included) is what the client holds too.
        await assert_cache_matches_truth(demo, stream, seen)


async def test_statistics_follow_after_a_dropped_socket(demo: Emulator) -> None:
    client = demo.client()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        await advance(demo, 600)
        await demo.core("ws/drop", {"vendor": "five9"})
        await advance(demo, 300)  # the center moves on while the socket is down
        gap = await seen.wait_for(lambda e: isinstance(e, StreamGap))
        await seen.wait_for(is_id(EventId.EVENT_STATS), start=seen.events.index(gap))
        await assert_follows_sim(demo, stream, seen)
        await advance(demo, 120)
        await assert_follows_sim(demo, stream, seen)


async def test_statistics_follow_after_a_reset(demo: Emulator) -> None:
    client = demo.client()
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.EVENT_STATS))
        await advance(demo, 900)
        await assert_follows_sim(demo, stream, seen)
        mark = len(seen.events)
        await demo.core("reset")
        assert (await truth(demo))["now"] == 0.0
        gap = await seen.wait_for(lambda e: isinstance(e, StreamGap), start=mark)
        await seen.wait_for(is_id(EventId.EVENT_STATS), start=seen.events.index(gap))
        await advance(demo, 0)
        await assert_follows_sim(demo, stream, seen)
        await advance(demo, 300)
        await assert_follows_sim(demo, stream, seen)


async def test_a_generated_center_of_2000_agents_stays_consistent() -> None:
    center = CenterSpec.generate(agents=2000, queues=200, seed=3)
    async for emu in running(center):
        client = emu.client()
        async with client.supervisor_stream() as stream:
            seen = Collector(stream)
            await seen.wait_for(is_id(EventId.EVENT_STATS))
            for seconds in (0, 150, 600):
                await advance(emu, seconds)
                await assert_follows_sim(emu, stream, seen)
            assert stream.stats.reconnects == 0
            assert stream.five9.malformed == 0
            # 2,000 agents' rows do not fit one frame under the client's 4 MiB limit: the
            # dump came as several 5000s (one per data source) and the logins as several
            # 5012s, and the cache is whole all the same.
            assert sum(is_id(EventId.EVENT_STATS)(e) for e in seen.events) > 1


# --------------------------------------------------------------------------- agent actions


async def reason_id(emu: Emulator, name: str) -> str:
    codes = await emu.clients[0].supervisor.not_ready_reason_codes()
    return next(c.id for c in codes if c.name == name)


def agent_row_update(user_id: str, state: str) -> Any:
    """A 5012 whose AGENT_STATE block carries ``user_id``'s row in ``state``."""

    def match(event: Any) -> bool:
        if not is_id(EventId.EVENT_INCREMENTAL_STATS_UPDATE)(event):
            return False
        return any(
            row.id == user_id and row.state == state
            for block in event.payload
            if block.data_source == "AGENT_STATE"
            for row in (*block.added, *block.updated)
        )

    return match


async def test_presence_set_by_the_client_is_the_truth_and_a_5012(quiet: Emulator) -> None:
    supervisor = quiet.client()
    agent = quiet.client("agent")
    await supervisor.supervisor.load_names()
    lunch = await reason_id(quiet, "Lunch")
    async with supervisor.supervisor_stream() as sup_stream:
        sup_seen = Collector(sup_stream)
        await sup_seen.wait_for(is_id(EventId.EVENT_STATS))
        async with agent.agent_stream() as agent_stream:
            agent_seen = Collector(agent_stream)
            await agent_seen.wait_for(is_id(EventId.SERVER_CONNECTED))
            # The demo agent's credentials are the first simulated agent's.
            first = (await truth(quiet))["agents"][0]
            assert agent.user_id == first["five9_id"]

            mark = len(sup_seen.events)
            await agent.agent.set_not_ready(lunch)
            update = await sup_seen.wait_for(
                agent_row_update(agent.user_id, "NOT_READY"), start=mark
            )
            row = next(
                r
                for b in update.payload
                if b.data_source == "AGENT_STATE"
                for r in (*b.added, *b.updated)
                if r.id == agent.user_id
            )
            assert str(row.reason_code_id) == lunch
            changed = await sup_seen.wait_for(
                lambda e: (
                    isinstance(e, AgentStateChanged)
                    and e.agent_id == agent.user_id
                    and e.state == "not_ready"
                ),
                start=mark,
            )
            assert changed.reason == "Lunch"
            presence = await agent_seen.wait_for(
                lambda e: (
                    isinstance(e, PresenceEvent)
                    and e.payload is not None
                    and e.payload.current_state is not None
                    and e.payload.current_state.reason_code_id == lunch
                )
            )
            assert presence.payload.current_state.channels == []
            me = (await truth(quiet))["agents"][0]
            assert (me["state"], me["reason"]) == ("not_ready", "Lunch")
            await assert_follows_sim(quiet, sup_stream, sup_seen)

            mark = len(sup_seen.events)
            await agent.agent.set_ready(["CALL"])
            await sup_seen.wait_for(agent_row_update(agent.user_id, "READY"), start=mark)
            assert (await truth(quiet))["agents"][0]["state"] == "ready"
            await assert_follows_sim(quiet, sup_stream, sup_seen)

        mark = len(sup_seen.events)
        user_id = agent.user_id
        await agent.logout()  # the station session ends: the simulated agent logs out
        await sup_seen.wait_for(agent_row_update(user_id, "LOGGED_OUT"), start=mark)
        assert (await truth(quiet))["agents"][0]["state"] == "logged_out"
        await assert_follows_sim(quiet, sup_stream, sup_seen)


async def test_a_routed_call_gives_3_4_5_on_the_agent_socket(quiet: Emulator) -> None:
    supervisor = quiet.client()
    agent = quiet.client("agent")
    await agent.agent.set_ready()
    async with supervisor.supervisor_stream() as sup_stream, agent.agent_stream() as agent_stream:
        sup_seen, seen = Collector(sup_stream), Collector(agent_stream)
        await sup_seen.wait_for(is_id(EventId.EVENT_STATS))
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED))

        # The only Ready agent: the simulation routes the call to the client's agent.
        offered = await quiet.core("sim/offer", {"queue": "Sales"})
        call_id = five9_call_id(offered["call_id"])
        created = await seen.wait_for(is_id(EventId.EVENT_CALL_CREATED))
        assert isinstance(created, CallEvent) and created.payload is not None
        assert created.payload.id == call_id
        connected = await seen.wait_for(is_id(EventId.EVENT_CALL_UPDATED))
        assert connected.reason == "CONNECTED" and connected.payload.state == "TALKING"
        started = await seen.wait_for(lambda e: isinstance(e, InteractionStarted))
        assert started.interaction_id == call_id and started.agent_id == agent.user_id
        me = (await truth(quiet))["agents"][0]
        assert me["state"] == "on_interaction" and five9_call_id(me["call_id"]) == call_id
        assert [c.id for c in await agent.agent.calls()] == [call_id]
        await agent.agent.answer(call_id)  # connected already: accepted, nothing changes

        # Disposing a talking call hangs it up and ends the wrap-up: 4 WRAP_UP, then 5.
        mark = len(seen.events)
        disposition = next(d.id for d in await agent.agent.dispositions() if d.id == "0")
        await agent.agent.dispose(call_id, disposition)
        wrap = await seen.wait_for(is_id(EventId.EVENT_CALL_UPDATED), start=mark)
        assert wrap.payload.state == "WRAP_UP"
        deleted = await seen.wait_for(is_id(EventId.EVENT_CALL_DELETED), start=mark)
        assert deleted.reason == "DISPOSITIONED" and deleted.payload.state == "FINISHED"
        assert deleted.payload.disposition_id == disposition
        ended = await seen.wait_for(lambda e: isinstance(e, InteractionEnded))
        assert ended.interaction_id == call_id
        now = await truth(quiet)
        assert now["agents"][0]["state"] == "ready" and now["center"]["handled"] == 1
        await assert_follows_sim(quiet, sup_stream, sup_seen)

        # A call the simulated caller ends: 4 at the hang-up, the client's disconnect of
        # the next one, and 5 when the (simulated) wrap-up time is over.
        mark = len(seen.events)
        second = five9_call_id((await quiet.core("sim/offer", {"queue": "Billing"}))["call_id"])
        await seen.wait_for(is_id(EventId.EVENT_CALL_CREATED), start=mark)
        await agent.agent.disconnect(second)
        hung_up = await seen.wait_for(
            lambda e: is_id(EventId.EVENT_CALL_UPDATED)(e) and e.payload.state == "WRAP_UP",
            start=mark,
        )
        assert hung_up.payload.id == second
        assert (await truth(quiet))["agents"][0]["state"] == "after_work"
        await assert_follows_sim(quiet, sup_stream, sup_seen)
        await advance(quiet, 30)  # the queue's wrap-up time
        done = await seen.wait_for(is_id(EventId.EVENT_CALL_DELETED), start=mark)
        assert done.payload.id == second and done.payload.disposition_id == "300000000000404"
        await assert_follows_sim(quiet, sup_stream, sup_seen)
        stats = sup_stream.cache.agent_statistics(agent.user_id) if sup_stream.cache else None
        assert stats is not None and stats.total_calls_count == 2

        # What the simulation does not model is refused, the truth untouched.
        third = five9_call_id((await quiet.core("sim/offer", {"queue": "Sales"}))["call_id"])
        await seen.wait_for(lambda e: isinstance(e, CallEvent) and e.payload.id == third)
        with pytest.raises(Exception, match="simulated contact center"):
            await agent.agent.reject(third)
        assert (await truth(quiet))["agents"][0]["state"] == "on_interaction"
