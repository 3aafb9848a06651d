"""Five9 WebSocket events: the full event-id catalogue, typed payloads and the frame decoder.

Every server frame is one JSON text frame::

    {"context": {"eventId": "4", "eventReason": "CONNECTED", "messageId": null, "userId": "...",
                 "correlationId": null, "userName": null, "timeStamp": 1697146002540,
                 "tenantId": "123456", "broadCast": false},
     "payLoad": ...}

(note Five9's spellings ``payLoad``, ``broadCast``, ``timeStamp`` and the *string* ``eventId``).

:func:`decode_event` turns one frame into a :class:`Five9Event` (or a subclass with a typed
``payload`` for the ids whose payload shape is known) and raises
:class:`cxkit.errors.StreamProtocolError` for anything it cannot read -- never another exception.
Unknown event ids are delivered as a plain :class:`Five9Event` with the payload decoded
generically, never dropped.

Speed: statistics frames (5000 / 5012, the bulk of a supervisor feed) are decoded in one
msgspec pass straight into the returned event, its blocks and typed rows, tagged by
``dataSource`` (:func:`decode_stats_update` is that pass alone). Other frames: the envelope is
decoded with the payload kept as :class:`msgspec.Raw` (no copy), then the payload by a decoder
chosen by event id, straight into Structs, without intermediate dicts. Anything the one-pass
decoder does not recognise exactly (an unknown data source, other JSON types, extra keys)
takes the general path, so speed never changes what is accepted.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import operator
from collections.abc import Callable
from typing import Any, Final

import msgspec

from cxkit.errors import StreamProtocolError
from cxkit.five9.models import CallInfo, Metadata, Presence
from cxkit.five9.rows import DataSource, GenericRow, StatsRow, row_type

__all__ = [
    "CallEvent",
    "EventContext",
    "EventId",
    "Five9Event",
    "MaintenanceAnnouncedEvent",
    "MigrationEvent",
    "PresenceEvent",
    "SkillQueueEvent",
    "SkillQueueStats",
    "StatsBlock",
    "StatsDelta",
    "StatsSnapshotEvent",
    "StatsUpdateEvent",
    "decode_event",
    "decode_stats_update",
    "event_name",
]


class EventId(enum.IntEnum):
    """Every Five9 VCC WebSocket event id known from public sources (§4.8 of the reference)."""

    # -- infrastructure (both sockets)
    SERVER_UNAVAILABLE = 1000
    SERVER_MAINTENANCE_SWITCHOVER_RELOGIN = 1001
    SERVER_MAINTENANCE_SWITCHOVER_RELOGIN_FORCED = 1002
    JMS_SERVER_UNAVAILABLE = 1003
    FARM_EVENT = 1004
    SERVER_CONNECTED = 1010
    DUPLICATE_CONNECTION = 1020
    PONG = 1202
    # -- agent
    FIVE9_EXCEPTION_DETAILS = 1
    EVENT_INCOMING_PREVIEW = 2
    EVENT_CALL_CREATED = 3
    EVENT_CALL_UPDATED = 4
    EVENT_CALL_DELETED = 5
    EVENT_INTERACTION_SESSION_UPDATED = 6
    EVENT_CONFIGURATION_UPDATED = 7
    EVENT_PREVIEW_CREATED = 8
    EVENT_PREVIEW_DELETED = 9
    EVENT_PREVIEW_UPDATED = 10
    EVENT_ACTIVE_SKILLS_UPDATED = 11
    EVENT_PRESENCE_UPDATED = 12
    EVENT_OPTIONS_UPDATED = 13
    EVENT_PERMISSIONS_UPDATED = 14
    EVENT_AGENTS_READY_PRESENCES_SUBSCRIPTION_UPDATE = 15
    EVENT_SUBSCRIPTION_UPDATED = 16
    EVENT_LOGIN_STATE_UPDATED = 17
    EVENT_STATION_UPDATED = 18
    EVENT_AGENT_REMOVED_FROM_SKILL = 19
    EVENT_INCOMING_QUEUE_CALLBACK = 20
    EVENT_QUEUE_CALLBACK_CREATED = 21
    EVENT_QUEUE_CALLBACK_UPDATED = 22
    EVENT_QUEUE_CALLBACK_DELETED = 23
    EVENT_VOICEMAILS_CREATED = 24
    EVENT_VOICEMAILS_UPDATED = 25
    EVENT_VOICEMAILS_DELETED = 26
    EVENT_VOICEMAILS_CREATED_DUPLICATE = 27  # only ever named as a duplicate of 24
    EVENT_SKILL_STATS_SNAPSHOT_SUBSCRIPTION_UPDATE = 29
    EVENT_CALL_CREATED_DUPLICATE = 30
    EVENT_CALL_DELETED_DUPLICATE = 31
    EVENT_INTERACTION_SESSION_CREATED = 32
    EVENT_PENDING_CONNECTOR_CREATED = 33
    EVENT_PENDING_CONNECTOR_DELETED = 34
    EVENT_ECHO_CALL_DELETED = 36
    EVENT_MAINTENANCE_ANNOUNCED = 37
    EVENT_AGENT_ADDED_TO_SKILL = 39
    EVENT_NO_ANSWER_ON_TRANSFERRED_CALL = 40
    EVENT_AUDIO_PLAYER_UPDATED = 41
    EVENT_STATION_NEEDS_RESTART = 42
    EVENT_NOT_READY_REASON_CODES_UPDATED = 48
    EVENT_NOT_READY_REASON_CODES_DELETED = 49
    EVENT_LOGOUT_REASON_CODES_UPDATED = 50
    EVENT_LOGOUT_REASON_CODES_DELETED = 51
    EVENT_CALL_QUALITY_UPDATED = 52
    EVENT_CALLBACK_CREATED = 53
    EVENT_CALLBACK_UPDATED = 54
    EVENT_CALLBACK_DELETED = 55
    EVENT_RESOURCE_INVALIDATED = 57
    EVENT_TRANSFER_FAILED = 58
    EVENT_CALL_LOGGING_SETTINGS_CHANGED = 60
    EVENT_MANUAL_CALL_SETTINGS_CHANGED = 61
    EVENT_DASHBOARD_SUBSCRIPTION_CREATED = 62
    EVENT_DASHBOARD_SUBSCRIPTION_DELETED = 63
    EVENT_DASHBOARD_SUBSCRIPTION_UPDATED = 64
    EVENT_MAKE_CALL_FAILED = 65
    EVENT_CALL_VARIABLES_UPDATED = 66
    EVENT_CALL_VARIABLES_DELETED = 67
    EVENT_SOFTPHONE_DEFAULT_FLAGS_CHANGED = 69
    EVENT_MAINTENANCE_STARTED = 70
    EVENT_SWITCHED_TO_BACKUP_HOST = 71
    EVENT_SWITCHED_TO_PRIMARY_HOST = 72
    EVENT_MAINTENANCE_COMPLETED = 73
    EVENT_CLICK_TO_DIAL_REQUEST = 74
    EVENT_CLICK_TO_DIAL_REQUEST_FAILED = 75
    EVENT_CONTACT_UPDATED = 77
    EVENT_GRACEFUL_STATE_TRANSITION_SETTINGS_CHANGES = 79
    EVENT_LOGGING_CONFIG_CHANGED = 81
    EVENT_DOMAIN_USERS_CAN_MIGRATE = 84
    EVENT_GAMIFICATION_AGENT_STAT = 200
    EVENT_GAMIFICATION_DISPOSITION_STAT = 201
    EVENT_GAMIFICATION_SKILL_STAT = 202
    # -- supervisor
    EVENT_STATS = 5000
    EVENT_DISPOSITIONS_INVALIDATED = 5002
    EVENT_SKILLS_INVALIDATED = 5003
    EVENT_AGENT_GROUPS_INVALIDATED = 5004
    EVENT_CAMPAIGNS_INVALIDATED = 5005
    EVENT_USERS_INVALIDATED = 5006
    EVENT_REASON_CODES_INVALIDATED = 5007
    EVENT_CAMPAIGN_PROFILES_INVALIDATED = 5008
    EVENT_CAMPAIGN_OUT_OF_NUMBERS = 5009
    EVENT_LISTS_INVALIDATED = 5010
    EVENT_CAMPAIGN_LISTS_CHANGED = 5011
    EVENT_INCREMENTAL_STATS_UPDATE = 5012
    EVENT_INCREMENTAL_USER_PROFILES_UPDATE = 5013
    EVENT_SKILL_INTERACTIONS_UPDATE = 5014
    EVENT_FILTER_SETTINGS_UPDATED = 6001
    EVENT_AGENTS_INVALIDATED = 6002
    EVENT_SUP_PERMISSIONS_UPDATED = 6003
    EVENT_RESET_CAMPAIGN_DISPOSITIONS_COMPLETED = 6004
    EVENT_MONITORING_STATE_UPDATED = 6005
    EVENT_RANDOM_MONITORING_STARTED = 6006
    EVENT_FDS_REAL_TIME = 6007
    EVENT_INCREMENTAL_INTERACTIONS = 6008
    # -- multichannel
    INTERACTION_MESSAGES = 10000
    AGENT_EVENTS = 10001


_BY_VALUE: Final[dict[int, EventId]] = {e.value: e for e in EventId}


def event_name(event_id: int) -> str:
    """The catalogue name of an id (``EVENT_CALL_UPDATED``), or ``UNKNOWN_<id>``."""
    known = _BY_VALUE.get(event_id)
    return known.name if known is not None else f"UNKNOWN_{event_id}"


class EventContext(msgspec.Struct, kw_only=True, gc=False):
    """The ``context`` object of a frame, under Python names (wire spellings kept as aliases)."""

    event_id: str | int = msgspec.field(name="eventId")
    event_reason: str | None = msgspec.field(default=None, name="eventReason")
    message_id: str | int | None = msgspec.field(default=None, name="messageId")
    user_id: str | int | None = msgspec.field(default=None, name="userId")
    correlation_id: str | None = msgspec.field(default=None, name="correlationId")
    user_name: str | None = msgspec.field(default=None, name="userName")
    timestamp: int | float | None = msgspec.field(default=None, name="timeStamp")
    tenant_id: str | int | None = msgspec.field(default=None, name="tenantId")
    broadcast: bool | None = msgspec.field(default=False, name="broadCast")


class _Envelope(msgspec.Struct, gc=False):
    context: EventContext
    payLoad: msgspec.Raw = msgspec.Raw(b"null")


# gc=False: a busy feed creates one event per frame; events hold decoded JSON and never refer
# back to themselves, so the cycle collector need not track them (cheaper, fewer GC passes).
class Five9Event(msgspec.Struct, kw_only=True, gc=False):
    """One decoded frame. ``payload`` is generic JSON here; subclasses type it.

    Attributes:
        event_id: the numeric event id (``int(context.eventId)``).
        context: the frame's ``context``.
        payload: the decoded ``payLoad``.
        raw: the ``payLoad`` bytes exactly as received (nothing is lost by typing).
        frame: the whole frame, kept instead of ``raw`` by the single-pass statistics decoder
            (5000 / 5012), which never slices ``payLoad`` out; :meth:`raw_json` reads either.
    """

    event_id: int
    context: EventContext
    payload: Any = None
    raw: msgspec.Raw = msgspec.Raw(b"null")
    frame: str | bytes | None = None

    @property
    def id(self) -> EventId | None:
        """The catalogue entry, or None for an id not in the catalogue."""
        return _BY_VALUE.get(self.event_id)

    @property
    def name(self) -> str:
        """The catalogue name, or ``UNKNOWN_<id>``."""
        return event_name(self.event_id)

    @property
    def reason(self) -> str | None:
        """``context.eventReason``."""
        return self.context.event_reason

    @property
    def timestamp_ms(self) -> int | None:
        """``context.timeStamp`` (epoch milliseconds) as an int, or None."""
        ts = self.context.timestamp
        return None if ts is None else int(ts)

    @property
    def occurred_at(self) -> dt.datetime:
        """When the event happened at Five9 (aware UTC); now when the frame had no stamp."""
        ts = self.context.timestamp
        if ts is not None:
            try:
                return dt.datetime.fromtimestamp(ts / 1000.0, dt.UTC)
            except (OverflowError, OSError, ValueError):
                pass
        return dt.datetime.now(dt.UTC)

    @property
    def tenant(self) -> str:
        """``context.tenantId`` (the org / domain id) as a string ('' when absent)."""
        tenant = self.context.tenant_id
        return "" if tenant is None else str(tenant)

    @property
    def user_id(self) -> str | None:
        """``context.userId`` as a string."""
        user = self.context.user_id
        return None if user is None else str(user)

    def raw_json(self) -> Any:
        """The payload decoded generically (dicts and lists), whatever its typed form."""
        if self.frame is not None:
            return _payload_only.decode(self.frame).payLoad
        return msgspec.json.decode(self.raw)


class CallEvent(Five9Event, kw_only=True):
    """Events 3 / 4 / 5 / 30 / 31: a call was created, updated or deleted."""

    payload: CallInfo | None = None


class PresenceEvent(Five9Event, kw_only=True):
    """Event 12: the agent's presence changed."""

    payload: Presence | None = None


