"""The Five9 emulator as a view of a simulated contact center, spoken to as a third-party
client would (raw HTTP and WebSocket): the same wire shapes as the scripted domain, logins
of simulated agents, one 5012 per tick, agent events of the calls the simulation routes,
actions the simulation does not model refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.five9 import create_plugin
from cxkit.emulator.server import EmulatorServer
from cxkit.sim import CenterSpec, SimConfig

from .conftest import AGENT, START, SUP, Five9Raw, fixture, recv, recv_until, same_shape

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def sim() -> AsyncIterator[EmulatorServer]:
    config = EmulatorConfig(
        start_time=START,
        frozen_clock=True,
        simulation=SimConfig(center=CenterSpec.demo(), seed=11),
    )
    server = EmulatorServer(config, plugins=[create_plugin(config)])
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as resp:
        assert resp.status == 200
        return await resp.json()


async def post(http: aiohttp.ClientSession, url: str, body: Any) -> Any:
    async with http.post(url, json=body) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


def rows_by_id(payload: list[dict[str, Any]], source: str, key: str = "data") -> dict[str, Any]:
    return {r["id"]: r for e in payload if e["dataSource"] == source for r in e.get(key, [])}


async def test_simulated_domain_logins_and_info(sim: EmulatorServer) -> None:
    async with aiohttp.ClientSession() as http:
        truth = await get(http, f"{sim.url}/_emulator/sim")
        info = (await get(http, f"{sim.url}/_emulator/info"))["vendors"]["five9"]
        first = truth["agents"][0]
        # The published demo agent logs in as the first simulated agent.
        assert info["agent"]["username"] == AGENT.username
        assert info["agent"]["userId"] == first["five9_id"]
        assert info["simulation"]["agents"] == 40 and info["simulation"]["queues"] == 6
        demo_agent = Five9Raw(sim, http)
        body = await demo_agent.login(AGENT)
        assert body["userId"] == first["five9_id"]

        # Every other simulated agent logs in with its own username and the same password.
        other = truth["agents"][7]
        async with http.post(
            f"{sim.url}/appsvcs/rs/svc/auth/login",
            json={
                "passwordCredentials": {
                    "username": other["username"],
                    "password": info["simulation"]["agentPassword"],
                },
                "policy": "ForceIn",
            },
        ) as resp:
            assert resp.status == 200
            assert (await resp.json())["userId"] == other["five9_id"]

        sup = Five9Raw(sim, http)
        await sup.login(SUP)
        await sup.working()
        status, skills = await sup.call("GET", f"orgs/{sup.login_body['orgId']}/skills")
        assert status == 200
        assert {(s["id"], s["name"]) for s in skills} == {
            (q["five9_id"], q["name"]) for q in truth["queues"]
        }
        status, codes = await sup.call(
            "GET", f"orgs/{sup.login_body['orgId']}/not_ready_reason_codes"
        )
        assert {c["name"] for c in codes} == {"Break", "Lunch", "Meeting", "Training"}
        # The scripted activity does not run beside the simulation.
        scenario = await post(http, f"{sim.url}/_emulator/five9/scenario", {"action": "start"})
        assert scenario["simulation"] is True and scenario["running"] is False


async def test_rows_keep_the_captured_shapes_and_a_tick_is_one_5012(
    sim: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    sup = Five9Raw(sim, http)
    await sup.login(SUP)
    await sup.working()
    ws = await sup.socket("supervisor")
    try:
        snap = await recv_until(ws, "5000")
        expected = fixture("5000_stats.json")
        same_shape(snap["context"], expected["context"])
        agents = rows_by_id(snap["payLoad"], "AGENT_STATE")
        assert len(agents) == 40
        for row in agents.values():
            same_shape(row, expected["payLoad"][0]["data"][1])
        incremental = fixture("5012_incrementalStatsUpdate.json")
        acd = rows_by_id(snap["payLoad"], "ACD_STATUS")
        assert len(acd) == 7  # six skills and the totals row "0"
        same_shape(acd["0"], incremental["payLoad"][2]["updated"][0])
        stats = rows_by_id(snap["payLoad"], "AGENT_STATISTIC")
        same_shape(stats[""], incremental["payLoad"][1]["updated"][1])

        await post(http, f"{sim.url}/_emulator/clock/advance", {"seconds": 600})
        delta = await recv(ws)
        assert delta["context"]["eventId"] == "5012"
        same_shape(delta["context"], incremental["context"])
        assert delta["context"]["broadCast"] is True and delta["context"]["userId"] is None
        updated = rows_by_id(delta["payLoad"], "AGENT_STATE", "updated")
        assert len(updated) > 20  # ten minutes of a busy center in one frame
        for row in updated.values():
            same_shape(row, expected["payLoad"][0]["data"][1])
            assert isinstance(row["readyChannels"], str)
        # Nothing else was queued: a marker sent now is the very next frame.
        await post(
            http,
            f"{sim.url}/_emulator/five9/send_event",
            {"eventId": "9999", "payLoad": 1, "kind": "supervisor"},
        )
        assert (await recv(ws))["context"]["eventId"] == "9999"
        # The frame's times are on the simulation's clock, as the rows' are.
        truth = await get(http, f"{sim.url}/_emulator/sim")
        assert delta["context"]["timeStamp"] == round(truth["wall_time"] * 1000)
    finally:
        await ws.close()


async def test_agent_events_of_a_routed_call_and_refused_actions(
    sim: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    agent = Five9Raw(sim, http)
    body = await agent.login(AGENT)
    me = body["userId"]
    await agent.working("agent", me)
    status, _ = await agent.call(
        "PUT",
        f"agents/{me}/presence",
        root="appsvcs",
        json_body={"currentState": {"readyChannels": ["CALL"], "notReadyReasonCodeId": "0"}},
    )
    assert status == 200
    truth = await get(http, f"{sim.url}/_emulator/sim")
    assert truth["agents"][0]["state"] == "ready"
    ws = await agent.socket("agent")
    try:
        await recv_until(ws, "1010")
        # Most agents log in at t=0: keep them all (but ours) away from the calls.
        for other in truth["agents"][1:]:
            await post(
                http,
                f"{sim.url}/_emulator/sim/agent",
                {"agent": other["agent_id"], "action": "not_ready", "reason": "Meeting"},
            )
        offered = await post(http, f"{sim.url}/_emulator/sim/offer", {"queue": "Sales"})
        created = await recv_until(ws, "3")
        assert created["context"]["eventReason"] == "CREATED"
        call = created["payLoad"]
        assert call["id"] == offered["call_id"].replace("-", "").upper()
        assert call["agentId"] == me and call["callType"] == "INBOUND"
        assert call["sessionId"] == offered["call_id"]  # the Genesys conversation id
        connected = await recv_until(ws, "4")
        assert connected["context"]["eventReason"] == "CONNECTED"
        assert connected["payLoad"]["state"] == "TALKING"

        status, error = await agent.call(
            "PUT", f"agents/{me}/interactions/calls/{call['id']}/reject", root="appsvcs"
        )
        assert status == 435 and "simulated" in error["five9ExceptionDetail"]["message"]
        status, error = await agent.call(
            "POST",
            f"agents/{me}/interactions/make_external_call",
            root="appsvcs",
            json_body={"number": "9255550100"},
        )
        assert status == 435

        status, _ = await agent.call(
            "PUT",
            f"agents/{me}/interactions/calls/{call['id']}/dispose",
            root="appsvcs",
            json_body={"dispositionId": "300000000000401"},
        )
        assert status == 204
        wrap = await recv_until(ws, "4")
        assert wrap["payLoad"]["state"] == "WRAP_UP"
        deleted = await recv_until(ws, "5")
        assert deleted["context"]["eventReason"] == "DISPOSITIONED"
        assert deleted["payLoad"]["state"] == "FINISHED"
        assert deleted["payLoad"]["dispositionId"] == "300000000000401"
        truth = await get(http, f"{sim.url}/_emulator/sim")
        assert truth["agents"][0]["state"] == "ready"
        assert truth["center"]["handled"] >= 1
    finally:
        await ws.close()
