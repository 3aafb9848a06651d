"""Typed Platform API resources (msgspec Structs), paging envelopes and the explicit null.

Every model maps camelCase JSON to snake_case attributes, ignores fields it does not know
(Genesys adds fields all the time) and keeps enum-like fields as plain strings, so a value
newer than this library arrives as itself instead of failing the decode (the official Python
SDK turns it into ``outdated_sdk_version``). The known values are listed in the ``StrEnum``
classes below for comparison (``user.state == UserState.ACTIVE``).

Request bodies: fields left at None are omitted; :data:`NULL` is sent as JSON ``null`` — the
way to clear a field with PATCH (omitted = unchanged, null = cleared)::

    await client.presence.patch_user_presence(uid, UserPresenceUpdate(message=NULL))
    # body: {"message": null}
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
from typing import Any, Final, Generic, TypeVar

import msgspec

from cxkit.errors import UsageError

__all__ = [
    "NULL",
    "AggregateData",
    "AggregateMetric",
    "AggregateResult",
    "AnalyticsConversation",
    "AnalyticsConversationQueryResponse",
    "AnalyticsJobResults",
    "AnalyticsParticipant",
    "AnalyticsRoutingStatusRecord",
    "AnalyticsSegment",
    "AnalyticsSession",
    "AnalyticsUserDetail",
    "AnalyticsUserDetailsQueryResponse",
    "AnalyticsUserPresenceRecord",
    "AsyncQueryResponse",
    "AsyncQueryStatus",
    "AvailableTopic",
    "ChannelTopic",
    "Conversation",
    "ConversationAggregateQueryResponse",
    "Cursors",
    "EntityListing",
    "ErrorBody",
    "GenesysModel",
    "ListedChannel",
    "NamedEntity",
    "NotificationChannel",
    "NullType",
    "OrgOAuthClient",
    "Participant",
    "PresenceDefinition",
    "PresenceDefinitionRef",
    "Queue",
    "QueueMember",
    "QueueObservationData",
    "QueueObservationQueryResponse",
    "QueueObservationResult",
    "RoutingStatus",
    "RoutingStatusValue",
    "ScimListing",
    "ScimUser",
    "StatisticalSummary",
    "SystemPresence",
    "TokenInfo",
    "UsageExecution",
    "UsageQueryResults",
    "UsageRow",
    "User",
    "UserPresence",
    "UserPresenceUpdate",
    "UserState",
    "UsersSearchResponse",
    "encode_body",
    "error_body",
    "interval",
    "iso_datetime",
]

T = TypeVar("T")

# --------------------------------------------------------------------------- explicit null


class NullType:
    """The type of :data:`NULL` (one instance only)."""

    _instance: NullType | None = None
    __slots__ = ()

    def __new__(cls) -> NullType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NULL"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "NULL"


NULL: Final = NullType()
"""Sent as JSON ``null`` in request bodies, where None means "leave out"."""


def _enc_hook(obj: Any) -> Any:
    if obj is NULL:
        return None
    if isinstance(obj, enum.Enum):
        return obj.value
    raise NotImplementedError(f"cannot encode {type(obj).__name__} as JSON")


def _prune(obj: Any) -> Any:
    # None in a plain dict means "not set", like an unset Struct field: leave it out.
    if isinstance(obj, dict):
        return {k: _prune(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_prune(v) for v in obj]
    return obj


_encoder: Final = msgspec.json.Encoder(enc_hook=_enc_hook)


def encode_body(body: Any) -> bytes:
    """JSON-encode a request body: Structs omit None fields, dicts drop None values,
    :data:`NULL` becomes ``null``."""
    if isinstance(body, (dict, list)):
        body = _prune(body)
    return _encoder.encode(body)


# --------------------------------------------------------------------------- dates


def iso_datetime(moment: dt.datetime) -> str:
    """``yyyy-MM-ddTHH:mm:ss.SSSZ`` in UTC, the Platform API's datetime format (a naive
    datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def interval(start: dt.datetime, end: dt.datetime | dt.timedelta) -> str:
    """An analytics ``interval``: ``start/end`` in UTC (``end`` may be a duration).
    Avoid "now" as the end of a details query: data for the last minutes is still arriving."""
    finish = start + end if isinstance(end, dt.timedelta) else end
    if finish <= start:
        raise UsageError(f"an interval must end after it starts ({start} .. {finish})")
    return f"{iso_datetime(start)}/{iso_datetime(finish)}"