class MigrationEvent(Five9Event, kw_only=True):
    """Event 1002: the domain moved; ``payload`` is the new metadata (keep it for event 73)."""

    payload: Metadata | None = None


class MaintenanceAnnouncedEvent(Five9Event, kw_only=True):
    """Event 37: maintenance announced; ``payload`` is the milliseconds until it starts."""

    payload: int | float | str | None = None

    @property
    def starts_in_ms(self) -> float | None:
        """Milliseconds until maintenance begins, when the payload says so."""
        try:
            return None if self.payload is None else float(self.payload)
        except ValueError:
            return None


class SkillQueueStats(msgspec.Struct, kw_only=True, rename="camel", gc=False):
    """One skill's queue figures of event 29."""

    in_queue_call_count: int | None = None
    in_queue_callback_count: int | None = None
    longest_time_in_queue_sec: float | None = None


class SkillQueueEvent(Five9Event, kw_only=True):
    """Event 29: queue figures of the agent's skills, keyed by skill id."""

    payload: dict[str, SkillQueueStats] | None = None


class StatsBlock(msgspec.Struct, kw_only=True, gc=False):
    """One data source of a full statistics dump (event 5000)."""

    data_source: str
    rows: list[StatsRow]


class StatsDelta(msgspec.Struct, kw_only=True, gc=False):
    """One data source of an incremental statistics update (event 5012)."""

    data_source: str
    added: list[StatsRow]
    updated: list[StatsRow]
    removed: list[str]


