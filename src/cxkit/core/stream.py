"""Run any sans-I/O :class:`~cxkit.core.session.StreamSession` over an aiohttp WebSocket.

:class:`EventStream` owns the socket and the clock; the session owns the protocol. The runner:

* asks where to connect before **every** attempt -- ``session.connect_target()``, or the
  ``target`` callable given to :class:`EventStream` (sync or async, returning a
  :class:`~cxkit.core.session.ConnectTarget` or a URL), so a token or a login cookie can be
  renewed between attempts -- and opens the WebSocket with aiohttp (the proxy, TLS settings
  and cookie jar of a given :class:`~cxkit.core.http.HTTPClient` are reused);
* feeds frames to the session and carries out the actions it returns, in order;
* calls ``session.tick(now)`` whenever ``now >= session.next_deadline()``: it waits for a frame
  with a timeout up to the next deadline, so keepalive costs no busy loop and no extra task;
* reconnects after a drop, a close or a :class:`~cxkit.core.session.Reconnect` action, with
  the full-jitter backoff of :func:`cxkit.core.retry.reconnect_delay` (``Reconnect(delay=0)``
  reconnects at once); a failed handshake counts as an attempt, and the attempt counter starts
  again once a connection stayed up ``reconnect.reset_after`` seconds;
* ends the stream on :class:`~cxkit.core.session.Close` (normally),
  :class:`~cxkit.core.session.Fail` or exhausted attempts (the error is raised to iterators).

Events reach the application two ways, both getting every event:

* ``async for event in stream`` -- each active iterator has its own bounded queue
  (``max_queue``); when it is full the runner waits for the reader (backpressure: nothing is
  ever dropped, the socket is simply not read meanwhile);
* ``stream.on(kind, handler)`` -- sync or async callables, awaited in order by the runner; the
  kinds of an event are ``session.event_kinds(event)``, the ``event_kind`` tag of unified
  events and ``"*"``. A handler that raises is logged (logger ``cxkit.stream``) and counted in
  ``stats.handler_errors``; it never ends the stream.

State changes are delivered as :class:`cxkit.events.StreamStateChanged` events, and a
:class:`cxkit.events.StreamGap` follows a reconnect that may have lost events. A session
method that raises (a bug in a vendor session) is logged, counted in ``stats.session_errors``,
and the stream keeps going.

Handlers run inside the runner: a handler must not wait for a later event of the same stream
(it would wait for itself). ``await stream.execute(step)`` from a handler is fine.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Protocol, Self, cast, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from cxkit.config import DEFAULTS, ReconnectPolicy
from cxkit.core.retry import parse_retry_after, reconnect_delay
from cxkit.core.session import (
    Close,
    ConnectTarget,
    Fail,
    Reconnect,
    SendBytes,
    SendText,
    Step,
    StreamSession,
)
from cxkit.errors import (
    ConfigError,
    ConnectError,
    ConnectionClosed,
    CxkitError,
    InvalidCredentialsError,
    RateLimitError,
    StreamError,
    TokenExpiredError,
    TransportTimeout,
    UsageError,
    api_error_class,
)
from cxkit.events import BaseEvent, StreamGap, StreamState, StreamStateChanged, utcnow

__all__ = ["EventStream", "SessionOwner", "StreamIterator", "StreamStats", "TargetSource"]

logger = logging.getLogger("cxkit.stream")

Handler = Callable[[Any], Any]

TargetSource = (
    ConnectTarget | str | Callable[[], ConnectTarget | str | Awaitable[ConnectTarget | str]]
)
"""Where a stream connects when the session should not decide: a fixed target or URL, or a
callable (sync or async) asked before every attempt."""

# How long to wait before ticking again when a session did not move its deadline forward
# after a tick (a session bug): without this floor the runner would spin on tick().
_STUCK_DEADLINE_RETRY = 1.0

# Errors from connect_target() that retrying cannot fix: the stream fails at once.
_FATAL_CONNECT_ERRORS: tuple[type[BaseException], ...] = (
    InvalidCredentialsError,
    TokenExpiredError,
    ConfigError,
    UsageError,
)

_APP_CLOSE_REASON = "closed by application"
_MATCH_CACHE_SIZE = 4096  # distinct kind tuples remembered by the handler dispatch


@runtime_checkable
class SessionOwner(Protocol):
    """Anything that owns an aiohttp session, such as :class:`cxkit.core.http.HTTPClient`.

    Optional proxy attributes are used for ``ws_connect`` when present: ``proxy_url``, and
    ``proxy_headers`` plus ``proxy_request_headers(url)`` for proxy credentials (or, on owners
    without those, the older ``proxy_auth``, which aiohttp 3.14 deprecates).
    """

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session (created inside the running loop)."""
        ...


@dataclass(slots=True)
class StreamStats:
    """Counters of one :class:`EventStream` (they only grow).

    Attributes:
        frames: text and binary frames received.
        malformed: frames the session could not take (it raised) or aiohttp could not parse.
        events: events delivered (session events plus state and gap events).
        connects: WebSocket handshakes that succeeded.
        reconnects: successful connections after the first one.
        connect_failures: attempts whose ``connect_target()`` or handshake failed.
        handler_errors: ``on()`` handlers that raised.
        session_errors: session methods that raised.
    """

    frames: int = 0
    malformed: int = 0
    events: int = 0
    connects: int = 0
    reconnects: int = 0
    connect_failures: int = 0
    handler_errors: int = 0
    session_errors: int = 0


@dataclass(slots=True)
class _Outcome:
    """How one connection ended and what comes next."""

    kind: Literal["reconnect", "close", "fail"]
    reason: str
    delay: float | None = None  # reconnect: None = backoff
    gap: bool = True  # reconnect: events may have been lost
    code: int = 1000  # close code the runner sends when it closes the socket itself
    error: BaseException | None = None  # fail


