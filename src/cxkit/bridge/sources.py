"""Where a bridge's events come from: vendor streams as async iterators of unified events.

* :func:`five9_events`: a Five9 supervisor WebSocket (agent states, interactions, queue
  statistics), logged in first so every event carries the domain (org) id as its tenant.
* :func:`genesys_events`: Genesys notifications through a
  :class:`~cxkit.genesys.notifications.NotificationHub`: queue observations and
  conversations of every queue, presence and routing status of every user, normalized by
  :class:`~cxkit.genesys.normalize.Normalizer`; the org id is the tenant.

Both also yield the streams' own :class:`~cxkit.events.StreamStateChanged` and
:class:`~cxkit.events.StreamGap` events (a consumer learns that it should backfill). Vendor
events with no unified mapping arrive as :class:`~cxkit.events.RawEvent`, never dropped.
Iteration waits while the bridge's queue is full, so backpressure reaches the socket.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from cxkit.errors import CxkitError
from cxkit.events import BaseEvent

if TYPE_CHECKING:
    from cxkit.five9.client import Five9Client
    from cxkit.genesys.client import GenesysClient

__all__ = ["five9_events", "genesys_events", "genesys_topics"]

logger = logging.getLogger("cxkit.bridge.sources")


async def five9_events(client: Five9Client, *, load_names: bool = True) -> AsyncIterator[BaseEvent]:
    """Unified events of a Five9 supervisor stream (the client logs in first)."""
    await client.login()
    if load_names:
        try:
            await client.supervisor.load_names()
        except CxkitError as exc:  # names are a nicety: ids still flow without them
            logger.warning("five9: could not load user and skill names: %s", exc)
    async with client.supervisor_stream() as stream:
        async for event in stream:
            if isinstance(event, BaseEvent):
                yield event


async def genesys_topics(
    client: GenesysClient, *, users: bool = True, queues: bool = True
) -> tuple[str, list[str]]:
    """The org id and the topics a bridge subscribes: every queue's observations and
    conversations, every user's presence and routing status."""
    from cxkit.genesys import topics

    info = await client.tokens.me()
    org = info.organization.id if info.organization and info.organization.id else ""
    wanted: list[str] = []
    if queues:
        async for queue in client.routing.iter_queues():
            if queue.id:
                wanted.append(topics.queue_observations(queue.id))
                wanted.append(topics.queue_conversations(queue.id))
    if users:
        async for user in client.users.iter():
            if user.id:
                wanted.append(topics.user_presence(user.id))
                wanted.append(topics.user_routing_status(user.id))
    return org, wanted


async def genesys_events(
    client: GenesysClient,
    *,
    topics: Sequence[str] | None = None,
    tenant: str | None = None,
) -> AsyncIterator[BaseEvent]:
    """Unified events of Genesys notifications (topics: see :func:`genesys_topics`)."""
    from cxkit.genesys.events import TopicEvent
    from cxkit.genesys.normalize import Normalizer
    from cxkit.genesys.notifications import NotificationHub

    if topics is None or tenant is None:
        org, found = await genesys_topics(client)
        topics = found if topics is None else topics
        tenant = org if tenant is None else tenant
    normalizer = Normalizer(tenant=tenant)
    async with NotificationHub(client, tenant=tenant, name="genesys.bridge") as hub:
        await hub.subscribe(topics)
        event: Any
        async for event in hub:
            if isinstance(event, TopicEvent):
                for unified in normalizer.normalize(event):
                    yield unified
            elif isinstance(event, BaseEvent):
                yield event