class StatsSnapshotEvent(Five9Event, kw_only=True):
    """Event 5000: a full statistics dump; replace each data source present."""

    payload: list[StatsBlock] = []


class StatsUpdateEvent(Five9Event, kw_only=True):
    """Event 5012: an incremental update; upsert ``added``/``updated``, delete ``removed``."""

    payload: list[StatsDelta] = []


# --------------------------------------------------------------------------- decoding


class _PayloadOnly(msgspec.Struct, gc=False):
    payLoad: Any = None


_payload_only: Final = msgspec.json.Decoder(_PayloadOnly)

_envelope_decoder: Final = msgspec.json.Decoder(_Envelope)
_any_decoder: Final = msgspec.json.Decoder()


class _RawBlock(msgspec.Struct, gc=False):
    dataSource: str = ""
    data: msgspec.Raw = msgspec.Raw()
    added: msgspec.Raw = msgspec.Raw()
    updated: msgspec.Raw = msgspec.Raw()
    removed: msgspec.Raw = msgspec.Raw()


# Five9 sends a list of blocks; one peer also tolerates an object keyed by data source.
_blocks_decoder: Final = msgspec.json.Decoder(list[_RawBlock] | dict[str, msgspec.Raw] | None)
_removed_decoder: Final = msgspec.json.Decoder(list[str | int | dict[str, Any]] | None)
_generic_rows_decoder: Final = msgspec.json.Decoder(list[dict[str, Any]] | None)
_row_decoders: dict[str, msgspec.json.Decoder[Any]] = {}


