"""Contract tests that hold for the emulator *and* a real org (``target`` fixture; the live
variant needs GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET and GENESYS_REGION and is skipped
otherwise). They only read, and never change, what the org holds: a real org's data is
unknown, so they check shapes, paging invariants and protocol behaviour, not values."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from cxkit.errors import NotFoundError
from cxkit.genesys import topics
from cxkit.genesys.events import TopicEvent
from cxkit.genesys.models import Queue, User
from cxkit.genesys.protocol import ChannelSettings, SubscriptionConfirmed

from .conftest import FAST_RECONNECT, Target


async def next_matching(events: AsyncIterator[Any], pred: Callable[[Any], bool]) -> Any:
    async def scan() -> Any:
        async for event in events:
            if pred(event):
                return event
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(scan(), 15)


async def first_queue(target: Target) -> Queue:
    queues = (await target.client.routing.list_queues(page_size=1)).entities
    if not queues:
        pytest.skip("the org has no queue")
    return queues[0]


async def test_page_number_paging_invariants(target: Target) -> None:
    gc = target.client
    first = await gc.users.list(page_size=5)
    assert first.page_number == 1 and first.page_size == 5 and first.total is not None
    assert first.page_count == -(-first.total // 5) or first.total == 0
    pager = gc.users.iter(page_size=5)
    users = await pager.collect(limit=15)  # at most 3 pages, whatever the org's size
    assert len(users) == min(15, first.total)
    assert len({u.id for u in users}) == len(users)
    assert all(isinstance(u, User) and u.id for u in users)


async def test_queue_and_members(target: Target) -> None:
    gc = target.client
    queue = await first_queue(target)
    again = await gc.routing.get_queue(queue.id or "")
    assert (again.id, again.name) == (queue.id, queue.name)
    members = await gc.routing.queue_members(queue.id or "", page_size=25)
    assert members.page_size == 25 and members.total is None  # no totals in this listing
    assert all(m.id for m in members.entities)


async def test_errors_carry_the_genesys_code_and_correlation_id(target: Target) -> None:
    with pytest.raises(NotFoundError) as caught:
        await target.client.users.get("00000000-0000-0000-0000-000000000000")
    assert caught.value.code is not None and caught.value.correlation_id
    assert caught.value.status == 404


async def test_users_search(target: Target) -> None:
    found = await target.client.users.search(
        {"pageSize": 5, "query": [{"type": "CONTAINS", "fields": ["email"], "value": "@"}]}
    )
    assert found.total is not None and len(found.results) <= 5
    assert all("@" in (u.email or "") for u in found.results)


async def test_analytics_queries(target: Target) -> None:
    gc = target.client
    queue = await first_queue(target)
    observations = await gc.analytics.queue_observations(
        {
            "filter": {"type": "or", "predicates": [{"dimension": "queueId", "value": queue.id}]},
            "metrics": ["oWaiting", "oOnQueueUsers"],
        }
    )
    assert observations.results and observations.results[0].group.get("queueId") == queue.id
    end = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    interval = f"{(end - dt.timedelta(days=1)).isoformat()}/{end.isoformat()}".replace(
        "+00:00", "Z"
    )
    page = await gc.analytics.conversation_details(
        {"interval": interval, "paging": {"pageSize": 5, "pageNumber": 1}}
    )
    assert page.total_hits is None or page.total_hits >= len(page.conversations)


async def test_notification_channel_protocol(target: Target) -> None:
    """Subscribe by REST and by WebSocket, get both confirmed, and a ping answered."""
    gc = target.client
    queue = await first_queue(target)
    user = (await gc.users.list(page_size=1)).entities[0]
    settings = ChannelSettings(emit_heartbeats=True)  # pongs become visible events
    observations = topics.queue_observations(queue.id or "")
    async with gc.channel([observations], settings=settings, reconnect=FAST_RECONNECT) as channel:
        events = aiter(channel)
        listed = await gc.notifications.subscriptions(channel.id or "")
        assert [t.id for t in listed.entities] == [observations]
        assert await gc.notifications.channel_exists(channel.id or "")
        await channel.subscribe([topics.user_presence(user.id or "")], via="websocket")
        confirmed = await next_matching(events, lambda e: isinstance(e, SubscriptionConfirmed))
        assert confirmed.status == "subscribed"
        await channel.check()
        pong = await next_matching(
            events,
            lambda e: (
                isinstance(e, TopicEvent)
                and e.topic == "channel.metadata"
                and getattr(e.body, "message", None) == "pong"
            ),
        )
        assert pong.channel_id == channel.id
        assert channel.stream is not None and channel.stream.stats.reconnects == 0


async def test_hub_packs_user_topics(target: Target) -> None:
    gc = target.client
    users = (await gc.users.list(page_size=2)).entities
    wanted = [f(u.id or "") for u in users for f in (topics.user_presence, topics.user_activity)]
    async with gc.hub() as hub:
        await hub.subscribe(wanted)
        (channel,) = hub.channels
        assert len(channel.topics) == len(users)  # one combined topic per user
        listed = await gc.notifications.subscriptions(channel.id or "")
        # the service may list the combined topic or its parts: compare expanded
        assert set(topics.expand_all(t.id for t in listed.entities)) == set(wanted)
