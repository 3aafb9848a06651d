"""Typed notification events: the topic envelope and one body type per topic family.

Every topic event arrives as ``{topicName, version, eventBody, metadata: {CorrelationId,
type?}}``. :class:`TopicEvent` keeps the topic name, the family template it matched
(``v2.users.{id}.presence``), the ids taken from the name, and the body decoded into the
family's Struct (:data:`BODY_TYPES`). Bodies tolerate unknown fields and unknown enum values
(enum-like fields are plain strings, with the known values listed in :mod:`cxkit.genesys.models`).
A body that does not fit its type, or a topic with no known family, is delivered with the
body as plain JSON (``typed`` False): never dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Generic, NamedTuple, TypeVar

import msgspec

__all__ = [
    "ActivityBody",
    "ChannelMetadataBody",
    "ConversationBody",
    "ConversationParticipant",
    "DetailEventBody",
    "EventMetadata",
    "MediaSession",
    "ObservationBody",
    "ObservationData",
    "ObservationMetric",
    "OutOfOfficeBody",
    "PresenceBody",
    "PresenceDefinitionRef",
    "QueueMemberBody",
    "RoutingStatusBody",
    "RoutingStatusRef",
    "StationBody",
    "StationRef",
    "SystemMessageBody",
    "TopicEvent",
    "TopicName",
]


class _Body(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True, gc=False):
    """Base of event bodies: camelCase on the wire, unknown fields ignored."""


class EntityRef(_Body):
    """``{id, name?}`` inside a body."""

    id: str | None = None
    name: str | None = None


class PresenceDefinitionRef(_Body):
    """``presenceDefinition`` of a presence event."""

    id: str | None = None
    system_presence: str | None = None


class PresenceBody(_Body):
    """``v2.users.{id}.presence``."""

    source: str | None = None
    presence_definition: PresenceDefinitionRef | None = None
    primary: bool | None = None
    message: str | None = None
    modified_date: dt.datetime | None = None


class RoutingStatusRef(_Body):
    """``routingStatus`` inside a body: OFF_QUEUE, IDLE, INTERACTING, NOT_RESPONDING,
    COMMUNICATING (or a value newer than this library)."""

    status: str | None = None
    start_time: dt.datetime | None = None


class RoutingStatusBody(_Body):
    """``v2.users.{id}.routingStatus``."""

    id: str | None = None
    routing_status: RoutingStatusRef | None = None
    error_info: Any = None


class OutOfOfficeBody(_Body):
    """``v2.users.{id}.outofoffice`` (also the ``outOfOffice`` of activity events)."""

    user: EntityRef | None = None
    active: bool | None = None
    indefinite: bool | None = None
    start_date: dt.datetime | None = None
    end_date: dt.datetime | None = None


class StationRef(_Body):
    """A station in a station event."""

    id: str | None = None
    associated_user: EntityRef | None = None
    associated_date: dt.datetime | None = None
    default_user: EntityRef | None = None
    provider_info: dict[str, Any] | None = None


class StationBody(_Body):
    """``v2.users.{id}.station``: the station the user is associated with now (absent when
    disassociated) and the previous one."""

    associated_station: StationRef | None = None
    last_associated_station: StationRef | None = None
    default_station: StationRef | None = None


class ActivityBody(_Body):
    """``v2.users.{id}.activity``: routing status and presence together."""

    id: str | None = None
    routing_status: RoutingStatusRef | None = None
    presence: PresenceBody | None = None
    out_of_office: OutOfOfficeBody | None = None
    active_queue_ids: list[str] | None = None
    date_active_queues_changed: dt.datetime | None = None


class MediaSession(_Body):
    """One call/chat/email/... of a participant in a conversation event."""

    id: str | None = None
    state: str | None = None
    direction: str | None = None
    held: bool | None = None
    muted: bool | None = None
    recording: bool | None = None
    disconnect_type: str | None = None
    connected_time: dt.datetime | None = None
    disconnected_time: dt.datetime | None = None
    provider: str | None = None
    peer_id: str | None = None


class ConversationParticipant(_Body):
    """A participant of a conversation event."""

    id: str | None = None
    name: str | None = None
    purpose: str | None = None
    user_id: str | None = None
    queue_id: str | None = None
    external_contact_id: str | None = None
    address: str | None = None
    ani: str | None = None
    dnis: str | None = None
    connected_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    wrapup_required: bool | None = None
    wrapup: Any = None
    attributes: dict[str, Any] | None = None
    calls: list[MediaSession] | None = None
    callbacks: list[MediaSession] | None = None
    chats: list[MediaSession] | None = None
    emails: list[MediaSession] | None = None
    messages: list[MediaSession] | None = None
    videos: list[MediaSession] | None = None
    screenshares: list[MediaSession] | None = None
    cobrowsesessions: list[MediaSession] | None = None
    social_expressions: list[MediaSession] | None = None


class ConversationBody(_Body):
    """``v2.users.{id}.conversations[.media]`` and ``v2.routing.queues.{id}.conversations``."""

    id: str | None = None
    name: str | None = None
    max_participants: int | None = None
    participants: list[ConversationParticipant] | None = None
    recording_state: str | None = None
    address: str | None = None
    external_tag: str | None = None
    utilization_label_id: str | None = None


class QueueMemberBody(_Body):
    """``v2.routing.queues.{id}.users``: a member joined, left or changed."""

    id: str | None = None
    user: EntityRef | None = None
    queue_id: str | None = None
    joined: bool | None = None
    member_by: str | None = None
    routing_status: Any = None


class ObservationMetric(_Body):
    """One observation metric (``oWaiting``, ``oOnQueueUsers`` with a qualifier, ...)."""

    metric: str
    qualifier: str | None = None
    stats: dict[str, float | None] | None = None


class ObservationData(_Body):
    """Metrics of one interval."""

    interval: str | None = None
    metrics: list[ObservationMetric] | None = None


class ObservationBody(_Body):
    """``v2.analytics.queues.{id}.observations``."""

    group: dict[str, str] | None = None
    data: list[ObservationData] | None = None


class DetailEventBody(_Body):
    """``v2.detail.events.conversation.{id}.*`` (times are epoch milliseconds)."""

    event_time: int | None = None
    conversation_id: str | None = None
    participant_id: str | None = None
    session_id: str | None = None
    media_type: str | None = None
    provider: str | None = None
    direction: str | None = None
    ani: str | None = None
    dnis: str | None = None
    address_to: str | None = None
    address_from: str | None = None
    user_id: str | None = None
    queue_id: str | None = None
    division_id: str | None = None
    disconnect_type: str | None = None
    wrapup_code: str | None = None
    wrapup_notes: str | None = None
    wrapup_duration_ms: int | None = None


class SystemMessageBody(_Body):
    """``v2.system.socket_closing``, ``v2.system.token_revoked.{id}``,
    ``v2.system.no_longer_subscribed.{id}``."""

    channel_id: str | None = None
    system_topic_type: str | None = None
    correlation_id: str | None = None
    organization_id: str | None = None
    user_id: str | None = None
    oauth_client_id: str | None = None
    oauth_client_org_id: str | None = None
    reason: str | None = None
    message: str | None = None
    data: dict[str, Any] | None = None


class ChannelMetadataBody(_Body):
    """``channel.metadata``: heartbeats and pongs."""

    message: str | None = None


class EventMetadata(msgspec.Struct, gc=False):
    """``metadata`` of a topic event (capital-C ``CorrelationId`` on the wire)."""

    CorrelationId: str | None = None
    type: str | None = None


class Envelope(msgspec.Struct, gc=False):
    """A topic event with its body left undecoded (any key order): the decoder's path for
    frames whose ``topicName`` does not come first."""

    topicName: str
    eventBody: msgspec.Raw = msgspec.Raw(b"null")
    version: str | int | None = None
    metadata: EventMetadata | None = None


B = TypeVar("B")


class TopicName(NamedTuple):
    """A parsed topic name: its family template, the ids in it, whether the family is
    known, and the family's body type, one-pass frame decoder and body-only decoder (None:
    plain JSON)."""

    family: str
    ids: tuple[str, ...]
    known: bool
    body_type: type[Any] | None = None
    decoder: Any = None
    body_decoder: Any = None


_NO_ROUTE: Final = TopicName("", (), False)


class TopicEvent(msgspec.Struct, Generic[B], kw_only=True, gc=False):
    """One notification: the topic, its family, its ids and its (typed) body.

    Decoded straight from the wire envelope in one pass (``topicName`` → ``topic``,
    ``eventBody`` → ``body``); ``route`` (the parsed topic name) and ``channel_id`` are
    filled in by the decoder.

    Attributes:
        topic: the expanded topic name as sent (``v2.users.<uuid>.presence``).
        body: the family's body Struct (see :attr:`typed`) or plain JSON.
        version: the envelope's ``version`` ("2").
        metadata: ``{CorrelationId, type?}``.
        route: the parsed topic name (family template, ids).
        channel_id: the channel it came through.
    """

    topic: str = msgspec.field(name="topicName")
    body: B | None = msgspec.field(default=None, name="eventBody")
    version: str | int | None = None
    metadata: EventMetadata | None = None
    # Filled in after decoding; the odd wire names keep frames from setting them.
    route: TopicName = msgspec.field(default=_NO_ROUTE, name="~route")
    channel_id: str | None = msgspec.field(default=None, name="~channel")

    @property
    def family(self) -> str:
        """The template it matched (``v2.users.{id}.presence``); for an unknown topic the
        name with id-like segments replaced by ``{id}``."""
        return self.route.family

    @property
    def ids(self) -> tuple[str, ...]:
        """The ids in the topic name, in order."""
        return self.route.ids

    @property
    def id(self) -> str | None:
        """The first id in the topic name (the user, queue or conversation id)."""
        ids = self.route.ids
        return ids[0] if ids else None

    @property
    def typed(self) -> bool:
        """True when ``body`` is the family's Struct (False: plain JSON)."""
        kind = self.route.body_type
        return kind is not None and type(self.body) is kind

    @property
    def kind(self) -> str:
        """The event kind for ``on(kind, handler)``: the family template."""
        return self.route.family

    @property
    def correlation_id(self) -> str | None:
        """``metadata.CorrelationId``."""
        meta = self.metadata
        return meta.CorrelationId if meta is not None else None

    @property
    def event_type(self) -> str | None:
        """``metadata.type`` (chat events), when present."""
        meta = self.metadata
        return meta.type if meta is not None else None