def _rows(data_source: str, raw: msgspec.Raw) -> list[StatsRow]:
    if not raw:
        return []
    typ = row_type(data_source)
    if typ is None:
        generic = _generic_rows_decoder.decode(raw) or []
        return [GenericRow(id=str(r.get("id", "")), fields=r) for r in generic]
    decoder = _row_decoders.get(data_source)
    if decoder is None:
        decoder = _row_decoders[data_source] = msgspec.json.Decoder(list[typ] | None)  # type: ignore[valid-type]
    try:
        return decoder.decode(raw) or []
    except msgspec.ValidationError:
        # A value of an unexpected JSON type (e.g. a count sent as "3"): retry leniently.
        generic = _generic_rows_decoder.decode(raw) or []
        return msgspec.convert(generic, list[typ], strict=False)  # type: ignore[valid-type]


def _removed_ids(raw: msgspec.Raw) -> list[str]:
    if not raw:
        return []
    items = _removed_decoder.decode(raw) or []
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out.append(str(item.get("id", "")))
        else:
            out.append(str(item))
    return out


def _iter_blocks(raw: msgspec.Raw) -> list[_RawBlock]:
    decoded = _blocks_decoder.decode(raw)
    if decoded is None:
        return []
    if isinstance(decoded, dict):
        blocks = []
        for source, value in decoded.items():
            if bytes(memoryview(value)[:1]) == b"[":
                blocks.append(_RawBlock(dataSource=source, data=value))
            else:
                block = msgspec.json.decode(value, type=_RawBlock)
                block.dataSource = block.dataSource or source
                blocks.append(block)
        return blocks
    return list(decoded)


