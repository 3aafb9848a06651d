"""Sans-I/O session of one Genesys notification channel (a :class:`StreamSession`).

All protocol logic of the notifications WebSocket lives here and does no I/O of its own except
in :meth:`NotificationSession.connect_target`, which the runner awaits before each connection
and which uses a :class:`ChannelBackend` (REST) to create a channel, subscribe topics and check
that a channel still exists. Everything else takes frames and the clock in and returns events
and actions, so it is unit-tested without sockets or sleeping.

What it handles:

* **heartbeat watchdog** — the service sends ``channel.metadata`` "WebSocket Heartbeat" every
  30 s; when no frame arrives for ``heartbeat_timeout`` (45 s) the socket is presumed dead and
  a reconnect is asked for (with a gap: events may have been lost);
* **health check** — :meth:`check` (and optionally every ``ping_interval``) sends
  ``{"message": "ping"}``; no ``pong`` within ``pong_timeout`` (7 s) → reconnect;
* **resubscribe on reconnect** — subscriptions are channel state, but after any reconnect the
  topics are sent again over the socket (``subscribe``) so nothing is silently lost;
* **lifetime** — a channel lives 24 h from its last subscription; ``extend_margin`` before
  ``expires`` the topics are re-subscribed over the socket, which renews the lifetime;
* **rollover** — ``v2.system.socket_closing`` (maintenance), a failed extension and (with
  ``auto_extend=False``) the end of the channel's life yield a :class:`RolloverRequested`
  event: :class:`cxkit.genesys.notifications.Channel` answers it by opening a new channel,
  subscribing, connecting, draining the old socket (:meth:`NotificationSession.drain`) and
  only then dropping it (no gap). Run standalone, the session reconnects by itself after
  ``closing_grace`` instead;
* **invalid channel** — ``{"result": "404"}``, a refused upgrade, a close after expiry, or a
  close that looks like another socket took the channel → a new channel with the same topics;
* **token revoked** — ``v2.system.token_revoked.*`` → renew credentials, new channel (or fail
  with :class:`cxkit.errors.TokenExpiredError` when the grant cannot renew);
* **bad input** — a frame that is not JSON or not a known shape is delivered as a
  :class:`ChannelProblem` (``ReceiveFailure(InvalidMessage)``) and skipped; the stream goes on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import logging
import math
import os
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Protocol

import msgspec

from cxkit.config import DEFAULTS
from cxkit.core.session import (
    Close,
    ConnectTarget,
    Fail,
    Reconnect,
    SendText,
    Step,
)
from cxkit.errors import ConfigError, TokenExpiredError
from cxkit.genesys import topics as _topics
from cxkit.genesys.events import (
    ChannelMetadataBody,
    Envelope,
    EventMetadata,
    SystemMessageBody,
    TopicEvent,
    TopicName,
)
from cxkit.genesys.exceptions import (
    REASON,
    ChannelException,
    ChannelExpiring,
    ChannelFailure,
    LifetimeExtensionFailure,
    ReceiveFailure,
    SubscriptionFailure,
)
from cxkit.genesys.models import NotificationChannel

__all__ = [
    "TOKEN_EXPIRING",
    "ChannelBackend",
    "ChannelProblem",
    "ChannelReplaced",
    "ChannelSettings",
    "Drained",
    "NotificationSession",
    "RolloverRequested",
    "SubscriptionConfirmed",
    "UnhandledMessage",
    "decode_frame",
]

log = logging.getLogger("cxkit.genesys.notifications")

_VENDOR: Final = "genesys"
_HEARTBEAT: Final = "websocket heartbeat"
_PONG: Final = "pong"
_PING_FRAME: Final = '{"message":"ping"}'
_CHANNEL_METADATA: Final = _topics.CHANNEL_METADATA
TOKEN_EXPIRING: Final = "token expiring"
"""The reason of a rollover made because the channel's token is about to expire."""
_encode: Final = msgspec.json.Encoder().encode

# --------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class ChannelProblem:
    """Something went wrong that the stream survived: a malformed frame, a refused
    subscription, a channel the service dropped. ``error`` is from the
    :mod:`cxkit.genesys.exceptions` catalogue; ``frame`` holds (a prefix of) the frame."""

    error: ChannelException
    channel_id: str | None = None
    frame: str | None = None

    kind: ClassVar[str] = "problem"


@dataclass(frozen=True, slots=True)
class RolloverRequested:
    """The channel should be replaced by a new one (maintenance close or lifetime end)."""

    channel_id: str | None
    reason: str

    kind: ClassVar[str] = "rollover"

    @property
    def error(self) -> ChannelExpiring:
        """The ``genesys-notifications`` equivalent (``ChannelExpiring``)."""
        reason = REASON.ChannelClosing if "closing" in self.reason else REASON.ChannelExpired
        return ChannelExpiring(reason, self.reason)


@dataclass(frozen=True, slots=True)
class ChannelReplaced:
    """A rollover finished: ``new_id`` carries the topics, ``old_id`` was dropped (no gap)."""

    old_id: str | None
    new_id: str | None
    reason: str

    kind: ClassVar[str] = "rollover.done"


