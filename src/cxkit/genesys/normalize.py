"""Genesys topic events → the vendor-neutral :mod:`cxkit.events`.

:class:`Normalizer` is stateful (one per stream): an agent's unified state needs both the
presence and the routing status (``On Queue`` + ``IDLE`` is *ready*, ``Busy`` is *not ready*
whatever the routing status), and an interaction is *started* once and *ended* once however
many conversation events Genesys sends. Events it has no mapping for become
:class:`cxkit.events.RawEvent` (never dropped).

=====================================  ==================================================
topic family                           unified event
=====================================  ==================================================
``v2.users.{id}.presence``             :class:`~cxkit.events.AgentStateChanged`
``v2.users.{id}.routingStatus``        :class:`~cxkit.events.AgentStateChanged`
``v2.users.{id}.activity``             :class:`~cxkit.events.AgentStateChanged`
``v2.users.{id}.conversations[.*]``    ``InteractionStarted`` / ``Updated`` / ``Ended``
``v2.routing.queues.{id}.conversations[.*]``  (same)
``v2.analytics.queues.{id}.observations``  :class:`~cxkit.events.QueueStatisticsUpdated`
=====================================  ==================================================
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Final

import msgspec

from cxkit.events import (
    AgentState,
    AgentStateChanged,
    BaseEvent,
    InteractionEnded,
    InteractionStarted,
    InteractionUpdated,
    QueueStatisticsUpdated,
    RawEvent,
    utcnow,
)
from cxkit.genesys.events import (
    ActivityBody,
    ConversationBody,
    ConversationParticipant,
    MediaSession,
    ObservationBody,
    PresenceBody,
    RoutingStatusBody,
    TopicEvent,
)
from cxkit.genesys.models import QueueObservationQueryResponse

__all__ = [
    "OFFLINE_PRESENCE_ID",
    "QUEUE_METRICS",
    "Normalizer",
    "agent_state",
    "agent_state_of_user",
    "queue_query",
]

_VENDOR: Final = "genesys"
_MEDIA: Final = (
    ("calls", "voice"),
    ("callbacks", "callback"),
    ("chats", "chat"),
    ("emails", "email"),
    ("messages", "message"),
    ("videos", "video"),
    ("screenshares", "screenshare"),
    ("cobrowsesessions", "cobrowse"),
    ("social_expressions", "social"),
)
_AGENT_PURPOSES: Final = frozenset({"agent", "user"})
_CUSTOMER_PURPOSES: Final = frozenset({"customer", "external"})
_ENDED_STATES: Final = frozenset({"disconnected", "terminated"})


def agent_state(
    system_presence: str | None, routing_status: str | None
) -> tuple[AgentState, str | None]:
    """The unified state (and reason) for a presence and a routing status."""
    presence = (system_presence or "").strip()
    lowered = presence.lower()
    routing = (routing_status or "").upper()
    if lowered == "offline":
        return AgentState.LOGGED_OUT, None
    if routing in ("INTERACTING", "COMMUNICATING"):
        return AgentState.ON_INTERACTION, None
    if routing == "NOT_RESPONDING":
        return AgentState.NOT_READY, "NOT_RESPONDING"
    if lowered == "on queue" or (routing == "IDLE" and not presence):
        return AgentState.READY, None
    if presence:
        return AgentState.NOT_READY, presence
    if routing == "OFF_QUEUE":
        return AgentState.NOT_READY, "OFF_QUEUE"
    return AgentState.UNKNOWN, None


OFFLINE_PRESENCE_ID: Final = "ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5"
"""The id of the Offline system presence definition: fixed by the service, the same in
every org and region (as are the other system presences' ids)."""

QUEUE_METRICS: Final = (
    "oWaiting",
    "oInteracting",
    "oLongestWaiting",
    "oOnQueueUsers",
    "oOffQueueUsers",
    "oActiveUsers",
)
"""The observation metrics the unified queue statistics are made of."""


def queue_query(queue_ids: Iterable[str]) -> dict[str, Any]:
    """The body of ``client.analytics.queue_observations(...)`` for the unified figures of
    ``queue_ids`` (give its answer to :meth:`Normalizer.queue_observations`)."""
    predicates = [{"type": "dimension", "dimension": "queueId", "value": q} for q in queue_ids]
    return {"filter": {"type": "or", "predicates": predicates}, "metrics": list(QUEUE_METRICS)}


def agent_state_of_user(user: Any, *, tenant: str = "") -> AgentStateChanged:
    """An agent's unified state from a user read by REST with
    ``expand=presence,routingStatus`` (a :class:`~cxkit.genesys.models.User`).

    Notifications carry changes only: a wallboard starts from this for every agent, and
    after a :class:`~cxkit.events.StreamGap` it catches up the same way."""
    presence_info = getattr(user, "presence", None)
    definition = presence_info.presence_definition if presence_info else None
    presence = definition.system_presence if definition else None
    routing_info = getattr(user, "routing_status", None)
    routing = routing_info.status if routing_info else None
    # REST spells system presences ON_QUEUE, notifications "On Queue": agent_state knows the
    # notification spelling.
    state, reason = agent_state(presence.replace("_", " ") if presence else None, routing)
    return AgentStateChanged(
        vendor=_VENDOR,
        tenant=tenant,
        occurred_at=utcnow(),
        agent_id=user.id,
        agent_name=user.name,
        state=state,
        reason=reason,
        vendor_state=routing,
    )


def _sessions(participant: ConversationParticipant) -> list[tuple[str, MediaSession]]:
    found: list[tuple[str, MediaSession]] = []
    for field, media in _MEDIA:
        for session in getattr(participant, field, None) or ():
            found.append((media, session))
    return found


def _stat(stats: dict[str, float | None] | None, *names: str) -> float | None:
    if not stats:
        return None
    for name in names:
        value = stats.get(name)
        if value is not None:
            return value
    return None


class Normalizer:
    """Stateful mapper of Genesys topic events to unified events (see the module docstring).

    Args:
        tenant: the org id put on every event.
        max_conversations: conversations remembered at once (oldest forgotten first).
    """

    def __init__(self, *, tenant: str = "", max_conversations: int = 10_000) -> None:
        self.tenant = tenant
        self._agents: dict[str, list[Any]] = {}  # id -> [presence, routing, state]
        self._started: OrderedDict[str, bool] = OrderedDict()
        self._ended: OrderedDict[str, None] = OrderedDict()
        self._max_conversations = max_conversations

    def normalize(self, event: TopicEvent[Any] | Any) -> list[BaseEvent]:
        """The unified events for one event of a channel or hub: a topic event gives often
        one, possibly none or several; an event that is already unified (stream state, stream
        gap) is returned as is; anything else (a channel problem) gives none. So every event
        of ``async for event in hub`` can be passed in."""
        if type(event) is not TopicEvent:
            return [event] if isinstance(event, BaseEvent) else []
        body = event.body
        if isinstance(body, PresenceBody):
            system = body.presence_definition.system_presence if body.presence_definition else None
            return self._agent(event, presence=system, occurred=body.modified_date)
        if isinstance(body, RoutingStatusBody):
            status = body.routing_status
            return self._agent(
                event,
                routing=status.status if status else None,
                occurred=status.start_time if status else None,
            )
        if isinstance(body, ActivityBody):
            definition = body.presence.presence_definition if body.presence else None
            status = body.routing_status
            return self._agent(
                event,
                presence=definition.system_presence if definition else None,
                routing=status.status if status else None,
                occurred=status.start_time if status else None,
            )
        if isinstance(body, ConversationBody):
            return self._conversation(event, body)
        if isinstance(body, ObservationBody):
            return self._observation(event, body)
        # Detail events carry their own time (epoch ms); others are stamped on receipt.
        event_time = getattr(body, "event_time", None)
        occurred = _from_epoch_ms(event_time) if isinstance(event_time, int) else None
        return [
            RawEvent(
                vendor=_VENDOR,
                tenant=self.tenant,
                occurred_at=occurred or utcnow(),
                type=event.family,
                # plain JSON, so the unified event reads the same whether or not this
                # library has a typed body for the family
                payload=msgspec.to_builtins(body) if isinstance(body, msgspec.Struct) else body,
                raw={"topic": event.topic},
            )
        ]

    # ----------------------------------------------------------------- agents

    def _agent(
        self,
        event: TopicEvent[Any],
        *,
        presence: str | None = None,
        routing: str | None = None,
        occurred: dt.datetime | None = None,
    ) -> list[BaseEvent]:
        agent_id = event.id
        if agent_id is None:
            return []
        record = self._agents.get(agent_id)
        if record is None:
            record = self._agents[agent_id] = [None, None, None]
        if presence is not None:
            record[0] = presence
        if routing is not None:
            record[1] = routing
        state, reason = agent_state(record[0], record[1])
        previous: AgentState | None = record[2]
        record[2] = state
        return [
            AgentStateChanged(
                vendor=_VENDOR,
                tenant=self.tenant,
                occurred_at=occurred or utcnow(),
                raw=event.body,
                agent_id=agent_id,
                state=state,
                previous_state=previous,
                reason=reason,
                vendor_state=record[1] or record[0],
                since=occurred,
            )
        ]

    # ----------------------------------------------------------------- conversations

    def _conversation(self, event: TopicEvent[Any], body: ConversationBody) -> list[BaseEvent]:
        conversation_id = body.id
        if conversation_id is None:
            return []
        participants = body.participants or []
        media = "voice"
        direction = ani = dnis = agent_id = None
        queue_id = event.id if event.family.startswith("v2.routing.queues") else None
        agent_connected = False
        all_ended = bool(participants)
        started_at: dt.datetime | None = None
        answered_at: dt.datetime | None = None  # first agent connect, ended or not
        ended_at: dt.datetime | None = None
        latest: dt.datetime | None = None  # the last moment the body records
        for participant in participants:
            sessions = _sessions(participant)
            for moment in _moments(participant, sessions):
                if latest is None or moment > latest:
                    latest = moment
            if sessions:
                media = sessions[0][0]
            purpose = (participant.purpose or "").lower()
            ended = participant.end_time is not None or (
                bool(sessions)
                and all((s.state or "").lower() in _ENDED_STATES for _, s in sessions)
            )
            all_ended = all_ended and ended
            if participant.end_time and (ended_at is None or participant.end_time > ended_at):
                ended_at = participant.end_time
            if purpose == "acd" and participant.queue_id:
                queue_id = participant.queue_id
            if purpose in _CUSTOMER_PURPOSES:
                ani = ani or participant.ani or participant.address
                dnis = dnis or participant.dnis
                for _, session in sessions:
                    direction = direction or (session.direction or None)
            if purpose in _AGENT_PURPOSES and participant.user_id:
                if participant.connected_time is not None and (
                    answered_at is None or participant.connected_time < answered_at
                ):
                    answered_at = participant.connected_time
                connected = participant.connected_time is not None or any(
                    (s.state or "").lower() == "connected" for _, s in sessions
                )
                if connected and not ended:
                    agent_connected = True
                    agent_id = participant.user_id
                    started_at = participant.connected_time or started_at
                agent_id = agent_id or participant.user_id
        common: dict[str, Any] = {
            "vendor": _VENDOR,
            "tenant": self.tenant,
            "raw": body,
            "interaction_id": conversation_id,
            "media": media,
            "direction": direction.lower() if direction else None,
            "agent_id": agent_id,
            "queue_id": queue_id,
            "ani": ani,
            "dnis": dnis,
        }
        started = self._started
        if all_ended:
            was_known = started.pop(conversation_id, None) is not None
            if not was_known and conversation_id in self._ended:
                return []
            self._remember_end(conversation_id)
            # The final event shows every participant ended: the handling time runs from
            # the first agent connect (kept on the participant) to the last end.
            duration = None
            begun = started_at or answered_at
            if begun and ended_at:
                duration = max(0.0, (ended_at - begun).total_seconds())
            return [
                InteractionEnded(
                    occurred_at=ended_at or utcnow(), duration_seconds=duration, **common
                )
            ]
        if agent_connected and not started.get(conversation_id):
            started[conversation_id] = True
            started.move_to_end(conversation_id)
            self._trim()
            return [InteractionStarted(occurred_at=started_at or utcnow(), **common)]
        if conversation_id not in started:
            started[conversation_id] = False
            self._trim()
        state = "connected" if agent_connected else "alerting" if agent_id else "queued"
        # Stamped with the last moment the body records, not the time of receipt: the same
        # notification then normalizes to the same event wherever it is received (two
        # bridges give it one id, see cxkit.bridge.envelope).
        return [InteractionUpdated(occurred_at=latest or utcnow(), state=state, **common)]

    def _remember_end(self, conversation_id: str) -> None:
        ended = self._ended
        ended[conversation_id] = None
        while len(ended) > self._max_conversations:
            ended.popitem(last=False)

    def _trim(self) -> None:
        while len(self._started) > self._max_conversations:
            self._started.popitem(last=False)

    # ----------------------------------------------------------------- queues

    def _observation(self, event: TopicEvent[Any], body: ObservationBody) -> list[BaseEvent]:
        queue_id = (body.group or {}).get("queueId") or event.id
        if queue_id is None:
            return []
        metrics = (
            (metric.metric, metric.qualifier, metric.stats)
            for data in body.data or ()
            for metric in data.metrics or ()
        )
        # The observation's instant is the start of its interval ("start/end", ISO 8601):
        # the same for every receiver of the notification, unlike the time of receipt.
        observed = None
        for data in body.data or ():
            observed = _interval_start(data.interval)
            if observed is not None:
                break
        return [self._queue_statistics(queue_id, metrics, body, observed)]

    def queue_observations(self, response: QueueObservationQueryResponse) -> list[BaseEvent]:
        """Queue statistics from a REST observations query
        (``client.analytics.queue_observations(...)``), as the topic events give them: the
        starting point of a wallboard (topics carry changes only) and its backfill after a
        :class:`~cxkit.events.StreamGap`."""
        events: list[BaseEvent] = []
        for result in response.results:
            queue_id = result.group.get("queueId")
            if not queue_id:
                continue
            metrics = (
                (
                    data.metric or "",
                    data.qualifier,
                    {
                        "count": data.stats.count,
                        "max": data.stats.max,
                        "calculatedMetricValue": data.stats.calculated_metric_value,
                    }
                    if data.stats
                    else None,
                )
                for data in result.data
            )
            events.append(self._queue_statistics(queue_id, metrics, result))
        return events

    def _queue_statistics(
        self,
        queue_id: str,
        metrics: Iterable[tuple[str, str | None, dict[str, float | None] | None]],
        raw: Any,
        occurred_at: dt.datetime | None = None,
    ) -> QueueStatisticsUpdated:
        figures: dict[str, Any] = {}

        def add(name: str, value: float | None) -> None:
            if value is not None:
                figures[name] = int(figures.get(name, 0) + value)

        # Logged in = every on-queue member plus the off-queue ones who are not Offline.
        # (oActiveUsers is *joined* members, logged in or not: only a fallback for a query
        # that asked for no per-user metric.)
        active: float | None = None
        per_user = False
        for name, qualifier_name, stats in metrics:
            qualifier = (qualifier_name or "").upper()
            count = _stat(stats, "count", "current")
            if name == "oWaiting":
                add("calls_waiting", count)
            elif name == "oActiveUsers":
                active = count
            elif name == "oOnQueueUsers":
                per_user = True
                add("agents_logged_in", count)
                if qualifier == "IDLE":
                    add("agents_ready", count)
                elif qualifier in ("INTERACTING", "COMMUNICATING"):
                    add("agents_on_interaction", count)
                elif qualifier == "NOT_RESPONDING":
                    add("agents_not_ready", count)
            elif name == "oOffQueueUsers":
                # The service counts logged-off members here too, qualified by the Offline
                # system presence (whose id is the same in every org): they are not
                # "not ready", they are gone.
                per_user = True
                if qualifier_name != OFFLINE_PRESENCE_ID:
                    add("agents_not_ready", count)
                    add("agents_logged_in", count)
            elif name == "oLongestWaiting":
                value = _stat(stats, "calculatedMetricValue", "max")
                # reported without a value: nothing waits (0, not "unknown")
                figures["longest_wait_seconds"] = 0.0 if value is None else value / 1000.0
        if per_user:
            # A qualifier with a zero count is left out of an observation: once the members
            # were counted at all, an absent figure is 0, not unknown (a board that keeps
            # the last known value would otherwise show the last Away agent forever).
            for name in (
                "agents_logged_in",
                "agents_ready",
                "agents_on_interaction",
                "agents_not_ready",
            ):
                figures.setdefault(name, 0)
        elif active is not None:
            figures["agents_logged_in"] = int(active)
        return QueueStatisticsUpdated(
            vendor=_VENDOR,
            tenant=self.tenant,
            occurred_at=occurred_at or utcnow(),
            raw=raw,
            queue_id=queue_id,
            **figures,
        )


def _moments(
    participant: ConversationParticipant, sessions: list[tuple[str, MediaSession]]
) -> Iterable[dt.datetime]:
    """Every timestamp of a participant and its media sessions."""
    for moment in (participant.connected_time, participant.end_time):
        if moment is not None:
            yield moment
    for _, session in sessions:
        for moment in (session.connected_time, session.disconnected_time):
            if moment is not None:
                yield moment


_as_datetime: Final = msgspec.json.Decoder(dt.datetime).decode


def _interval_start(interval: str | None) -> dt.datetime | None:
    """The start of an ISO 8601 ``start/end`` interval, or None when it does not parse."""
    if not interval:
        return None
    start = interval.partition("/")[0]
    try:
        moment = _as_datetime(b'"' + start.encode() + b'"')
    except (msgspec.DecodeError, UnicodeEncodeError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _from_epoch_ms(ms: int) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