def _decode_snapshot(raw: msgspec.Raw) -> list[StatsBlock]:
    out = []
    for block in _iter_blocks(raw):
        rows = _rows(block.dataSource, block.data)
        if not block.data:  # a keyed variant may carry rows under "updated"/"added"
            rows = _rows(block.dataSource, block.added) + _rows(block.dataSource, block.updated)
        cls = _BLOCK_CLASS.get(block.dataSource, StatsBlock)
        out.append(cls(data_source=block.dataSource, rows=rows))
    return out


def _decode_delta(raw: msgspec.Raw) -> list[StatsDelta]:
    out = []
    for block in _iter_blocks(raw):
        updated = _rows(block.dataSource, block.updated)
        if block.data:  # tolerate a delta that carries full rows under "data"
            updated = updated + _rows(block.dataSource, block.data)
        cls = _DELTA_CLASS.get(block.dataSource, StatsDelta)
        out.append(
            cls(
                data_source=block.dataSource,
                added=_rows(block.dataSource, block.added),
                updated=updated,
                removed=_removed_ids(block.removed),
            )
        )
    return out


def _typed(typ: Any) -> Callable[[msgspec.Raw], Any]:
    decoder = msgspec.json.Decoder(typ)

    def decode(raw: msgspec.Raw) -> Any:
        try:
            return decoder.decode(raw)
        except msgspec.ValidationError:
            # Same shape, other JSON types ("3" for 3, "false" for false): convert leniently.
            return msgspec.convert(_any_decoder.decode(raw), typ, strict=False)

    return decode


_call = _typed(CallInfo | None)

# event id -> (event class, payload decoder)
_DISPATCH: Final[dict[int, tuple[type[Five9Event], Callable[[msgspec.Raw], Any]]]] = {
    EventId.EVENT_CALL_CREATED: (CallEvent, _call),
    EventId.EVENT_CALL_UPDATED: (CallEvent, _call),
    EventId.EVENT_CALL_DELETED: (CallEvent, _call),
    EventId.EVENT_CALL_CREATED_DUPLICATE: (CallEvent, _call),
    EventId.EVENT_CALL_DELETED_DUPLICATE: (CallEvent, _call),
    EventId.EVENT_PRESENCE_UPDATED: (PresenceEvent, _typed(Presence | None)),
    EventId.SERVER_MAINTENANCE_SWITCHOVER_RELOGIN_FORCED: (MigrationEvent, _typed(Metadata | None)),
    EventId.EVENT_MAINTENANCE_ANNOUNCED: (
        MaintenanceAnnouncedEvent,
        _typed(int | float | str | None),
    ),
    EventId.EVENT_SKILL_STATS_SNAPSHOT_SUBSCRIPTION_UPDATE: (
        SkillQueueEvent,
        _typed(dict[str, SkillQueueStats] | None),
    ),
    EventId.EVENT_STATS: (StatsSnapshotEvent, _decode_snapshot),
    EventId.EVENT_INCREMENTAL_STATS_UPDATE: (StatsUpdateEvent, _decode_delta),
}

# -- single-pass fast path for statistics frames (the hot path of a supervisor feed)
#
# The event id is sniffed from the frame text; 5000 / 5012 frames whose data sources all have
# typed rows are then decoded in ONE msgspec pass straight into row Structs. Anything else
# (unknown data source, a row of another JSON type, a keyed payload) fails validation and
# takes the general path above, so the fast path never changes what is accepted.


