"""Emulator features beyond the basic flows: raw frames and event scripts for fault tests,
the cloud token exchange, the wrong-region 401, the agent events the activity implies
(15, 19, 29, 39), chunked recording downloads and vendor-shaped 500s."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp
import pytest

from cxkit.emulator.app import PLUGINS_KEY
from cxkit.emulator.server import EmulatorServer

from .conftest import AGENT, ORG, SUP, Five9Raw, recv_until, start_emulator

SALES, BILLING = "300000000000171", "300000000000125"
T = 2.0


async def test_send_raw_delivers_text_and_binary_frames_as_is(sup: Five9Raw) -> None:
    ws = await sup.socket("supervisor", "raw")
    try:
        await recv_until(ws, "1010")
        sent = await sup.admin("send_raw", {"text": "not json {", "kind": "supervisor"})
        assert sent == {"sent": 1}
        msg = await ws.receive(timeout=T)
        assert (msg.type, msg.data) == (aiohttp.WSMsgType.TEXT, "not json {")
        blob = b"\xff\xfe\x00binary"
        await sup.admin("send_raw", {"base64": base64.b64encode(blob).decode()})
        msg = await ws.receive(timeout=T)
        assert (msg.type, msg.data) == (aiohttp.WSMsgType.BINARY, blob)
        # The socket is still served afterwards.
        await ws.send_str("ping")
        assert (await recv_until(ws, "1202"))["payLoad"] == "pong"
    finally:
        await ws.close()


async def test_send_raw_rejects_bad_bodies(sup: Five9Raw) -> None:
    for body in ({}, {"text": "a", "base64": "YQ=="}, {"base64": "%%%"}, {"text": 5}):
        async with sup.http.post(f"{sup.base}/_emulator/five9/send_raw", json=body) as resp:
            assert resp.status == 400, body
            text = await resp.text()
            assert "text" in text or "base64" in text


@pytest.mark.parametrize(
    ("name", "event_id", "payload"),
    [
        ("server_unavailable", "1000", None),
        ("jms_unavailable", "1003", None),
        ("farm_event", "1004", "149"),
        ("maintenance_announced", "37", 60000),
        ("ready_for_migration", "84", "READY_FOR_MIGRATION"),
    ],
)
async def test_scripts_send_the_documented_events(
    sup: Five9Raw, name: str, event_id: str, payload: Any
) -> None:
    ws = await sup.socket("supervisor", "s")
    try:
        await recv_until(ws, "1010")
        result = await sup.admin("script", {"name": name, "inMs": 60000})
        assert result == {"sent": 1, "eventId": event_id}
        frame = await recv_until(ws, event_id)
        assert frame["payLoad"] == payload
        assert frame["context"]["eventReason"]
    finally:
        await ws.close()


async def test_switchover_script_carries_metadata_and_can_close(sup: Five9Raw) -> None:
    ws = await sup.socket("supervisor", "s")
    try:
        await recv_until(ws, "1010")
        await sup.admin("script", {"name": "switchover", "closeCode": 1001})
        frame = await recv_until(ws, "1001")
        assert frame["payLoad"]["dataCenters"] == sup.login_body["metadata"]["dataCenters"]
        closed = await ws.receive(timeout=T)
        assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 1001
    finally:
        await ws.close()
    async with sup.http.post(f"{sup.base}/_emulator/five9/script", json={"name": "x"}) as resp:
        assert resp.status == 400 and "name" in await resp.text()


async def test_cloud_token_exchange_and_ui_permissions(emu: EmulatorServer, sup: Five9Raw) -> None:
    cloud = sup.login_body["context"]["cloudClientUrl"].rstrip("/")
    assert cloud == emu.url  # the emulator serves the cloud APIs itself
    exchange = f"{cloud}/cloudauthsvcs/v1/domains/{ORG}/exchangefdmtoken"
    acl = f"{cloud}/acl/v1/domains/{ORG}/my-ui-permissions"
    jwts = []
    # Both header forms of the reference's conflict, and the login cookie alone, work.
    for headers in (sup.headers(), {"Authorization": f"Bearer {sup.token}"}, {}):
        async with sup.http.post(exchange, headers=headers) as resp:
            assert resp.status == 200, headers
            body = await resp.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
        _header, claims, _signature = body["access_token"].split(".")
        decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
        assert decoded["sub"] == SUP.user_id and decoded["domainId"] == ORG
        jwts.append(body["access_token"])
    async with sup.http.get(acl, headers={"Authorization": f"Bearer {jwts[0]}"}) as resp:
        assert resp.status == 200
        permissions = await resp.json()
    assert permissions["userId"] == SUP.user_id
    assert "CAN_RUN_SUPERVISOR" in permissions["permissions"]
    # A VCC token is not a cloud token; a wrong domain is refused.
    async with sup.http.get(acl, headers={"Authorization": f"Bearer {sup.token}"}) as resp:
        assert resp.status == 401 and "five9ExceptionDetail" in await resp.json()
    other = acl.replace(ORG, "999")
    async with sup.http.get(other, headers={"Authorization": f"Bearer {jwts[0]}"}) as resp:
        assert resp.status == 403
    # The JWT expires on the emulator clock.
    async with sup.http.post(f"{emu.url}/_emulator/clock/advance", json={"seconds": 3601}):
        pass
    async with sup.http.get(acl, headers={"Authorization": f"Bearer {jwts[0]}"}) as resp:
        assert resp.status == 401


async def test_exchange_without_a_vcc_login_is_refused(emu: EmulatorServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emu.url}/cloudauthsvcs/v1/domains/{ORG}/exchangefdmtoken") as resp,
    ):
        assert resp.status == 401
        assert (await resp.json())["five9ExceptionDetail"]["message"] == "User is not logged in"


async def test_wrong_region_host_answers_401() -> None:
    # The domain lives in US; "localhost" plays another region's login host. The data
    # center stays on 127.0.0.1 so that only the wrong host is refused.
    emu = await start_emulator(
        region_hosts={"localhost": "CA"},
        data_centers=[{"name": "ATL", "host": "{login_host}", "active": True}],
    )
    try:
        async with aiohttp.ClientSession() as http:
            creds = {"username": SUP.username, "password": SUP.password.reveal()}
            wrong = emu.url.replace("127.0.0.1", "localhost")
            async with http.post(
                f"{wrong}/appsvcs/rs/svc/auth/login", json={"passwordCredentials": creds}
            ) as resp:
                assert resp.status == 401
                detail = (await resp.json())["five9ExceptionDetail"]
                assert detail["context"]["contextCode"] == "AUTHENTICATION"
            raw = Five9Raw(emu, http)
            await raw.login(SUP)  # the right region's host
            status, body = await raw.call("GET", f"orgs/{ORG}/skills", base=wrong)
            assert status == 401 and "five9ExceptionDetail" in body
            status, _ = await raw.call("GET", f"supervisors/{SUP.user_id}/login_state")
            assert status == 200
    finally:
        await emu.stop()


async def test_agent_gets_queue_figures_peer_presence_and_skill_changes(
    agent: Five9Raw,
) -> None:
    await agent.working("agent")
    ws = await agent.socket("agent", "a")
    try:
        await recv_until(ws, "1010")
        await agent.admin("offer_call", {"skillId": SALES})  # nobody ready: it waits
        figures = await recv_until(ws, "29")
        assert figures["payLoad"][SALES]["inQueueCallCount"] == 1
        assert set(figures["payLoad"][SALES]) == {
            "inQueueCallCount",
            "inQueueCallbackCount",
            "longestTimeInQueueSec",
        }
        # Another agent of the Sales skill goes ready and takes the call.
        await agent.admin("set_presence", {"userId": "3000012", "readyChannels": ["CALL"]})
        peers = await recv_until(ws, "15")
        assert peers["payLoad"]["3000012"]["state"] in ("READY", "RINGING")
        # Skill membership changes: 39 then 19 for the agent itself.
        await agent.admin("skill", {"userId": AGENT.user_id, "skillId": BILLING})
        added = await recv_until(ws, "39")
        assert added["payLoad"] == {"id": BILLING, "name": "Billing", "level": 1}
        await agent.admin(
            "skill", {"userId": AGENT.user_id, "skillId": BILLING, "action": "remove"}
        )
        removed = await recv_until(ws, "19")
        assert removed["payLoad"]["id"] == BILLING
        status, skills = await agent.call("GET", f"agents/{AGENT.user_id}/skills", root="appsvcs")
        assert status == 200 and BILLING not in {s["id"] for s in skills}
    finally:
        await ws.close()


async def test_recording_download_is_chunked(sup: Five9Raw) -> None:
    await sup.working()
    status, view = await sup.call(
        "POST", f"supervisors/{SUP.user_id}/agents/{AGENT.user_id}/recording_views", json_body={}
    )
    assert status == 200 and view["records"]
    rec_id = view["records"][0]["id"]
    url = f"{sup.base}/strsvcs/rs/svc/agents/{AGENT.user_id}/recordings/{rec_id}?download=true"
    async with sup.http.get(url, headers={**sup.headers(), "Accept": "*/*"}) as resp:
        assert resp.status == 200
        assert resp.headers["Transfer-Encoding"] == "chunked"
        chunks = [chunk async for chunk in resp.content.iter_chunked(8192)]
    data = b"".join(chunks)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) > 8192


async def test_an_emulator_bug_still_answers_a_five9_error(
    emu: EmulatorServer, sup: Five9Raw
) -> None:
    plugin: Any = emu.app[PLUGINS_KEY]["five9"]

    def broken(call: Any) -> Any:
        raise KeyError("a bug")

    plugin.router.add("GET", "orgs/{orgId}/broken", broken, working=False)
    status, body = await sup.call("GET", f"orgs/{ORG}/broken")
    assert status == 500
    assert body["five9ExceptionDetail"]["errorCode"] == 500
    assert body["five9ExceptionDetail"]["context"]["contextCode"] == "INTERNAL"
