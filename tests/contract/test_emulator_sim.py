"""The simulated center inside the emulator: one truth, driven by the emulator clock, seen by
plugins through ``ctx.simulation`` and steered through ``/_emulator/sim``.

A small plugin here ("watch") observes the records and ticks the way the vendor plugins do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.context import EmulatorContext
from cxkit.emulator.server import EmulatorServer
from cxkit.errors import ConfigError
from cxkit.sim import AgentStateChange, CenterSpec, SimConfig
from cxkit.sim.records import ChangeRecord

T = aiohttp.ClientTimeout(total=5.0)


class WatchPlugin:
    """Records what a vendor plugin would turn into wire events."""

    name = "watch"

    def __init__(self) -> None:
        self.records: list[ChangeRecord] = []
        self.ticks: list[float] = []
        self.agents_seen_at_reset: list[int] = []

    def setup(self, app: web.Application, ctx: EmulatorContext) -> None:
        host = ctx.simulation
        assert host is not None
        self.host = host
        host.subscribe(self.records.append)
        host.on_tick(self.ticks.append)
        ctx.on_reset(self._on_reset)

    def _on_reset(self) -> None:
        # Runs after the host's own reset: the simulation is already the rebuilt one.
        self.agents_seen_at_reset.append(int(self.host.sim.now))

    def info(self) -> dict[str, Any]:
        return {}

    def admin_command(self, command: str, body: dict[str, Any]) -> None:
        return None


def config(**overrides: Any) -> EmulatorConfig:
    settings: dict[str, Any] = {
        "simulation": SimConfig(center=CenterSpec.demo(), seed=11),
        "frozen_clock": True,  # the simulation moves only when the test moves the clock
        **overrides,
    }
    return EmulatorConfig(**settings)


@pytest.fixture
async def watch() -> WatchPlugin:
    return WatchPlugin()


@pytest.fixture
async def emu(watch: WatchPlugin) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(config(), plugins=[watch]) as server:
        yield server


async def admin(emu: EmulatorServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession(timeout=T) as http,
        http.request(method, f"{emu.url}/_emulator/{path}", json=body) as resp,
    ):
        return resp.status, await resp.json()


async def test_the_clock_drives_the_simulation_and_the_truth_follows(
    emu: EmulatorServer, watch: WatchPlugin
) -> None:
    status, truth = await admin(emu, "GET", "sim")
    assert status == 200
    assert truth["now"] == 0.0 and truth["seed"] == 11
    assert len(truth["agents"]) == 40 and len(truth["queues"]) == 6
    assert all(a["state"] == "logged_out" for a in truth["agents"])
    assert {"five9_id", "genesys_id", "username"} <= set(truth["agents"][0])

    status, _ = await admin(emu, "POST", "clock/advance", {"seconds": 900})
    assert status == 200
    status, truth = await admin(emu, "GET", "sim")
    assert truth["now"] == pytest.approx(900.0)
    assert truth["center"]["offered"] > 0  # calls arrived and were routed
    logged_in = [a for a in truth["agents"] if a["state"] != "logged_out"]
    assert len(logged_in) > 20
    # The plugin saw every change and a tick after the advance.
    assert sum(isinstance(r, AgentStateChange) for r in watch.records) >= len(logged_in)
    assert watch.ticks and watch.ticks[-1] == pytest.approx(900.0)
    # The truth's per-queue counts agree with what the plugin observed.
    offered = sum(q["offered"] for q in truth["queues"])
    assert offered == truth["center"]["offered"]


async def test_agent_actions_and_offers_through_the_admin_api(
    emu: EmulatorServer, watch: WatchPlugin
) -> None:
    await admin(emu, "POST", "clock/advance", {"seconds": 60})
    _, truth = await admin(emu, "GET", "sim")
    agent = next(a for a in truth["agents"] if a["state"] == "ready")
    ticks_before = len(watch.ticks)

    status, body = await admin(
        emu,
        "POST",
        "sim/agent",
        {"agent": agent["username"], "action": "not_ready", "reason": "Lunch"},
    )
    assert status == 200
    assert body == {"agent_id": agent["agent_id"], "state": "not_ready", "reason": "Lunch"}
    assert len(watch.ticks) > ticks_before  # plugins flush at once after a control call
    change = watch.records[-1]
    assert isinstance(change, AgentStateChange) and change.reason == "Lunch"

    # Any vendor id finds the same agent.
    status, body = await admin(
        emu, "POST", "sim/agent", {"agent": agent["genesys_id"], "action": "ready"}
    )
    assert (status, body["state"]) == (200, "ready")

    queue = truth["queues"][0]
    status, body = await admin(emu, "POST", "sim/offer", {"queue": queue["name"]})
    assert status == 200 and body["queue_id"] == queue["queue_id"]
    _, after = await admin(emu, "GET", "sim")
    assert after["queues"][0]["offered"] == queue["offered"] + 1


async def test_bad_admin_bodies_name_the_field(emu: EmulatorServer) -> None:
    cases = [
        ({"agent": "nobody", "action": "ready"}, None),
        ({"agent": "agent-00001", "action": "dance"}, "action"),
        ({"action": "ready"}, "agent"),
        ({"agent": "agent-00001", "action": "not_ready"}, "reason"),
        ({"agent": "agent-00001", "action": "not_ready", "reason": "Nap"}, None),
    ]
    for body, field in cases:
        status, answer = await admin(emu, "POST", "sim/agent", body)
        assert status == 400, body
        assert answer["field"] == field, answer
    status, answer = await admin(emu, "POST", "sim/speed", {"speed": -1})
    assert (status, answer["field"]) == (400, "speed")
    status, answer = await admin(emu, "POST", "sim/offer", {"queue": "Nowhere"})
    assert status == 400 and "Nowhere" in answer["message"]


async def test_speed_and_reset(emu: EmulatorServer, watch: WatchPlugin) -> None:
    status, body = await admin(emu, "POST", "sim/speed", {"speed": 10})
    assert (status, body["speed"]) == (200, 10.0)
    await admin(emu, "POST", "clock/advance", {"seconds": 30})
    _, truth = await admin(emu, "GET", "sim")
    assert truth["now"] == pytest.approx(300.0)  # 30 clock seconds at 10x
    status, _ = await admin(emu, "POST", "reset")
    assert status == 200
    _, truth = await admin(emu, "GET", "sim")
    assert truth["now"] == 0.0
    assert watch.agents_seen_at_reset == [0]  # the plugin's reset saw the rebuilt simulation
    await admin(emu, "POST", "clock/advance", {"seconds": 60})
    _, again = await admin(emu, "GET", "sim")
    assert again["now"] == pytest.approx(600.0)  # the speed survives a reset


async def test_without_a_simulation_the_sim_api_says_so() -> None:
    async with EmulatorServer(EmulatorConfig(), plugins=[]) as emu:
        status, body = await admin(emu, "GET", "sim")
    assert status == 404 and "no simulated center" in body["message"]


def test_bad_simulation_settings_are_rejected() -> None:
    with pytest.raises(ConfigError, match=r"emulator\.simulation"):
        EmulatorConfig(simulation="demo")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"emulator\.speed"):
        EmulatorConfig(speed=-2)
    with pytest.raises(ConfigError, match=r"emulator\.sim_interval"):
        EmulatorConfig(sim_interval=0)
