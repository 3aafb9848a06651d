"""The vendor-neutral event model.

Every vendor stream is normalised into these msgspec Structs, one tagged union
(:data:`UnifiedEvent`, tag field ``kind``). Every event carries the vendor, the tenant
(Five9 domain/org id, Genesys org id), when it happened at the vendor (``occurred_at``),
when cxkit received it (``received_at``) and the raw vendor payload (``raw``), so nothing the
vendor said is lost by normalising.

Encode with :func:`encode` / decode with :func:`decode` (JSON); unknown fields are ignored on
decode so newer producers can add fields without breaking older consumers.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Final, TypeAlias

import msgspec

__all__ = [
    "AgentState",
    "AgentStateChanged",
    "BaseEvent",
    "InteractionEnded",
    "InteractionStarted",
    "InteractionUpdated",
    "QueueStatisticsUpdated",
    "RawEvent",
    "StreamGap",
    "StreamState",
    "StreamStateChanged",
    "UnifiedEvent",
    "decode",
    "encode",
    "utcnow",
]


def utcnow() -> dt.datetime:
    """Aware UTC now (the ``received_at`` stamp)."""
    return dt.datetime.now(dt.UTC)


class AgentState(enum.StrEnum):
    """A vendor-neutral agent state."""

    LOGGED_OUT = "logged_out"
    READY = "ready"  # available for interactions (Five9 ready, Genesys IDLE / On Queue)
    NOT_READY = "not_ready"  # logged in, not taking interactions (reason in ``reason``)
    ON_INTERACTION = "on_interaction"  # talking / handling (Five9 on call, Genesys INTERACTING)
    AFTER_WORK = "after_work"  # wrap-up / after-call work
    UNKNOWN = "unknown"


class StreamState(enum.StrEnum):
    """Life of an event stream."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class BaseEvent(msgspec.Struct, kw_only=True, tag_field="kind", omit_defaults=True):
    """Fields every unified event carries."""

    vendor: str
    tenant: str = ""
    occurred_at: dt.datetime
    received_at: dt.datetime = msgspec.field(default_factory=utcnow)
    raw: Any = None

    @property
    def event_kind(self) -> str:
        """The tag (``"agent.state"``, ``"interaction.started"``, ...)."""
        return type(self).__struct_config__.tag  # type: ignore[return-value]


class AgentStateChanged(BaseEvent, tag="agent.state", kw_only=True):
    """An agent's state changed (or was first seen)."""

    agent_id: str
    agent_name: str | None = None
    state: AgentState
    previous_state: AgentState | None = None
    reason: str | None = None  # not-ready reason / presence name
    vendor_state: str | None = None  # the vendor's own state string
    since: dt.datetime | None = None


class _Interaction(BaseEvent, kw_only=True):
    interaction_id: str
    media: str = "voice"
    direction: str | None = None  # inbound / outbound / internal
    agent_id: str | None = None
    queue_id: str | None = None
    queue_name: str | None = None
    ani: str | None = None  # caller
    dnis: str | None = None  # called


class InteractionStarted(_Interaction, tag="interaction.started", kw_only=True):
    """An interaction (call) began for an agent: connected / talking."""


class InteractionUpdated(_Interaction, tag="interaction.updated", kw_only=True):
    """Something about an ongoing interaction changed (hold, transfer, state)."""

    state: str | None = None


class InteractionEnded(_Interaction, tag="interaction.ended", kw_only=True):
    """An interaction ended (disposed / disconnected)."""

    disposition: str | None = None
    duration_seconds: float | None = None


class QueueStatisticsUpdated(BaseEvent, tag="queue.statistics", kw_only=True):
    """Queue (Five9 skill / Genesys queue) figures. Fields the vendor did not send are None."""

    queue_id: str
    queue_name: str | None = None
    calls_waiting: int | None = None
    longest_wait_seconds: float | None = None
    agents_logged_in: int | None = None
    agents_ready: int | None = None
    agents_not_ready: int | None = None
    agents_on_interaction: int | None = None
    agents_after_work: int | None = None
    service_level: float | None = None  # 0..1
    abandoned: int | None = None
    handled: int | None = None


class StreamStateChanged(BaseEvent, tag="stream.state", kw_only=True):
    """A stream connected, dropped, is reconnecting, or closed for good."""

    stream: str
    state: StreamState
    reason: str | None = None
    attempt: int = 0


class StreamGap(BaseEvent, tag="stream.gap", kw_only=True):
    """Events may have been missed between ``since`` and ``until``: backfill by REST."""

    stream: str
    since: dt.datetime
    until: dt.datetime
    reason: str | None = None


class RawEvent(BaseEvent, tag="raw", kw_only=True):
    """A vendor event with no unified mapping, delivered as is (never dropped)."""

    type: str
    payload: Any = None


UnifiedEvent: TypeAlias = (
    AgentStateChanged
    | InteractionStarted
    | InteractionUpdated
    | InteractionEnded
    | QueueStatisticsUpdated
    | StreamStateChanged
    | StreamGap
    | RawEvent
)

_encoder: Final = msgspec.json.Encoder()
_decoder: Final[msgspec.json.Decoder[UnifiedEvent]] = msgspec.json.Decoder(UnifiedEvent)


def encode(event: UnifiedEvent) -> bytes:
    """Encode one event as JSON bytes (tagged with ``kind``)."""
    return _encoder.encode(event)


def decode(data: bytes | str) -> UnifiedEvent:
    """Decode JSON produced by :func:`encode` (unknown fields ignored)."""
    return _decoder.decode(data)