@dataclass(frozen=True, slots=True)
class Drained:
    """The ping of :meth:`NotificationSession.drain` was answered: every frame the service
    sent on this socket before it has been received (a rollover waits for this before it
    drops the old socket, so events still in flight there are not lost)."""

    channel_id: str | None

    kind: ClassVar[str] = "drained"


@dataclass(frozen=True, slots=True)
class SubscriptionConfirmed:
    """The service confirmed a WebSocket ``subscribe`` / ``unsubscribe``."""

    channel_id: str | None
    correlation_id: str | None
    status: str
    topics: tuple[str, ...] = ()

    kind: ClassVar[str] = "subscription"


@dataclass(frozen=True, slots=True)
class UnhandledMessage:
    """Valid JSON of no known shape, delivered as is (never dropped)."""

    channel_id: str | None
    data: Any

    kind: ClassVar[str] = "unhandled"


# --------------------------------------------------------------------------- frame decoding


class _Reply(msgspec.Struct, gc=False):
    """Replies to client messages (subscribe, unsubscribe) and channel errors."""

    result: str | int | None = None
    status: str | None = None
    message: str | None = None
    correlationId: str | None = None


_reply_decoder: Final = msgspec.json.Decoder(_Reply)
_any_decoder: Final = msgspec.json.Decoder()
_TOPIC_FIRST: Final = '{"topicName":"'
_TOPIC_SPACED: Final = '{"topicName": "'
_TOPIC_FIRST_BYTES: Final = _TOPIC_FIRST.encode()
_TOPIC_SPACED_BYTES: Final = _TOPIC_SPACED.encode()
_envelope_decode: Final = msgspec.json.Decoder(Envelope).decode
_parse: Final = _topics.parse
_cached_route: Final = _topics.cached_route
_generic_decode: Final = _topics.GENERIC_EVENT_DECODER.decode
_plain_decode: Final = _any_decoder.decode


def decode_frame(data: str | bytes, *, channel_id: str | None = None) -> Any:
    """Decode one server frame into a :class:`TopicEvent`, a reply (:class:`_Reply`),
    :class:`UnhandledMessage` or :class:`ChannelProblem`. Never raises.

    Fast path (the layouts the service sends: ``topicName`` first, compact or with a space):
    the topic name is peeked from the text, its cached family picks a decoder, and the whole
    frame is decoded in one pass straight into ``TopicEvent[Body]`` (no intermediate dicts).
    Any other layout (keys reordered, indented) takes two passes: the envelope with the body
    left raw, then the body with its family's decoder. Bodies that do not fit their type
    arrive as plain JSON.

    Bytes (what the runner hands over when the socket does not decode text, see
    :attr:`NotificationSession.text_as_bytes`) take the same fast path without ever being
    turned into a ``str``: msgspec decodes UTF-8 bytes faster than text, and invalid UTF-8
    is reported like any other malformed frame."""
    return _decode_frame(data, channel_id)


# Topic names as they appear in frames (the bytes between the quotes) -> (name, route): the
# hot path finds the route of a known topic with one lookup, no ASCII check, no decode of
# the name. Cleared when full (topic names are ids, so a long-lived channel sees many).
_ROUTES_BY_RAW_NAME: Final[dict[bytes, tuple[str, TopicName]]] = {}
_raw_route: Final = _ROUTES_BY_RAW_NAME.get
_RAW_NAME_LIMIT: Final = 65_536


def _decode_frame(data: str | bytes, channel_id: str | None) -> Any:
    """:func:`decode_frame` with positional arguments (the session's hot path)."""
    if type(data) is bytes:
        # A known topic name where the compact layout has it: one search, one lookup. The
        # layout itself is not checked: whatever the bytes are, the frame is then decoded
        # in full and its decoded name must equal this one (below), or the slow path runs.
        known = _raw_route(data[14 : data.find(b'"', 14)])
        if known is not None:
            topic, route = known
        else:
            if data.startswith(_TOPIC_FIRST_BYTES):
                start = 14
            elif data.startswith(_TOPIC_SPACED_BYTES):
                start = 15
            else:
                return _decode_any_layout(data.decode("utf-8", "replace"), channel_id)
            end = data.find(b'"', start)
            raw_name = data[start:end]
            if end <= 0 or not raw_name.isascii():  # topic names are ASCII
                return _decode_any_layout(data.decode("utf-8", "replace"), channel_id)
            topic = raw_name.decode("ascii")
            route = _cached_route(topic) or _parse(topic)
            if start == 14:  # the key of the lookup above
                if len(_ROUTES_BY_RAW_NAME) >= _RAW_NAME_LIMIT:
                    _ROUTES_BY_RAW_NAME.clear()
                _ROUTES_BY_RAW_NAME[raw_name] = (topic, route)
    else:
        if not isinstance(data, str):
            data = bytes(data).decode("utf-8", "replace")
        if data.startswith(_TOPIC_FIRST):
            end = data.find('"', 14)
            if end <= 0:
                return _decode_any_layout(data, channel_id)
            topic = data[14:end]
        elif data.startswith(_TOPIC_SPACED):
            end = data.find('"', 15)
            if end <= 0:
                return _decode_any_layout(data, channel_id)
            topic = data[15:end]
        else:
            # Any other layout (reordered, indented): two passes beat searching the text.
            return _decode_any_layout(data, channel_id)
        route = _cached_route(topic) or _parse(topic)
    decoder = route.decoder
    try:
        if decoder is not None:
            try:
                event = decoder.decode(data)
            except msgspec.ValidationError:
                event = _generic_decode(data)
        else:
            event = _generic_decode(data)
    except msgspec.ValidationError:
        return _decode_loose(_text(data), channel_id)
    except msgspec.DecodeError as exc:
        return _not_json(_text(data), exc, channel_id)
    if event.topic != topic:  # an escaped character in the name: use the decoded one
        return _decode_any_layout(_text(data), channel_id)
    event.route = route
    if channel_id is not None:
        event.channel_id = channel_id
    return event


