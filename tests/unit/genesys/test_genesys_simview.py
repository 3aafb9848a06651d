"""The Genesys emulator's view of the simulated center, without sockets: the runtime, a
:class:`SimHost` on a frozen emulator clock and fake sockets on the notification hub."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from cxkit.emulator.context import EmulatorClock
from cxkit.emulator.genesys import topic_bodies
from cxkit.emulator.genesys.runtime import Runtime
from cxkit.emulator.genesys.settings import GenesysOptions
from cxkit.emulator.genesys.simview import SimView
from cxkit.emulator.simhost import SimHost
from cxkit.emulator.tenant import DEMO
from cxkit.events import AgentState
from cxkit.sim import CenterSpec, SimConfig

# What each simulated state shows in Genesys: (system presence, routing status); None for a
# not-ready reason's own presence.
SHOWN = {
    AgentState.READY: ("ON_QUEUE", "IDLE"),
    AgentState.ON_INTERACTION: ("ON_QUEUE", "INTERACTING"),
    AgentState.AFTER_WORK: ("ON_QUEUE", "INTERACTING"),
    AgentState.NOT_READY: (None, "OFF_QUEUE"),
    AgentState.LOGGED_OUT: ("OFFLINE", "OFF_QUEUE"),
}


class FakeSocket:
    """A connected channel's socket: keeps the frames."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    def send(self, frame: str) -> None:
        self.frames.append(json.loads(frame))

    def close(self, code: int, reason: str) -> None:
        pass

    def close_later(self, delay: float, code: int, reason: str) -> None:
        pass

    def wake(self) -> None:
        pass

    def topics(self) -> Counter[str]:
        return Counter(f["topicName"] for f in self.frames)


class World:
    """The runtime of the Genesys plugin attached to a simulated center."""

    def __init__(self, center: CenterSpec, seed: int = 3) -> None:
        self.clock = EmulatorClock(start_time=1_700_000_000.0, frozen=True)
        self.host = SimHost(SimConfig(center=center, seed=seed), self.clock)
        self.rt = Runtime(DEMO.genesys, GenesysOptions(), 0)
        self.view = SimView(self.rt, self.host)
        self.rt.sim = self.view
        self.host.subscribe(self.view.observe)
        self.host.on_tick(self.view.tick)
        self.rt.reset()

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.host.advance()

    def listen(self, topics: list[str]) -> FakeSocket:
        token = self.rt.tokens.issue(
            DEMO.genesys.client_credentials.client_id, "CLIENT-CREDENTIALS"
        )
        channel = self.rt.hub.create(token)
        self.rt.hub.subscribe(channel, topics)
        socket = FakeSocket()
        self.rt.hub.attach(channel, socket)
        return socket

    def shown(self) -> dict[str, tuple[str, str, str]]:
        """Genesys user id -> (system presence, presence definition id, routing status)."""
        state = self.rt.state
        return {
            u.id: (state.system_presence(u), u.presence_id, u.routing_status)
            for u in state.users.values()
        }


def check_every_agent(world: World) -> int:
    """Every simulated agent shows its state's presence and routing status; returns how
    many agents were checked."""
    sim = world.host.sim
    shown = world.shown()
    for info in sim.directory.agents:
        snap = sim.agent_snapshot(info.id)
        system, definition, routing = shown[info.genesys_id]
        want_system, want_routing = SHOWN[snap.state]
        assert routing == want_routing, (info.id, snap)
        if want_system is None:
            assert snap.reason is not None
            assert definition == sim.directory.reason(snap.reason).genesys_id, (info.id, snap)
        else:
            assert system == want_system, (info.id, snap)
    return len(sim.directory.agents)


