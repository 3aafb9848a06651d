"""Turns state changes into notification events: which topics a change touches and their
bodies. Bodies are rendered only when a channel listens to the topic (one dict lookup
otherwise), so a large simulated org costs little while nobody subscribes.

Queue observations are sent per change, or (``batch_observations``, the simulated center's
way, as the real service aggregates its statistics) once per :meth:`TopicFanout.flush` for
every queue that changed since the last flush: the cost of a flush is the changed queues
that somebody listens to, never the size of the org.
"""

from __future__ import annotations

from cxkit.emulator.genesys import topic_bodies as bodies
from cxkit.emulator.genesys.model import (
    ActivityChanged,
    Change,
    ConversationChanged,
    DetailEvent,
    OutOfOfficeChanged,
    PresenceChanged,
    Queue,
    QueueMembershipChanged,
    QueueStatsChanged,
    RoutingStatusChanged,
    StationChanged,
)
from cxkit.emulator.genesys.notifications import NotificationHub
from cxkit.emulator.genesys.state import OrgState

__all__ = ["TopicFanout"]


class TopicFanout:
    """A state observer that publishes to the hub."""

    def __init__(
        self, state: OrgState, hub: NotificationHub, *, batch_observations: bool = False
    ) -> None:
        self._state = state
        self._hub = hub
        self._batch = batch_observations
        self._dirty: dict[str, Queue] = {}  # queues changed since the last flush

    def __call__(self, change: Change) -> None:
        """Publish the events for one change."""
        state, hub = self._state, self._hub
        if self._batch and type(change) is QueueStatsChanged:
            self._dirty[change.queue.id] = change.queue
            return
        # Nobody subscribes to anything: a big org's changes cost nothing more. (Stand-ins
        # for the hub that only publish, like bench/frames.py's capture, listen to all.)
        if not getattr(hub, "listening", True):
            return
        if isinstance(change, PresenceChanged):
            u = change.user
            hub.publish(f"v2.users.{u.id}.presence", lambda: bodies.presence(state, u))
        elif isinstance(change, RoutingStatusChanged):
            u = change.user
            hub.publish(f"v2.users.{u.id}.routingStatus", lambda: bodies.routing_status(u))
        elif isinstance(change, ActivityChanged):
            u = change.user
            hub.publish(f"v2.users.{u.id}.activity", lambda: bodies.activity(state, u))
        elif isinstance(change, StationChanged):
            u = change.user
            hub.publish(f"v2.users.{u.id}.station", lambda: bodies.station(u))
        elif isinstance(change, OutOfOfficeChanged):
            u = change.user
            hub.publish(f"v2.users.{u.id}.outofoffice", lambda: bodies.out_of_office(u))
        elif isinstance(change, QueueMembershipChanged):
            q, u, removed = change.queue, change.user, change.removed
            hub.publish(
                f"v2.routing.queues.{q.id}.users",
                lambda: bodies.queue_member_event(q, u, removed=removed),
            )
        elif isinstance(change, QueueStatsChanged):
            q = change.queue
            hub.publish(
                f"v2.analytics.queues.{q.id}.observations",
                lambda: bodies.queue_observations(state, q),
            )
        elif isinstance(change, ConversationChanged):
            self._conversation(change)
        elif isinstance(change, DetailEvent):
            cid = change.conversation.id
            hub.publish(
                f"v2.detail.events.conversation.{cid}.{change.event}",
                lambda: bodies.detail_event(change),
                also=(f"v2.detail.events.conversation.*.{change.event}",),
            )

    def flush(self) -> int:
        """Publish one observation event per queue changed since the last flush (batched
        mode); returns the number of events sent."""
        dirty, self._dirty = self._dirty, {}
        hub, state = self._hub, self._state
        if not dirty or not hub.listening:
            return 0
        sent = 0
        for q in dirty.values():
            topic = f"v2.analytics.queues.{q.id}.observations"
            if hub.has_listeners(topic):
                sent += hub.publish(topic, bodies.queue_observations(state, q))
        return sent

    def _conversation(self, change: ConversationChanged) -> None:
        c = change.conversation
        prefixes = [f"v2.users.{uid}" for uid in dict.fromkeys(c.user_ids())]
        if c.queue_id:
            prefixes.append(f"v2.routing.queues.{c.queue_id}")
        for prefix in prefixes:
            self._hub.publish(
                f"{prefix}.conversations", lambda: bodies.conversation_event(self._state, c)
            )
            self._hub.publish(
                f"{prefix}.conversations.calls", lambda: bodies.call_conversation_event(c)
            )
