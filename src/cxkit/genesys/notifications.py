"""Genesys notifications over WebSocket: :class:`Channel` (one channel) and
:class:`NotificationHub` (any number of topics over as many channels as needed).

A :class:`Channel` creates (or adopts) a notification channel, subscribes topics by REST
(``POST``, the single-writer way) or over the socket, connects without credentials (the channel
id is the key), and yields typed :class:`~cxkit.genesys.events.TopicEvent` objects::

    async with Channel(client, [topics.user_presence(uid)]) as channel:
        async for event in channel:
            if isinstance(event, TopicEvent):
                print(event.family, event.body)

It heals itself (see :mod:`cxkit.genesys.protocol`): heartbeat watchdog, reconnects with
backoff and resubscription, lifetime extension, a new channel when the old one is gone,
credential renewal after ``token_revoked``. On ``v2.system.socket_closing`` or at the end of
the channel's life it **rolls over without a gap**: a new channel is created and subscribed,
its socket connected, and only then is the old one dropped (events seen on both during the
overlap are delivered once). Whenever events may have been missed (a reconnect, a new channel
after an outage) a :class:`cxkit.events.StreamGap` is delivered so the app can backfill by REST.

:class:`NotificationHub` spreads topics over channels within the service limits (1,000 topics
per channel, 20 channels per user and app), packing topics into combined topics
(``v2.users.<id>?presence&routingStatus``) and merging every channel's events into one stream.

Events come out two ways: ``async for event in channel`` and ``channel.on(kind, handler)``
(kind = a topic family template such as ``"v2.users.{id}.presence"``, a topic name, ``"topic"``,
``"problem"``, ``"stream.gap"``, ``"stream.state"``, or ``"*"``). Handlers run in the socket's
reader, in order, before the event is queued for ``async for``: a handler that awaits holds
the socket (backpressure). Awaiting ``check()``, ``subscribe()`` or ``close()`` from a handler is
fine; ``rollover()`` would wait (up to ``pong_timeout``) for the very reader it blocks, so spawn
it as a task instead.

The ``genesys-notifications`` (PyPI) operations are here too: ``check()``, ``extend()``,
``reconnect()``, ``rollover()``, ``close()``, and its exceptions in
:mod:`cxkit.genesys.exceptions`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import time
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal

from cxkit.config import ReconnectPolicy
from cxkit.core.stream import EventStream
from cxkit.errors import (
    APIStatusError,
    CxkitError,
    NotFoundError,
    StreamError,
    SubscriptionError,
    UsageError,
)
from cxkit.events import BaseEvent, StreamGap, StreamState, StreamStateChanged, utcnow
from cxkit.genesys import topics as _topics
from cxkit.genesys.events import TopicEvent
from cxkit.genesys.exceptions import (
    REASON,
    AuthorizationFailure,
    ChannelException,
    ChannelExpiring,
    ChannelFailure,
    ConnectionFailure,
    InitializationFailure,
    LifetimeExtensionFailure,
    ReceiveFailure,
    ReconnectFailure,
    RecoveryFailure,
    RolloverFailure,
    SubscriptionFailure,
)
from cxkit.genesys.models import ChannelTopic, NotificationChannel
from cxkit.genesys.protocol import (
    TOKEN_EXPIRING,
    ChannelProblem,
    ChannelReplaced,
    ChannelSettings,
    Drained,
    NotificationSession,
    RolloverRequested,
    UnhandledMessage,
)

if TYPE_CHECKING:
    from cxkit.genesys.client import GenesysClient

__all__ = [
    "DEFAULT_BACKLOG",
    "GENESYS_RECONNECT",
    "MAX_CHANNELS",
    "MAX_TOPICS_PER_CHANNEL",
    "REASON",
    "AuthorizationFailure",
    "Channel",
    "ChannelException",
    "ChannelExpiring",
    "ChannelFailure",
    "ChannelListener",
    "ConnectionFailure",
    "InitializationFailure",
    "LifetimeExtensionFailure",
    "NotificationHub",
    "ReceiveFailure",
    "ReconnectFailure",
    "RecoveryFailure",
    "RestChannelBackend",
    "RolloverFailure",
    "SubscriptionFailure",
]

log = logging.getLogger("cxkit.genesys.notifications")

MAX_TOPICS_PER_CHANNEL: Final = 1_000
"""Topics one channel may hold (more answers 400)."""

GENESYS_RECONNECT: Final = ReconnectPolicy(min_wait=1.0, max_wait=30.0)
"""Reconnect backoff of notification sockets: 1 s·2^n capped at 30 s, full jitter (what the
reference JavaScript NotificationService does; the heartbeat is 30 s, so a longer wait would
only lose more events)."""

MAX_CHANNELS: Final = 20
"""Channels per user and OAuth client; creating one more evicts the oldest unconnected one."""

Handler = Callable[[Any], Any]
Sink = Callable[[Any], Awaitable[None] | None]

_END: Final = object()


_listener_tasks: set[asyncio.Future[Any]] = set()  # strong references until done


def _call_listener(listener: ChannelListener, error: BaseException) -> None:
    """``on_callback_error`` for the hub's own handlers (an async one runs as a task)."""
    result = listener.on_callback_error(error)
    if result is not None and inspect.isawaitable(result):
        task = asyncio.ensure_future(result)
        _listener_tasks.add(task)
        task.add_done_callback(_listener_tasks.discard)


async def _in_order(waiting: list[Awaitable[None]]) -> None:
    for pending in waiting:
        await pending


async def _settle(pending: Awaitable[None] | None) -> None:
    """Await what a sink or handler returned, if anything."""
    if pending is not None:
        await pending


