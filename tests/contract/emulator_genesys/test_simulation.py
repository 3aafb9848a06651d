"""The Genesys emulator with a simulated center, over raw HTTP and WebSocket: a call's trip
through the conversation and detail-event topics, the demo user beside the simulated agents,
and what the simulation refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.genesys import create_plugin
from cxkit.emulator.server import EmulatorServer
from cxkit.sim import CenterSpec, SimConfig

from .conftest import START, USER, Genesys, recv

DETAILS = ("customer.start", "acd.start", "user.start", "acd.end", "customer.end", "user.end")
DETAILS += ("acw",)


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    config = EmulatorConfig(
        start_time=START,
        frozen_clock=True,
        simulation=SimConfig(center=CenterSpec.demo(), seed=9),
    )
    server = EmulatorServer(config, plugins=[create_plugin(config)])
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def core(gc: Genesys, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    async with gc.http.request(method, f"{gc.base}/_emulator/{path}", json=body) as resp:
        return resp.status, await resp.json()


async def truth(gc: Genesys) -> dict[str, Any]:
    status, body = await core(gc, "GET", "sim")
    assert status == 200
    result: dict[str, Any] = body
    return result


async def test_a_call_travels_the_conversation_and_detail_topics(gc: Genesys) -> None:
    await gc.advance(0)  # the first shift logs in at t=0
    now = await truth(gc)
    queue = next(q for q in now["queues"] if q["name"] == "Sales" and q["agents"]["ready"])
    channel = await gc.channel()
    topics = [f"v2.detail.events.conversation.*.{event}" for event in DETAILS]
    topics.append(f"v2.routing.queues.{queue['genesys_id']}.conversations")
    await gc.subscribe(channel["id"], *topics)
    async with gc.http.ws_connect(channel["connectUri"]) as ws:
        offered = await gc.admin("offer_call", {"queue_id": queue["genesys_id"]})
        conversation = offered["conversation"]
        cid = conversation["id"]
        agent = next(p for p in conversation["participants"] if p["purpose"] == "agent")
        assert agent["state"] == "connected"  # simulated agents answer at once
        ended = await gc.admin("end_call", {"conversation_id": cid, "wrapup_code": "done"})
        assert ended["conversation"]["end"] is not None
        frames = []
        while not frames or frames[-1]["topicName"] != f"v2.detail.events.conversation.{cid}.acw":
            frames.append(await recv(ws))
    details = [f for f in frames if f["topicName"].startswith("v2.detail.")]
    assert [f["topicName"].split(f"{cid}.")[1] for f in details] == list(DETAILS)
    by_event = {f["topicName"].split(f"{cid}.")[1]: f["eventBody"] for f in details}
    assert by_event["acd.end"]["acdOutcome"] == "ANSWERED"
    assert by_event["user.end"]["disconnectType"] == "CLIENT"  # the agent hung up (API)
    assert by_event["acw"]["wrapupCode"] == "done"
    assert by_event["acw"]["userId"] == agent["userId"]
    queue_events = [f["eventBody"] for f in frames if f["topicName"].endswith(".conversations")]
    assert len(queue_events) == 4  # offered, connected, ended (ACW), wrapped up
    last_agent = next(p for p in queue_events[-1]["participants"] if p["purpose"] == "agent")
    assert last_agent["wrapup"]["code"] == "done" and last_agent["endAcwTime"]
    after = await truth(gc)
    mine = next(a for a in after["agents"] if a["genesys_id"] == agent["userId"])
    assert mine["call_id"] is None and mine["state"] in ("ready", "on_interaction", "not_ready")
    details_row = await gc.ok("GET", f"/analytics/conversations/{cid}/details")
    leg = next(p for p in details_row["participants"] if p["purpose"] == "agent")
    names = {m["name"] for m in leg["sessions"][0]["metrics"]}
    assert {"tTalk", "tAcw", "tHandle"} <= names


async def test_the_demo_user_is_the_supervisor_beside_the_simulated_agents(gc: Genesys) -> None:
    await gc.advance(60)
    me_token = await Genesys(gc.emu, gc.http).user_login()
    me = await gc.ok("GET", "/users/me", token=me_token, params={"expand": "presence"})
    assert me["id"] == USER.user_id and me["presence"]["presenceDefinition"]["systemPresence"]
    assert (await gc.ok("GET", f"/users/{USER.user_id}/queues"))["entities"] == []
    now = await truth(gc)
    assert USER.user_id not in {a["genesys_id"] for a in now["agents"]}
    # its presence is the org's own business: On Queue, with no queue to take calls from
    await gc.admin("set_presence", {"user_id": USER.user_id, "presence": "On Queue"})
    routing = await gc.ok("GET", f"/users/{USER.user_id}/routingstatus")
    assert routing["status"] == "IDLE"
    assert (await truth(gc))["agents"] == now["agents"]  # the simulation did not notice


async def test_what_the_simulation_does_itself_is_refused(gc: Genesys) -> None:
    await gc.advance(0)
    now = await truth(gc)
    agent = now["agents"][0]
    uid = agent["genesys_id"]
    for command, body, field in (
        ("answer_call", {"conversation_id": "x"}, "conversation_id"),
        ("scenario", {"action": "step"}, "action"),
        (
            "set_queue_member",
            {"queue_id": now["queues"][0]["genesys_id"], "user_id": uid},
            "user_id",
        ),
    ):
        async with gc.http.post(f"{gc.base}/_emulator/genesys/{command}", json=body) as resp:
            answer = await resp.json()
            assert (resp.status, answer["field"]) == (400, field), answer
    queues = await gc.ok("GET", f"/users/{uid}/queues")
    joined = queues["entities"][0]["id"]
    status, err, _ = await gc.call(
        "PATCH", f"/users/{uid}/queues/{joined}", json_body={"joined": False}
    )
    assert (status, err["code"]) == (400, "bad.request")
    assert (await gc.call("DELETE", f"/users/{uid}"))[0] == 400

    # A call that waits cannot be hung up: the simulation only ends talking calls.
    claims = next(q for q in now["queues"] if q["name"] == "Claims")
    for a in now["agents"]:
        status, _ = await core(
            gc,
            "POST",
            "sim/agent",
            {"agent": a["agent_id"], "action": "not_ready", "reason": "Break"},
        )
        assert status == 200
    waiting = (await gc.admin("offer_call", {"queue_id": claims["genesys_id"]}))["conversation"]
    customer = next(p for p in waiting["participants"] if p["purpose"] == "customer")
    status, err, _ = await gc.call(
        "PATCH",
        f"/conversations/calls/{waiting['id']}/participants/{customer['id']}",
        json_body={"state": "disconnected"},
    )
    assert (status, err["code"]) == (409, "conflict")
    observed = await gc.ok(
        "POST",
        "/analytics/queues/observations/query",
        json_body={
            "filter": {"predicates": [{"dimension": "queueId", "value": claims["genesys_id"]}]},
            "metrics": ["oWaiting", "oLongestWaiting"],
            "detailMetrics": ["oWaiting"],
        },
    )
    rows = {d["metric"]: d for d in observed["results"][0]["data"]}
    assert rows["oWaiting"]["stats"]["count"] == 1
    assert rows["oWaiting"]["observations"][0]["conversationId"] == waiting["id"]
    assert rows["oLongestWaiting"]["stats"]["count"] == 1


async def test_a_reset_seeds_the_org_from_the_rebuilt_simulation(gc: Genesys) -> None:
    await gc.advance(300)
    before = await gc.admin("state")
    assert before["conversations"]
    async with gc.http.post(f"{gc.base}/_emulator/reset") as resp:
        assert resp.status == 200
    await gc.login()  # tokens went with the reset
    after = await gc.admin("state")
    assert after["conversations"] == []
    now = await truth(gc)
    users = {u["id"]: u for u in after["users"]}
    for a in now["agents"]:
        shown = users[a["genesys_id"]]
        if a["state"] == "logged_out":
            assert (shown["systemPresence"], shown["routingStatus"]) == ("OFFLINE", "OFF_QUEUE")
    assert {q["id"] for q in after["queues"]} == {q["genesys_id"] for q in now["queues"]}
    status, _, _ = await gc.call("GET", "/users", params={"pageSize": "1"})
    assert status == 200
