"""The Notifications WebSocket: heartbeat, ping, subscribe over the socket, events for state
changes, one socket per channel, eviction, expiry and extension, closing and revocation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from cxkit.emulator.server import EmulatorServer

from .conftest import CC, USER, Genesys, recv, recv_closed, start_emulator

UID = USER.user_id
HEARTBEAT = {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}
PONG = {"topicName": "channel.metadata", "eventBody": {"message": "pong"}}


async def connect(
    gc: Genesys, channel: dict[str, Any], **kw: Any
) -> aiohttp.ClientWebSocketResponse:
    ws: aiohttp.ClientWebSocketResponse = await gc.http.ws_connect(channel["connectUri"], **kw)
    return ws


async def ping(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, Any]]:
    """Send a ping and return every frame received before the pong (a barrier: frames the
    server queued before the ping arrive first)."""
    await ws.send_str(json.dumps({"message": "ping"}))
    frames: list[dict[str, Any]] = []
    while True:
        frame = await recv(ws)
        if frame == PONG:
            return frames
        frames.append(frame)


async def head(gc: Genesys, channel_id: str) -> int:
    return (await gc.call("HEAD", f"/notifications/channels/{channel_id}"))[0]


@pytest.fixture
async def fast() -> AsyncIterator[Genesys]:
    """An emulator with 50 ms heartbeats and a logged-in client."""
    emu = await start_emulator(heartbeat_interval=0.05)
    try:
        async with aiohttp.ClientSession() as http:
            gc = Genesys(emu, http)
            await gc.login()
            yield gc
    finally:
        await emu.stop()


async def test_heartbeats_and_switching_them(fast: Genesys) -> None:
    ws = await connect(fast, await fast.channel())
    assert await recv(ws) == HEARTBEAT
    assert await recv(ws) == HEARTBEAT
    await fast.admin("heartbeat", {"enabled": False})
    await ping(ws)  # drop heartbeats queued before the switch
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(ws.receive(), 0.25)
    result = await fast.admin("heartbeat", {"enabled": True, "interval": 0.02})
    assert result == {"enabled": True, "interval": 0.02}
    assert await recv(ws) == HEARTBEAT
    await ws.close()


async def test_ping_pong_and_the_pongs_fault(gc: Genesys) -> None:
    ws = await connect(gc, await gc.channel(), autoping=False)
    assert await ping(ws) == []
    await ws.ping(b"probe")
    msg = await asyncio.wait_for(ws.receive(), 2)
    assert (msg.type, msg.data) == (aiohttp.WSMsgType.PONG, b"probe")
    async with gc.http.post(
        f"{gc.base}/_emulator/ws/pongs", json={"vendor": "genesys", "enabled": False}
    ) as resp:
        assert resp.status == 200
    await ws.send_str(json.dumps({"message": "ping"}))
    await ws.ping(b"probe")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(ws.receive(), 0.25)
    await ws.close()


async def test_websocket_subscribe_and_unsubscribe(gc: Genesys) -> None:
    ws = await connect(gc, await gc.channel())
    topic = f"v2.users.{UID}.presence"
    await ws.send_str(
        json.dumps({"message": "subscribe", "topics": [topic], "correlationId": "c-1"})
    )
    assert await recv(ws) == {"result": "200", "status": "subscribed", "correlationId": "c-1"}
    await gc.admin("set_presence", {"user_id": UID, "presence": "Busy"})
    event = await recv(ws)
    assert event["topicName"] == topic
    assert event["version"] == "2"
    assert event["metadata"]["CorrelationId"]
    assert event["eventBody"]["presenceDefinition"]["systemPresence"] == "Busy"
    await ws.send_str(json.dumps({"message": "unsubscribe", "topics": [topic]}))
    assert await recv(ws) == {"result": "200", "status": "unsubscribed"}
    await gc.admin("set_presence", {"user_id": UID, "presence": "Away"})
    assert await ping(ws) == []  # no event any more
    await ws.send_str(json.dumps({"message": "subscribe", "topics": ["v2.bogus"]}))
    failure = await recv(ws)
    assert (failure["result"], failure["status"]) == ("400", "error") and failure["message"]
    await ws.send_str("not json")
    assert (await recv(ws))["result"] == "400"
    await ws.close()


async def test_presence_patch_emits_topic_events(gc: Genesys) -> None:
    channel = await gc.channel()
    await gc.subscribe(channel["id"], f"v2.users.{UID}?presence&routingStatus&activity")
    ws = await connect(gc, channel)
    definitions = (await gc.ok("GET", "/presence/definitions"))["entities"]
    on_queue = next(d["id"] for d in definitions if d["systemPresence"] == "OnQueue")
    await gc.ok(
        "PATCH",
        f"/users/{UID}/presences/purecloud",
        json_body={"presenceDefinition": {"id": on_queue}},
    )
    frames = await ping(ws)
    assert [f["topicName"] for f in frames] == [
        f"v2.users.{UID}.presence",
        f"v2.users.{UID}.routingStatus",
        f"v2.users.{UID}.activity",
    ]
    presence, routing, activity = (f["eventBody"] for f in frames)
    assert presence["presenceDefinition"] == {"id": on_queue, "systemPresence": "On Queue"}
    assert routing == {
        "id": UID,
        "routingStatus": {"status": "IDLE", "startTime": routing["routingStatus"]["startTime"]},
    }
    assert activity["routingStatus"]["status"] == "IDLE"
    assert len(activity["activeQueueIds"]) == 3
    await ws.close()


async def test_queue_conversation_observation_and_detail_events(gc: Genesys) -> None:
    queue = (await gc.ok("GET", "/routing/queues", params={"name": "Support"}))["entities"][0]
    qid = queue["id"]
    channel = await gc.channel()
    await gc.subscribe(
        channel["id"],
        f"v2.routing.queues.{qid}?conversations&users",
        f"v2.analytics.queues.{qid}.observations",
        "v2.detail.events.conversation.*?acd.start&acd.end",
        f"v2.users.{UID}.conversations.calls",
    )
    ws = await connect(gc, channel)
    await gc.admin("set_presence", {"user_id": UID, "presence": "On Queue"})
    await ping(ws)
    offered = await gc.admin("offer_call", {"queue_id": qid})
    cid = offered["conversation"]["id"]
    frames = {f["topicName"]: f["eventBody"] for f in await ping(ws)}
    conv = frames[f"v2.routing.queues.{qid}.conversations"]
    assert conv["id"] == cid
    assert [p["purpose"] for p in conv["participants"]] == ["customer", "acd"]
    stats = frames[f"v2.analytics.queues.{qid}.observations"]
    assert stats["group"] == {"queueId": qid, "mediaType": "voice"}
    waiting = next(m for m in stats["data"][0]["metrics"] if m["metric"] == "oWaiting")
    assert waiting["stats"]["count"] == 1
    acd_start = frames[f"v2.detail.events.conversation.{cid}.acd.start"]
    assert acd_start["queueId"] == qid and isinstance(acd_start["eventTime"], int)
    assert acd_start["mediaType"] == "VOICE"

    truth = await gc.admin("state")
    assert next(q for q in truth["queues"] if q["id"] == qid)["waiting"] == [cid]
    # route to the demo user, answer: the user's call topic follows
    async with gc.http.post(
        f"{gc.base}/_emulator/genesys/answer_call", json={"conversation_id": cid}
    ) as resp:
        assert resp.status == 400  # nobody alerting yet: a clear admin error
    await gc.ok("GET", f"/conversations/{cid}")
    await gc.admin("end_call", {"conversation_id": cid})
    frames = {f["topicName"]: f["eventBody"] for f in await ping(ws)}
    assert frames[f"v2.detail.events.conversation.{cid}.acd.end"]["acdOutcome"] == "ABANDONED"
    routed = await gc.admin("offer_call", {"queue_id": qid, "user_id": UID})
    rid = routed["conversation"]["id"]
    frames = {f["topicName"]: f["eventBody"] for f in await ping(ws)}
    call = frames[f"v2.users.{UID}.conversations.calls"]
    agent = next(p for p in call["participants"] if p["purpose"] == "agent")
    assert (call["id"], agent["state"]) == (rid, "alerting")
    await gc.admin("set_queue_member", {"queue_id": qid, "user_id": UID, "joined": False})
    frames = {f["topicName"]: f["eventBody"] for f in await ping(ws)}
    member = frames[f"v2.routing.queues.{qid}.users"]
    assert (member["id"], member["joined"], member["queueId"]) == (UID, False, qid)
    await ws.close()


async def test_second_socket_kicks_the_first(gc: Genesys) -> None:
    channel = await gc.channel()
    await gc.subscribe(channel["id"], f"v2.users.{UID}.presence")
    first = await connect(gc, channel)
    await ping(first)
    second = await connect(gc, channel)
    assert await recv_closed(first) == 1000
    await gc.admin("set_presence", {"user_id": UID, "presence": "Meal"})
    frames = await ping(second)
    assert [f["topicName"] for f in frames] == [f"v2.users.{UID}.presence"]
    await second.close()


async def test_21st_channel_evicts_the_oldest_unconnected(gc: Genesys) -> None:
    channels = [await gc.channel() for _ in range(20)]
    ws = await connect(gc, channels[0])  # the oldest, but connected
    await ping(ws)
    await gc.channel()
    assert await head(gc, channels[0]["id"]) == 200
    assert await head(gc, channels[1]["id"]) == 404  # oldest without a connection
    assert await head(gc, channels[2]["id"]) == 200
    assert len((await gc.ok("GET", "/notifications/channels"))["entities"]) == 20
    assert await ping(ws) == []
    await ws.close()


@pytest.fixture
async def long_tokens() -> AsyncIterator[Genesys]:
    """Tokens living 48 h, so channel expiry is tested apart from token expiry."""
    emu = await start_emulator(token_lifetime=172_800)
    try:
        async with aiohttp.ClientSession() as http:
            gc = Genesys(emu, http)
            await gc.login()
            yield gc
    finally:
        await emu.stop()


async def test_channel_expires_after_24h_unless_resubscribed(long_tokens: Genesys) -> None:
    gc = long_tokens
    kept = await gc.channel()
    lapsing = await gc.channel()
    ws = await connect(gc, lapsing)
    await ping(ws)
    await gc.advance(23 * 3600)
    await gc.subscribe(kept["id"], f"v2.users.{UID}.presence")
    listing = await gc.ok("GET", "/notifications/channels")
    expires = {c["id"]: c["expires"] for c in listing["entities"]}
    assert expires[kept["id"]] == "2023-11-16T21:13:20.000Z"  # extended to now + 24 h
    await gc.advance(2 * 3600)
    assert await recv(ws) == {
        "result": "404",
        "message": "channel expired",
    }
    assert await recv_closed(ws) == 1001
    assert await head(gc, lapsing["id"]) == 404
    assert await head(gc, kept["id"]) == 200
    # an expired channel's connectUri: accepted, told 404, closed (default mode)
    again = await connect(gc, lapsing)
    assert (await recv(again))["result"] == "404"
    assert await recv_closed(again) == 1000


async def test_websocket_subscribe_extends_the_channel(long_tokens: Genesys) -> None:
    gc = long_tokens
    channel = await gc.channel()
    ws = await connect(gc, channel)
    await gc.advance(23 * 3600)
    await ws.send_str(json.dumps({"message": "subscribe", "topics": [f"v2.users.{UID}.presence"]}))
    assert (await recv(ws))["status"] == "subscribed"
    await gc.advance(2 * 3600)
    assert await ping(ws) == []
    assert await head(gc, channel["id"]) == 200
    await ws.close()


async def test_channel_dies_with_its_token(gc: Genesys) -> None:
    await gc.admin("configure", {"channel_lifetime": 172_800})
    channel = await gc.channel()
    ws = await connect(gc, channel)
    await ping(ws)
    await gc.advance(86_400)  # the token's lifetime, not the channel's
    frame = await recv(ws)
    assert frame == {
        "result": "404",
        "message": "the token used to create the channel expired",
    }
    assert await recv_closed(ws) == 1001


async def test_socket_closing_then_close_after_grace(gc: Genesys) -> None:
    channel = await gc.channel()
    ws = await connect(gc, channel)
    await ping(ws)
    result = await gc.admin("socket_closing", {"grace": 0.05})
    assert result["channels"] == [channel["id"]]
    notice = await recv(ws)
    assert notice["topicName"] == "v2.system.socket_closing"
    assert notice["eventBody"]["channelId"] == channel["id"]
    assert notice["eventBody"]["oauthClientId"] == CC.client_id
    assert await recv_closed(ws) == 1001
    again = await connect(gc, channel)  # the channel itself lives on
    assert await ping(again) == []
    await again.close()


async def test_token_revocation_notice_and_close(gc: Genesys) -> None:
    channel = await gc.channel()
    ws = await connect(gc, channel)
    await ping(ws)
    assert (await gc.call("DELETE", "/tokens/me"))[0] == 204
    notice = await recv(ws)
    assert notice["topicName"] == f"v2.system.token_revoked.{CC.client_id}"
    body = notice["eventBody"]
    assert (body["systemTopicType"], body["reason"]) == ("token_revoked", "user_tokens_revoked")
    assert await recv_closed(ws) == 1000
    await gc.login()
    assert await head(gc, channel["id"]) == 404


async def test_invalid_channel_rejected_at_upgrade() -> None:
    emu = await start_emulator(invalid_channel="reject_401")
    try:
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
                await http.ws_connect(f"{emu.ws_url}/channels/streaming-1-unknown")
            assert caught.value.status == 401
            gc = Genesys(emu, http)
            await gc.admin("configure", {"invalid_channel": "reject_404"})
            with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
                await http.ws_connect(f"{emu.ws_url}/channels/streaming-1-unknown")
            assert caught.value.status == 404
    finally:
        await emu.stop()


async def test_core_drop_keeps_the_channel_and_its_topics(gc: Genesys) -> None:
    channel = await gc.channel()
    await gc.subscribe(channel["id"], f"v2.users.{UID}.presence")
    ws = await connect(gc, channel)
    await ping(ws)
    async with gc.http.post(
        f"{gc.base}/_emulator/ws/drop", json={"vendor": "genesys", "code": 1001}
    ) as resp:
        assert (await resp.json())["dropped"] == 1
    assert await recv_closed(ws) == 1001
    again = await connect(gc, channel)
    await gc.admin("set_presence", {"user_id": UID, "presence": "Training"})
    assert [f["topicName"] for f in await ping(again)] == [f"v2.users.{UID}.presence"]
    await again.close()


async def test_no_longer_subscribed_and_emit(gc: Genesys) -> None:
    channel = await gc.channel()
    await gc.subscribe(channel["id"], f"v2.users.{UID}?presence&activity")
    ws = await connect(gc, channel)
    result = await gc.admin(
        "emit", {"topic": f"v2.users.{UID}.presence", "body": {"x": 1}, "type": "message"}
    )
    assert result == {"delivered": 1}
    event = await recv(ws)
    assert (event["eventBody"], event["metadata"]["type"]) == ({"x": 1}, "message")
    removed = await gc.admin(
        "no_longer_subscribed",
        {"channel_id": channel["id"], "topics": [f"v2.users.{UID}.presence"]},
    )
    assert removed == {"removed": [f"v2.users.{UID}.presence"]}
    notice = await recv(ws)
    assert notice["topicName"] == f"v2.system.no_longer_subscribed.{CC.client_id}"
    assert notice["eventBody"]["reason"] == "another_channel_subscribed"
    listed = await gc.ok("GET", f"/notifications/channels/{channel['id']}/subscriptions")
    assert [t["id"] for t in listed["entities"]] == [f"v2.users.{UID}.activity"]
    await ws.close()


async def test_reset_closes_sockets_and_forgets_tokens(gc: Genesys, emu: EmulatorServer) -> None:
    channel = await gc.channel()
    ws = await connect(gc, channel)
    await ping(ws)
    async with gc.http.post(f"{gc.base}/_emulator/reset") as resp:
        assert resp.status == 200
    assert (await recv(ws))["result"] == "404"
    await recv_closed(ws)
    assert (await gc.call("GET", "/users"))[0] == 401


async def test_scenario_steps_drive_events(gc: Genesys) -> None:
    queues = (await gc.ok("GET", "/routing/queues"))["entities"]
    channel = await gc.channel()
    await gc.subscribe(
        channel["id"], *(f"v2.routing.queues.{q['id']}.conversations" for q in queues)
    )
    ws = await connect(gc, channel)
    steps = await gc.admin("scenario", {"action": "step", "count": 6})
    assert steps["steps"] == 6 and len(steps["done"]) == 6
    frames = await ping(ws)
    assert frames and all(f["topicName"].endswith(".conversations") for f in frames)
    assert any(p["purpose"] == "agent" for f in frames for p in f["eventBody"]["participants"])
    state = await gc.admin("state")
    assert state["scenario"] == {"running": False, "steps": 6}
    await ws.close()


async def test_one_event_reaches_every_subscribed_channel(gc: Genesys) -> None:
    sockets = []
    for _ in range(3):
        channel = await gc.channel()
        await gc.subscribe(channel["id"], f"v2.users.{UID}.presence")
        sockets.append(await connect(gc, channel))
    await gc.admin("set_presence", {"user_id": UID, "presence": "Meeting"})
    for ws in sockets:
        frames = await ping(ws)
        assert [f["topicName"] for f in frames] == [f"v2.users.{UID}.presence"]
        await ws.close()


async def test_scenario_runs_on_a_timer(gc: Genesys) -> None:
    queues = (await gc.ok("GET", "/routing/queues"))["entities"]
    channel = await gc.channel()
    await gc.subscribe(
        channel["id"], *(f"v2.routing.queues.{q['id']}.conversations" for q in queues)
    )
    ws = await connect(gc, channel)
    started = await gc.admin("scenario", {"action": "start", "interval": 0.01})
    assert started["running"] is True
    frame = await recv(ws)
    assert frame["topicName"].endswith(".conversations")
    stopped = await gc.admin("scenario", {"action": "stop"})
    assert stopped["running"] is False and stopped["steps"] >= 1
    await ws.close()