class RestChannelBackend:
    """The REST operations a :class:`~cxkit.genesys.protocol.NotificationSession` needs,
    over a :class:`~cxkit.genesys.client.GenesysClient`."""

    __slots__ = ("_client",)

    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    @property
    def can_renew(self) -> bool:
        """True when the client's grant can replace a revoked token."""
        return self._client.oauth.can_renew

    async def create_channel(self) -> NotificationChannel:
        """``POST /api/v2/notifications/channels``."""
        return await self._client.notifications.create_channel()

    async def channel_exists(self, channel_id: str) -> bool:
        """``HEAD /api/v2/notifications/channels/{id}``."""
        return await self._client.notifications.channel_exists(channel_id)

    async def replace_subscriptions(self, channel_id: str, topics: list[str]) -> None:
        """``PUT`` the topics (``DELETE`` when there are none)."""
        if topics:
            await self._client.notifications.replace_subscriptions(channel_id, topics)
        else:
            await self._client.notifications.delete_subscriptions(channel_id)

    async def renew_credentials(self) -> None:
        """Fetch a new token (after a revocation)."""
        await self._client.oauth.refresh()

    def token_lifetime(self) -> float | None:
        """Seconds the client's current token has left (None: unknown, unlimited, or it
        cannot be renewed)."""
        oauth = self._client.oauth
        token = oauth.cache.current
        if token is None or not oauth.can_renew:
            return None
        return token.expires_in(oauth.clock())

    async def fresh_credentials(self, min_left: float) -> None:
        """Renew the token now unless it has at least ``min_left`` seconds left (a channel
        made with it must outlive the rollover that asks)."""
        left = self.token_lifetime()
        if left is not None and left < min_left:
            await self._client.oauth.refresh()


class ChannelListener:
    """Connection callbacks, as the Java SDK's ``WebSocketListener`` offers them. Subclass
    and override what you need (each default does nothing); methods may be plain or
    ``async`` (awaited before the event goes on to ``on()`` handlers and the iterator). A
    listener that raises is logged and counted, never fatal.

    ======================================  =============================================
    method                                  called when
    ======================================  =============================================
    ``on_state_changed(state, reason)``     the socket's :class:`~cxkit.events.StreamState`
                                            changes (connecting, connected, reconnecting,
                                            closed)
    ``on_connected()``                      a socket opened (first connect or reconnect)
    ``on_connect_error(error)``             a new attempt starts after a failed one (REST
                                            or handshake); ``error`` is a
                                            :class:`~cxkit.genesys.exceptions.ConnectionFailure`
    ``on_disconnected(closed_by_server)``   an open socket ended; ``closed_by_server`` is
                                            False when cxkit closed it (watchdog, reconnect,
                                            rollover, close)
    ``on_error(error)``                     a problem the stream survived (malformed frame,
                                            refused subscription, failed rollover...) or the
                                            error the channel ended with
    ``on_callback_error(error)``            an ``on()`` handler raised
    ``on_unhandled_event(event)``           an event no ``on()`` handler is registered for
                                            (and frames of unknown shape)
    ======================================  =============================================
    """

    def on_state_changed(self, state: StreamState, reason: str | None) -> Any:
        """The socket's state changed."""

    def on_connected(self) -> Any:
        """A socket opened."""

    def on_connect_error(self, error: ChannelException) -> Any:
        """A connection attempt failed (reported when the next one starts)."""

    def on_disconnected(self, closed_by_server: bool) -> Any:
        """An open socket ended."""

    def on_error(self, error: BaseException) -> Any:
        """A survived problem, or the error the channel ended with."""

    def on_callback_error(self, error: BaseException) -> Any:
        """An ``on()`` handler raised ``error``."""

    def on_unhandled_event(self, event: Any) -> Any:
        """No ``on()`` handler takes ``event``."""


class _Dispatcher:
    """``on(kind, handler)`` registrations shared by Channel and NotificationHub.

    Dispatch is on the hot path (every event), so the handlers of each kind tuple are
    resolved once and cached: per topic family for topic events (``(family, "topic", "*")``,
    about 40 families exist), per kind for the others; ``on()`` and unsubscribing clear the
    cache. Handlers registered for a concrete topic name are looked up only while some exist.
    :meth:`dispatch` calls handlers synchronously and returns None unless one of them
    returned an awaitable; then it returns a coroutine that awaits it and calls the rest, in
    order (so no coroutine is created per event for plain handlers).
    """

    __slots__ = (
        "_by_family",
        "_by_kind",
        "_handlers",
        "_topic_names",
        "error_hook",
        "handler_errors",
        "on_change",
    )

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._by_family: dict[str, tuple[Handler, ...]] = {}
        self._by_kind: dict[str, tuple[Handler, ...]] = {}
        self._topic_names = 0  # registered kinds that are concrete topic names
        self.handler_errors = 0
        self.error_hook: Callable[[BaseException], Any] | None = None
        self.on_change: Callable[[], None] | None = None  # handlers were added or removed

    def on(self, kind: str, handler: Handler) -> Callable[[], None]:
        """Register ``handler`` for ``kind``; returns the function that unregisters it."""
        if not callable(handler):
            raise UsageError(f"on({kind!r}, ...) needs a callable handler")
        self._handlers.setdefault(kind, []).append(handler)
        concrete = _is_topic_name(kind)
        self._topic_names += concrete
        self._forget()

        def unsubscribe() -> None:
            handlers = self._handlers.get(kind, [])
            if handler in handlers:
                handlers.remove(handler)
                self._topic_names -= concrete
                if not handlers:
                    del self._handlers[kind]
                self._forget()

        return unsubscribe

    def __bool__(self) -> bool:
        return bool(self._handlers)

    @property
    def catches_all(self) -> bool:
        """True while a handler sees every topic event (kind ``"topic"`` or ``"*"``)."""
        handlers = self._handlers
        return "topic" in handlers or "*" in handlers

    def _forget(self) -> None:
        self._by_family.clear()
        self._by_kind.clear()
        if self.on_change is not None:
            self.on_change()

    def _resolve(self, kinds: tuple[str, ...]) -> tuple[Handler, ...]:
        """The handlers of ``kinds``, in kind order then registration order, each once."""
        handlers = self._handlers
        found: dict[int, Handler] = {}
        for kind in kinds:
            for handler in handlers.get(kind, ()):
                found.setdefault(id(handler), handler)
        return tuple(found.values())

    def _select(self, event: Any) -> tuple[Handler, ...]:
        if type(event) is TopicEvent:
            family = event.route.family
            topic = event.topic
            if self._topic_names and topic != family and topic in self._handlers:
                return self._resolve((family, topic, "topic", "*"))  # rare: not cached
            selected = self._by_family.get(family)
            if selected is None:
                selected = self._by_family[family] = self._resolve((family, "topic", "*"))
            return selected
        if isinstance(event, BaseEvent):
            kind: str | None = event.event_kind
        else:
            raw = getattr(event, "kind", None)
            kind = raw if isinstance(raw, str) else None
        key = "*" if kind is None else kind
        selected = self._by_kind.get(key)
        if selected is None:
            kinds = ("*",) if kind is None else (kind, "*")
            selected = self._by_kind[key] = self._resolve(kinds)
        return selected

    def dispatch(self, event: Any) -> Awaitable[None] | None:
        """Call the handlers of ``event``; None when all of them are done (see the class
        docstring), else an awaitable that finishes the job."""
        selected: tuple[Handler, ...] | None = None
        if type(event) is TopicEvent and not self._topic_names:
            # The hot path, inline: handlers of a topic event are cached per family.
            selected = self._by_family.get(event.route.family)
        handlers = selected if selected is not None else self._select(event)
        for handler in handlers:  # (no enumerate: the index is needed only to go async)
            try:
                result = handler(event)
            except Exception as exc:
                self._failed(handler, event, exc)
                continue
            if result is not None and inspect.isawaitable(result):
                # By identity: two bound methods of one object compare equal.
                index = next(i for i, h in enumerate(handlers) if h is handler)
                return self._finish(result, handlers, index, event)
        return None

    async def _finish(
        self, pending: Awaitable[Any], handlers: tuple[Handler, ...], index: int, event: Any
    ) -> None:
        try:
            await pending
        except Exception as exc:
            self._failed(handlers[index], event, exc)
        for handler in handlers[index + 1 :]:
            try:
                result = handler(event)
                if result is not None and inspect.isawaitable(result):
                    await result
            except Exception as exc:
                self._failed(handler, event, exc)

    def handles(self, event: Any) -> bool:
        """True when some handler is registered for ``event``."""
        return bool(self._select(event))

    def _failed(self, handler: Handler, event: Any, exc: BaseException) -> None:
        """Log ``handler``'s exception (call inside ``except``), count it, tell the hook."""
        self.handler_errors += 1
        log.exception("notification handler %r for %r raised", handler, _kind_of(event))
        hook = self.error_hook
        if hook is not None:
            try:
                hook(exc)
            except Exception:
                log.exception("the callback-error listener raised")