def _outcome_of(action: Reconnect | Close | Fail) -> _Outcome:
    if isinstance(action, Reconnect):
        return _Outcome(
            "reconnect",
            action.reason,
            delay=action.delay,
            gap=action.gap,
        )
    if isinstance(action, Close):
        return _Outcome("close", action.reason or "closed by session", code=action.code)
    return _Outcome("fail", f"failed: {type(action.error).__name__}", error=action.error)


def _safe_url(url: str) -> str:
    """The URL without user info and query (either may carry a credential)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "<unparseable url>"


class _Channel:
    """A bounded single-reader queue that can be finished (with an error) or detached."""

    __slots__ = ("_detached", "_done", "_error", "_items", "_maxsize", "_readable", "_writable")

    def __init__(self, maxsize: int) -> None:
        self._items: deque[Any] = deque()
        self._maxsize = maxsize
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._done = False
        self._error: BaseException | None = None
        self._detached = False

    @property
    def open(self) -> bool:
        return not (self._done or self._detached)

    async def put(self, item: Any) -> None:
        # Backpressure: wait for the reader rather than drop. A detached or finished channel
        # discards, since nobody will ever read it.
        while len(self._items) >= self._maxsize:
            if not self.open:
                return
            self._writable.clear()
            await self._writable.wait()
        if self.open:
            self._items.append(item)
            self._readable.set()

    def put_nowait(self, item: Any) -> bool:
        if not self.open or len(self._items) >= self._maxsize:
            return False
        self._items.append(item)
        self._readable.set()
        return True

    async def get(self) -> Any:
        while not self._items:
            if self._done or self._detached:
                error, self._error = self._error, None
                if error is not None:
                    raise error
                raise StopAsyncIteration
            self._readable.clear()
            await self._readable.wait()
        item = self._items.popleft()
        self._writable.set()
        return item

    def finish(self, error: BaseException | None) -> None:
        """No more items: the reader drains what is queued, then ends (raising ``error``)."""
        if not self._done:
            self._done = True
            self._error = error
        self._readable.set()
        self._writable.set()

    def detach(self) -> None:
        """The reader went away: drop what is queued and never block a writer again."""
        self._detached = True
        self._items.clear()
        self._readable.set()
        self._writable.set()


class StreamIterator:
    """One consumer of an :class:`EventStream` (``async for event in stream``).

    Created by ``stream.__aiter__()``; receives every event from then on. Leaving the
    ``async for`` (``break``) drops the iterator, which unregisters it; :meth:`aclose` does
    the same explicitly.
    """

    __slots__ = ("_channel", "_stream")

    def __init__(self, stream: EventStream, channel: _Channel) -> None:
        self._stream = stream
        self._channel = channel

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Any:
        """Return the next event; start the stream if it was not started yet."""
        if not self._stream.started:
            await self._stream.start()
        return await self._channel.get()

    async def aclose(self) -> None:
        """Stop receiving events (the stream itself keeps running)."""
        self._stream._detach(self._channel)

    def __del__(self) -> None:
        # An abandoned iterator must not block the runner with a full queue forever.
        with contextlib.suppress(Exception):
            self._stream._detach_threadsafe(self._channel)

    def __repr__(self) -> str:
        return f"<StreamIterator of {self._stream!r}>"


@dataclass(slots=True)
class _Registration:
    seq: int
    kind: str
    handler: Handler


class EventStream:
    """Run a stream session over a reconnecting WebSocket. See the module docstring.

    Args:
        session: the vendor's sans-I/O session.
        http: an :class:`~cxkit.core.http.HTTPClient` (its aiohttp session, proxy and cookies
            are used), an ``aiohttp.ClientSession``, or None to create and own one.
        reconnect: backoff policy for reconnects.
        clock: monotonic seconds, passed to the session as ``now``.
        max_queue: queue size of each ``async for`` iterator (backpressure beyond it).
        connect_timeout: seconds allowed for one WebSocket handshake.
        sleep: awaited for backoff delays (tests may inject their own).
        emit_state_events: deliver :class:`~cxkit.events.StreamStateChanged` events.
        close_timeout: seconds to wait for the peer's close frame when closing.
        max_message_size: the largest message accepted, in bytes (a bigger one is a protocol
            error that drops the connection); 0 accepts any size.
        target: where to connect instead of ``session.connect_target()``: a
            :class:`~cxkit.core.session.ConnectTarget`, a URL, or a callable (sync or async)
            returning either, called before **every** attempt so credentials can be renewed
            between attempts. Its errors count like the session's (a
            :class:`~cxkit.errors.CxkitError` is retried with backoff, invalid credentials or
            a bad configuration end the stream).
    """

    def __init__(
        self,
        session: StreamSession,
        *,
        http: SessionOwner | aiohttp.ClientSession | None = None,
        reconnect: ReconnectPolicy = DEFAULTS.reconnect,
        clock: Callable[[], float] = time.monotonic,
        max_queue: int = DEFAULTS.stream_max_queue,
        connect_timeout: float = DEFAULTS.stream_connect_timeout,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        emit_state_events: bool = True,
        close_timeout: float = DEFAULTS.stream_close_timeout,
        target: TargetSource | None = None,
        max_message_size: int = DEFAULTS.stream_max_message_size,
    ) -> None:
        if isinstance(max_queue, bool) or not isinstance(max_queue, int) or max_queue < 1:
            raise ConfigError.bad_value("stream.max_queue", max_queue, "an integer >= 1")
        if (
            isinstance(max_message_size, bool)
            or not isinstance(max_message_size, int)
            or max_message_size < 0
        ):
            raise ConfigError.bad_value(
                "stream.max_message_size", max_message_size, "bytes >= 0 (0: no limit)"
            )
        self._max_message_size = max_message_size
        for key, value in (("connect_timeout", connect_timeout), ("close_timeout", close_timeout)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ConfigError.bad_value(f"stream.{key}", value, "a number > 0")
        if target is not None and not (
            isinstance(target, (ConnectTarget, str)) or callable(target)
        ):
            raise ConfigError.bad_value(
                "stream.target",
                type(target).__name__,
                "a ConnectTarget, a URL or a callable returning one",
            )
        self._session = session
        self._target = target
        self._http = http
        self._policy = reconnect
        self._clock = clock
        self._max_queue = max_queue
        self._connect_timeout = float(connect_timeout)
        self._close_timeout = float(close_timeout)
        self._sleep = sleep
        self._emit_state_events = emit_state_events

        self.stats = StreamStats()
        self._state = StreamState.CLOSED
        self._state_waiters: list[tuple[StreamState, asyncio.Future[None]]] = []
        self._handlers: dict[str, list[_Registration]] = {}
        # kinds of an event -> the handlers that match, in registration order. Events of one
        # stream come in a handful of kind tuples, so dispatch is one dict lookup per event;
        # on() and unsubscribing clear it.
        self._match_cache: dict[tuple[str, ...], tuple[_Registration, ...]] = {}
        # The same by type, for unified events of a session whose kinds do not depend on the
        # instance (``unified_kinds_by_type``): a Five9 frame yields a few of them, most of
        # which no handler wants; this finds that out without building their kinds.
        self._type_cache: dict[type, tuple[_Registration, ...]] | None = (
            {} if getattr(session, "unified_kinds_by_type", False) else None
        )
        self._seq = itertools.count()
        self._channels: set[_Channel] = set()
        # The one "*" handler while it is the only consumer (no other handler, no iterator):
        # then a frame's single event goes straight to it (what a Genesys Channel does).
        self._sole: _Registration | None = None

        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._owned_http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._send_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._pending: _Outcome | None = None
        self._stop_requested = False
        self._ended = False  # no more events will come
        self._error: BaseException | None = None
        self._last_tick: float | None = None
        self._stuck_warned = False
        # One timer per receive deadline instead of a timeout context per received frame
        # (see _arm): on a busy socket the timer fires about once per keepalive period.
        self._alarm: asyncio.TimerHandle | None = None
        self._alarm_at: float | None = None
        self._alarm_fired = False
        self._receiving = False

    # ------------------------------------------------------------------ public API

    @property
    def session(self) -> StreamSession:
        """The session this stream runs."""
        return self._session

    @property
    def state(self) -> StreamState:
        """The current state (CLOSED before :meth:`start` and after the end)."""
        return self._state

    @property
    def started(self) -> bool:
        """True once :meth:`start` was called."""
        return self._task is not None or self._ended

    @property
    def error(self) -> BaseException | None:
        """The error the stream ended with (a Fail or exhausted reconnects), else None."""
        return self._error

    def on(self, kind: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for every event of ``kind`` (``"*"``: every event).

        ``handler`` may be sync or async (async ones are awaited, in order). Returns a
        function that unsubscribes it. Exceptions are logged and counted, never raised.
        """
        if not callable(handler):
            raise UsageError(f"stream.on({kind!r}, ...) needs a callable handler")
        registration = _Registration(next(self._seq), kind, handler)
        self._handlers.setdefault(kind, []).append(registration)
        self._forget_matches()

        def unsubscribe() -> None:
            registrations = self._handlers.get(kind, [])
            if registration in registrations:
                registrations.remove(registration)
                self._forget_matches()
                if not registrations:
                    del self._handlers[kind]

        return unsubscribe

    async def start(self) -> None:
        """Start connecting in the background (idempotent). A closed stream cannot restart."""
        if self._ended:
            raise UsageError(f"stream {self._session.name!r} is closed and cannot be restarted")
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._main(), name=f"cxkit-stream-{self._session.name}")

    async def close(self) -> None:
        """Close the socket (code 1000), end every iterator cleanly, stop the runner.

        Idempotent. Called from a handler (inside the runner) it only asks the runner to
        stop, which happens as soon as the handler returns.
        """
        task = self._task
        if task is None:
            if not self._ended:  # never started
                await self._teardown(None, _APP_CLOSE_REASON)
            return
        if task is asyncio.current_task():
            self._stop_requested = True
            self._wake.set()
            return
        if not task.done():
            self._stop_requested = True
            task.cancel()
            # Wait without letting the runner's cancellation leak into the caller.
            await asyncio.wait([task])
        await self._teardown(None, _APP_CLOSE_REASON)

    async def wait_closed(self) -> None:
        """Wait until the stream has ended; raise the error it ended with, if any."""
        if self._task is not None and not self._task.done():
            await asyncio.wait([self._task])
        if self._error is not None:
            raise self._error

    async def wait_state(self, state: StreamState, timeout: float | None = None) -> None:
        """Wait until the stream enters ``state`` (returns at once if it is in it).

        Raises ``TimeoutError`` after ``timeout`` seconds, and :class:`StreamError` if the
        stream ends before reaching ``state``.
        """
        if self._state is state:
            return
        if self._ended:
            raise StreamError(f"stream {self._session.name!r} ended before reaching {state}")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (state, future)
        self._state_waiters.append(entry)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            with contextlib.suppress(ValueError):
                self._state_waiters.remove(entry)

    async def execute(self, step: Step) -> None:
        """Carry out a Step made outside the receive loop (e.g. ``session.subscribe(...)``).

        Events are delivered, sends go out in order with the runner's own sends. When no
        socket is open the sends are skipped: a session restores its subscriptions in
        ``on_open``. Reconnect / Close / Fail actions are handed to the runner.
        """
        if self._ended:
            raise UsageError(f"stream {self._session.name!r} is closed")
        outcome = await self._apply(step)
        if outcome is not None:
            await self._request(outcome)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __aiter__(self) -> StreamIterator:
        channel = _Channel(self._max_queue)
        if self._ended:
            channel.finish(self._error)
        else:
            self._channels.add(channel)
            self._forget_matches()
        return StreamIterator(self, channel)

    def __repr__(self) -> str:
        return (
            f"<EventStream {self._session.name!r} vendor={self._session.vendor!r} "
            f"state={self._state.value}>"
        )

    # ------------------------------------------------------------------ runner

    async def _main(self) -> None:
        error: BaseException | None = None
        reason = _APP_CLOSE_REASON
        try:
            error, reason = await self._connection_loop()
            self._error = error
            # Delivered with backpressure like any event: consumers see the final state.
            await self._set_state(StreamState.CLOSED, reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in the runner must still end the iterators
            logger.exception("%s: stream runner failed", self._session.name)
            error, reason = exc, f"runner failed: {type(exc).__name__}"
        finally:
            await self._teardown(error, reason)

    async def _connection_loop(self) -> tuple[BaseException | None, str]:
        name = self._session.name
        attempt = 0
        connected_before = False
        gap_since: dt.datetime | None = None
        gap_reason: str | None = None
        await self._set_state(StreamState.CONNECTING, "starting")
        while True:
            pending = self._take_pending()
            if self._stop_requested:
                return None, _APP_CLOSE_REASON
            if pending is not None and pending.kind != "reconnect":
                return pending.error, pending.reason
            try:
                ws = await self._open()
            except _FatalConnect as fatal:
                logger.error("%s: cannot connect: %s", name, fatal.error)
                return fatal.error, f"cannot connect: {type(fatal.error).__name__}"
            except CxkitError as exc:
                self.stats.connect_failures += 1
                attempt += 1
                delay = reconnect_delay(self._policy, attempt)
                if delay is None:
                    return self._gave_up(attempt, exc), "reconnect attempts exhausted"
                hint = getattr(exc, "retry_after", None)
                if isinstance(hint, (int, float)) and hint > delay:
                    # the server said when to come back (a 429 handshake): not sooner, and
                    # never beyond the policy's longest wait
                    delay = min(float(hint), self._policy.max_wait)
                logger.warning(
                    "%s: connect attempt failed (%s); retry %d in %.2fs", name, exc, attempt, delay
                )
                await self._set_state(StreamState.RECONNECTING, str(exc), attempt)
                await self._pause(delay)
                continue

            self._ws = ws
            connected_at = self._clock()
            self.stats.connects += 1
            if connected_before:
                self.stats.reconnects += 1
            connected_before = True
            outcome = await self._serve(ws, gap_since, gap_reason)
            gap_since = gap_reason = None
            dropped_at = utcnow()

            if outcome.kind == "close":
                return None, outcome.reason
            if outcome.kind == "fail":
                return outcome.error, outcome.reason
            if outcome.gap:
                gap_since, gap_reason = dropped_at, outcome.reason
            if self._clock() - connected_at >= self._policy.reset_after:
                attempt = 0
            # An explicit delay (e.g. 0 for a migration) is an instruction, not a failure:
            # only backoff reconnects count towards max_attempts.
            if outcome.delay is None:
                attempt += 1
                backoff = reconnect_delay(self._policy, attempt)
                if backoff is None:
                    cause = ConnectionClosed(f"{name}: {outcome.reason}")
                    return self._gave_up(attempt, cause), "reconnect attempts exhausted"
                delay = backoff
            else:
                delay = outcome.delay
            logger.info("%s: reconnecting in %.2fs (%s)", name, delay, outcome.reason)
            await self._set_state(StreamState.RECONNECTING, outcome.reason, attempt)
            if delay > 0:
                await self._pause(delay)

    def _gave_up(self, attempt: int, cause: BaseException) -> StreamError:
        error = StreamError(
            f"{self._session.name}: gave up after {attempt - 1} reconnect attempts: {cause}"
        )
        error.__cause__ = cause
        return error

    async def _pause(self, delay: float) -> None:
        """Sleep for the backoff; a close() or an executed action cuts it short."""
        if self._stop_requested or self._pending is not None:
            return
        self._wake.clear()
        sleeper = asyncio.ensure_future(self._sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)

    async def _open(self) -> aiohttp.ClientWebSocketResponse:
        """One connection attempt: ask the session where, then handshake."""
        name = self._session.name
        try:
            target = await self._connect_target()
        except asyncio.CancelledError:
            raise
        except _FATAL_CONNECT_ERRORS as exc:
            raise _FatalConnect(exc) from None
        except CxkitError:
            raise
        except Exception as exc:
            logger.exception("%s: connect_target() raised", name)
            raise ConnectError(f"{name}: connect_target() raised {type(exc).__name__}") from None

        http, proxy = self._client_session(target.url)
        url = _safe_url(target.url)
        headers = _handshake_headers(target)
        headers.update(proxy.request_headers)
        try:
            async with asyncio.timeout(self._connect_timeout):
                ws = await http.ws_connect(
                    target.url,
                    headers=headers,
                    protocols=target.protocols,
                    # Keepalive is the session's job (vendor-specific ping frames); a
                    # session may add control pings as well (see StreamSession).
                    heartbeat=getattr(self._session, "protocol_ping_interval", None),
                    autoping=True,
                    max_msg_size=self._max_message_size,
                    # A session that reads JSON straight from bytes (msgspec decodes UTF-8
                    # bytes faster than text) says so; the UTF-8 check is then its decoder's.
                    decode_text=not getattr(self._session, "text_as_bytes", False),
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=self._close_timeout),
                    proxy=proxy.proxy,
                    proxy_headers=proxy.proxy_headers,
                    proxy_auth=proxy.proxy_auth,
                )
                # Typed as decoding text; TEXT frames carry bytes for a text_as_bytes session,
                # which the runner hands to that session only.
                return cast("aiohttp.ClientWebSocketResponse", ws)
        except aiohttp.WSServerHandshakeError as exc:
            # Never chain the aiohttp error: its request_info holds the request headers.
            answer = dict(exc.headers or {})
            fields: dict[str, Any] = {
                "vendor": self._session.vendor,
                "status": exc.status,
                "headers": answer,
                "method": "GET",
                "url": url,
                "correlation_id": _correlation_id(answer),
            }
            error_class = api_error_class(exc.status)
            if issubclass(error_class, RateLimitError):
                fields["retry_after"] = parse_retry_after(_header(answer, "Retry-After"))
            raise error_class(
                f"{name}: WebSocket handshake to {url} answered {exc.status}", **fields
            ) from None
        except TimeoutError:
            raise TransportTimeout(
                f"{name}: WebSocket handshake to {url} took over {self._connect_timeout:g}s",
                method="GET",
                url=url,
            ) from None
        except (aiohttp.InvalidURL, ValueError):
            # A URL aiohttp cannot use will not get better by retrying.
            raise _FatalConnect(
                StreamError(f"{name}: invalid WebSocket URL {url!r} from connect_target()")
            ) from None
        except aiohttp.ClientConnectorError as exc:
            raise ConnectError(
                f"{name}: cannot connect to {url}: {exc.os_error.strerror or type(exc).__name__}",
                method="GET",
                url=url,
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise ConnectError(
                f"{name}: WebSocket connect to {url} failed: {type(exc).__name__}",
                method="GET",
                url=url,
            ) from None

    async def _connect_target(self) -> ConnectTarget:
        """Where the next attempt goes: the ``target`` given to the stream, else the session's."""
        source = self._target
        if source is None:
            return await self._session.connect_target()
        value: Any = source() if callable(source) else source
        if inspect.isawaitable(value):
            value = await value
        if isinstance(value, str):
            return ConnectTarget(value)
        if isinstance(value, ConnectTarget):
            return value
        raise UsageError(
            f"{self._session.name}: the stream's target gave {type(value).__name__}, "
            "not a ConnectTarget or a URL"
        )

    def _client_session(self, url: str) -> tuple[aiohttp.ClientSession, _ProxyOptions]:
        http = self._http
        if isinstance(http, aiohttp.ClientSession):
            return http, _ProxyOptions()
        if http is not None:
            return http.session, _ProxyOptions.of(http, url)
        if self._owned_http is None or self._owned_http.closed:
            # IP hosts (the emulator, test servers) need an unsafe jar to keep cookies.
            self._owned_http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        return self._owned_http, _ProxyOptions()

    async def _serve(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        gap_since: dt.datetime | None,
        gap_reason: str | None,
    ) -> _Outcome:
        """Drive one open connection until it ends; return what comes next."""
        session = self._session
        self._last_tick = None
        self._stuck_warned = False
        step = self._call_session("on_open", session.on_open, self._clock())
        # The session's opening sends (subscribe, first ping) go out before anything else.
        outcome = await self._carry_out(step.actions)
        await self._set_state(StreamState.CONNECTED, "connected")
        if gap_since is not None:
            await self._deliver(
                StreamGap(
                    vendor=session.vendor,
                    tenant=session.tenant,
                    occurred_at=utcnow(),
                    stream=session.name,
                    since=gap_since,
                    until=utcnow(),
                    reason=gap_reason,
                )
            )
        await self._deliver_all(step.events)
        if outcome is not None:
            return await self._end_connection(ws, outcome)

        # The per-frame loop: locals for what every frame uses, no coroutine per frame beyond
        # the receive and the delivery.
        stats = self.stats
        clock = self._clock
        text_type = aiohttp.WSMsgType.TEXT
        receive_text = session.receive_text
        next_deadline = session.next_deadline
        while True:
            if self._stop_requested:
                return await self._end_connection(ws, _Outcome("close", _APP_CLOSE_REASON))
            pending = self._pending
            if pending is not None:
                self._pending = None
                return await self._end_connection(ws, pending)
            now = clock()
            try:
                deadline = next_deadline()
            except Exception:
                deadline = self._deadline(now)  # reports the error, retries later
            if deadline is not None and now >= deadline:
                # Due. (A deadline at or before the last tick is due too: a stuck session,
                # warned and floored by _deadline; checked here, off the per-frame path.)
                last_tick: float | None = self._last_tick
                if last_tick is not None and deadline <= last_tick:
                    deadline = self._deadline(now)
                if deadline is not None and now >= deadline:
                    self._last_tick = now
                    step = self._call_session("tick", session.tick, now)
                    outcome = await self._apply(step)
                    if outcome is not None:
                        return await self._end_connection(ws, outcome)
                    continue
            # Wait for the next frame or the deadline, whichever comes first (see _arm).
            if deadline is None:
                if self._alarm is not None:
                    self._disarm()
            else:
                alarm_at = self._alarm_at
                if alarm_at is None or deadline < alarm_at or alarm_at <= now:
                    self._arm(deadline, now)
            self._receiving = True
            try:
                msg = await ws.receive()
            except asyncio.CancelledError:
                if self._alarm_went_off():
                    continue  # the deadline came first: tick
                raise
            finally:
                self._receiving = False
            kind = msg.type
            if kind is text_type:
                stats.frames += 1
                try:
                    step = receive_text(msg.data, clock())
                except Exception as exc:
                    stats.malformed += 1
                    self._session_error("receive_text", exc)
                    continue
                if not isinstance(step, Step):
                    self._session_error("receive_text", TypeError(f"returned {type(step)}"))
                    continue
            elif kind is aiohttp.WSMsgType.BINARY:
                stats.frames += 1
                step = self._call_frame(session.receive_bytes, msg.data)
            elif kind is aiohttp.WSMsgType.CLOSE:
                return await self._peer_closed(msg.data, msg.extra or "")
            else:
                # CLOSING / CLOSED: our own close (execute) or a drop; ERROR: a bad frame.
                pending = self._take_pending()
                if pending is not None:
                    return await self._end_connection(ws, pending)
                if self._stop_requested:
                    return await self._end_connection(ws, _Outcome("close", _APP_CLOSE_REASON))
                if kind is aiohttp.WSMsgType.ERROR:
                    self.stats.malformed += 1
                    logger.warning("%s: WebSocket error: %s", session.name, type(msg.data).__name__)
                return await self._peer_closed(None, "connection lost")
            if step.actions:
                outcome = await self._apply(step)
                if outcome is not None:
                    return await self._end_connection(ws, outcome)
            elif step.events:  # most keepalive frames produce nothing at all
                events = step.events
                registration = self._sole
                if registration is not None and len(events) == 1:
                    # The commonest case of all, inline: one event for the one catch-all
                    # handler (what a Genesys Channel registers on its stream).
                    stats.events += 1
                    try:
                        result = registration.handler(events[0])
                        if result is not None and inspect.isawaitable(result):
                            await result
                    except Exception:
                        self._handler_failed(registration)
                else:
                    await self._deliver_all(events)

    def _arm(self, deadline: float, now: float) -> None:
        """Arm the one timer that wakes the runner at ``deadline``.

        ``ws.receive(timeout=...)`` would enter a timeout context for every frame (aiohttp
        notes it can cost half of a receive loop). Instead one timer is armed per deadline and
        re-armed only when the deadline moves earlier (or the armed one is already due: it
        would wake the runner for nothing, since it ticks only at ``deadline``). When it fires
        while the runner is parked in ``receive()`` it cancels the runner, and that one
        cancellation is absorbed (:meth:`_alarm_went_off`). A message that arrived meanwhile
        stays in aiohttp's buffer (its reader pops only after the wait), so nothing is lost.
        """
        self._disarm()
        self._alarm_at = deadline
        self._alarm = asyncio.get_running_loop().call_later(
            max(deadline - now, 0.0), self._on_alarm
        )

    def _alarm_went_off(self) -> bool:
        """Inside ``except CancelledError`` around the receive: True (and the cancellation
        absorbed) when it was our own alarm alone; a close() on top of it goes on."""
        task = asyncio.current_task()
        if self._alarm_fired and task is not None and task.uncancel() == 0:
            self._alarm_fired = False
            return True
        return False

    def _on_alarm(self) -> None:
        self._alarm = self._alarm_at = None
        task = self._task
        if self._receiving and task is not None and not task.done():
            self._alarm_fired = True
            task.cancel()

    def _disarm(self) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
        self._alarm = self._alarm_at = None
        self._alarm_fired = False

    def _deadline(self, now: float) -> float | None:
        try:
            deadline = self._session.next_deadline()
        except Exception as exc:
            self._session_error("next_deadline", exc)
            return now + _STUCK_DEADLINE_RETRY
        if deadline is not None and self._last_tick is not None and deadline <= self._last_tick:
            if not self._stuck_warned:
                self._stuck_warned = True
                logger.warning(
                    "%s: session did not move next_deadline() after tick(); ticking again in %gs",
                    self._session.name,
                    _STUCK_DEADLINE_RETRY,
                )
            return self._last_tick + _STUCK_DEADLINE_RETRY
        return deadline

    async def _peer_closed(self, code: int | None, reason: str) -> _Outcome:
        """The peer closed (``code``) or the connection dropped (``code`` None)."""
        self._ws = None
        name = self._session.name
        logger.info("%s: connection ended (code=%s, reason=%r)", name, code, reason)
        step = self._call_session("on_closed", self._session.on_closed, code, reason, self._clock())
        await self._deliver_all(step.events)
        for action in step.actions:
            if isinstance(action, (Reconnect, Close, Fail)):
                return _outcome_of(action)
        # No instruction: an unexpected drop, events may be lost.
        what = f"closed by peer (code {code})" if code is not None else "connection lost"
        return _Outcome("reconnect", what, gap=True)

    async def _end_connection(
        self, ws: aiohttp.ClientWebSocketResponse, outcome: _Outcome
    ) -> _Outcome:
        """The runner ends the connection itself (a session action, execute, close)."""
        async with self._send_lock:
            self._ws = None
            await _close_socket(ws, outcome.code)
        step = self._call_session(
            "on_closed", self._session.on_closed, outcome.code, outcome.reason, self._clock()
        )
        await self._deliver_all(step.events)
        if outcome.kind == "reconnect":
            # The session's own view of the close may turn a reconnect into an end.
            for action in step.actions:
                if isinstance(action, (Close, Fail)):
                    return _outcome_of(action)
        return outcome

    # ------------------------------------------------------------------ steps and actions

    async def _apply(self, step: Step) -> _Outcome | None:
        """Deliver a step's events, then carry out its actions in order."""
        await self._deliver_all(step.events)
        return await self._carry_out(step.actions)

    async def _carry_out(self, actions: list[Any]) -> _Outcome | None:
        """Send in order; return the first Reconnect / Close / Fail (later actions ignored)."""
        if not actions:
            return None
        async with self._send_lock:
            for index, action in enumerate(actions):
                if isinstance(action, (SendText, SendBytes)):
                    await self._send(action)
                elif isinstance(action, (Reconnect, Close, Fail)):
                    if index + 1 < len(actions):
                        logger.debug(
                            "%s: %d action(s) after %s ignored",
                            self._session.name,
                            len(actions) - index - 1,
                            type(action).__name__,
                        )
                    return _outcome_of(action)
                else:
                    self.stats.session_errors += 1
                    logger.error(
                        "%s: session returned an unknown action %s; ignored",
                        self._session.name,
                        type(action).__name__,
                    )
        return None

    async def _send(self, action: SendText | SendBytes) -> None:
        ws = self._ws
        if ws is None or ws.closed:
            # Not connected: the session replays what matters in on_open.
            logger.debug("%s: not connected, %s skipped", self._session.name, type(action).__name__)
            return
        try:
            if isinstance(action, SendText):
                await ws.send_str(action.data)
            else:
                await ws.send_bytes(action.data)
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
            # The receive loop notices the dead socket and reconnects.
            logger.debug("%s: send failed: %s", self._session.name, type(exc).__name__)

    async def _request(self, outcome: _Outcome) -> None:
        """Hand an action from execute() to the runner and wake it."""
        current = self._pending
        if current is None or (current.kind == "reconnect" and outcome.kind != "reconnect"):
            self._pending = outcome
        self._wake.set()
        if asyncio.current_task() is self._task:
            return  # the runner checks _pending as soon as the handler returns
        ws = self._ws
        if ws is not None and not ws.closed:
            # Closing makes the runner's pending receive() return at once.
            async with self._send_lock:
                await _close_socket(ws, outcome.code)

    def _take_pending(self) -> _Outcome | None:
        pending, self._pending = self._pending, None
        return pending

    def _call_session(self, method: str, func: Callable[..., Step], *args: Any) -> Step:
        try:
            step = func(*args)
        except Exception as exc:
            self._session_error(method, exc)
            return Step()
        if not isinstance(step, Step):
            self._session_error(method, TypeError(f"returned {type(step).__name__}, not Step"))
            return Step()
        return step

    def _call_frame(self, func: Callable[[Any, float], Step], data: Any) -> Step:
        try:
            step = func(data, self._clock())
        except Exception as exc:
            self.stats.malformed += 1
            self._session_error(getattr(func, "__name__", "receive"), exc)
            return Step()
        if not isinstance(step, Step):
            self._session_error(
                getattr(func, "__name__", "receive"), TypeError(f"returned {type(step).__name__}")
            )
            return Step()
        return step

    def _session_error(self, method: str, exc: BaseException) -> None:
        self.stats.session_errors += 1
        logger.error(
            "%s: session.%s() raised %s; the stream keeps going",
            self._session.name,
            method,
            type(exc).__name__,
            exc_info=exc,
        )

    # ------------------------------------------------------------------ delivery

    async def _deliver_all(self, events: list[Any]) -> None:
        # The hot path (every frame): inlined, no coroutine per event or per handler. When
        # every handler takes every event ("*" only, as a Channel registers itself) the kinds
        # of an event need not be worked out at all.
        handlers = self._handlers
        star = handlers.get("*") if len(handlers) == 1 else None
        catch_all = tuple(star) if star is not None else None  # a handler may unsubscribe
        by_type = self._type_cache
        for event in events:
            self.stats.events += 1
            if handlers:
                if catch_all is not None:
                    matched = catch_all
                else:
                    found = by_type.get(type(event)) if by_type is not None else None
                    matched = found if found is not None else self._matching(event, True)
                for registration in matched:
                    try:
                        result = registration.handler(event)
                        if result is not None and inspect.isawaitable(result):
                            await result
                    except Exception:
                        self._handler_failed(registration)
            if self._channels:
                for channel in tuple(self._channels):
                    await channel.put(event)

    async def _deliver(self, event: Any, *, from_session: bool = False) -> None:
        self.stats.events += 1
        if self._handlers:
            for registration in self._matching(event, from_session):
                await self._call_handler(registration, event)
        for channel in tuple(self._channels):
            await channel.put(event)

    def _kinds(self, event: Any, from_session: bool) -> tuple[str, ...]:
        """The kinds ``event`` answers to: the session's, the unified ``event_kind``, ``*``."""
        own: tuple[str, ...] = ()
        if from_session:
            try:
                own = tuple(self._session.event_kinds(event))
            except Exception as exc:
                self._session_error("event_kinds", exc)
        if isinstance(event, BaseEvent):
            return (*own, event.event_kind, "*")
        return (*own, "*")

    def _matching(self, event: Any, from_session: bool) -> tuple[_Registration, ...]:
        key = self._kinds(event, from_session)
        matched = self._match_cache.get(key)
        if matched is None:
            found: dict[int, _Registration] = {}
            for kind in key:
                for registration in self._handlers.get(kind, ()):
                    found.setdefault(registration.seq, registration)
            matched = tuple(found[seq] for seq in sorted(found))
            if len(self._match_cache) >= _MATCH_CACHE_SIZE:
                # Kinds may include per-entity names (a Genesys topic per user): stay bounded.
                self._match_cache.clear()
            self._match_cache[key] = matched
        by_type = self._type_cache
        if by_type is not None and from_session and isinstance(event, BaseEvent):
            by_type[type(event)] = matched  # a handful of unified types: bounded
        return matched

    def _forget_matches(self) -> None:
        """Handlers or iterators changed: every cached match is stale."""
        self._match_cache.clear()
        if self._type_cache is not None:
            self._type_cache.clear()
        handlers = self._handlers
        star = handlers.get("*") if len(handlers) == 1 else None
        only = star is not None and len(star) == 1 and not self._channels
        self._sole = star[0] if only and star is not None else None

    async def _call_handler(self, registration: _Registration, event: Any) -> None:
        try:
            result = registration.handler(event)
            if result is not None and inspect.isawaitable(result):
                await result
        except Exception:
            self._handler_failed(registration)

    def _handler_failed(self, registration: _Registration) -> None:
        """Log the handler's exception (call inside its ``except``) and count it."""
        self.stats.handler_errors += 1
        logger.exception(
            "%s: handler %r for %r raised; the stream keeps going",
            self._session.name,
            registration.handler,
            registration.kind,
        )

    async def _set_state(
        self, state: StreamState, reason: str, attempt: int = 0, *, blocking: bool = True
    ) -> None:
        if state is self._state:
            return
        self._state = state
        for wanted, future in tuple(self._state_waiters):
            if wanted is state and not future.done():
                future.set_result(None)
        if not self._emit_state_events:
            return
        session = self._session
        event = StreamStateChanged(
            vendor=session.vendor,
            tenant=session.tenant,
            occurred_at=utcnow(),
            stream=session.name,
            state=state,
            reason=reason,
            attempt=attempt,
        )
        if blocking:
            await self._deliver(event)
            return
        # Final state during teardown: nothing may block here; a full queue misses it.
        self.stats.events += 1
        for registration in self._matching(event, False):
            await self._call_handler(registration, event)
        for channel in tuple(self._channels):
            if not channel.put_nowait(event):
                logger.debug("%s: final state event not queued (queue full)", session.name)

    # ------------------------------------------------------------------ teardown

    async def _teardown(self, error: BaseException | None, reason: str) -> None:
        """End everything (idempotent): socket, owned HTTP session, iterators, waiters."""
        if self._ended:
            return
        self._ended = True
        self._disarm()
        if error is not None and self._error is None:
            self._error = error
        ws, self._ws = self._ws, None
        try:
            if ws is not None:
                await _close_socket(ws, 1000)
                step = self._call_session(
                    "on_closed", self._session.on_closed, 1000, reason, self._clock()
                )
                if step.events:
                    logger.debug(
                        "%s: %d event(s) at close dropped", self._session.name, len(step.events)
                    )
            await self._set_state(StreamState.CLOSED, reason, blocking=False)
        finally:
            # Whatever happened above (even a second cancellation), nobody may be left
            # waiting: iterators end, state waiters are answered, the owned session closes.
            self._state = StreamState.CLOSED
            for channel in tuple(self._channels):
                channel.finish(self._error)
            self._channels.clear()
            self._forget_matches()
            for wanted, future in self._state_waiters:
                if future.done():
                    continue
                if wanted is StreamState.CLOSED:
                    future.set_result(None)
                else:
                    exc = StreamError(f"stream {self._session.name!r} ended: {reason}")
                    exc.__cause__ = self._error
                    future.set_exception(exc)
            owned, self._owned_http = self._owned_http, None
            if owned is not None:
                # Shielded: a cancellation here must not leave the connector open.
                await asyncio.shield(owned.close())

    def _detach(self, channel: _Channel) -> None:
        channel.detach()
        self._channels.discard(channel)
        self._forget_matches()

    def _detach_threadsafe(self, channel: _Channel) -> None:
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop or loop.is_closed():
            self._detach(channel)
        else:
            loop.call_soon_threadsafe(self._detach, channel)


@dataclass(slots=True)
class _ProxyOptions:
    """Proxy settings for one handshake, read from a session owner (duck-typed)."""

    proxy: str | None = None
    proxy_headers: dict[str, str] | None = None
    proxy_auth: aiohttp.BasicAuth | None = None
    request_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, owner: object, url: str) -> _ProxyOptions:
        proxy_url = getattr(owner, "proxy_url", None)
        if not proxy_url:
            return cls()
        result = cls(proxy=str(proxy_url))
        if hasattr(owner, "proxy_headers"):
            # Credentials go in the CONNECT for wss://, in the request itself for ws://.
            connect_headers = owner.proxy_headers
            if connect_headers:
                result.proxy_headers = dict(connect_headers)
            request_headers = getattr(owner, "proxy_request_headers", None)
            if callable(request_headers):
                result.request_headers = dict(request_headers(url))
        else:
            result.proxy_auth = getattr(owner, "proxy_auth", None)
        return result