async def test_every_agent_shows_its_state_through_a_long_run() -> None:
    world = World(CenterSpec.generate(agents=500, queues=50, seed=4))
    assert check_every_agent(world) == 500  # seeded: all logged out
    seen = Counter(s.state for s in world.host.sim.agent_snapshots())
    for _ in range(12):
        await world.advance(300)
        check_every_agent(world)
        seen.update(s.state for s in world.host.sim.agent_snapshots())
    assert set(seen) == set(SHOWN)
    assert world.host.observer_errors == 0
    # every finished call is a conversation with its wrap-up (or an abandoned one)
    state = world.rt.state
    ended = [c for c in state.conversations.values() if c.end is not None]
    assert ended
    for conversation in ended:
        agents = conversation.by_purpose("agent")
        for p in agents:
            assert p.end is not None
            assert (p.wrapup_code is None) == (p.acw_end is None)


async def test_no_topic_body_is_built_while_nobody_listens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a topic body was built for nobody")

    for name in topic_bodies.__all__:
        monkeypatch.setattr(topic_bodies, name, refuse)
    world = World(CenterSpec.generate(agents=300, queues=30, seed=1))
    for _ in range(6):
        await world.advance(300)
    assert world.host.observer_errors == 0
    assert world.view.records > 300


async def test_observations_are_batched_once_per_tick_for_listened_queues() -> None:
    world = World(CenterSpec.demo())
    queue = next(iter(world.rt.state.queues))
    other = list(world.rt.state.queues)[1]
    socket = world.listen([f"v2.analytics.queues.{queue}.observations"])
    await world.advance(600)  # one tick: many changes in the queue, one event
    topics = socket.topics()
    assert topics == Counter({f"v2.analytics.queues.{queue}.observations": 1})
    await world.host.changed()  # nothing changed since: nothing sent
    assert len(socket.frames) == 1
    body = socket.frames[0]["eventBody"]
    snap = world.host.sim.queue_snapshot(world.view.sim_queue(queue))
    counts = {
        (m["metric"], m.get("qualifier")): m["stats"]["count"] for m in body["data"][0]["metrics"]
    }
    assert counts["oWaiting", None] == snap.calls_waiting
    assert counts["oInteracting", None] == snap.calls_talking
    assert counts.get(("oOnQueueUsers", "IDLE"), 0) == snap.agents[AgentState.READY]
    assert f"v2.analytics.queues.{other}.observations" not in topics
    for _ in range(5):
        await world.advance(1)
    per_tick = len(socket.frames) - 1
    assert per_tick <= 5


async def test_presence_actions_become_control_calls() -> None:
    world = World(CenterSpec.demo())
    await world.advance(120)
    sim, view, state = world.host.sim, world.view, world.rt.state
    info = next(
        a for a in sim.directory.agents if sim.agent_snapshot(a.id).state is AgentState.READY
    )
    user = state.users[info.genesys_id]
    socket = world.listen([f"v2.users.{user.id}?presence&routingStatus&activity"])

    await view.set_presence(user, "Available")  # no reason of its own: a stand-in reason
    snap = sim.agent_snapshot(info.id)
    assert snap.state is AgentState.NOT_READY and snap.reason
    assert state.system_presence(user) == "AVAILABLE" and user.routing_status == "OFF_QUEUE"
    assert [f["topicName"].rsplit(".", 1)[1] for f in socket.frames] == [
        "presence",
        "routingStatus",
        "activity",
    ]

    await view.set_routing_status(user, "IDLE")
    assert sim.agent_snapshot(info.id).state in (AgentState.READY, AgentState.ON_INTERACTION)
    assert state.system_presence(user) == "ON_QUEUE"

    lunch = sim.directory.reason("Lunch")
    await view.set_presence(user, lunch.genesys_id)
    snap = sim.agent_snapshot(info.id)
    if snap.state is AgentState.NOT_READY:
        assert snap.reason == "Lunch" and user.routing_status == "OFF_QUEUE"
    else:  # took a waiting call first: Lunch shows at once, applies after the call
        assert user.routing_status == "INTERACTING"
    assert user.presence_id == lunch.genesys_id
    assert state.presences[user.presence_id].system_name == "Meal"

    await view.set_presence(user, "Offline")
    if sim.agent_snapshot(info.id).state is AgentState.LOGGED_OUT:
        assert state.system_presence(user) == "OFFLINE"
    assert world.host.observer_errors == 0