def _tagged(name: str, source: str, row: type[Any], delta: bool) -> type[Any]:
    """A StatsDelta / StatsBlock subclass for one data source, tagged by ``dataSource`` so a
    whole frame decodes in one pass; ``data_source`` is the class's default (the JSON key is
    the tag), so decoded blocks need no second object."""
    fields: list[tuple[str, Any, Any]] = [("data_source", str, source)]
    if delta:
        fields += [
            ("added", list[row], msgspec.field(default_factory=list)),  # type: ignore[valid-type]
            ("updated", list[row], msgspec.field(default_factory=list)),  # type: ignore[valid-type]
            ("removed", list[str], msgspec.field(default_factory=list)),
        ]
        rename = {"data_source": "cxkit:data_source"}
    else:
        fields += [("rows", list[row], msgspec.field(default_factory=list))]  # type: ignore[valid-type]
        rename = {"data_source": "cxkit:data_source", "rows": "data"}
    return msgspec.defstruct(
        name,
        fields,
        bases=(StatsDelta if delta else StatsBlock,),
        tag_field="dataSource",
        tag=source,
        rename=rename,  # no JSON key can set data_source: the tag decides it
        # Exactly the common block shape: any other key (rows under "data" in a delta, a
        # keyed variant) fails here and the general path, which understands it, takes over.
        forbid_unknown_fields=True,
        gc=False,
        kw_only=True,
    )


# Every known data source: one frame mixing, say, AGENT_STATE and STATIONS blocks must still
# decode in one pass (a source missing here would send the whole frame down the general path,
# several times slower).
_FAST_SOURCES: Final = tuple(str(source) for source in DataSource)
_DELTA_TYPES: Final = tuple(
    _tagged(f"StatsDelta_{s}", s, row_type(s) or dict, True) for s in _FAST_SOURCES
)
_DUMP_TYPES: Final = tuple(
    _tagged(f"StatsBlock_{s}", s, row_type(s) or dict, False) for s in _FAST_SOURCES
)
# The general path builds the same classes, so both paths give equal payloads.
_DELTA_CLASS: Final[dict[str, type[StatsDelta]]] = dict(
    zip(_FAST_SOURCES, _DELTA_TYPES, strict=True)
)
_BLOCK_CLASS: Final[dict[str, type[StatsBlock]]] = dict(
    zip(_FAST_SOURCES, _DUMP_TYPES, strict=True)
)


_DELTA_ID: Final = int(EventId.EVENT_INCREMENTAL_STATS_UPDATE)
_DUMP_ID: Final = int(EventId.EVENT_STATS)


def _union(types: tuple[type[Any], ...]) -> Any:
    return functools.reduce(operator.or_, types)


def _frame_type(name: str, base: type[Five9Event], event_id: int, blocks: Any) -> Any:
    """A decode-only subclass of ``base`` that a whole statistics frame decodes into, in one
    pass and without a second object: ``payLoad`` is read straight into typed blocks. It is
    the event :func:`decode_event` returns for such a frame (``isinstance`` of ``base``).
    ``event_id`` defaults to the frame's id and ``frame`` is set after decoding."""
    return msgspec.defstruct(
        name,
        [("event_id", int, event_id), ("payload", list[blocks]), ("frame", Any, None)],
        bases=(base,),
        rename={"payload": "payLoad"},
        kw_only=True,
        gc=False,
        module=__name__,
    )


_StatsUpdateFrame = _frame_type(
    "_StatsUpdateFrame", StatsUpdateEvent, _DELTA_ID, _union(_DELTA_TYPES)
)
_StatsSnapshotFrame = _frame_type(
    "_StatsSnapshotFrame", StatsSnapshotEvent, _DUMP_ID, _union(_DUMP_TYPES)
)
_delta_frame_decoder: Final = msgspec.json.Decoder(_StatsUpdateFrame)
_dump_frame_decoder: Final = msgspec.json.Decoder(_StatsSnapshotFrame)
# Five9 (and the emulator) send compact frames whose first key is context.eventId; the id then
# sits at a fixed offset. Other layouts (pretty-printed, keys reordered) are searched for.
_PREFIX_S: Final = '{"context":{"eventId":"'
_PREFIX_B: Final = b'{"context":{"eventId":"'
_SNIFF_S: Final = '"eventId":"'
_SNIFF_B: Final = b'"eventId":"'
_AT: Final = len(_PREFIX_S)
_DELTA_IDS: Final = frozenset({'5012"', b'5012"'})
_DUMP_IDS: Final = frozenset({'5000"', b'5000"'})