# --------------------------------------------------------------------------- base


class GenesysModel(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    """Base of every resource: camelCase JSON, unknown fields ignored, None omitted."""

    def to_dict(self) -> dict[str, Any]:
        """The resource as JSON-ready builtins (camelCase keys, None left out)."""
        result: dict[str, Any] = msgspec.to_builtins(self, enc_hook=_enc_hook)
        return result


class UserState(enum.StrEnum):
    """Known ``User.state`` values."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    DELETED = "deleted"


class RoutingStatusValue(enum.StrEnum):
    """Known routing statuses."""

    OFF_QUEUE = "OFF_QUEUE"
    IDLE = "IDLE"
    INTERACTING = "INTERACTING"
    NOT_RESPONDING = "NOT_RESPONDING"
    COMMUNICATING = "COMMUNICATING"


class SystemPresence(enum.StrEnum):
    """Known system presences (``presenceDefinition.systemPresence``)."""

    AVAILABLE = "Available"
    AWAY = "Away"
    BUSY = "Busy"
    OFFLINE = "Offline"
    IDLE = "Idle"
    ON_QUEUE = "On Queue"
    MEAL = "Meal"
    TRAINING = "Training"
    MEETING = "Meeting"
    BREAK = "Break"


class NamedEntity(GenesysModel):
    """``{id, name, selfUri}``."""

    id: str | None = None
    name: str | None = None
    self_uri: str | None = None


class Cursors(GenesysModel):
    """``cursors {before, after}`` of cursor listings."""

    before: str | None = None
    after: str | None = None


class EntityListing(GenesysModel, Generic[T]):
    """Any Genesys listing: page-number fields, cursor fields, or just ``entities``."""

    entities: list[T] = msgspec.field(default_factory=list)
    page_size: int | None = None
    page_number: int | None = None
    total: int | None = None
    page_count: int | None = None
    first_uri: str | None = None
    self_uri: str | None = None
    next_uri: str | None = None
    previous_uri: str | None = None
    last_uri: str | None = None
    cursor: str | None = None
    cursors: Cursors | None = None


# --------------------------------------------------------------------------- errors


class ErrorBody(GenesysModel):
    """The API host's error body."""

    message: str | None = None
    code: str | None = None
    status: int | None = None
    entity_id: str | None = None
    entity_name: str | None = None
    message_with_params: str | None = None
    message_params: dict[str, Any] | None = None
    context_id: str | None = None
    details: list[dict[str, Any]] | None = None
    errors: list[dict[str, Any]] | None = None
    limit: dict[str, Any] | None = None


def error_body(error: BaseException) -> ErrorBody | None:
    """The Platform API ``ErrorBody`` of an API error (any :class:`cxkit.errors.APIStatusError`
    from a Genesys call), typed: ``message_with_params``, ``message_params``, ``details``,
    ``errors``, ``limit``... None when the answer had no JSON object body (a gateway's HTML
    page, an empty 502). As the Go SDK does, ``context_id`` falls back to the response's
    correlation id when the body has none."""
    body = getattr(error, "body", None)
    if not isinstance(body, dict):
        return None
    try:
        parsed = msgspec.convert(body, ErrorBody)
    except msgspec.ValidationError:
        # a field of an unexpected type: keep what fits rather than nothing
        kept: dict[str, Any] = {}
        for key, value in body.items():
            with contextlib.suppress(msgspec.ValidationError):
                msgspec.convert({key: value}, ErrorBody)
                kept[key] = value
        parsed = msgspec.convert(kept, ErrorBody)
    if parsed.context_id is None:
        correlation = getattr(error, "correlation_id", None)
        if isinstance(correlation, str):
            parsed = msgspec.structs.replace(parsed, context_id=correlation)
    return parsed


# --------------------------------------------------------------------------- users, presence


class PresenceDefinitionRef(GenesysModel):
    """A reference to a presence definition (``{id, systemPresence}``)."""

    id: str | None = None
    system_presence: str | None = None
    self_uri: str | None = None


class UserPresence(GenesysModel):
    """A user's presence from one source."""

    id: str | None = None
    name: str | None = None
    source: str | None = None
    source_id: str | None = None
    primary: bool | None = None
    presence_definition: PresenceDefinitionRef | None = None
    message: str | None = None
    modified_date: dt.datetime | None = None
    self_uri: str | None = None


class UserPresenceUpdate(GenesysModel):
    """PATCH body for a user's presence. None = leave unchanged; :data:`NULL` = clear.

    Set ``presence_definition`` (``PresenceDefinitionRef(id=...)``) or ``primary=True``."""

    presence_definition: PresenceDefinitionRef | NullType | None = None
    primary: bool | None = None
    message: str | NullType | None = None
    source: str | None = None


class PresenceDefinition(GenesysModel):
    """An organization presence definition."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    language_labels: dict[str, str] | None = None
    system_presence: str | None = None
    division_id: str | None = None
    deactivated: bool | None = None
    self_uri: str | None = None


class RoutingStatus(GenesysModel):
    """A user's routing (ACD) status."""

    user_id: str | None = None
    status: str | None = None
    start_time: dt.datetime | None = None


class User(GenesysModel):
    """A user (``expand`` adds routing status, presence, ...)."""

    id: str | None = None
    name: str | None = None
    division: NamedEntity | None = None
    chat: dict[str, Any] | None = None
    department: str | None = None
    email: str | None = None
    primary_contact_info: list[dict[str, Any]] | None = None
    addresses: list[dict[str, Any]] | None = None
    state: str | None = None
    title: str | None = None
    username: str | None = None
    manager: Any = None
    images: list[dict[str, Any]] | None = None
    version: int | None = None
    routing_status: RoutingStatus | None = None
    presence: UserPresence | None = None
    conversation_summary: Any = None
    out_of_office: Any = None
    geolocation: Any = None
    station: Any = None
    authorization: Any = None
    profile_skills: list[str] | None = None
    locations: Any = None
    groups: Any = None
    team: Any = None
    skills: Any = None
    languages: Any = None
    acd_auto_answer: bool | None = None
    language_preference: str | None = None
    date_last_login: dt.datetime | None = None
    # UserMe extras (GET /api/v2/users/me)
    organization: NamedEntity | None = None
    presence_definitions: list[PresenceDefinition] | None = None
    self_uri: str | None = None


# --------------------------------------------------------------------------- routing


class Queue(GenesysModel):
    """A routing queue."""

    id: str | None = None
    name: str | None = None
    division: NamedEntity | None = None
    description: str | None = None
    date_created: dt.datetime | None = None
    date_modified: dt.datetime | None = None
    modified_by: str | None = None
    created_by: str | None = None
    member_count: int | None = None
    user_member_count: int | None = None
    joined_member_count: int | None = None
    media_settings: Any = None
    routing_rules: Any = None
    acw_settings: Any = None
    skill_evaluation_method: str | None = None
    queue_flow: Any = None
    peer_id: str | None = None
    self_uri: str | None = None


class QueueMember(GenesysModel):
    """A queue member."""

    id: str | None = None
    name: str | None = None
    user: User | None = None
    ring_number: int | None = None
    joined: bool | None = None
    member_by: str | None = None
    routing_status: RoutingStatus | None = None
    self_uri: str | None = None


# --------------------------------------------------------------------------- conversations


class Participant(GenesysModel):
    """A conversation participant."""

    id: str | None = None
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    connected_time: dt.datetime | None = None
    name: str | None = None
    user_id: str | None = None
    queue_id: str | None = None
    purpose: str | None = None
    participant_type: str | None = None
    address: str | None = None
    ani: str | None = None
    dnis: str | None = None
    state: str | None = None
    direction: str | None = None
    wrapup_required: bool | None = None
    wrapup: Any = None
    attributes: dict[str, Any] | None = None
    calls: list[dict[str, Any]] | None = None
    callbacks: list[dict[str, Any]] | None = None
    chats: list[dict[str, Any]] | None = None
    emails: list[dict[str, Any]] | None = None
    messages: list[dict[str, Any]] | None = None


class Conversation(GenesysModel):
    """A conversation (also the entities of ``/conversations/calls``)."""

    id: str | None = None
    name: str | None = None
    external_tag: str | None = None
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    address: str | None = None
    participants: list[Participant] = msgspec.field(default_factory=list)
    conversation_ids: list[str] | None = None
    max_participants: int | None = None
    recording_state: str | None = None
    state: str | None = None
    divisions: Any = None
    self_uri: str | None = None


# --------------------------------------------------------------------------- analytics


class StatisticalSummary(GenesysModel):
    """Statistics of one metric."""

    max: float | None = None
    min: float | None = None
    count: int | None = None
    count_negative: int | None = None
    count_positive: int | None = None
    sum: float | None = None
    current: float | None = None
    ratio: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    target: float | None = None
    p95: float | None = None
    p99: float | None = None
    calculated_metric_value: float | None = None


class QueueObservationData(GenesysModel):
    """One metric of a queue observation result."""

    metric: str | None = None
    qualifier: str | None = None
    stats: StatisticalSummary | None = None
    truncated: bool | None = None
    observations: list[dict[str, Any]] | None = None


class QueueObservationResult(GenesysModel):
    """Results of one group (``{queueId, mediaType}``)."""

    group: dict[str, str] = msgspec.field(default_factory=dict)
    data: list[QueueObservationData] = msgspec.field(default_factory=list)


class QueueObservationQueryResponse(GenesysModel):
    """``POST /api/v2/analytics/queues/observations/query``."""

    system_to_organization_mappings: dict[str, list[str]] | None = None
    results: list[QueueObservationResult] = msgspec.field(default_factory=list)


class AnalyticsSegment(GenesysModel):
    """A segment of an analytics session."""

    segment_type: str | None = None
    segment_start: dt.datetime | None = None
    segment_end: dt.datetime | None = None
    queue_id: str | None = None
    disconnect_type: str | None = None
    wrap_up_code: str | None = None
    wrap_up_note: str | None = None


class AnalyticsSession(GenesysModel):
    """A session of an analytics participant."""

    session_id: str | None = None
    media_type: str | None = None
    direction: str | None = None
    ani: str | None = None
    dnis: str | None = None
    provider: str | None = None
    metrics: list[dict[str, Any]] | None = None
    segments: list[AnalyticsSegment] | None = None


class AnalyticsParticipant(GenesysModel):
    """A participant of an analytics conversation."""

    participant_id: str | None = None
    participant_name: str | None = None
    purpose: str | None = None
    user_id: str | None = None
    team_id: str | None = None
    external_contact_id: str | None = None
    sessions: list[AnalyticsSession] | None = None


class AnalyticsConversation(GenesysModel):
    """A conversation in an analytics details query."""

    conversation_id: str | None = None
    conversation_start: dt.datetime | None = None
    conversation_end: dt.datetime | None = None
    originating_direction: str | None = None
    division_ids: list[str] | None = None
    external_tag: str | None = None
    media_stats_min_conversation_mos: float | None = None
    participants: list[AnalyticsParticipant] | None = None


class AnalyticsConversationQueryResponse(GenesysModel):
    """``POST /api/v2/analytics/conversations/details/query``."""

    conversations: list[AnalyticsConversation] = msgspec.field(default_factory=list)
    aggregations: Any = None
    total_hits: int | None = None


class AnalyticsUserPresenceRecord(GenesysModel):
    """One presence period of a user (``systemPresence`` is UPPERCASE here, e.g.
    ``ON_QUEUE``); ``end_time`` is None while it lasts."""

    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    system_presence: str | None = None
    organization_presence_id: str | None = None


class AnalyticsRoutingStatusRecord(GenesysModel):
    """One routing-status period of a user."""

    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    routing_status: str | None = None


class AnalyticsUserDetail(GenesysModel):
    """A user's presence and routing-status periods in the queried interval."""

    user_id: str | None = None
    primary_presence: list[AnalyticsUserPresenceRecord] = msgspec.field(default_factory=list)
    routing_status: list[AnalyticsRoutingStatusRecord] = msgspec.field(default_factory=list)


class AnalyticsUserDetailsQueryResponse(GenesysModel):
    """``POST /api/v2/analytics/users/details/query``."""

    user_details: list[AnalyticsUserDetail] = msgspec.field(default_factory=list)
    aggregations: Any = None
    total_hits: int | None = None


class AsyncQueryResponse(GenesysModel):
    """``POST .../details/jobs``: the job's id."""

    job_id: str


class AsyncQueryStatus(GenesysModel):
    """``GET .../details/jobs/{jobId}``: ``state`` is QUEUED, PENDING, FULFILLED, FAILED,
    CANCELLED or EXPIRED (kept as a string)."""

    state: str
    error_message: str | None = None
    expiration_date: dt.datetime | None = None
    submission_date: dt.datetime | None = None
    completion_date: dt.datetime | None = None


class AnalyticsJobResults(GenesysModel):
    """One page of a job's results; ``cursor`` is None on the last page."""

    conversations: list[AnalyticsConversation] = msgspec.field(default_factory=list)
    cursor: str | None = None
    data_availability_date: dt.datetime | None = None


class AggregateMetric(GenesysModel):
    """One metric of an aggregate: ``stats`` has ``count``, ``sum``, ``min``, ``max``..."""

    metric: str | None = None
    qualifier: str | None = None
    stats: StatisticalSummary | None = None


class AggregateData(GenesysModel):
    """The metrics of one interval."""

    interval: str | None = None
    metrics: list[AggregateMetric] = msgspec.field(default_factory=list)


class AggregateResult(GenesysModel):
    """One group of an aggregates answer."""

    group: dict[str, str] = msgspec.field(default_factory=dict)
    data: list[AggregateData] = msgspec.field(default_factory=list)


class ConversationAggregateQueryResponse(GenesysModel):
    """``POST /api/v2/analytics/conversations/aggregates/query``."""

    results: list[AggregateResult] = msgspec.field(default_factory=list)


# --------------------------------------------------------------------------- search, SCIM


class UsersSearchResponse(GenesysModel):
    """``POST /api/v2/users/search`` (and ``GET ...?q64=``)."""

    results: list[User] = msgspec.field(default_factory=list)
    total: int | None = None
    page_count: int | None = None
    page_size: int | None = None
    page_number: int | None = None
    previous_page: str | None = None
    current_page: str | None = None
    next_page: str | None = None
    types: list[str] | None = None


class ScimUser(GenesysModel):
    """A SCIM 2.0 user (``userName``, ``displayName``, ``emails``...)."""

    id: str | None = None
    user_name: str | None = None
    display_name: str | None = None
    active: bool | None = None
    title: str | None = None
    emails: list[dict[str, Any]] | None = None
    schemas: list[str] | None = None
    meta: dict[str, Any] | None = None


class ScimListing(msgspec.Struct, Generic[T], kw_only=True, omit_defaults=True):
    """A SCIM ListResponse: ``Resources``, ``totalResults``, ``startIndex`` (1-based),
    ``itemsPerPage``."""

    resources: list[T] = msgspec.field(default_factory=list, name="Resources")
    total_results: int | None = msgspec.field(default=None, name="totalResults")
    start_index: int | None = msgspec.field(default=None, name="startIndex")
    items_per_page: int | None = msgspec.field(default=None, name="itemsPerPage")
    schemas: list[str] | None = None


# --------------------------------------------------------------------------- usage


class UsageExecution(GenesysModel):
    """``POST /api/v2/usage/query``: where the results will be."""

    execution_id: str
    results_uri: str | None = None


class UsageRow(GenesysModel):
    """One group of usage figures (the grouped-by fields are set)."""

    client_id: str | None = None
    client_name: str | None = None
    organization_id: str | None = None
    user_id: str | None = None
    template_uri: str | None = None
    http_method: str | None = None
    date: dt.datetime | None = None
    status200: int | None = None
    status300: int | None = None
    status400: int | None = None
    status500: int | None = None
    status429: int | None = None
    requests: int | None = None


class UsageQueryResults(GenesysModel):
    """``GET /api/v2/usage/query/{executionId}/results``; ``query_status`` is Running,
    Complete or Failed."""

    results: list[UsageRow] = msgspec.field(default_factory=list)
    query_status: str | None = None


# --------------------------------------------------------------------------- tokens


class OrgOAuthClient(GenesysModel):
    """The OAuth client behind a token."""

    id: str | None = None
    name: str | None = None
    authorized_grant_type: str | None = None
    state: str | None = None
    organization: NamedEntity | None = None


class TokenInfo(GenesysModel):
    """``GET /api/v2/tokens/me``."""

    organization: NamedEntity | None = None
    home_organization: NamedEntity | None = None
    authorized_scope: list[str] | None = None
    cloned_user: dict[str, Any] | None = None
    date_token_idles: dt.datetime | None = None
    oauth_client: OrgOAuthClient | None = msgspec.field(default=None, name="OAuthClient")


# --------------------------------------------------------------------------- notifications


class NotificationChannel(GenesysModel):
    """A notification channel: ``{connectUri, id, expires}``."""

    id: str
    connect_uri: str | None = None
    expires: dt.datetime | None = None


class ListedChannel(GenesysModel):
    """A channel in ``GET /api/v2/notifications/channels``: with
    ``includechannels=oauthclient`` the channels of the app's other tokens come without
    their ``id`` (only the caller's own channels can be used)."""

    id: str | None = None
    connect_uri: str | None = None
    expires: dt.datetime | None = None


class ChannelTopic(GenesysModel):
    """A channel subscription and its state (``Permitted`` / ``Rejected``)."""

    id: str
    state: str | None = None
    rejection_reason: str | None = None
    reject_reason: str | None = None  # older field name (seen in third-party clients)
    missing_permissions: list[str] | None = None
    self_uri: str | None = None

    @property
    def rejected(self) -> bool:
        """True when the service refused this topic."""
        return (self.state or "").lower() == "rejected"

    @property
    def reason(self) -> str | None:
        """The rejection reason, whichever field name carried it."""
        return self.rejection_reason or self.reject_reason


class AvailableTopic(GenesysModel):
    """``GET /api/v2/notifications/availabletopics`` entity."""

    id: str | None = None
    description: str | None = None
    requires_permissions: list[str] | None = None
    permission_details: list[dict[str, Any]] | None = None
    requires_division_permissions: bool | None = None
    requires_any_validator: bool | None = None
    enforced: bool | None = None
    visibility: str | None = None
    schema: Any = None
    requires_current_user: bool | None = None
    requires_current_user_or_permission: bool | None = None
    transports: list[str] | None = None
    public_api_template_uri_paths: list[str] | None = None
    topic_parameters: list[str] | None = None
