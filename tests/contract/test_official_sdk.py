"""The official Genesys Cloud Python SDK (``PureCloudPlatformClientV2``), unmodified, against
the emulator: its models must deserialize every answer.

The SDK is synchronous, so its calls run in a worker thread while the emulator serves on
this test's loop. Its import is slow (~4 s) and has side effects: it reads
``~/.genesyscloudpython/config`` and, unless that file turns live reload off, watches the
home directory with a background thread. The fixture imports it with ``HOME`` pointing at a
temporary directory holding such a file. Skipped when the SDK is not installed (it is a
test-only dependency).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.genesys import create_plugin
from cxkit.emulator.server import EmulatorServer
from cxkit.emulator.tenant import DEMO

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("PureCloudPlatformClientV2") is None,
    reason="the official SDK PureCloudPlatformClientV2 is not installed",
)

CC = DEMO.genesys.client_credentials
USER = DEMO.genesys.user


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("sdk-home")
    config_dir = Path(home) / ".genesyscloudpython"
    config_dir.mkdir()
    (config_dir / "config").write_text("[general]\nlive_reload_config = false\n")
    old_home = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        return importlib.import_module("PureCloudPlatformClientV2")
    finally:
        if old_home is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = old_home


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    config = EmulatorConfig(start_time=1_700_000_000.0, frozen_clock=True)
    server = EmulatorServer(config, plugins=[create_plugin(config)])
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def drive_sdk(sdk: Any, base_url: str) -> dict[str, Any]:
    """Everything the SDK does, in one worker thread; returns what the test checks."""
    client = sdk.api_client.ApiClient(host=base_url)
    client.get_client_credentials_token(CC.client_id, CC.client_secret.reveal())  # type: ignore[union-attr]
    users_api = sdk.UsersApi(client)
    routing = sdk.RoutingApi(client)
    notifications = sdk.NotificationsApi(client)
    presence = sdk.PresenceApi(client)

    users = users_api.get_users(page_size=5, expand=["presence", "routingStatus"])
    user = users_api.get_user(
        USER.user_id, expand=["groups", "authorization", "lasttokenissued", "dateLastLogin"]
    )
    queues = routing.get_routing_queues(page_size=2, sort_order="asc")
    members = routing.get_routing_queue_members(queues.entities[0].id, page_size=10)
    definitions = presence.get_presence_definitions()
    token_info = sdk.TokensApi(client).get_tokens_me()
    try:
        users_api.get_users_me()
        not_a_user: Any = None
    except sdk.rest.ApiException as exc:
        not_a_user = (exc.status, json.loads(exc.body)["code"])

    channel = notifications.post_notifications_channels()
    topic = f"v2.users.{USER.user_id}.presence"
    wanted = sdk.ChannelTopic()  # SDK models take no constructor arguments
    wanted.id = topic
    subscribed = notifications.post_notifications_channel_subscriptions(channel.id, [wanted])
    listed = notifications.get_notifications_channel_subscriptions(channel.id)
    channels = notifications.get_notifications_channels(includechannels="token")
    notifications.head_notifications_channel(channel.id)
    try:
        notifications.head_notifications_channel("streaming-0-nosuchchannel")
        missing_channel: Any = None
    except sdk.rest.ApiException as exc:
        missing_channel = exc.status
    # PUT replaces the list (then back to the presence topic), DELETE empties it
    routing_topic = sdk.ChannelTopic()
    routing_topic.id = f"v2.users.{USER.user_id}.routingStatus"
    replaced = notifications.put_notifications_channel_subscriptions(
        channel.id, [routing_topic], ignore_errors=True
    )
    notifications.delete_notifications_channel_subscriptions(channel.id)
    emptied = notifications.get_notifications_channel_subscriptions(channel.id)
    notifications.put_notifications_channel_subscriptions(channel.id, [wanted])
    available = notifications.get_notifications_availabletopics(
        expand=["description", "requiresPermissions", "schema"], include_preview=True
    )
    on_queue = next(d for d in definitions.entities if d.system_presence == "OnQueue")

    criteria = sdk.UserSearchCriteria()
    criteria.type = "EXACT"
    criteria.fields = ["email"]
    criteria.value = USER.email
    search = sdk.UserSearchRequest()
    search.query = [criteria]
    found = users_api.post_users_search(search)

    analytics = sdk.AnalyticsApi(client)
    job_query = sdk.AsyncConversationQuery()
    job_query.interval = "2023-01-01T00:00:00.000Z/2024-01-01T00:00:00.000Z"
    job = analytics.post_analytics_conversations_details_jobs(job_query)
    states = [analytics.get_analytics_conversations_details_job(job.job_id).state for _ in range(3)]
    job_results = analytics.get_analytics_conversations_details_job_results(job.job_id)

    user_query = sdk.UserDetailsQuery()
    user_query.interval = "2023-01-01T00:00:00.000Z/2024-01-01T00:00:00.000Z"
    user_details = analytics.post_analytics_users_details_query(user_query)

    usage = sdk.UsageApi(client)
    usage_query = sdk.ApiUsageOrganizationQuery()
    usage_query.interval = "2023-01-01T00:00:00.000Z/2024-01-01T00:00:00.000Z"
    usage_query.granularity = "Day"
    usage_query.group_by = ["TemplateUri"]
    usage_query.metrics = ["Status200", "Requests"]
    execution = usage.post_usage_query(usage_query)
    usage_results = usage.get_usage_query_execution_id_results(execution.execution_id)
    return {
        "client": client,
        "users": users,
        "user": user,
        "queues": queues,
        "members": members,
        "token_info": token_info,
        "not_a_user": not_a_user,
        "channel": channel,
        "subscribed": subscribed,
        "listed": listed,
        "channels": channels,
        "missing_channel": missing_channel,
        "replaced": replaced,
        "emptied": emptied,
        "available": available,
        "on_queue": on_queue,
        "topic": topic,
        "found": found,
        "states": states,
        "job_results": job_results,
        "usage_results": usage_results,
        "user_details": user_details,
    }


async def ended_call(emu: EmulatorServer) -> str:
    """One answered and ended call (for the analytics job to find)."""
    async with aiohttp.ClientSession() as http:

        async def admin(command: str, body: dict[str, Any]) -> Any:
            async with http.post(f"{emu.url}/_emulator/genesys/{command}", json=body) as resp:
                assert resp.status == 200, await resp.text()
                return await resp.json()

        await admin("set_routing_status", {"user_id": USER.user_id, "status": "IDLE"})
        queue = next(
            q for q in (await admin("state", {}))["queues"] if USER.user_id in q["members"]
        )
        offered = await admin("offer_call", {"queue_id": queue["id"], "user_id": USER.user_id})
        conversation_id: str = offered["conversation"]["id"]
        await admin("answer_call", {"conversation_id": conversation_id})
        await admin("end_call", {"conversation_id": conversation_id, "wrapup_code": "done"})
        return conversation_id


async def test_official_sdk_token_users_queues_and_channels(sdk: Any, emu: EmulatorServer) -> None:
    conversation_id = await ended_call(emu)
    got = await asyncio.wait_for(asyncio.to_thread(drive_sdk, sdk, emu.url), 30)

    users = got["users"]
    assert (users.total, users.page_size, users.page_number, users.page_count) == (12, 5, 1, 3)
    assert users.next_uri and users.previous_uri is None
    first = users.entities[0]
    assert first.state == "active" and first.division.name == "Home"
    assert first.presence.presence_definition.system_presence == "Available"
    assert first.routing_status.status == "OFF_QUEUE"
    assert got["user"].email == USER.email
    assert got["user"].groups == [] and got["user"].authorization.roles == []
    assert got["queues"].total == 3 and len(got["queues"].entities) == 2
    assert got["queues"].entities[0].date_created.year == 2023
    assert got["members"].entities and got["members"].entities[0].joined is True
    assert got["token_info"].o_auth_client.id == CC.client_id
    assert got["not_a_user"] == (400, "not.a.user")

    channel = got["channel"]
    assert channel.connect_uri.startswith(emu.ws_url) and channel.expires.year == 2023
    assert [t.id for t in got["subscribed"].entities] == [got["topic"]]
    assert got["subscribed"].entities[0].state == "Permitted"
    assert [t.id for t in got["listed"].entities] == [got["topic"]]
    assert [c.id for c in got["channels"].entities] == [channel.id]
    assert got["missing_channel"] == 404
    assert [t.id for t in got["replaced"].entities] == [f"v2.users.{USER.user_id}.routingStatus"]
    assert got["emptied"].entities == []
    templates = {t.id: t for t in got["available"].entities}
    assert "v2.users.{id}.presence" in templates
    assert templates["v2.users.{id}.presence"].description

    assert [u.email for u in got["found"].results] == [USER.email] and got["found"].total == 1
    assert got["states"] == ["QUEUED", "PENDING", "FULFILLED"]
    (conversation,) = got["job_results"].conversations
    assert conversation.conversation_id == conversation_id
    agent = next(p for p in conversation.participants if p.purpose == "agent")
    assert agent.user_id == USER.user_id and agent.sessions[0].segments
    details = {d.user_id: d for d in got["user_details"].user_details}
    assert got["user_details"].total_hits == len(details) == 12
    routing = [r.routing_status for r in details[USER.user_id].routing_status]
    assert routing == ["OFF_QUEUE", "IDLE", "INTERACTING", "IDLE"]  # the answered, ended call
    assert details[USER.user_id].primary_presence[0].system_presence == "AVAILABLE"
    rows = {r.template_uri: r for r in got["usage_results"].results}
    assert got["usage_results"].query_status == "Complete"
    assert rows["api/v2/users"].status200 >= 1 and rows["api/v2/users"].date.year == 2023

    # the SDK's channel works with a plain WebSocket, and the SDK's PATCH drives an event
    async with aiohttp.ClientSession() as http, http.ws_connect(channel.connect_uri) as ws:

        def patch() -> Any:
            definition = sdk.PresenceDefinition()
            definition.id = got["on_queue"].id
            body = sdk.UserPresence()
            body.presence_definition = definition
            return sdk.PresenceApi(got["client"]).patch_user_presence(
                USER.user_id, "PURECLOUD", body
            )

        patched = await asyncio.wait_for(asyncio.to_thread(patch), 30)
        assert patched.presence_definition.id == got["on_queue"].id
        msg = await asyncio.wait_for(ws.receive(), 5)
        event = json.loads(msg.data)
        assert event["topicName"] == got["topic"]
        assert event["eventBody"]["presenceDefinition"]["id"] == got["on_queue"].id


def drive_sdk_on_the_simulation(sdk: Any, base_url: str, call_id: str) -> dict[str, Any]:
    """The SDK reads a simulated center: its agents, reason presences, a live call, the
    queues' observations, a finished call's details; and sets an agent's presence."""
    client = sdk.api_client.ApiClient(host=base_url)
    client.get_client_credentials_token(CC.client_id, CC.client_secret.reveal())  # type: ignore[union-attr]
    users_api = sdk.UsersApi(client)
    analytics = sdk.AnalyticsApi(client)
    users = users_api.get_users(page_size=100, expand=["presence", "routingStatus"])
    definitions = sdk.PresenceApi(client).get_presence_definitions()
    queues = sdk.RoutingApi(client).get_routing_queues(page_size=100)
    conversation = sdk.ConversationsApi(client).get_conversation(call_id)

    query = sdk.QueueObservationQuery()
    query.filter = sdk.QueueObservationQueryFilter()
    query.filter.type = "or"
    predicates = []
    for queue in queues.entities:
        predicate = sdk.QueueObservationQueryPredicate()
        predicate.dimension = "queueId"
        predicate.value = queue.id
        predicates.append(predicate)
    query.filter.predicates = predicates
    query.metrics = ["oWaiting", "oInteracting", "oOnQueueUsers", "oUserPresences"]
    observations = analytics.post_analytics_queues_observations_query(query)

    details_query = sdk.ConversationQuery()
    details_query.interval = "2023-11-14T00:00:00.000Z/2023-11-16T00:00:00.000Z"
    details_query.order = "asc"
    details = analytics.post_analytics_conversations_details_query(details_query)

    lunch = next(d for d in definitions.entities if d.name == "Lunch")
    ready = next(u for u in users.entities if u.routing_status.status == "IDLE")
    definition = sdk.PresenceDefinition()
    definition.id = lunch.id
    body = sdk.UserPresence()
    body.presence_definition = definition
    patched = sdk.PresenceApi(client).patch_user_presence(ready.id, "PURECLOUD", body)
    return {
        "users": users,
        "definitions": definitions,
        "queues": queues,
        "conversation": conversation,
        "observations": observations,
        "details": details,
        "lunch": lunch,
        "ready": ready,
        "patched": patched,
    }