def _is_topic_name(kind: str) -> bool:
    """True for a concrete topic name (``v2.users.<uuid>.presence``), as opposed to a family
    template (``v2.users.{id}.presence``) or an event kind (``problem``, ``stream.gap``)."""
    return kind.startswith(("v2.", "channel.")) and "{" not in kind


def _kind_of(event: Any) -> str:
    if type(event) is TopicEvent:
        return event.topic
    if isinstance(event, BaseEvent):
        return event.event_kind
    kind = getattr(event, "kind", None)
    return kind if isinstance(kind, str) else type(event).__name__


DEFAULT_BACKLOG: Final = 256
"""Events a channel or hub keeps for a late ``async for`` while no ``on()`` handler exists."""


def _initial_backlog(backlog: int | None) -> int:
    return DEFAULT_BACKLOG if backlog is None else backlog


def _follow_handlers(outbox: _Outbox, dispatcher: _Dispatcher) -> None:
    """Automatic backlog: none while a catch-all handler consumes every event, the default
    otherwise (handlers of a few kinds, such as ``rollover.done``, leave the data to
    ``async for``)."""
    outbox.set_backlog(0 if dispatcher.catches_all else DEFAULT_BACKLOG)


class _Outbox:
    """The event queue ``async for`` reads.

    While someone iterates it holds at most ``maxsize`` events and writers wait when it is
    full (backpressure: nothing dropped, the socket is simply not read meanwhile). While
    nobody iterates (before the first ``async for``, or after the last one ended) writers
    never wait: the newest ``backlog`` events are kept for a late reader, who gets a
    :class:`cxkit.events.StreamGap` first when older ones had to make room. The backlog is
    small on purpose: an app that only uses ``on()`` handlers should not hold (and later
    free, cache-cold) thousands of events nobody will read.
    """

    __slots__ = (
        "_backlog",
        "_dropped_since",
        "_items",
        "_maxsize",
        "_readable",
        "_readers",
        "_stream",
        "_tenant",
        "_writable",
        "dropped",
    )

    def __init__(self, maxsize: int, stream: str, tenant: str, backlog: int = 256) -> None:
        if maxsize < 1 or backlog < 0:
            raise UsageError("max_queue must be >= 1 and backlog >= 0")
        self._items: deque[Any] = deque()
        self._maxsize = maxsize
        self._backlog = backlog
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._readers = 0
        self._stream = stream
        self._tenant = tenant
        self._dropped_since: Any = None
        self.dropped = 0

    def put_nowait(self, item: Any) -> bool:
        """Queue an event if that needs no wait; False when a reader lags behind (the queue
        is full) and :meth:`put` must wait for room."""
        if not self._readers and not self._backlog:
            # A catch-all handler consumed it (automatic backlog 0): only counted. (First:
            # the commonest case of a busy channel.)
            self.dropped += 1
            if self._dropped_since is None:
                self._dropped_since = utcnow()
            return True
        items = self._items
        if self._readers:
            if len(items) >= self._maxsize:
                return False
        elif len(items) >= self._backlog:
            items.popleft()
            self._dropped(1)
        items.append(item)
        self._readable.set()
        return True

    def set_backlog(self, backlog: int) -> None:
        """Change how many events are kept while nobody iterates (trimmed at once)."""
        self._backlog = backlog
        if not self._readers:
            self._trim()

    def _dropped(self, count: int) -> None:
        self.dropped += count
        if self._dropped_since is None:
            self._dropped_since = utcnow()

    async def put(self, item: Any) -> None:
        """Queue an event (waits while a reader lags behind: backpressure, nothing lost)."""
        while not self.put_nowait(item):
            self._writable.clear()
            await self._writable.wait()

    def finish(self, error: BaseException | None = None) -> None:
        """No more events: readers drain the queue, then end (raising ``error``)."""
        self._items.append(error if error is not None else _END)
        self._readable.set()

    async def iterate(self) -> AsyncGenerator[Any, None]:
        """Yield events until :meth:`finish`. A reader that leaves early (``break``) stops
        holding writers back."""
        self._readers += 1
        try:
            if self._dropped_since is not None:
                since, self._dropped_since = self._dropped_since, None
                yield StreamGap(
                    vendor="genesys",
                    tenant=self._tenant,
                    occurred_at=utcnow(),
                    stream=self._stream,
                    since=since,
                    until=utcnow(),
                    reason=f"{self.dropped} event(s) dropped while nobody iterated",
                )
            while True:
                while not self._items:
                    self._readable.clear()
                    await self._readable.wait()
                item = self._items.popleft()
                self._writable.set()
                if item is _END:
                    self._items.appendleft(_END)  # later iterators end too
                    return
                if isinstance(item, BaseException):
                    self._items.appendleft(item)
                    raise item
                yield item
        finally:
            self._readers -= 1
            if not self._readers:
                self._trim()
                self._writable.set()  # a writer waiting for this reader: go on

    def _trim(self) -> None:
        """Nobody reads any more: keep the newest ``backlog`` events (and the end mark)."""
        items = self._items
        excess = len(items) - self._backlog
        if excess <= 0 or (items and (items[-1] is _END or isinstance(items[-1], BaseException))):
            return
        for _ in range(excess):
            items.popleft()
        self._dropped(excess)


