"""Retries, responses, config-file reload, paging, typed resources and explicit null."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from cxkit.config import RetryPolicy
from cxkit.core.http import RetryEvent
from cxkit.emulator.server import EmulatorServer
from cxkit.errors import NotFoundError, RateLimitError, ServerError
from cxkit.genesys.client import GenesysClient
from cxkit.genesys.models import (
    NULL,
    EntityListing,
    ErrorBody,
    NamedEntity,
    User,
    UserPresenceUpdate,
    error_body,
)
from cxkit.genesys.paging import EMPTY_PAGE_LIMIT, Paginator

from .conftest import CC, Admin, Target, emulator_client

USERS = "^/api/v2/users$"


async def test_response_metadata_is_reachable(target: Target) -> None:
    listing, response = await target.client.with_response(target.client.users.list, page_size=2)
    assert isinstance(listing, EntityListing) and len(listing.entities) <= 2
    assert all(isinstance(u, User) for u in listing.entities)
    assert response.status == 200 and response.correlation_id
    assert response.rate_limit is not None and response.rate_limit.allowed
    assert target.client.last_response is response


async def test_with_response_is_safe_under_concurrency(client: GenesysClient) -> None:
    users = (await client.users.list(page_size=3)).entities
    pairs = await asyncio.gather(*(client.with_response(client.users.get(u.id)) for u in users))
    for user, (got, response) in zip(users, pairs, strict=True):
        assert got.id == user.id and user.id in response.url


async def test_429_storm_honours_retry_after(emu: EmulatorServer, admin: Admin) -> None:
    events: list[RetryEvent] = []
    async with emulator_client(emu, on_retry=events.append) as gc:
        await gc.login()
        await admin.fault(USERS, 429, count=3, headers={"Retry-After": "0.01"})
        listing, response = await gc.with_response(gc.users.list())
        assert listing.entities and response.attempts == 4
        assert [e.status for e in events] == [429, 429, 429]
        assert all(e.delay == pytest.approx(0.01) for e in events)


async def test_429_concurrent_storm_all_succeed(emu: EmulatorServer, admin: Admin) -> None:
    async with emulator_client(emu) as gc:
        await gc.login()
        await admin.fault(USERS, 429, count=20, headers={"Retry-After": "0"})
        results = await asyncio.wait_for(asyncio.gather(*(gc.users.list() for _ in range(20))), 10)
        assert all(r.entities for r in results)


async def test_retry_after_above_cap_gives_up_at_once(emu: EmulatorServer, admin: Admin) -> None:
    async with emulator_client(emu) as gc:
        await gc.login()
        await admin.fault(USERS, 429, headers={"Retry-After": "600"})
        with pytest.raises(RateLimitError) as caught:
            await gc.users.list()
        assert caught.value.retry_after == 600
        assert caught.value.status == 429


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_are_retried(emu: EmulatorServer, admin: Admin, status: int) -> None:
    async with emulator_client(emu) as gc:
        await gc.login()
        await admin.fault(USERS, status, count=2)
        _, response = await gc.with_response(gc.users.list())
        assert response.status == 200 and response.attempts == 3


async def test_500_only_when_asked_and_501_never(emu: EmulatorServer, admin: Admin) -> None:
    async with emulator_client(emu) as gc:
        await gc.login()
        await admin.fault(USERS, 500)
        with pytest.raises(ServerError):
            await gc.users.list()
    policy = RetryPolicy(
        max_retries=3, min_wait=0.01, max_wait=0.02, retry_statuses=frozenset({501, 502})
    )
    async with emulator_client(emu, retry=policy, retry_500=True) as gc:
        await gc.login()
        await admin.fault(USERS, 500)
        _, response = await gc.with_response(gc.users.list())
        assert response.attempts == 2
        await admin.fault(USERS, 501, count=2)
        with pytest.raises(ServerError) as caught:
            await gc.users.list()
        assert caught.value.status == 501
    await admin.core("DELETE", "faults")


async def test_errors_carry_genesys_code_and_correlation(client: GenesysClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.users.get("00000000-0000-0000-0000-000000000000")
    error = caught.value
    assert error.code == "not.found" and error.correlation_id
    assert error.vendor == "genesys" and isinstance(error.body, dict)


async def test_error_bodies_are_typed(emu: EmulatorServer, admin: Admin) -> None:
    async with emulator_client(emu, retry=RetryPolicy(max_retries=0)) as gc:
        with pytest.raises(NotFoundError) as caught:
            await gc.users.get("00000000-0000-0000-0000-000000000000")
        body = error_body(caught.value)
        assert isinstance(body, ErrorBody) and body.status == 404 and body.code == "not.found"
        assert body.context_id == caught.value.correlation_id and body.message
        await admin("configure", {"rate_limit": 1})
        with pytest.raises(RateLimitError) as limited:
            await gc.users.list()
            await gc.users.list()
        body = error_body(limited.value)
        assert body is not None and body.code == "too.many.requests"
        assert body.limit is not None and body.limit["value"] == 1
        assert body.message_with_params and body.message_params is not None
        assert limited.value.retry_after is not None and limited.value.retry_after >= 1
    assert error_body(RuntimeError("no body")) is None


async def test_config_file_reload(emu: EmulatorServer, admin: Admin, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[retry]\nretry_max = 0\n[logging]\nlog_level = none\n")
    async with GenesysClient(
        base_url=emu.url,
        client_id=CC.client_id,
        client_secret=CC.client_secret.reveal() if CC.client_secret else "",
        config_file=config,
    ) as gc:
        assert gc.retry.max_retries == 0
        await gc.login()
        await admin.fault(USERS, 503)
        with pytest.raises(ServerError):
            await gc.users.list()
        changed = asyncio.ensure_future(gc.settings_changed(timeout=10))
        await asyncio.sleep(0)
        config.write_text(
            "[retry]\nretry_max = 2\nretry_wait_min = 0.01\nretry_wait_max = 0.02\n"
            "[logging]\nlog_level = error\n"
        )
        os.utime(config)
        await changed
        assert gc.retry.max_retries == 2
        assert gc.logging_config.level == "error"
        await admin.fault(USERS, 503)
        _, response = await gc.with_response(gc.users.list())
        assert response.attempts == 2


async def test_json_config_file(emu: EmulatorServer, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "general": {"live_reload_config": False, "host": emu.url},
                "retry": {"retry_max": 1},
                "reauthentication": {"refresh_access_token": False},
            }
        )
    )
    async with GenesysClient(
        client_id=CC.client_id,
        client_secret=CC.client_secret.reveal() if CC.client_secret else "",
        config_file=config,
    ) as gc:
        assert gc.hosts.api_url == emu.url
        assert gc.retry.max_retries == 1 and not gc.oauth.refresh_enabled
        assert (await gc.users.list()).entities


async def test_page_number_paging_collects_every_user(client: GenesysClient) -> None:
    total = (await client.users.list(page_size=100)).total
    pager = client.users.iter(page_size=5)
    users = await pager.collect()
    assert total is not None and len(users) == total
    assert len({u.id for u in users}) == total
    assert pager.pages_fetched == -(-total // 5)


async def test_queues_and_members(client: GenesysClient) -> None:
    queues = await client.routing.iter_queues(page_size=2).collect()
    assert queues
    queue = await client.routing.get_queue(queues[0].id or "")
    assert queue.name == queues[0].name
    members = await client.routing.iter_queue_members(queue.id or "", page_size=2).collect()
    listing = await client.routing.queue_members(queue.id or "", page_size=100)
    assert [m.id for m in members] == [m.id for m in listing.entities]


async def test_explicit_null_clears_and_none_leaves_alone(
    client: GenesysClient, admin: Admin
) -> None:
    state = await admin.state()
    user = state["users"][0]
    await admin("set_presence", {"user_id": user["id"], "presence": "Busy", "message": "hi"})
    # None = leave unchanged: the message stays.
    await client.presence.patch_user_presence(user["id"], UserPresenceUpdate(primary=True))
    after = {u["id"]: u for u in (await admin.state())["users"]}[user["id"]]
    assert after["presenceMessage"] == "hi"
    # NULL = clear.
    presence = await client.presence.patch_user_presence(
        user["id"], UserPresenceUpdate(message=NULL)
    )
    after = {u["id"]: u for u in (await admin.state())["users"]}[user["id"]]
    assert not after["presenceMessage"] and not presence.message


async def test_presence_definitions_and_routing_status(client: GenesysClient, admin: Admin) -> None:
    definitions = (await client.presence.definitions()).entities
    available = next(d for d in definitions if d.system_presence == "Available")
    user = (await client.users.list(page_size=1)).entities[0]
    assert user.id is not None
    presence = await client.presence.set_user_presence(user.id, available.id or "")
    assert presence.presence_definition is not None
    assert presence.presence_definition.id == available.id
    await admin("set_routing_status", {"user_id": user.id, "status": "IDLE"})
    status = await client.routing.user_status(user.id)
    assert status.status == "IDLE"


async def test_analytics_queries(client: GenesysClient, admin: Admin) -> None:
    state = await admin.state()
    queue_id = state["queues"][0]["id"]
    for _ in range(3):
        offered = await admin("offer_call", {"queue_id": queue_id})
        await admin("end_call", {"conversation_id": offered["conversation"]["id"]})
    observations = await client.analytics.queue_observations(
        {
            "filter": {
                "type": "or",
                "predicates": [{"dimension": "queueId", "value": queue_id}],
            },
            "metrics": ["oWaiting", "oOnQueueUsers"],
        }
    )
    assert observations.results and observations.results[0].group.get("queueId") == queue_id
    query: dict[str, Any] = {"interval": "2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z"}
    pager = client.analytics.iter_conversation_details(query, page_size=2)
    conversations = await pager.collect()
    assert len(conversations) >= 3
    assert len({c.conversation_id for c in conversations}) == len(conversations)


async def test_users_details_are_typed_and_paged(client: GenesysClient, admin: Admin) -> None:
    state = await admin.state()
    uid = state["users"][0]["id"]
    await admin("set_routing_status", {"user_id": uid, "status": "IDLE"})
    query: dict[str, Any] = {"interval": "2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z"}
    pager = client.analytics.iter_user_details(query, page_size=5)
    details = await pager.collect()
    assert sorted(d.user_id or "" for d in details) == sorted(u["id"] for u in state["users"])
    assert pager.pages_fetched == 3
    mine = next(d for d in details if d.user_id == uid)
    assert [r.routing_status for r in mine.routing_status] == ["OFF_QUEUE", "IDLE"]
    assert mine.routing_status[0].end_time == mine.routing_status[1].start_time
    assert mine.routing_status[1].end_time is None
    assert mine.primary_presence[-1].system_presence == "ON_QUEUE"
    one = await client.analytics.user_details(
        {**query, "userFilters": [{"predicates": [{"dimension": "userId", "value": uid}]}]}
    )
    assert one.total_hits == 1 and [d.user_id for d in one.user_details] == [uid]


async def test_any_endpoint_by_method_and_path(client: GenesysClient) -> None:
    body = await client.call("GET", "/api/v2/users", params={"pageSize": 1, "expand": ["presence"]})
    assert isinstance(body, dict) and len(body["entities"]) == 1
    assert "expand=presence" in (client.last_response.url if client.last_response else "")


async def test_cursor_paging_forwards_and_its_endless_variant(
    client: GenesysClient, admin: Admin
) -> None:
    """Cursor listings (``after`` in ``nextUri``): every item once; an endpoint that keeps
    handing out a ``nextUri`` with empty pages is left after 3 of them."""
    teams = await client.call("GET", "/api/v2/teams", EntityListing[NamedEntity])
    assert teams.entities and teams.page_number is None  # a cursor listing: no page numbers
    team = teams.entities[0]
    queue = next(q for q in (await admin.state())["queues"] if team.name == f"{q['name']} Team")
    path = f"/api/v2/teams/{team.id}/members"
    pager: Paginator[NamedEntity] = Paginator(client, path, EntityListing[NamedEntity], page_size=2)
    members = await pager.collect()
    assert sorted(m.id or "" for m in members) == sorted(queue["members"])
    assert pager.pages_fetched == -(-len(members) // 2)

    await admin("configure", {"endless_cursor_pages": True})
    endless: Paginator[NamedEntity] = Paginator(
        client, path, EntityListing[NamedEntity], page_size=2
    )
    again = await asyncio.wait_for(endless.collect(), 10)
    assert [m.id for m in again] == [m.id for m in members]
    assert endless.pages_fetched == -(-len(members) // 2) + EMPTY_PAGE_LIMIT