class _FatalConnect(Exception):
    """connect_target() raised an error retrying cannot fix."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


_CORRELATION_HEADERS = ("ININ-Correlation-Id", "X-Request-Id", "X-Correlation-Id")


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _correlation_id(headers: dict[str, str]) -> str | None:
    """The vendor's correlation / request id of a refused handshake, if it sent one."""
    for name in _CORRELATION_HEADERS:
        value = _header(headers, name)
        if value:
            return value
    return None


def _handshake_headers(target: ConnectTarget) -> dict[str, str]:
    headers = dict(target.headers)
    if target.cookies:
        # aiohttp merges a Cookie header with the session's cookie jar.
        pairs = "; ".join(f"{name}={value}" for name, value in target.cookies.items())
        existing = _pop_header(headers, "Cookie")
        headers["Cookie"] = f"{existing}; {pairs}" if existing else pairs
    return headers


def _pop_header(headers: dict[str, str], name: str) -> str | None:
    for key in list(headers):
        if key.lower() == name.lower():
            return headers.pop(key)
    return None


async def _close_socket(ws: aiohttp.ClientWebSocketResponse, code: int) -> None:
    if ws.closed:
        return
    try:
        await ws.close(code=code)
    except (aiohttp.ClientError, ConnectionError, RuntimeError, TimeoutError) as exc:
        logger.debug("closing the WebSocket failed: %s", type(exc).__name__)