class Channel:
    """One notification channel with a self-healing WebSocket (see the module docstring).

    Args:
        client: the :class:`~cxkit.genesys.client.GenesysClient` (REST and the HTTP session
            the socket reuses: proxy, TLS).
        topics: topics to subscribe when opening (plain or combined).
        channel: adopt an existing channel (its id, or the model from ``create_channel``)
            instead of creating one.
        settings: timings (heartbeat watchdog, ping, lifetime extension, rollover).
        reconnect: reconnect backoff (:data:`GENESYS_RECONNECT`: 1 s·2^n capped at 30 s,
            full jitter).
        ignore_errors: subscribe with ``ignoreErrors=true`` (refused topics are reported in
            :attr:`rejected` instead of failing the subscription).
        name, tenant: stream name and org id carried by state and gap events.
        max_queue: events buffered for ``async for`` before the socket is read no further.
        backlog: events kept while nobody iterates (before the first ``async for``: a late
            reader gets them, after a :class:`~cxkit.events.StreamGap` when older ones were
            dropped). None (the default): :data:`DEFAULT_BACKLOG`, but 0 while a catch-all
            handler (``on("topic", ...)`` or ``on("*", ...)``) is registered -- it is then
            the consumer, and keeping events for a reader that may never come would cost
            memory and a cache-cold free per event; a reader that starts later gets a
            StreamGap first.
        rollover_timeout: seconds a rollover may take before the old channel is kept.
        clock: monotonic seconds (tests).
        sink: deliver events here instead of the channel's own queue (the hub uses it).
        listener: a :class:`ChannelListener` (the Java SDK's connection callbacks).
    """

    def __init__(
        self,
        client: GenesysClient,
        topics: Iterable[str] = (),
        *,
        channel: NotificationChannel | str | None = None,
        settings: ChannelSettings | None = None,
        reconnect: ReconnectPolicy = GENESYS_RECONNECT,
        ignore_errors: bool = False,
        name: str = "genesys.notifications",
        tenant: str = "",
        max_queue: int = 10_000,
        backlog: int | None = None,
        rollover_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sink: Sink | None = None,
        listener: ChannelListener | None = None,
    ) -> None:
        self._client = client
        self._backend = RestChannelBackend(client)
        self._initial = [t for t in topics if not _topics.is_system(t)]
        if isinstance(channel, str):
            channel = NotificationChannel(
                id=channel, connect_uri=_guess_connect_uri(client, channel)
            )
        self._adopt = channel
        self.settings = settings or ChannelSettings()
        self._reconnect_policy = reconnect
        self._ignore_errors = ignore_errors
        self.name = name
        self.tenant = tenant
        self._clock = clock
        self._rollover_timeout = rollover_timeout
        self._dispatcher = _Dispatcher()
        self._outbox = _Outbox(max_queue, name, tenant, _initial_backlog(backlog))
        if backlog is None:
            self._dispatcher.on_change = functools.partial(
                _follow_handlers, self._outbox, self._dispatcher
            )
        self._sink = sink
        self._listener = listener
        # whose on() handlers count for on_unhandled_event: ours, or the hub's (set by it)
        self._handles: Callable[[Any], bool] = self._dispatcher.handles
        self._last_state: StreamState | None = None
        self._last_reason: str | None = None
        if listener is not None:
            self._dispatcher.error_hook = functools.partial(self._notify, "on_callback_error")
        self._session: NotificationSession | None = None
        self._stream: EventStream | None = None
        self._watchers: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._lock = asyncio.Lock()
        self._overlap: set[tuple[str, str]] | None = None
        self._draining: tuple[EventStream, asyncio.Event] | None = None
        self._closed = False
        self.rejected: dict[str, ChannelTopic] = {}
        """Topics the service refused (``ignore_errors``), by topic."""
        self.rollovers = 0
        self.duplicates_dropped = 0

    def __repr__(self) -> str:
        return f"<Channel {self.name!r} id={self.id!r} topics={len(self.topics)}>"

    # ----------------------------------------------------------------- state

    @property
    def id(self) -> str | None:
        """The current channel id (changes on rollover)."""
        session = self._session
        if session is not None and session.channel_id is not None:
            return session.channel_id
        return self._adopt.id if self._adopt is not None else None

    @property
    def topics(self) -> list[str]:
        """The topics held (as subscribed: plain or combined)."""
        if self._session is not None:
            return list(self._session.topics)
        return list(self._initial)

    @property
    def session(self) -> NotificationSession | None:
        """The current protocol session."""
        return self._session

    @property
    def stream(self) -> EventStream | None:
        """The current socket runner."""
        return self._stream

    @property
    def state(self) -> StreamState:
        """The socket's state."""
        return self._stream.state if self._stream is not None else StreamState.CLOSED

    @property
    def connected(self) -> bool:
        """True while the socket is open."""
        return self.state is StreamState.CONNECTED

    @property
    def expired(self) -> bool:
        """True once the channel's lifetime passed without extension."""
        session = self._session
        if session is None or session.expires_at is None:
            return False
        return self._clock() >= session.expires_at

    def on(self, kind: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for events of ``kind``; returns an unsubscribe function."""
        return self._dispatcher.on(kind, handler)

    # ----------------------------------------------------------------- lifecycle

    async def open(self, *, timeout: float | None = 30.0) -> Channel:
        """Create or adopt the channel, subscribe the initial topics, connect, and wait until
        the socket is open. Returns self."""
        if self._closed:
            raise UsageError("this channel is closed")
        if self._session is not None:
            return self
        session = self._new_session(self._initial, self._adopt)
        if self._initial:
            # Subscribe before connecting (no event between connect and subscribe is lost,
            # and refused topics are known at once).
            channel = self._adopt or await self._backend.create_channel()
            try:
                try:
                    listing = await self._client.notifications.replace_subscriptions(
                        channel.id, self._initial, ignore_errors=self._ignore_errors or None
                    )
                except NotFoundError:
                    if self._adopt is None:
                        raise
                    log.info("%s: adopted channel %s is gone; creating one", self.name, channel.id)
                    channel = await self._backend.create_channel()
                    listing = await self._client.notifications.replace_subscriptions(
                        channel.id, self._initial, ignore_errors=self._ignore_errors or None
                    )
            except APIStatusError as exc:
                raise SubscriptionError(
                    f"subscribing {len(self._initial)} topic(s) to channel {channel.id} "
                    f"failed: {exc}",
                    topics=tuple(self._initial),
                    reason=exc.code,
                ) from exc
            session = self._new_session(self._initial, channel)
            self._note_rejections(listing.entities)
            session.topics_applied(channel.id, self._initial)
        self._session = session
        self._initial = []  # the session holds the topics from now on
        stream = self._new_stream(session)
        self._stream = stream
        self._attach(stream)
        await stream.start()
        self._watch(stream)
        await self._wait_connected(stream, timeout)
        return self

    async def close(self) -> None:
        """Close the socket and end every iterator (the channel itself expires on the
        service side). Idempotent."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._background):
            task.cancel()
        stream, self._stream = self._stream, None
        if stream is not None:
            if self._session is not None:
                self._session.retire()
            await stream.close()
        for watcher in list(self._watchers):
            watcher.cancel()
        await asyncio.gather(*self._watchers, *self._background, return_exceptions=True)
        if self._sink is None:
            self._outbox.finish()

    async def __aenter__(self) -> Channel:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __aiter__(self) -> AsyncIterator[Any]:
        if self._sink is not None:
            raise UsageError("this channel delivers to its hub: iterate the hub instead")
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        if self._session is None and not self._closed:
            await self.open()
        events = self._outbox.iterate()
        try:
            async for event in events:
                yield event
        finally:
            await events.aclose()  # now, not when collected: writers stop waiting for us

    # ----------------------------------------------------------------- topics

    async def subscribe(
        self,
        topics: Iterable[str],
        *,
        via: Literal["rest", "websocket"] = "rest",
        ignore_errors: bool | None = None,
    ) -> list[ChannelTopic]:
        """Add topics. ``via="rest"`` (default) POSTs them and returns the service's view
        (refused ones go to :attr:`rejected` with ``ignore_errors``, else raise);
        ``via="websocket"`` sends ``{"message": "subscribe"}`` and returns at once."""
        wanted = [t for t in dict.fromkeys(topics) if not _topics.is_system(t)]
        session = self._session
        if session is None:
            self._initial.extend(t for t in wanted if t not in self._initial)
            return []
        new = [t for t in wanted if t not in session.topics]
        if not new:
            return []
        stream = self._stream
        if via == "websocket":
            if stream is not None:
                await stream.execute(session.subscribe(new, self._clock()))
            return []
        channel_id = session.channel_id
        if channel_id is None:
            session.topics.update(dict.fromkeys(new))
            return []
        ignore = self._ignore_errors if ignore_errors is None else ignore_errors
        async with self._lock:
            try:
                listing = await self._client.notifications.subscribe(
                    channel_id, new, ignore_errors=ignore or None
                )
            except APIStatusError as exc:
                raise SubscriptionError(
                    f"subscribing {len(new)} topic(s) to channel {channel_id} failed: {exc}",
                    topics=tuple(new),
                    reason=exc.code,
                ) from exc
        self._note_rejections(listing.entities)
        session.topics_applied(channel_id, [t for t in new if t not in self.rejected])
        return listing.entities

    async def unsubscribe(
        self, topics: Iterable[str], *, via: Literal["rest", "websocket"] = "rest"
    ) -> None:
        """Remove topics (REST: ``PUT`` the remainder, ``DELETE`` when none is left)."""
        session = self._session
        gone = list(dict.fromkeys(topics))
        if session is None:
            self._initial = [t for t in self._initial if t not in gone]
            return
        if via == "websocket":
            if self._stream is not None:
                await self._stream.execute(session.unsubscribe(gone, self._clock()))
            return
        session.topics_removed(gone)
        channel_id = session.channel_id
        if channel_id is not None:
            async with self._lock:
                await self._backend.replace_subscriptions(channel_id, list(session.topics))

    async def set_topics(self, topics: Sequence[str]) -> None:
        """Replace every topic (REST ``PUT``)."""
        session = self._session
        if session is None:
            self._initial = list(topics)
            return
        session.topics_removed(list(session.topics))
        channel_id = session.channel_id
        if channel_id is not None:
            async with self._lock:
                await self._backend.replace_subscriptions(channel_id, list(topics))
            session.topics_applied(channel_id, topics)
        else:
            session.topics.update(dict.fromkeys(topics))

    # ----------------------------------------------------------------- operations

    async def check(self) -> None:
        """Send a ``ping`` health check (no ``pong`` within the timeout → reconnect)."""
        if self._session is not None and self._stream is not None:
            await self._stream.execute(self._session.check(self._clock()))

    async def extend(self) -> None:
        """Renew the channel's 24 h lifetime now (re-``PUT`` its topics)."""
        session = self._session
        if session is None or session.channel_id is None:
            return
        async with self._lock:
            await self._backend.replace_subscriptions(session.channel_id, list(session.topics))
        session.topics_applied(session.channel_id, ())

    async def reconnect(self) -> None:
        """Drop the socket and connect again (then resubscribe)."""
        session, stream = self._session, self._stream
        if session is None or stream is None:
            return
        await stream.execute(session.reconnect("requested"))

    async def rollover(self, reason: str = "requested") -> None:
        """Move to a new channel without a gap: create it, subscribe the topics, connect,
        then drop the old one. If that fails the old channel is kept and a
        :class:`~cxkit.genesys.protocol.ChannelProblem` (``RolloverFailure``) is delivered."""
        async with self._lock:
            old_session, old_stream = self._session, self._stream
            if old_session is None or old_stream is None or self._closed:
                return
            new_session = self._new_session(list(old_session.topics), None)
            new_stream = self._new_stream(new_session)
            self._overlap = set()
            self._attach(new_stream)
            try:
                if reason == TOKEN_EXPIRING:
                    # the new channel must be made with a token that outlives the old one
                    await self._backend.fresh_credentials(2 * self.settings.token_margin)
                await new_stream.start()
                self._watch(new_stream)
                await self._wait_connected(new_stream, self._rollover_timeout)
            except asyncio.CancelledError:
                self._overlap = None
                await new_stream.close()
                raise
            except Exception as exc:
                self._overlap = None
                await new_stream.close()
                log.warning("%s: rollover failed, keeping the old channel: %s", self.name, exc)
                await _settle(
                    self._deliver_to_app(
                        ChannelProblem(
                            RolloverFailure(REASON.Ambiguous, f"rollover failed: {exc}", exc),
                            old_session.channel_id,
                        )
                    )
                )
                if not old_session.retired:
                    await old_stream.execute(old_session.rollover_failed(self._clock()))
                return
            # Frames the service sent to the old socket before the new channel was
            # subscribed may still be in flight: let them in before dropping it.
            await self._drain(old_session, old_stream)
            self._session, self._stream = new_session, new_stream
            self.rollovers += 1
            log.info(
                "%s: rolled over from %s to %s (%s)",
                self.name,
                old_session.channel_id,
                new_session.channel_id,
                reason,
            )
            with contextlib.suppress(UsageError):
                await old_stream.execute(old_session.retire())
            await old_stream.close()
            self._overlap = None
            await _settle(
                self._deliver_to_app(
                    ChannelReplaced(old_session.channel_id, new_session.channel_id, reason)
                )
            )

    # ----------------------------------------------------------------- internals

    async def _drain(self, session: NotificationSession, stream: EventStream) -> None:
        """Wait (at most ``pong_timeout``) until ``session``'s socket answered a ping."""
        drained = asyncio.Event()
        self._draining = (stream, drained)
        try:
            await stream.execute(session.drain(self._clock()))
            await asyncio.wait_for(drained.wait(), self.settings.pong_timeout)
        except (TimeoutError, UsageError) as exc:
            log.debug("%s: old socket not drained: %s", self.name, type(exc).__name__)
        finally:
            self._draining = None

    def _new_session(
        self, topics: Iterable[str], channel: NotificationChannel | None
    ) -> NotificationSession:
        session = NotificationSession(
            self._backend,
            topics=topics,
            channel=channel,
            settings=self.settings,
            clock=self._clock,
            tenant=self.tenant,
            name=self.name,
        )
        if self._listener is not None:
            session.on_connect_failed = self._connect_failed
        return session

    def _new_stream(self, session: NotificationSession) -> EventStream:
        return EventStream(
            session,
            http=self._client.http,
            reconnect=self._reconnect_policy,
            clock=self._clock,
        )

    def _attach(self, stream: EventStream) -> None:
        """Take ``stream``'s events as one of its handlers: they are handled inside its
        runner, in order, with no queue and no task switch between the socket and the app
        (a handler that waits holds the socket: backpressure, as before)."""
        stream.on("*", functools.partial(self._on_event, stream))

    def _watch(self, stream: EventStream) -> None:
        """Notice the end of ``stream`` (call once it is started)."""
        task = asyncio.get_running_loop().create_task(self._watch_end(stream))
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def _wait_connected(self, stream: EventStream, timeout: float | None) -> None:
        try:
            await stream.wait_state(StreamState.CONNECTED, timeout)
        except StreamError:
            if stream.error is not None:
                raise stream.error from None
            raise

    async def _watch_end(self, stream: EventStream) -> None:
        """A stream that ends ends the channel (only if it is still the current one; its
        events were all handled by then: the runner delivers them before it ends)."""
        error: BaseException | None = None
        try:
            await stream.wait_closed()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = exc
        if stream is self._stream and not self._closed:
            self._closed = True
            log.error("%s: notification stream ended: %s", self.name, error)
            if error is not None:
                await _settle(self._notify("on_error", error))
            if self._sink is None:
                self._outbox.finish(error)
            elif error is not None:
                await _settle(
                    self._sink(
                        ChannelProblem(
                            ReconnectFailure(REASON.ConnectionClosed, str(error), error), self.id
                        )
                    )
                )

    def _on_event(self, stream: EventStream, event: Any) -> Awaitable[None] | None:
        """Every event of one of our streams (a stream handler). Returns None when the
        event went through without waiting (the common case: no coroutine per event), else
        what the runner must await."""
        if type(event) is TopicEvent:
            overlap = self._overlap
            if overlap is not None and event.correlation_id is not None:
                key = (event.topic, event.correlation_id)
                if key in overlap:
                    self.duplicates_dropped += 1
                    return None
                overlap.add(key)
            if self._listener is not None and not self._handles(event):
                return self._then_deliver(self._notify("on_unhandled_event", event), event)
            return self._deliver_to_app(event)
        current = stream is self._stream
        if type(event) is Drained:  # internal: the answer to a rollover's _drain()
            draining = self._draining
            if draining is not None and draining[0] is stream:
                draining[1].set()
            return None
        if isinstance(event, StreamStateChanged):
            # a retired or not-yet-current stream's states are internal
            if not current:
                return None
            if self._listener is not None:
                return self._then_deliver(self._state_changed(event), event)
            return self._deliver_to_app(event)
        if isinstance(event, RolloverRequested) and current and not self._closed:
            self._spawn(self.rollover(event.reason))
        if self._listener is not None:
            if isinstance(event, ChannelProblem):
                return self._then_deliver(self._notify("on_error", event.error), event)
            if isinstance(event, UnhandledMessage):
                return self._then_deliver(self._notify("on_unhandled_event", event), event)
        return self._deliver_to_app(event)

    # ----------------------------------------------------------------- listener

    def _notify(self, method: str, *args: Any) -> Awaitable[None] | None:
        """Call the listener's ``method``; an awaitable when it is async (else None)."""
        listener = self._listener
        if listener is None:
            return None
        try:
            result = getattr(listener, method)(*args)
        except Exception:
            log.exception("%s: listener %s raised", self.name, method)
            return None
        if result is not None and inspect.isawaitable(result):
            return self._await_listener(method, result)
        return None

    async def _await_listener(self, method: str, pending: Awaitable[Any]) -> None:
        try:
            await pending
        except Exception:
            log.exception("%s: listener %s raised", self.name, method)

    def _then_deliver(self, pending: Awaitable[None] | None, event: Any) -> Awaitable[None] | None:
        """Deliver ``event`` once the listener's call (if async) is done."""
        if pending is None:
            return self._deliver_to_app(event)
        return self._listen_then_deliver(pending, event)

    async def _listen_then_deliver(self, pending: Awaitable[None], event: Any) -> None:
        await pending
        await _settle(self._deliver_to_app(event))

    def _state_changed(self, event: StreamStateChanged) -> Awaitable[None] | None:
        """Listener calls for a state change of the current stream (one awaitable)."""
        state, previous = event.state, self._last_state
        self._last_state, self._last_reason = state, event.reason
        calls = [self._notify("on_state_changed", state, event.reason)]
        if state is StreamState.CONNECTED:
            calls.append(self._notify("on_connected"))
        elif previous is StreamState.CONNECTED:
            session = self._session
            by_server = session.closed_by_server if session is not None else False
            calls.append(self._notify("on_disconnected", by_server))
        waiting = [c for c in calls if c is not None]
        return _in_order(waiting) if waiting else None

    def _connect_failed(self, attempts: int) -> None:
        """A session hook: an attempt starts after ``attempts`` failed ones."""
        reason = self._last_reason or "the connection attempt failed"
        error = ConnectionFailure(
            REASON.InvalidHandshake,
            f"connecting channel {self.id} failed ({attempts} attempt(s)): {reason}",
        )
        pending = self._notify("on_connect_error", error)
        if pending is not None:
            self._spawn(pending)

    def _deliver_to_app(self, event: Any) -> Awaitable[None] | None:
        """Our handlers, then the hub (``sink``) or our queue; None when nothing waits."""
        dispatcher = self._dispatcher
        if dispatcher._handlers:  # (not bool(dispatcher): one Python call less per event)
            pending = dispatcher.dispatch(event)
            if pending is not None:
                return self._enqueue_after(pending, event)
        sink = self._sink
        if sink is not None:
            return sink(event)
        outbox = self._outbox
        return None if outbox.put_nowait(event) else outbox.put(event)

    async def _enqueue_after(self, pending: Awaitable[None], event: Any) -> None:
        await pending
        sink = self._sink
        if sink is not None:
            await _settle(sink(event))
        else:
            await self._outbox.put(event)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _note_rejections(self, entities: Iterable[ChannelTopic]) -> set[str]:
        accepted: set[str] = set()
        for topic in entities:
            if topic.rejected:
                self.rejected[topic.id] = topic
                log.warning(
                    "%s: topic %s rejected: %s (missing %s)",
                    self.name,
                    topic.id,
                    topic.reason,
                    topic.missing_permissions,
                )
            else:
                accepted.add(topic.id)
        return accepted


def _guess_connect_uri(client: GenesysClient, channel_id: str) -> str | None:
    region = client.hosts.region
    if region is None:
        return None  # unknown host: the channel is re-created if it cannot be reached
    return f"{region.streaming_url}/channels/{channel_id}"


# --------------------------------------------------------------------------- hub


class _Slot:
    """One channel of a hub and what it holds."""

    __slots__ = ("channel", "used", "wire")

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        # wire topic -> its expanded topics; None for a plain topic (it is its own single
        # part: no tuple per topic, which is most of them in a large hub)
        self.wire: dict[str, tuple[str, ...] | None] = {}
        self.used = 0

    def parts(self) -> Iterator[str]:
        """Every expanded topic held."""
        for topic, parts in self.wire.items():
            if parts is None:
                yield topic
            else:
                yield from parts


def _split(topic: str) -> tuple[str, ...] | None:
    """A combined topic's parts, or None for a plain topic."""
    return tuple(_topics.expand(topic)) if "?" in topic else None


class NotificationHub:
    """Any number of topics over as many channels as needed (see the module docstring).

    Args:
        client: the client whose token owns the channels.
        max_topics_per_channel: the service's per-channel cap (1,000).
        max_channels: the per-user-and-app channel cap (20); subscribing beyond it raises
            :class:`cxkit.errors.UsageError` instead of silently evicting a channel.
        combine: pack topics with a shared prefix into combined topics (≤ 200 characters).
        combined_counts_as: how the service counts a combined topic toward the cap:
            ``"expanded"`` (each part, the safe default) or ``"one"``.
        settings, reconnect, ignore_errors, clock, listener: passed to each
            :class:`Channel` (a listener hears every channel of the hub).
        max_queue, backlog: the hub's own event queue (as for :class:`Channel`).
        name, tenant: prefix of the channels' stream names; org id for events.
        check_other_channels: before creating channels, count the user and app's other
            channels (``GET channels?includechannels=oauthclient``) and log a warning when
            the new ones would pass ``max_channels`` (the service would evict one).
    """

    def __init__(
        self,
        client: GenesysClient,
        *,
        max_topics_per_channel: int = MAX_TOPICS_PER_CHANNEL,
        max_channels: int = MAX_CHANNELS,
        combine: bool = True,
        combined_counts_as: Literal["expanded", "one"] = "expanded",
        settings: ChannelSettings | None = None,
        reconnect: ReconnectPolicy = GENESYS_RECONNECT,
        ignore_errors: bool = False,
        name: str = "genesys.hub",
        tenant: str = "",
        max_queue: int = 10_000,
        backlog: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        listener: ChannelListener | None = None,
        check_other_channels: bool = True,
    ) -> None:
        if max_topics_per_channel < 1 or max_channels < 1:
            raise UsageError("max_topics_per_channel and max_channels must be >= 1")
        if combined_counts_as not in ("expanded", "one"):
            raise UsageError("combined_counts_as must be 'expanded' or 'one'")
        self._client = client
        self.max_topics_per_channel = max_topics_per_channel
        self.max_channels = max_channels
        self.combine = combine
        self._count_one = combined_counts_as == "one"
        self._channel_options: dict[str, Any] = {
            "settings": settings,
            "reconnect": reconnect,
            "ignore_errors": ignore_errors,
            "tenant": tenant,
            "clock": clock,
            "listener": listener,
        }
        self.name = name
        self._slots: list[_Slot] = []
        self._where: dict[str, _Slot] = {}  # expanded topic -> slot
        self._dispatcher = _Dispatcher()
        if listener is not None:
            self._dispatcher.error_hook = functools.partial(_call_listener, listener)
        self._outbox = _Outbox(max_queue, name, tenant, _initial_backlog(backlog))
        if backlog is None:
            self._dispatcher.on_change = functools.partial(
                _follow_handlers, self._outbox, self._dispatcher
            )
        self._lock = asyncio.Lock()
        self._closed = False
        self._created = 0
        self.check_other_channels = check_other_channels

    def __repr__(self) -> str:
        return f"<NotificationHub topics={len(self._where)} channels={len(self._slots)}>"

    # ----------------------------------------------------------------- state

    @property
    def topics(self) -> list[str]:
        """Every subscribed topic (expanded)."""
        return list(self._where)

    @property
    def channels(self) -> list[Channel]:
        """The channels in use."""
        return [slot.channel for slot in self._slots]

    def channel_of(self, topic: str) -> Channel | None:
        """The channel holding ``topic`` (expanded form)."""
        slot = self._where.get(topic)
        return slot.channel if slot is not None else None

    @property
    def rejected(self) -> dict[str, ChannelTopic]:
        """Topics the service refused, across channels."""
        out: dict[str, ChannelTopic] = {}
        for slot in self._slots:
            out.update(slot.channel.rejected)
        return out

    def on(self, kind: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for events of ``kind`` from every channel."""
        return self._dispatcher.on(kind, handler)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._outbox.iterate()

    # ----------------------------------------------------------------- topics

    def _cost(self, wire: str, parts: int) -> int:
        return 1 if self._count_one else parts

    async def subscribe(self, topics: Iterable[str]) -> None:
        """Subscribe topics (plain or combined), on existing channels with room first, then
        on new channels. Raises :class:`cxkit.errors.UsageError` when they would need more
        than ``max_channels`` channels (nothing is subscribed then)."""
        if self._closed:
            raise UsageError("this hub is closed")
        async with self._lock:
            new = [
                t
                for t in _topics.expand_all(topics)
                if t not in self._where and not _topics.is_system(t)
            ]
            if not new:
                return
            wire = _topics.combine(new) if self.combine else new
            cap = self.max_topics_per_channel
            plan: dict[int, list[tuple[str, tuple[str, ...] | None]]] = {}
            room = [cap - slot.used for slot in self._slots]
            fresh_used: list[int] = []
            for topic in wire:
                parts = _split(topic)
                cost = self._cost(topic, 1 if parts is None else len(parts))
                if cost > cap:
                    raise UsageError(f"topic {topic!r} alone exceeds {cap} topics")
                for index, free in enumerate(room):
                    if free >= cost:
                        room[index] -= cost
                        plan.setdefault(index, []).append((topic, parts))
                        break
                else:
                    for index, used in enumerate(fresh_used):
                        if cap - used >= cost:
                            fresh_used[index] += cost
                            plan.setdefault(len(self._slots) + index, []).append((topic, parts))
                            break
                    else:
                        fresh_used.append(cost)
                        plan.setdefault(len(self._slots) + len(fresh_used) - 1, []).append(
                            (topic, parts)
                        )
            needed = len(self._slots) + len(fresh_used)
            if needed > self.max_channels:
                raise UsageError(
                    f"{len(new)} more topic(s) need {needed} channels, above the limit of "
                    f"{self.max_channels} per user and app (a channel beyond it would evict "
                    "another); unsubscribe topics or raise max_channels"
                )
            if fresh_used and self.check_other_channels:
                await self._warn_if_crowded(len(fresh_used))
            await asyncio.gather(*(self._apply(index, items) for index, items in plan.items()))

    async def _warn_if_crowded(self, fresh: int) -> None:
        """Warn when ``fresh`` new channels would take this user and app past the cap: the
        service then evicts the oldest unconnected channel, which may be another process's
        (the hub only knows its own). Never fails the subscription."""
        try:
            listing = await self._client.notifications.channels(include="oauthclient")
        except CxkitError as exc:  # advisory only: any failure (status, auth, an odd body)
            log.debug("%s: could not count the app's other channels: %s", self.name, exc)
            return
        mine = {slot.channel.id for slot in self._slots}
        others = sum(1 for c in listing.entities or () if c.id is None or c.id not in mine)
        total = others + len(self._slots) + fresh
        if total > self.max_channels:
            log.warning(
                "%s: %d new channel(s) make %d for this user and app (%d not this hub's), above "
                "the service's %d: it will evict the oldest unconnected channel, maybe another "
                "process's",
                self.name,
                fresh,
                total,
                others,
                self.max_channels,
            )

    async def _apply(self, index: int, items: list[tuple[str, tuple[str, ...] | None]]) -> None:
        wire_topics = [topic for topic, _ in items]
        if index < len(self._slots):
            slot = self._slots[index]
            await slot.channel.subscribe(wire_topics)
        else:
            self._created += 1
            channel = Channel(
                self._client,
                wire_topics,
                name=f"{self.name}.{self._created}",
                sink=self._deliver,
                **self._channel_options,
            )
            channel._handles = self._dispatcher.handles
            slot = _Slot(channel)
            self._slots.append(slot)
            await channel.open()
        rejected = slot.channel.rejected
        for topic, parts in items:
            if topic in rejected:
                continue
            slot.wire[topic] = parts
            if parts is None:
                slot.used += 1
                self._where[topic] = slot
                continue
            slot.used += self._cost(topic, len(parts))
            for part in parts:
                self._where[part] = slot

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        """Remove topics (expanded or combined); the affected channels get their remaining
        topics re-packed and ``PUT``."""
        async with self._lock:
            gone = [t for t in _topics.expand_all(topics) if t in self._where]
            by_slot: dict[int, set[str]] = {}
            for topic in gone:
                slot = self._where.pop(topic)
                by_slot.setdefault(id(slot), set()).add(topic)
            for slot in self._slots:
                removed = by_slot.get(id(slot))
                if not removed:
                    continue
                remaining = [part for part in slot.parts() if part not in removed]
                wire = _topics.combine(remaining) if self.combine else remaining
                slot.wire = {topic: _split(topic) for topic in wire}
                slot.used = sum(
                    1 if p is None else self._cost(t, len(p)) for t, p in slot.wire.items()
                )
                await slot.channel.set_topics(wire)

    # ----------------------------------------------------------------- lifecycle

    async def close(self) -> None:
        """Close every channel and end iteration. Idempotent."""
        if self._closed:
            return
        self._closed = True
        await asyncio.gather(*(slot.channel.close() for slot in self._slots))
        self._outbox.finish()

    async def __aenter__(self) -> NotificationHub:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _deliver(self, event: Any) -> Awaitable[None] | None:
        """Every channel's events (their ``sink``): None when nothing had to wait."""
        dispatcher = self._dispatcher
        if dispatcher:
            pending = dispatcher.dispatch(event)
            if pending is not None:
                return self._enqueue_after(pending, event)
        outbox = self._outbox
        return None if outbox.put_nowait(event) else outbox.put(event)

    async def _enqueue_after(self, pending: Awaitable[None], event: Any) -> None:
        await pending
        await self._outbox.put(event)