def _text(data: str | bytes) -> str:
    """A frame as text for the slow paths and problem reports (invalid UTF-8 replaced)."""
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


def _decode_any_layout(data: str, channel_id: str | None) -> Any:
    """Envelope first (any key order and spacing), then the body by its family."""
    try:
        envelope = _envelope_decode(data)
    except msgspec.ValidationError:
        return _decode_loose(data, channel_id)  # a reply, or a topic event of odd types
    except msgspec.DecodeError as exc:
        return _not_json(data, exc, channel_id)
    topic = envelope.topicName
    route = _cached_route(topic) or _parse(topic)
    raw = envelope.eventBody
    body: Any
    try:
        body_decoder = route.body_decoder
        if body_decoder is None:
            body = _plain_decode(raw)
        else:
            try:
                body = body_decoder.decode(raw)
            except msgspec.ValidationError:
                body = _plain_decode(raw)
    except msgspec.DecodeError as exc:  # cannot happen for a Raw msgspec validated
        return _not_json(data, exc, channel_id)
    return TopicEvent(
        topic=topic,
        body=body,
        version=envelope.version,
        metadata=envelope.metadata,
        route=route,
        channel_id=channel_id,
    )


def _not_json(data: str, exc: Exception, channel_id: str | None) -> ChannelProblem:
    return ChannelProblem(
        ReceiveFailure(REASON.InvalidMessage, f"frame is not JSON: {exc}", exc),
        channel_id,
        _prefix(data),
    )


def _decode_loose(data: str, channel_id: str | None) -> Any:
    """Slow path for valid JSON whose fields have unexpected types."""
    try:
        obj = _any_decoder.decode(data)
    except msgspec.DecodeError as exc:
        return _not_json(data, exc, channel_id)
    return _interpret(obj, data, channel_id)


def _interpret(obj: Any, data: str, channel_id: str | None) -> Any:
    if not isinstance(obj, dict):
        return ChannelProblem(
            ReceiveFailure(REASON.InvalidMessage, "frame is JSON but not an object"),
            channel_id,
            _prefix(data),
        )
    topic = obj.get("topicName")
    if isinstance(topic, str):
        return _loose_event(obj, topic, channel_id)
    if "topicName" in obj:
        return ChannelProblem(
            ReceiveFailure(REASON.InvalidMessage, "topicName is not a string"),
            channel_id,
            _prefix(data),
        )
    if "result" in obj or "status" in obj:
        result = obj.get("result")
        status = obj.get("status")
        message = obj.get("message")
        cid = obj.get("correlationId")
        return _Reply(
            result=result if isinstance(result, (str, int)) else None,
            status=status if isinstance(status, str) else None,
            message=message if isinstance(message, str) else None,
            correlationId=cid if isinstance(cid, str) else None,
        )
    return UnhandledMessage(channel_id, obj)


def _loose_event(obj: dict[str, Any], topic: str, channel_id: str | None) -> TopicEvent[Any]:
    parsed = _topics.parse(topic)
    raw_body = obj.get("eventBody")
    body: Any = raw_body
    kind = parsed.body_type
    if kind is not None and raw_body is not None:
        with contextlib.suppress(msgspec.ValidationError):
            body = msgspec.convert(raw_body, kind)
    meta = obj.get("metadata")
    metadata = None
    if isinstance(meta, dict):
        cid = meta.get("CorrelationId")
        etype = meta.get("type")
        metadata = EventMetadata(
            CorrelationId=cid if isinstance(cid, str) else None,
            type=etype if isinstance(etype, str) else None,
        )
    version = obj.get("version")
    return TopicEvent(
        topic=topic,
        body=body,
        version=version if isinstance(version, (str, int)) else None,
        metadata=metadata,
        route=parsed,
        channel_id=channel_id,
    )


def _prefix(data: str | bytes) -> str:
    text = data if isinstance(data, str) else data[:512].decode("utf-8", "replace")
    return text[:512]