async def test_official_sdk_reads_and_drives_the_simulated_center(sdk: Any) -> None:
    from cxkit.sim import CenterSpec, SimConfig

    config = EmulatorConfig(
        start_time=1_700_000_000.0,
        frozen_clock=True,
        simulation=SimConfig(center=CenterSpec.demo(), seed=5),
    )
    async with (
        EmulatorServer(config, plugins=[create_plugin(config)]) as emu,
        aiohttp.ClientSession() as http,
    ):

        async def core(method: str, path: str, body: Any = None) -> Any:
            async with http.request(method, f"{emu.url}/_emulator/{path}", json=body) as resp:
                assert resp.status == 200, await resp.text()
                return await resp.json()

        await core("POST", "clock/advance", {"seconds": 600})
        truth = await core("GET", "sim")
        busy = next(a for a in truth["agents"] if a["state"] == "on_interaction")
        got = await asyncio.wait_for(
            asyncio.to_thread(drive_sdk_on_the_simulation, sdk, emu.url, busy["call_id"]), 60
        )
        after = {a["genesys_id"]: a for a in (await core("GET", "sim"))["agents"]}

    users = {u.id: u for u in got["users"].entities}
    assert USER.user_id in users  # the demo supervisor, outside the simulated center
    assert users[USER.user_id].routing_status.status == "OFF_QUEUE"
    for agent in truth["agents"]:
        user = users[agent["genesys_id"]]
        assert user.email and user.presence.presence_definition.system_presence
    reasons = {d.name: d for d in got["definitions"].entities if d.type == "User"}
    assert set(reasons) == {"Break", "Lunch", "Meeting", "Training", "End of Shift"}
    assert reasons["Lunch"].system_presence == "Meal"
    assert {q.id for q in got["queues"].entities} == {q["genesys_id"] for q in truth["queues"]}

    parts = {p.purpose: p for p in got["conversation"].participants}
    assert parts["agent"].user_id == busy["genesys_id"] and parts["agent"].connected_time

    observed = {r.group["queueId"]: r for r in got["observations"].results}
    for queue in truth["queues"]:
        data = {(d.metric, d.qualifier): d.stats.count for d in observed[queue["genesys_id"]].data}
        assert data["oWaiting", None] == queue["calls_waiting"]
        assert data["oInteracting", None] == queue["calls_talking"]
    ended = [c for c in got["details"].conversations if c.conversation_end is not None]
    assert ended and got["details"].total_hits == truth["center"]["offered"]
    wrapped = [
        s
        for c in ended
        for p in c.participants
        if p.purpose == "agent"
        for s in p.sessions[0].segments
        if s.segment_type == "wrapup"
    ]
    assert wrapped and all(s.wrap_up_code for s in wrapped if s.segment_end is not None)

    assert got["patched"].presence_definition.id == got["lunch"].id
    assert (after[got["ready"].id]["state"], after[got["ready"].id]["reason"]) in (
        ("not_ready", "Lunch"),
        ("on_interaction", None),  # took a waiting call before: lunch after it
    )