def decode_stats_update(frame: str | bytes) -> StatsUpdateEvent | None:
    """The 5012 frame in one typed pass, or None when ``frame`` is anything else (another
    event, an unusual layout, a malformed frame): then use :func:`decode_event`, which
    decides and reports. A supervisor session tries this first; most of its frames are 5012.
    """
    try:
        event: Any = _delta_frame_decoder.decode(frame)
    except _DECODE_ERRORS:
        return None
    # A top-level "event_id" key could have set the field: only the context decides.
    if event.event_id != 5012 or event.context.event_id not in ("5012", 5012):  # literals: fast
        return None
    event.frame = frame
    return event  # type: ignore[no-any-return]


def _sniff(frame: str | bytes) -> str | bytes:
    """The five characters after ``"eventId":"`` (``5012"`` for a 5012 frame), found without
    parsing; empty when the id is not near the start or not a string."""
    if isinstance(frame, str):
        if frame.startswith(_PREFIX_S):
            return frame[_AT : _AT + 5]
        start = frame.find(_SNIFF_S, 0, 200)
        return frame[start + 11 : start + 16] if start >= 0 else ""
    if frame.startswith(_PREFIX_B):
        return frame[_AT : _AT + 5]
    start = frame.find(_SNIFF_B, 0, 200)
    return frame[start + 11 : start + 16] if start >= 0 else b""


_DECODE_ERRORS: Final = (
    msgspec.DecodeError,
    msgspec.ValidationError,
    ValueError,
    TypeError,
    UnicodeError,
    RecursionError,
    OverflowError,
)


def decode_event(frame: str | bytes, *, fast: bool = True) -> Five9Event:
    """Decode one Five9 WebSocket text frame.

    Returns a :class:`Five9Event`, or one of its typed subclasses for the ids whose payload shape
    is known (:class:`CallEvent`, :class:`PresenceEvent`, :class:`MigrationEvent`,
    :class:`MaintenanceAnnouncedEvent`, :class:`SkillQueueEvent`, :class:`StatsSnapshotEvent`,
    :class:`StatsUpdateEvent`). Unknown ids come back as a plain :class:`Five9Event`.

    ``fast=False`` skips the one-pass 5012 attempt: pass it when :func:`decode_stats_update`
    was already tried on this frame and returned None, so a failed attempt is never repeated
    (5000 dumps keep their own one-pass attempt). The result is the same either way.

    Raises:
        StreamProtocolError: the frame is not JSON, is not an object with
            ``context.eventId``, has a non-numeric ``eventId``, or its payload does not fit the
            documented shape of its event id (even after lenient type coercion). This is the
            only exception it raises; ``error.frame`` holds a prefix of the frame.
    """
    # Statistics frames first (the bulk of a supervisor feed): one typed pass, inlined.
    sniffed = _sniff(frame)
    if sniffed in _DELTA_IDS:
        if fast:
            delta: Five9Event | None = decode_stats_update(frame)
            if delta is not None:
                return delta
        # not the common shape: the general path decides (and reports)
    elif sniffed in _DUMP_IDS:
        try:
            dump: Any = _dump_frame_decoder.decode(frame)
        except _DECODE_ERRORS:
            pass
        else:
            if dump.event_id == _DUMP_ID and dump.context.event_id in ("5000", _DUMP_ID):
                dump.frame = frame
                return dump  # type: ignore[no-any-return]
    try:
        envelope = _envelope_decoder.decode(frame)
        ctx = envelope.context
        event_id = ctx.event_id if type(ctx.event_id) is int else int(ctx.event_id)
        raw = envelope.payLoad
        entry = _DISPATCH.get(event_id)
        if entry is None:
            return Five9Event(
                event_id=event_id, context=ctx, payload=_any_decoder.decode(raw), raw=raw
            )
        cls, decode = entry
        return cls(event_id=event_id, context=ctx, payload=decode(raw), raw=raw)
    except _DECODE_ERRORS as exc:
        raise StreamProtocolError(_describe(exc), frame=frame) from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, msgspec.DecodeError):
        return f"Five9 frame is not valid JSON: {exc}"
    if isinstance(exc, msgspec.ValidationError):
        return f"Five9 frame does not have the documented shape: {exc}"
    if isinstance(exc, ValueError) and "int()" in str(exc):
        return "Five9 frame has a non-numeric context.eventId"
    return f"Five9 frame could not be decoded: {type(exc).__name__}: {exc}"