# --------------------------------------------------------------------------- settings, backend


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """Timing and behaviour of a notification channel (seconds).

    Attributes:
        heartbeat_timeout: no frame for this long → reconnect (heartbeats come every 30 s;
            genesys-notifications waits 40 s, other clients 35 s).
        ping_interval: send a ``ping`` health check this often (None: only on :meth:`check`).
        protocol_ping_interval: send RFC 6455 control pings this often; one unanswered for
            half that drops the socket (and the channel reconnects). Moderate on purpose:
            genesys-notifications pings every second. None: off.
        pong_timeout: a ping unanswered this long → reconnect.
        reply_timeout: a WebSocket ``subscribe`` unconfirmed this long → reconnect.
        lifetime: assumed channel lifetime when ``expires`` is unknown (24 h).
        extend_margin: re-subscribe this long before ``expires`` to extend the lifetime.
        auto_extend: extend the lifetime by re-subscribing (default); False: roll over to a
            new channel ``extend_margin`` before ``expires`` instead (genesys-notifications'
            ``autoextend=False``, for apps that want a fresh channel every day).
        token_margin: a channel dies with the token that created it: this long before that
            token expires, move to a channel made with a renewed token (rollover, no gap).
            Only when the credentials can be renewed.
        closing_grace: after ``socket_closing``, reconnect by ourselves if nobody rolled the
            channel over within this time (the service closes the socket after 60 s).
        rollover_on_closing: answer ``socket_closing`` with a rollover to a new channel (no
            gap); False: reconnect to the same channel at once (like the .NET/Java SDKs).
        resubscribe_on_reconnect: send the topics again after every reconnect.
        resubscribe_on_no_longer_subscribed: re-subscribe when the service says another
            channel took a topic over (off by default: two consumers would fight).
        emit_heartbeats: deliver heartbeats and pongs as events (normally consumed).
        log_heartbeats: log each heartbeat at INFO (default: on when the environment
            variable ``PURECLOUD_LOG_HEARTBEAT`` is ``true``/``1``, as go-gcloudcx does;
            read when the settings are made, never at import).
    """

    heartbeat_timeout: float = DEFAULTS.genesys_heartbeat_interval * 1.5
    ping_interval: float | None = None
    protocol_ping_interval: float | None = 60.0
    pong_timeout: float = 7.0
    reply_timeout: float = 7.0
    lifetime: float = 86_400.0
    extend_margin: float = 3_600.0
    auto_extend: bool = True
    closing_grace: float = 50.0
    token_margin: float = 30.0
    rollover_on_closing: bool = True
    resubscribe_on_reconnect: bool = True
    resubscribe_on_no_longer_subscribed: bool = False
    emit_heartbeats: bool = False
    log_heartbeats: bool = field(default_factory=lambda: _env_flag("PURECLOUD_LOG_HEARTBEAT"))

    def __post_init__(self) -> None:
        for name in (
            "heartbeat_timeout",
            "ping_interval",
            "protocol_ping_interval",
            "pong_timeout",
            "reply_timeout",
            "lifetime",
            "extend_margin",
            "closing_grace",
            "token_margin",
        ):
            value = getattr(self, name)
            if value is None and name in ("ping_interval", "protocol_ping_interval"):
                continue
            zero_ok = name in ("extend_margin", "token_margin")
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
                or (value == 0 and not zero_ok)
            ):
                allowed = "a finite number of seconds " + (">= 0" if zero_ok else "> 0")
                raise ConfigError.bad_value(f"genesys.channel.{name}", value, allowed)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class ChannelBackend(Protocol):
    """The REST side a session needs (implemented over the Platform API by
    :mod:`cxkit.genesys.notifications`)."""

    @property
    def can_renew(self) -> bool:
        """True when the credentials can be renewed after a revocation."""
        ...

    async def create_channel(self) -> NotificationChannel:
        """``POST /api/v2/notifications/channels``."""
        ...

    async def channel_exists(self, channel_id: str) -> bool:
        """``HEAD /api/v2/notifications/channels/{id}``."""
        ...

    async def replace_subscriptions(self, channel_id: str, topics: list[str]) -> None:
        """``PUT /api/v2/notifications/channels/{id}/subscriptions`` (DELETE when empty)."""
        ...

    async def renew_credentials(self) -> None:
        """Get a new token (after ``token_revoked``)."""
        ...

    # Optional: ``token_lifetime() -> float | None``, the seconds the current token has
    # left (None when unknown, unlimited, or not renewable: moving to another channel would
    # not help then). A backend with it gets channels rolled over before their token ends.


def _token_lifetime(backend: ChannelBackend) -> float | None:
    method = getattr(backend, "token_lifetime", None)
    if method is None:
        return None
    try:
        left = method()
    except Exception:
        log.exception("token_lifetime() of %r raised", backend)
        return None
    return float(left) if isinstance(left, (int, float)) and left > 0 else None


def lifetime_left(expires: dt.datetime | None, *, default: float, wall: float) -> float:
    """Seconds until ``expires`` (wall clock ``wall``), within [60 s, ``default``]."""
    if expires is None:
        return default
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    left = expires.timestamp() - wall
    return min(max(left, 60.0), default)


# --------------------------------------------------------------------------- session

_PendingReply = tuple[str, tuple[str, ...], float]  # purpose, topics, deadline


