"""Where a bridge's events come from: vendor streams as async iterators of unified events.

* :func:`five9_events`: a Five9 supervisor WebSocket (agent states, interactions, queue
  statistics), logged in first so every event carries the domain (org) id as its tenant.
* :func:`genesys_events`: Genesys notifications through a
  :class:`~cxkit.genesys.notifications.NotificationHub`: queue observations and
  conversations of every queue, presence and routing status of every user, normalized by
  :class:`~cxkit.genesys.normalize.Normalizer`; the org id is the tenant. Only the topic
  families the bridge's kinds need are subscribed (:func:`topic_families`), so bridge
  processes that split the kinds between them also split the subscriptions.

Both also yield the streams' own :class:`~cxkit.events.StreamStateChanged` and
:class:`~cxkit.events.StreamGap` events (a consumer learns that it should backfill). Vendor
events with no unified mapping arrive as :class:`~cxkit.events.RawEvent`, never dropped.
Iteration waits while the bridge's queue is full, so backpressure reaches the socket.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cxkit.errors import CxkitError
from cxkit.events import BaseEvent

if TYPE_CHECKING:
    from cxkit.five9.client import Five9Client
    from cxkit.genesys.client import GenesysClient

__all__ = ["TopicFamilies", "five9_events", "genesys_events", "genesys_topics", "topic_families"]

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


@dataclass(frozen=True, slots=True)
class TopicFamilies:
    """Which Genesys topic families a bridge subscribes.

    Attributes:
        users: every user's presence and routing status (``agent.state``).
        queues: every queue's observations (``queue.statistics``).
        conversations: every queue's conversations (``interaction.*``).
    """

    users: bool = True
    queues: bool = True
    conversations: bool = True

    def describe(self) -> str:
        """``"user presence and routing status, queue observations"``, for a log line."""
        parts = []
        if self.users:
            parts.append("user presence and routing status")
        if self.queues:
            parts.append("queue observations")
        if self.conversations:
            parts.append("queue conversations")
        return ", ".join(parts) or "none"


def topic_families(kinds: Sequence[str]) -> TopicFamilies:
    """The topic families that can produce events of ``kinds`` (globs; empty = every kind).

    ``raw`` events (no unified mapping) can come from any family, so a pattern matching
    ``raw`` keeps them all; so does a set of patterns that needs no family at all (only
    ``stream.*``), since a stream needs subscriptions to exist.
    """
    if not kinds:
        return TopicFamilies()

    def wanted(*candidates: str) -> bool:
        return any(fnmatch.fnmatchcase(kind, p) for p in kinds for kind in candidates)

    if wanted("raw"):
        return TopicFamilies()
    families = TopicFamilies(
        users=wanted("agent.state"),
        queues=wanted("queue.statistics"),
        conversations=wanted("interaction.started", "interaction.updated", "interaction.ended"),
    )
    if not (families.users or families.queues or families.conversations):
        return TopicFamilies()
    return families


async def genesys_topics(
    client: GenesysClient,
    *,
    users: bool = True,
    queues: bool = True,
    conversations: bool | None = None,
) -> tuple[str, list[str]]:
    """The org id and the topics a bridge subscribes: every queue's observations
    (``queues``) and conversations (``conversations``, default: as ``queues``), every
    user's presence and routing status (``users``)."""
    from cxkit.genesys import topics

    if conversations is None:
        conversations = queues
    info = await client.tokens.me()
    org = info.organization.id if info.organization and info.organization.id else ""
    wanted: list[str] = []
    if queues or conversations:
        async for queue in client.routing.iter_queues():
            if queue.id:
                if queues:
                    wanted.append(topics.queue_observations(queue.id))
                if conversations:
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
    families: TopicFamilies | None = None,
) -> AsyncIterator[BaseEvent]:
    """Unified events of Genesys notifications (topics: see :func:`genesys_topics`; with
    ``topics`` None, those of ``families``, default all)."""
    from cxkit.genesys.events import TopicEvent
    from cxkit.genesys.normalize import Normalizer
    from cxkit.genesys.notifications import NotificationHub

    if topics is None or tenant is None:
        families = families or TopicFamilies()
        org, found = await genesys_topics(
            client,
            users=families.users,
            queues=families.queues,
            conversations=families.conversations,
        )
        if topics is None:
            topics = found
            logger.info("genesys: %d topics (%s)", len(found), families.describe())
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
