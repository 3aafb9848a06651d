"""Agent and supervisor WebSockets: envelope, ping/pong, 5000/5012, call events, limits,
duplicates, migration and admin faults (reference §4, §5 items 31-41)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from cxkit.emulator.app import PLUGINS_KEY
from cxkit.emulator.server import EmulatorServer

from .conftest import AGENT, SUP, Five9Raw, fixture, recv, recv_until, same_shape

SALES = "300000000000171"


def rows_by_id(entries: list[dict[str, Any]], ds: str, key: str = "data") -> dict[str, Any]:
    for entry in entries:
        if entry["dataSource"] == ds:
            return {row["id"]: row for row in entry[key]}
    return {}


async def test_connect_ping_pong_envelope(sup: Five9Raw) -> None:
    ws = await sup.socket("supervisor", "k1")
    try:
        hello = await recv(ws)
        same_shape(hello, fixture("1010_successfulWebSocketConnection.json"))
        ctx = hello["context"]
        assert ctx["eventId"] == "1010" and hello["payLoad"] is None
        assert ctx["tenantId"] == sup.login_body["orgId"] and ctx["broadCast"] is False
        assert ctx["timeStamp"] == 1_700_000_000_000
        await ws.send_str("ping")
        pong = await recv(ws)
        same_shape(pong, fixture("1202_pong.json"))
        assert pong["context"]["eventId"] == "1202" and pong["payLoad"] == "pong"
        await ws.send_str("something else")  # ignored
        await ws.ping(b"x")
        await ws.send_str("ping")
        assert (await recv(ws))["context"]["eventId"] == "1202"
    finally:
        await ws.close()


async def test_pongs_can_be_switched_off(sup: Five9Raw) -> None:
    ws = await sup.socket("supervisor")
    try:
        await recv(ws)
        async with sup.http.post(
            f"{sup.base}/_emulator/ws/pongs", json={"vendor": "five9", "enabled": False}
        ) as resp:
            assert resp.status == 200
        await ws.send_str("ping")
        with pytest.raises(TimeoutError):
            await recv(ws, timeout=0.2)
    finally:
        await ws.close()


async def test_unauthenticated_upgrade_is_refused(emu: EmulatorServer) -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await http.ws_connect(f"{emu.ws_url}/supsvcs/sws/x")
        assert info.value.status == 401


async def test_snapshot_on_open_and_on_request(sup: Five9Raw) -> None:
    await sup.working()
    ws = await sup.socket("supervisor")
    try:
        assert (await recv(ws))["context"]["eventId"] == "1010"
        snap = await recv(ws)
        assert snap["context"]["eventId"] == "5000"
        assert snap["context"]["eventReason"] == "UPDATED"
        expected = fixture("5000_stats.json")
        same_shape(snap["context"], expected["context"])
        agent_rows = rows_by_id(snap["payLoad"], "AGENT_STATE")
        assert AGENT.user_id in agent_rows
        same_shape(agent_rows[AGENT.user_id], expected["payLoad"][0]["data"][1])
        assert agent_rows[AGENT.user_id]["readyChannels"] == "[]"
        assert agent_rows[AGENT.user_id]["state"] == "LOGGED_OUT"
        incremental = fixture("5012_incrementalStatsUpdate.json")["payLoad"]
        acd = rows_by_id(snap["payLoad"], "ACD_STATUS")
        same_shape(acd["0"], incremental[2]["updated"][0])
        stats = rows_by_id(snap["payLoad"], "AGENT_STATISTIC")
        same_shape(stats[""], incremental[1]["updated"][1])
        status, _ = await sup.call("PUT", f"supervisors/{SUP.user_id}/request_full_statistics")
        assert status == 204
        assert (await recv(ws))["context"]["eventId"] == "5000"
    finally:
        await ws.close()


async def test_presence_change_gives_a_5012_delta_and_state_matches(
    sup: Five9Raw, agent: Five9Raw
) -> None:
    await sup.working()
    await agent.working("agent")
    ws = await sup.socket("supervisor")
    try:
        snap = await recv_until(ws, "5000")
        cache = {e["dataSource"]: {r["id"]: r for r in e["data"]} for e in snap["payLoad"]}
        status, _ = await agent.call(
            "PUT",
            f"agents/{AGENT.user_id}/presence",
            root="appsvcs",
            json_body={
                "currentState": {"readyChannels": ["CALL"], "notReadyReasonCodeId": "0"},
                "pendingState": None,
                "currentStateTime": 0,
                "pendingStateDelayTime": 0,
                "gracefulModeOn": False,
            },
        )
        assert status == 200
        delta = await recv_until(ws, "5012")
        ctx = delta["context"]
        same_shape(ctx, fixture("5012_incrementalStatsUpdate.json")["context"])
        assert ctx["broadCast"] is True and ctx["userId"] is None
        updated = rows_by_id(delta["payLoad"], "AGENT_STATE", "updated")
        assert list(updated) == [AGENT.user_id]  # only the changed row
        row = updated[AGENT.user_id]
        assert row["state"] == "READY" and row["readyChannels"] == "[CALL]"
        assert rows_by_id(delta["payLoad"], "ACD_STATUS", "updated")["0"]["agentsInQueue"] == 1
        for entry in delta["payLoad"]:
            table = cache.setdefault(entry["dataSource"], {})
            for r in entry["added"] + entry["updated"]:
                table[r["id"]] = r
            for rid in entry["removed"]:
                table.pop(rid, None)
        truth = await sup.admin("state")
        for ds, rows in truth["stats"].items():
            assert {r["id"]: r for r in rows} == cache.get(ds, {}), ds
    finally:
        await ws.close()


async def test_removed_rows(sup: Five9Raw) -> None:
    await sup.working()
    ws = await sup.socket("supervisor")
    try:
        await recv_until(ws, "5000")
        # no admin command removes users: drive the tenant method the sim engine will use
        plugin_obj: Any = sup.emu.app[PLUGINS_KEY]["five9"]
        plugin_obj.core.tenant.remove_user("3000018")
        delta = await recv_until(ws, "5012")
        removed = next(e for e in delta["payLoad"] if e["dataSource"] == "AGENT_STATE")
        same_shape(removed, fixture("5012_incrementalStatsUpdate_removed.json")["payLoad"][0])
        assert removed["removed"] == ["3000018"]
    finally:
        await ws.close()


async def test_agent_call_lifecycle_events(agent: Five9Raw) -> None:
    await agent.working("agent")
    ws = await agent.socket("agent", "a1")
    try:
        await recv_until(ws, "1010")
        await agent.call(
            "PUT",
            f"agents/{AGENT.user_id}/presence",
            root="appsvcs",
            json_body={"currentState": {"readyChannels": ["CALL"], "notReadyReasonCodeId": "0"}},
        )
        presence = await recv_until(ws, "12")
        assert presence["payLoad"]["currentState"]["readyChannels"] == ["CALL"]
        offered = await agent.admin("offer_call", {"skillId": SALES, "number": "9255550123"})
        created = await recv_until(ws, "3")
        assert created["payLoad"]["id"] == offered["id"]
        call_id = created["payLoad"]["id"]
        assert len(call_id) == 32 and call_id.upper() == call_id
        status, calls = await agent.call(
            "GET", f"agents/{AGENT.user_id}/interactions/calls", root="appsvcs"
        )
        assert status == 200 and [c["id"] for c in calls] == [call_id]
        base = f"agents/{AGENT.user_id}/interactions/calls/{call_id}"
        assert (await agent.call("PUT", f"{base}/answer", root="appsvcs"))[0] == 204
        connected = await recv_until(ws, "4")
        assert connected["context"]["eventReason"] == "CONNECTED"
        assert connected["payLoad"]["state"] == "TALKING"
        status, _ = await agent.call(
            "PUT", f"{base}/variables_2", root="appsvcs", json_body={"300000000000504": "A-42"}
        )
        assert status == 204
        updated = await recv_until(ws, "4")
        assert updated["payLoad"]["variables"]["300000000000504"] == "A-42"
        status, _ = await agent.call(
            "PUT", f"{base}/dispose", root="appsvcs", json_body={"dispositionId": "300000000000401"}
        )
        assert status == 204
        deleted = await recv_until(ws, "5")
        assert deleted["context"]["eventReason"] == "DISPOSITIONED"
        assert deleted["payLoad"]["state"] == "FINISHED"
        status, calls = await agent.call(
            "GET", f"agents/{AGENT.user_id}/interactions/calls", root="appsvcs"
        )
        assert calls == []
        status, body = await agent.call("PUT", f"{base}/answer", root="appsvcs")
        assert status == 404 and "five9ExceptionDetail" in body
    finally:
        await ws.close()


async def test_session_start_sends_18_then_17(agent: Five9Raw) -> None:
    ws = await agent.socket("agent", "a1")
    try:
        await recv_until(ws, "1010")
        await agent.call(
            "PUT",
            f"agents/{AGENT.user_id}/session_start",
            root="appsvcs",
            json_body={"stationType": "EMPTY"},
        )
        ids = [(await recv(ws))["context"]["eventId"] for _ in range(3)]
        assert ids.index("18") < ids.index("17")
    finally:
        await ws.close()


async def test_three_sockets_per_user_fourth_closes_oldest(sup: Five9Raw) -> None:
    sockets = []
    try:
        for key in ("s1", "s2", "s3"):
            ws = await sup.socket("supervisor", key)
            await recv_until(ws, "1010")
            sockets.append(ws)
        fourth = await sup.socket("supervisor", "s4")
        sockets.append(fourth)
        await recv_until(fourth, "1010")
        msg = await asyncio.wait_for(sockets[0].receive(), 2)
        assert msg.type == aiohttp.WSMsgType.CLOSE
        for ws in sockets[1:]:
            await ws.send_str("ping")
            assert (await recv(ws))["context"]["eventId"] == "1202"
    finally:
        for ws in sockets:
            await ws.close()


async def test_duplicate_key_gets_1020_and_close_3000(sup: Five9Raw) -> None:
    first = await sup.socket("supervisor", "same")
    try:
        await recv_until(first, "1010")
        second = await sup.socket("supervisor", "same")
        frame = await recv(second)
        assert frame["context"]["eventId"] == "1020"
        msg = await asyncio.wait_for(second.receive(), 2)
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 3000
        await first.send_str("ping")  # the first one lives on
        assert (await recv(first))["context"]["eventId"] == "1202"
    finally:
        await first.close()


async def test_migration_sequence_then_silence_except_pongs(sup: Five9Raw, agent: Five9Raw) -> None:
    await sup.working()
    await agent.working("agent")
    ws = await sup.socket("supervisor")
    try:
        await recv_until(ws, "5000")
        result = await sup.admin("migrate", {})
        assert result["sockets"] == 1
        seventy = await recv(ws)
        assert (seventy["context"]["eventId"], seventy["context"]["eventReason"]) == (
            "70",
            "STARTED",
        )
        moved = await recv(ws)
        assert moved["context"]["eventId"] == "1002"
        centers = moved["payLoad"]["dataCenters"]
        assert set(moved["payLoad"]) == {"freedomUrl", "dataCenters"}
        assert [dc["active"] for dc in centers] == [False, True]
        done = await recv(ws)
        assert done["context"]["eventId"] == "73"
        assert done["context"]["eventReason"] == "COMPLETED"
        assert done["payLoad"] == "IDLE_MAINTENANCE"
        assert done["context"]["broadCast"] is True and done["context"]["userId"] is None
        # the tenant keeps changing, but the old socket only answers pings now
        await sup.admin("set_presence", {"userId": "3000011", "readyChannels": ["CALL"]})
        await sup.admin("flush")
        await ws.send_str("ping")
        assert (await recv(ws))["context"]["eventId"] == "1202"
    finally:
        await ws.close()


async def test_admin_send_event_and_close(sup: Five9Raw) -> None:
    ws = await sup.socket("supervisor")
    try:
        await recv_until(ws, "1010")
        sent = await sup.admin("send_event", {"eventId": "37", "payLoad": 600000})
        assert sent == {"sent": 1}
        frame = await recv(ws)
        assert frame["context"]["eventId"] == "37" and frame["payLoad"] == 600000
        await sup.admin("close", {"code": 1003})
        msg = await asyncio.wait_for(ws.receive(), 2)
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1003
    finally:
        await ws.close()


async def test_drop_all_fault_reaches_five9_sockets(sup: Five9Raw) -> None:
    ws = await sup.socket("supervisor")
    try:
        await recv_until(ws, "1010")
        async with sup.http.post(f"{sup.base}/_emulator/ws/drop", json={"vendor": "five9"}) as resp:
            assert resp.status == 200
            assert json.loads(await resp.text())
        msg = await asyncio.wait_for(ws.receive(), 2)
        assert msg.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.ERROR,
        )
    finally:
        await ws.close()


async def test_scenario_steps_drive_stats(sup: Five9Raw) -> None:
    await sup.working()
    ws = await sup.socket("supervisor")
    try:
        await recv_until(ws, "5000")
        result = await sup.admin("scenario", {"action": "step", "steps": 4})
        assert result["done"] == ["setup", "offer:" + SALES, "offer:300000000000127", "answer"]
        truth = await sup.admin("state")
        states = {uid: a["state"] for uid, a in truth["agents"].items()}
        assert sum(1 for s in states.values() if s == "ON_CALL") == 2
        delta = await recv_until(ws, "5012")
        assert any(e["dataSource"] == "AGENT_STATE" for e in delta["payLoad"])
    finally:
        await ws.close()


async def test_scenario_timer_follows_the_emulator_clock(sup: Five9Raw) -> None:
    started = await sup.admin("scenario", {"action": "start", "interval": 5})
    assert started["running"] is True
    async with sup.http.post(f"{sup.base}/_emulator/clock/advance", json={"seconds": 10}) as resp:
        assert resp.status == 200
    state = await sup.admin("state")
    assert state["scenario"] == {"running": True, "steps": 3}
    stopped = await sup.admin("scenario", {"action": "stop"})
    assert stopped["running"] is False


async def test_reset_restores_the_demo_domain(sup: Five9Raw) -> None:
    await sup.working()
    await sup.admin("set_presence", {"userId": "3000011", "readyChannels": ["CALL"]})
    async with sup.http.post(f"{sup.base}/_emulator/reset") as resp:
        assert resp.status == 200
    state = await sup.admin("state")
    assert state["agents"]["3000011"]["state"] == "LOGGED_OUT"
    assert state["sessions"] == []
    status, _ = await sup.call("GET", f"supervisors/{SUP.user_id}/login_state")
    assert status == 401