class NotificationSession:
    """One notification channel's protocol state (see the module docstring).

    Args:
        backend: REST operations (channel create/check/subscribe, credential renewal).
        topics: topics (plain or combined) to hold on the channel.
        channel: an existing channel to adopt (None: create one on first connect).
        settings: timings and options.
        clock: monotonic seconds; must be the runner's clock.
        wall: wall-clock seconds (for the channel's ``expires``).
        tenant: the org id, for events.
        name: the stream name used in state and gap events.
    """

    vendor: str = _VENDOR
    text_as_bytes: bool = True
    """Text frames reach :meth:`receive_text` as UTF-8 bytes, undecoded (the runner asks
    aiohttp not to decode them): :func:`decode_frame` reads bytes faster than text."""
    unified_kinds_by_type: bool = True
    """:meth:`event_kinds` adds nothing for unified events (see ``StreamSession``)."""

    @property
    def protocol_ping_interval(self) -> float | None:
        """Control-ping period for the runner (``settings.protocol_ping_interval``)."""
        return self.settings.protocol_ping_interval

    def __init__(
        self,
        backend: ChannelBackend,
        *,
        topics: Iterable[str] = (),
        channel: NotificationChannel | None = None,
        settings: ChannelSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        tenant: str = "",
        name: str = "genesys.notifications",
    ) -> None:
        self.backend = backend
        self.settings = settings or ChannelSettings()
        self.name = name
        self.tenant = tenant
        self._clock = clock
        self._wall = wall
        self.topics: dict[str, None] = dict.fromkeys(topics)
        self.channel: NotificationChannel | None = None
        self.expires_at: float | None = None
        self._applied_to: str | None = None  # channel id the topics were PUT to
        self._opened_on: str | None = None  # channel id a socket was opened on
        self._need_new_channel = False
        self._need_token = False
        self._connect_pending = False
        self._failed_connects = 0
        self._connected = False
        self._retired = False
        self._reconnect: Reconnect | None = None
        self._last_frame = 0.0
        self._next_ping: float | None = None
        self._pong_deadline: float | None = None
        self._extend_at: float | None = None
        self._closing_deadline: float | None = None
        self._rollover_asked = False
        self._token_rollover_at: float | None = None
        self._draining = False
        self._pending: dict[str, _PendingReply] = {}
        self._ids = itertools.count(1)
        self._id_prefix = secrets.token_hex(4)
        self.heartbeats = 0
        self.closed_by_server = False
        """Whether the last socket was ended by the service (or the network), not by us."""
        self.failed_attempts = 0
        """Connection attempts that failed since the last open socket."""
        self.on_connect_failed: Callable[[int], None] | None = None
        """Called (with :attr:`failed_attempts`) when an attempt starts after a failed one."""
        self._attempting = False
        if channel is not None:
            self._adopt(channel)

    def __repr__(self) -> str:
        cid = self.channel.id if self.channel else None
        return f"<NotificationSession {self.name!r} channel={cid!r} topics={len(self.topics)}>"

    # ----------------------------------------------------------------- properties

    @property
    def channel_id(self) -> str | None:
        """The current channel's id (None before the first connect)."""
        return self.channel.id if self.channel is not None else None

    @property
    def connected(self) -> bool:
        """True while a socket is open."""
        return self._connected

    @property
    def retired(self) -> bool:
        """True once :meth:`retire` was called (a rollover replaced this session)."""
        return self._retired

    def _adopt(self, channel: NotificationChannel) -> None:
        self.channel = channel
        now = self._clock()
        left = lifetime_left(channel.expires, default=self.settings.lifetime, wall=self._wall())
        self._set_expiry(now, left)
        # The channel lives no longer than the token it was made with (taken to be the
        # current one): plan a move to a channel of a renewed token before that.
        token_left = _token_lifetime(self.backend)
        self._token_rollover_at = (
            None
            if token_left is None
            else now + max(token_left - self.settings.token_margin, token_left / 2)
        )
        self._need_new_channel = False
        self._failed_connects = 0
        self._rollover_asked = False
        self._closing_deadline = None

    def _set_expiry(self, now: float, left: float) -> None:
        self.expires_at = now + left
        margin = min(self.settings.extend_margin, left / 2)
        self._extend_at = self.expires_at - margin

    # ----------------------------------------------------------------- StreamSession

    async def connect_target(self) -> ConnectTarget:
        """Where to connect: the current channel, after making sure it is usable (new
        credentials after a revocation; a new channel when the old one is gone, expired or
        was taken over; topics applied by REST before the socket opens)."""
        backend = self.backend
        if self._attempting:
            # The previous attempt never opened a socket (REST or handshake failure).
            self.failed_attempts += 1
            hook = self.on_connect_failed
            if hook is not None:
                try:
                    hook(self.failed_attempts)
                except Exception:
                    log.exception("%s: on_connect_failed hook raised", self.name)
        self._attempting = True
        if self._need_token:
            await backend.renew_credentials()
            self._need_token = False
        channel = self.channel
        if channel is not None and self._connect_pending and not self._need_new_channel:
            # The last attempt never opened: is the channel still there?
            self._failed_connects += 1
            if self._failed_connects >= 2 or not await backend.channel_exists(channel.id):
                log.info("%s: channel %s unusable, creating a new one", self.name, channel.id)
                self._need_new_channel = True
        if channel is None or self._need_new_channel or channel.connect_uri is None:
            channel = await backend.create_channel()
            if not channel.connect_uri:
                raise ChannelFailure(REASON.InvalidURI, "the new channel has no connectUri")
            self._adopt(channel)
            self._opened_on = None
        if self._applied_to != channel.id and self.topics:
            await backend.replace_subscriptions(channel.id, list(self.topics))
            self._applied_to = channel.id
            # PUT renews the lifetime.
            self._set_expiry(self._clock(), self.settings.lifetime)
        self._connect_pending = True
        assert channel.connect_uri is not None
        return ConnectTarget(url=channel.connect_uri)

    def on_open(self, now: float) -> Step:
        """The socket is open: start the watchdog; resubscribe if this is a reconnect."""
        step = Step()
        self._connect_pending = False
        self._failed_connects = 0
        self._attempting = False
        self.failed_attempts = 0
        self._connected = True
        self._reconnect = None
        self._last_frame = now
        self._pong_deadline = None
        self._pending.clear()
        interval = self.settings.ping_interval
        self._next_ping = now + interval if interval else None
        channel_id = self.channel_id
        reopened = channel_id is not None and self._opened_on == channel_id
        self._opened_on = channel_id
        if reopened and self.settings.resubscribe_on_reconnect and self.topics:
            step.extend(self._ws_subscribe(tuple(self.topics), now, "resubscribe"))
        return step

    def receive_text(self, data: str | bytes, now: float) -> Step:
        """A frame: heartbeats and replies are consumed, topic events delivered."""
        self._last_frame = now
        if self._retired:
            return Step()
        channel = self.channel
        item = _decode_frame(data, channel.id if channel is not None else None)
        if type(item) is TopicEvent:
            topic = item.topic
            if topic == _CHANNEL_METADATA:
                step = Step()
                self._on_metadata(item, step, now)
                return step
            if topic.startswith("v2.system"):
                step = Step()
                self._on_system(item, step, now)
                return step
            return Step([item])  # the hot path: one ordinary event
        step = Step()
        if isinstance(item, _Reply):
            self._on_reply(item, step, now)
        elif isinstance(item, ChannelProblem):
            log.warning("%s: skipped a malformed frame: %s", self.name, item.error.message)
            step.emit(item)
        else:
            step.emit(item)
        return step

    def receive_bytes(self, data: bytes, now: float) -> Step:
        """Genesys sends text only; a binary frame is decoded as UTF-8 JSON all the same."""
        return self.receive_text(data, now)

    def tick(self, now: float) -> Step:
        """Timers: heartbeat watchdog, pings, unanswered replies, extension, expiry."""
        step = Step()
        if self._retired or self._reconnect is not None:
            return step
        if self._connected:
            settings = self.settings
            if now >= self._last_frame + settings.heartbeat_timeout:
                return self._ask_reconnect(step, "no heartbeat", delay=0)
            if self._pong_deadline is not None and now >= self._pong_deadline:
                return self._ask_reconnect(step, "no pong", delay=0)
            for key, (purpose, _, deadline) in list(self._pending.items()):
                if now >= deadline:
                    del self._pending[key]
                    if purpose == "extend":
                        self._extension_failed(step, "the extension was not confirmed", now)
                    else:
                        return self._ask_reconnect(step, "subscription not confirmed", delay=0)
            if self._next_ping is not None and now >= self._next_ping:
                step.extend(self.check(now))
            if self._closing_deadline is not None and now >= self._closing_deadline:
                self._closing_deadline = None
                return self._ask_reconnect(step, "socket closing", delay=0)
            if self._token_rollover_at is not None and now >= self._token_rollover_at:
                self._token_rollover_at = None
                self._request_rollover(step, TOKEN_EXPIRING, now)
            if self._extend_at is not None and now >= self._extend_at:
                self._extend_at = None
                if not self.settings.auto_extend:
                    # genesys-notifications' autoextend=False: move to a fresh channel
                    # while this one still works (no gap), instead of extending it.
                    self._request_rollover(step, "channel lifetime ending", now)
                elif self.topics:
                    step.extend(self._ws_subscribe(tuple(self.topics), now, "extend"))
        if self.expires_at is not None and now >= self.expires_at:
            self.expires_at = None
            self._extend_at = None
            self._need_new_channel = True
            if self._connected:
                self._request_rollover(step, "channel expired", now)
        return step

    def next_deadline(self) -> float | None:
        """The earliest timer (None when nothing is scheduled). Asked after every frame, so
        it allocates nothing."""
        if self._retired or self._reconnect is not None:
            return None
        expires = self.expires_at
        if not self._connected:
            return expires
        best = self._last_frame + self.settings.heartbeat_timeout  # the watchdog
        for value in (
            expires,
            self._next_ping,
            self._extend_at,
            self._pong_deadline,
            self._closing_deadline,
            self._token_rollover_at,
        ):
            if value is not None and value < best:
                best = value
        if self._pending:
            for _, _, deadline in self._pending.values():
                best = min(best, deadline)
        return best

    def on_closed(self, code: int | None, reason: str, now: float) -> Step:
        """The socket ended: decide between a quiet end (retired/closed by us), the
        reconnect already asked for, a new channel, or a plain reconnect."""
        step = Step()
        was_connected = self._connected
        # The service closed (or the network dropped) it unless we asked: a reconnect of
        # ours (watchdog, Channel.reconnect) or a retirement (rollover, close).
        self.closed_by_server = was_connected and not self._retired and self._reconnect is None
        self._connected = False
        self._pending.clear()
        self._pong_deadline = None
        if self._draining:  # nothing more can come on this socket
            self._draining = False
            step.emit(Drained(self.channel_id))
        if self._retired:
            step.act(Close("channel rolled over"))
            return step
        if self._reconnect is not None:
            # The runner is closing for a reconnect this session asked for.
            step.act(self._reconnect)
            return step
        if not was_connected:
            return step
        if self.expires_at is None or now >= self.expires_at:
            self._need_new_channel = True
            return self._ask_reconnect(step, "channel expired", delay=0)
        if code == 1000:
            # The service closes a channel's socket normally when another socket connects to
            # the same channel: do not fight over it, take a new channel.
            self._need_new_channel = True
            step.emit(
                ChannelProblem(
                    ChannelFailure(
                        REASON.ConnectionClosed,
                        "the service closed the socket (another connection took the channel?);"
                        " moving to a new channel",
                    ),
                    self.channel_id,
                )
            )
            return self._ask_reconnect(step, "closed by the service", delay=0)
        what = f"closed by the service (code {code})" if code is not None else "connection lost"
        return self._ask_reconnect(step, what, delay=None)

    def event_kinds(self, event: Any) -> tuple[str, ...]:
        """Kinds for ``on(kind, handler)``: a topic event answers to its family template,
        its topic name and ``"topic"``; others to their ``kind``."""
        if type(event) is TopicEvent:
            return (event.family, event.topic, "topic")
        kind = getattr(event, "kind", None)
        if isinstance(kind, str):
            return (kind,)
        return ()

    # ----------------------------------------------------------------- operations

    def check(self, now: float) -> Step:
        """Send a ``ping`` health check; no ``pong`` within ``pong_timeout`` → reconnect."""
        step = Step()
        if not self._connected:
            return step
        step.act(SendText(_PING_FRAME))
        if self._pong_deadline is None:
            self._pong_deadline = now + self.settings.pong_timeout
        interval = self.settings.ping_interval
        self._next_ping = now + interval if interval else None
        return step

    def extend(self, now: float) -> Step:
        """Renew the channel lifetime now (re-subscribe the topics over the socket)."""
        if not self.topics:
            return Step()
        return self._ws_subscribe(tuple(self.topics), now, "extend")

    def subscribe(self, topics: Iterable[str], now: float) -> Step:
        """Add topics and subscribe them over the socket (``{"message": "subscribe"}``).
        Without a socket the topics are kept and applied by REST on the next connect."""
        new = tuple(t for t in topics if t not in self.topics and not _topics.is_system(t))
        self.topics.update(dict.fromkeys(new))
        if not new or not self._connected:
            self._applied_to = None if new else self._applied_to
            return Step()
        return self._ws_subscribe(new, now, "subscribe")

    def unsubscribe(self, topics: Iterable[str], now: float) -> Step:
        """Remove topics and unsubscribe them over the socket."""
        gone = tuple(t for t in topics if t in self.topics)
        for topic in gone:
            del self.topics[topic]
        if not gone or not self._connected:
            self._applied_to = None if gone else self._applied_to
            return Step()
        step = Step()
        step.act(SendText(_encode({"message": "unsubscribe", "topics": gone}).decode()))
        return step

    def topics_applied(self, channel_id: str, topics: Iterable[str]) -> None:
        """Record topics subscribed by REST on ``channel_id`` (they need no socket message)."""
        self.topics.update(dict.fromkeys(t for t in topics if not _topics.is_system(t)))
        if self.channel is not None and channel_id == self.channel.id:
            self._applied_to = channel_id
            self._set_expiry(self._clock(), self.settings.lifetime)

    def topics_removed(self, topics: Iterable[str]) -> None:
        """Record topics removed by REST."""
        for topic in topics:
            self.topics.pop(topic, None)

    def reconnect(self, reason: str = "requested") -> Step:
        """Drop the socket and connect again at once (a gap: events may be missed)."""
        return self._ask_reconnect(Step(), reason, delay=0)

    def drain(self, now: float) -> Step:
        """Ping, and deliver :class:`Drained` once the ``pong`` comes back: the service
        answers in order, so by then every frame it sent before is in. At once when no
        socket is open. An unanswered ping reconnects as usual (``pong_timeout``)."""
        if not self._connected:
            return Step([Drained(self.channel_id)])
        self._draining = True
        return self.check(now)

    def retire(self) -> Step:
        """This channel was replaced by a rollover: stop all timers and close quietly."""
        self._retired = True
        step = Step()
        step.act(Close("channel rolled over"))
        return step

    def shutdown(self) -> Step:
        """Close the stream for good."""
        return self.retire()

    def rollover_failed(self, now: float) -> Step:
        """The orchestrator could not roll over: reconnect to the same channel (gap)."""
        self._rollover_asked = False
        self._closing_deadline = None
        step = Step()
        if self._connected:
            return self._ask_reconnect(step, "rollover failed", delay=0)
        return step

    # ----------------------------------------------------------------- internals

    def _ask_reconnect(self, step: Step, reason: str, *, delay: float | None) -> Step:
        action = Reconnect(reason=reason, delay=delay, gap=True)
        self._reconnect = action
        self._connected = False
        step.act(action)
        return step

    def _ws_subscribe(self, topics: tuple[str, ...], now: float, purpose: str) -> Step:
        step = Step()
        if not self._connected:
            return step
        correlation_id = f"{self._id_prefix}{next(self._ids)}"
        self._pending[correlation_id] = (purpose, topics, now + self.settings.reply_timeout)
        frame = {"message": "subscribe", "topics": topics, "correlationId": correlation_id}
        step.act(SendText(_encode(frame).decode()))
        return step

    def _take_pending(self, correlation_id: str | None) -> _PendingReply | None:
        if correlation_id is not None and correlation_id in self._pending:
            return self._pending.pop(correlation_id)
        if self._pending:  # the service may not echo the id: oldest first
            key = next(iter(self._pending))
            return self._pending.pop(key)
        return None

    def _on_metadata(self, event: TopicEvent[Any], step: Step, now: float) -> None:
        body = event.body
        message = body.message if isinstance(body, ChannelMetadataBody) else None
        if message is None and isinstance(body, dict):
            raw = body.get("message")
            message = raw if isinstance(raw, str) else None
        text = (message or "").lower()
        if text == _PONG:
            self._pong_deadline = None
            if self._draining:
                self._draining = False
                step.emit(Drained(self.channel_id))
        elif text == _HEARTBEAT:
            self.heartbeats += 1
            if self.settings.log_heartbeats:
                log.info("%s: heartbeat %d", self.name, self.heartbeats)
        if self.settings.emit_heartbeats:
            step.emit(event)

    def _on_system(self, event: TopicEvent[Any], step: Step, now: float) -> None:
        step.emit(event)
        family = event.family
        body = event.body if isinstance(event.body, SystemMessageBody) else None
        if family == _topics.SOCKET_CLOSING:
            if self.settings.rollover_on_closing:
                self._request_rollover(step, "socket closing", now)
            else:
                self._ask_reconnect(step, "socket closing", delay=0)
        elif family.startswith("v2.system.token_revoked"):
            self._need_new_channel = True
            if not self.backend.can_renew:
                step.act(
                    Fail(
                        TokenExpiredError(
                            "the token of the notification channel was revoked and cannot be "
                            "renewed",
                            vendor=_VENDOR,
                            code=body.reason if body else None,
                        )
                    )
                )
                return
            self._need_token = True
            self._ask_reconnect(step, "token revoked", delay=0)
        elif (
            family.startswith("v2.system.no_longer_subscribed")
            and self.settings.resubscribe_on_no_longer_subscribed
            and self.topics
        ):
            step.extend(self._ws_subscribe(tuple(self.topics), now, "resubscribe"))

    def _on_reply(self, frame: _Reply, step: Step, now: float) -> None:
        result = str(frame.result) if frame.result is not None else None
        status = (frame.status or "").lower()
        if result == "404":
            self._need_new_channel = True
            step.emit(
                ChannelProblem(
                    ChannelFailure(REASON.Ambiguous, frame.message or "channel not found"),
                    self.channel_id,
                )
            )
            self._ask_reconnect(step, "channel invalid", delay=0)
            return
        if status in ("subscribed", "unsubscribed") and result in (None, "200"):
            pending = self._take_pending(frame.correlationId)
            topics: tuple[str, ...] = ()
            if pending is not None:
                purpose, topics, _ = pending
                if purpose in ("extend", "resubscribe", "subscribe") and status == "subscribed":
                    self._set_expiry(now, self.settings.lifetime)
            step.emit(SubscriptionConfirmed(self.channel_id, frame.correlationId, status, topics))
            return
        if status in ("failure", "error") or (result is not None and result != "200"):
            pending = self._take_pending(frame.correlationId)
            message = frame.message or f"subscription refused (result {result})"
            topics = pending[1] if pending else ()
            if pending is not None and pending[0] == "extend":
                self._extension_failed(step, message, now)
                return
            step.emit(
                ChannelProblem(SubscriptionFailure(REASON.Ambiguous, message), self.channel_id)
            )
            return
        step.emit(UnhandledMessage(self.channel_id, msgspec.to_builtins(frame)))

    def _extension_failed(self, step: Step, message: str, now: float) -> None:
        step.emit(
            ChannelProblem(
                LifetimeExtensionFailure(REASON.ChannelExpired, message), self.channel_id
            )
        )
        self._request_rollover(step, "lifetime extension failed", now)

    def _request_rollover(self, step: Step, reason: str, now: float) -> None:
        if self._rollover_asked:
            return
        self._rollover_asked = True
        step.emit(RolloverRequested(self.channel_id, reason))
        # Standalone (nobody answers the request): move by ourselves after the grace.
        self._closing_deadline = now + self.settings.closing_grace
