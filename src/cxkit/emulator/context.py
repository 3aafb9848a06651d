"""What the emulator core offers every vendor plugin, and what a plugin provides.

A vendor plugin (``cxkit.emulator.five9``, ``cxkit.emulator.genesys``) keeps its state apart
from its HTTP adapters (as moto does) and plugs into the shared app through
:class:`VendorPlugin`. The core gives it the fault injector, the WebSocket registry, the clock
and the server's public base URL through :class:`EmulatorContext`.

:class:`CoreContext` is the core's implementation of :class:`EmulatorContext`; besides the
protocol it carries what the admin API drives (faults, clock, socket drops, pong switches).
Plugins should code against :class:`EmulatorContext` only.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from cxkit.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from aiohttp import web

    from cxkit.emulator.config import EmulatorConfig
    from cxkit.emulator.faults import FaultInjector
    from cxkit.emulator.simhost import SimHost

__all__ = [
    "CoreContext",
    "EmulatorClock",
    "EmulatorContext",
    "SocketRegistry",
    "TrackedSocket",
    "VendorPlugin",
    "valid_close_code",
]

log = logging.getLogger("cxkit.emulator")

ResetCallback = Callable[[], Awaitable[None] | None]
ClockCallback = Callable[[float], Awaitable[None] | None]

CURRENT_REQUEST: contextvars.ContextVar[web.Request | None] = contextvars.ContextVar(
    "cxkit_emulator_request", default=None
)
"""The request being handled in this task (set by the core middleware), so that
``track_websocket`` can find the socket's transport to abort it without a close frame."""


@runtime_checkable
class EmulatorContext(Protocol):
    """Services the emulator core offers to vendor plugins."""

    @property
    def base_url(self) -> str:
        """The server's public base URL, e.g. ``http://127.0.0.1:43121`` (set once listening).

        Raises :class:`cxkit.errors.UsageError` before the server listens: build URLs per
        request (or in ``info()``), not in ``setup()``.
        """
        ...

    @property
    def ws_base_url(self) -> str:
        """The same as ``ws://`` / ``wss://``."""
        ...

    def now(self) -> float:
        """The emulator's clock: epoch seconds, advanced by the admin API in tests."""
        ...

    def monotonic(self) -> float:
        """Monotonic seconds for timers (heartbeats, grace periods, expiry); moves forward
        with ``POST /_emulator/clock/advance`` exactly as :meth:`now` does."""
        ...

    def track_websocket(self, ws: web.WebSocketResponse, *, vendor: str, user: str | None) -> None:
        """Register an open server-side socket so admin faults can drop it. Untracked
        automatically when it closes (or when the handler that tracked it returns).

        Call it from the WebSocket handler itself, after ``await ws.prepare(request)``."""
        ...

    def pongs_enabled(self, vendor: str) -> bool:
        """False while the admin API has told the emulator to stop answering pings.

        Plugins that honour it open their sockets with ``autoping=False`` and answer
        RFC 6455 pings (and their vendor's text pings) only while this is True."""
        ...

    def on_reset(self, callback: Callable[[], Awaitable[None] | None]) -> None:
        """Call ``callback`` on ``POST /_emulator/reset`` (restore the demo tenant).
        The callback may be a coroutine function."""
        ...

    def on_clock_advance(self, callback: Callable[[float], Awaitable[None] | None]) -> None:
        """Call ``callback(seconds)`` after ``POST /_emulator/clock/advance`` moved the clock,
        so a plugin can expire what is now due (tokens, channels) without waiting for the
        next request. The callback may be a coroutine function."""
        ...

    @property
    def simulation(self) -> SimHost | None:
        """The simulated contact center every plugin is a view of (see
        :mod:`cxkit.emulator.simhost`), or None when each plugin runs its own script."""
        ...


@runtime_checkable
class VendorPlugin(Protocol):
    """One vendor's emulator: routes, sockets, state."""

    name: str
    """``"five9"`` or ``"genesys"``: also the key in ``GET /_emulator/info``."""

    def setup(self, app: web.Application, ctx: EmulatorContext) -> None:
        """Add routes (under the vendor's real paths) and background tasks to ``app``."""
        ...

    def info(self) -> dict[str, Any]:
        """The vendor's section of ``/_emulator/info``: base URLs and demo credentials."""
        ...

    def admin_command(
        self, command: str, body: dict[str, Any]
    ) -> dict[str, Any] | Awaitable[dict[str, Any] | None] | None:
        """Handle ``POST /_emulator/{vendor}/{command}`` (vendor faults and scripted events:
        migrations, token revocation, ...). Return None when the command is unknown.

        May be a coroutine function. Raise :class:`cxkit.errors.ConfigError` (``key`` = the
        offending field) for a bad body: the admin API answers 400 naming that field."""
        ...


# --------------------------------------------------------------------------- clock


class EmulatorClock:
    """The emulator's clock: real time plus an offset that the admin API advances.

    With ``frozen=True`` it does not move by itself, only through :meth:`advance`, so
    timestamps in the emulator's answers are deterministic.
    """

    def __init__(self, *, start_time: float | None = None, frozen: bool = False) -> None:
        self._frozen = frozen
        self._offset = 0.0
        self._lock = threading.Lock()
        real_now = time.time()
        self._epoch_base = real_now if start_time is None else float(start_time)
        # for a running clock: now() = time.time() + shift + offset
        self._shift = self._epoch_base - real_now
        self._mono_base = time.monotonic()

    @property
    def offset(self) -> float:
        """Seconds added by :meth:`advance` so far."""
        return self._offset

    @property
    def frozen(self) -> bool:
        """True when the clock only moves through :meth:`advance`."""
        return self._frozen

    def now(self) -> float:
        """Epoch seconds."""
        if self._frozen:
            return self._epoch_base + self._offset
        return time.time() + self._shift + self._offset

    def monotonic(self) -> float:
        """Monotonic seconds (never goes back)."""
        if self._frozen:
            return self._mono_base + self._offset
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (>= 0) and return the new :meth:`now`."""
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, (int, float))
            or not 0 <= seconds < float("inf")
        ):
            # a clock that goes back would break every monotonic timer in the plugins
            raise ConfigError.bad_value("seconds", seconds, "a finite number >= 0")
        with self._lock:
            self._offset += float(seconds)
        return self.now()


# --------------------------------------------------------------------------- sockets


_RESERVED_CLOSE_CODES = frozenset({1004, 1005, 1006, 1015})


def valid_close_code(code: int) -> bool:
    """True for a close code that may be sent in a close frame (RFC 6455 §7.4)."""
    return (1000 <= code <= 1014 and code not in _RESERVED_CLOSE_CODES) or 3000 <= code <= 4999


@dataclass(frozen=True, slots=True)
class TrackedSocket:
    """An open server-side WebSocket a plugin registered."""

    ws: web.WebSocketResponse
    vendor: str
    user: str | None
    opened_at: float
    transport: asyncio.Transport | None

    def to_json(self) -> dict[str, Any]:
        """Describe the socket for ``GET /_emulator/ws``."""
        return {"vendor": self.vendor, "user": self.user, "opened_at": self.opened_at}


class SocketRegistry:
    """The open WebSockets of every plugin, so admin faults can drop them."""

    def __init__(self, clock: EmulatorClock) -> None:
        self._clock = clock
        self._sockets: dict[web.WebSocketResponse, TrackedSocket] = {}
        self._closing: set[asyncio.Task[bool]] = set()

    def track(self, ws: web.WebSocketResponse, *, vendor: str, user: str | None) -> None:
        """Register ``ws``; it is forgotten when it closes or its handler task ends."""
        request = CURRENT_REQUEST.get()
        transport = request.transport if request is not None else None
        if transport is None:
            # outside the core middleware (a plugin's own task): aiohttp keeps the request
            req = getattr(ws, "_req", None)
            transport = getattr(req, "transport", None)
        self._sockets[ws] = TrackedSocket(
            ws=ws,
            vendor=vendor,
            user=user,
            opened_at=self._clock.now(),
            transport=transport if isinstance(transport, asyncio.Transport) else None,
        )
        task = asyncio.current_task()
        if task is not None:
            task.add_done_callback(lambda _task: self.untrack(ws))

    def untrack(self, ws: web.WebSocketResponse) -> None:
        """Forget ``ws`` (no error if it was not tracked)."""
        self._sockets.pop(ws, None)

    def open(self, *, vendor: str | None = None, user: str | None = None) -> list[TrackedSocket]:
        """The open tracked sockets, optionally of one vendor and/or one user."""
        for ws in [ws for ws in self._sockets if ws.closed]:
            self.untrack(ws)
        return [
            s
            for s in self._sockets.values()
            if (vendor is None or s.vendor == vendor) and (user is None or s.user == user)
        ]

    def _abort(self, target: TrackedSocket) -> None:
        if target.transport is not None:
            target.transport.abort()
            return
        # no transport known: the closest we can do is a close frame without waiting
        log.debug("emulator: no transport to abort for a %s socket; closing it", target.vendor)
        task = asyncio.ensure_future(target.ws.close(code=1001))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def drop(
        self,
        *,
        vendor: str | None = None,
        user: str | None = None,
        code: int | None = None,
        message: str = "",
        close_timeout: float = 2.0,
    ) -> int:
        """Drop the matching sockets and return how many were dropped.

        ``code`` None aborts the TCP connection without a close frame (what a crashed peer
        or a dead NAT looks like); otherwise a close frame with ``code`` is sent and the
        peer's answer awaited for at most ``close_timeout`` seconds before the connection
        is cut anyway.
        """
        if code is not None and not valid_close_code(code):
            raise ConfigError.bad_value(
                "code", code, "a WebSocket close code 1000-1003, 1007-1014 or 3000-4999"
            )
        targets = self.open(vendor=vendor, user=user)
        for target in targets:
            self.untrack(target.ws)
        if code is None:
            for target in targets:
                self._abort(target)
            return len(targets)
        # a close reason is at most 123 bytes; cut on a character boundary
        reason = message.encode()[:123].decode(errors="ignore").encode()
        closes = [target.ws.close(code=code, message=reason) for target in targets]
        try:
            await asyncio.wait_for(asyncio.gather(*closes, return_exceptions=True), close_timeout)
        except TimeoutError:
            # a peer that never answers the close frame: cut it (cancelling close() does)
            log.debug("emulator: some sockets did not answer the close frame in time")
        return len(targets)


# --------------------------------------------------------------------------- core


class CoreContext:
    """The emulator core's state, shared by the admin API and every plugin.

    Implements :class:`EmulatorContext`. Tests reach it as ``EmulatorServer.ctx`` to inject
    faults or move the clock in-process (``ctx.faults.add(...)``, ``ctx.clock.advance(60)``).
    """

    def __init__(self, config: EmulatorConfig, faults: FaultInjector) -> None:
        self.config = config
        self.faults = faults
        self.clock = EmulatorClock(start_time=config.start_time, frozen=config.frozen_clock)
        self.sockets = SocketRegistry(self.clock)
        self._base_url: str | None = config.public_url
        self._pongs_default = True
        self._pongs: dict[str, bool] = {}
        self._reset_callbacks: list[ResetCallback] = []
        self._clock_callbacks: list[ClockCallback] = []
        self._simulation: SimHost | None = None
        if config.simulation is not None:
            from cxkit.emulator.simhost import SimHost

            host = SimHost(
                config.simulation,
                self.clock,
                speed=config.speed,
                interval=config.sim_interval,
            )
            self._simulation = host
            # Registered before any plugin's: plugins re-seed from the rebuilt simulation in
            # their own reset callbacks, and see the simulation already moved on a clock
            # advance.
            self._reset_callbacks.append(host.reset)
            self._clock_callbacks.append(host.advance)

    @property
    def simulation(self) -> SimHost | None:
        """The simulated contact center (see :class:`EmulatorContext`)."""
        return self._simulation

    # -- URLs

    @property
    def base_url(self) -> str:
        """The public base URL (see :class:`EmulatorContext`)."""
        if self._base_url is None:
            raise UsageError(
                "the emulator is not listening yet: base_url is known once the server started"
            )
        return self._base_url

    @property
    def ws_base_url(self) -> str:
        """The public base URL as ``ws://`` or ``wss://``."""
        base = self.base_url
        if base.startswith("https://"):
            return "wss://" + base.removeprefix("https://")
        return "ws://" + base.removeprefix("http://")

    @property
    def listening(self) -> bool:
        """True once the base URL is known."""
        return self._base_url is not None

    def set_base_url(self, url: str, *, force: bool = False) -> None:
        """Set the public base URL (the server does, once listening). Without ``force`` a
        configured ``public_url`` or an earlier value is kept."""
        if force or self._base_url is None:
            self._base_url = url.rstrip("/")

    # -- clock

    def now(self) -> float:
        """The emulator clock, epoch seconds."""
        return self.clock.now()

    def monotonic(self) -> float:
        """The emulator clock, monotonic seconds."""
        return self.clock.monotonic()

    async def advance_clock(self, seconds: float) -> list[str]:
        """Move the clock forward and run every clock callback (all of them, even when one
        fails). Returns the failures, one line each (empty when all went well)."""
        self.clock.advance(seconds)
        return await _run_callbacks("clock", list(self._clock_callbacks), float(seconds))

    def on_clock_advance(self, callback: ClockCallback) -> None:
        """Register a clock-advance callback (see :class:`EmulatorContext`)."""
        self._clock_callbacks.append(callback)

    # -- sockets and pongs

    def track_websocket(self, ws: web.WebSocketResponse, *, vendor: str, user: str | None) -> None:
        """Register an open server-side socket (see :class:`EmulatorContext`)."""
        self.sockets.track(ws, vendor=vendor, user=user)

    def pongs_enabled(self, vendor: str) -> bool:
        """Whether ``vendor``'s sockets answer pings."""
        return self._pongs.get(vendor, self._pongs_default)

    def set_pongs(self, enabled: bool, vendor: str | None = None) -> None:
        """Switch ping answers for one vendor, or (``vendor`` None) for all of them."""
        if vendor is None:
            self._pongs_default = enabled
            self._pongs.clear()
        else:
            self._pongs[vendor] = enabled

    # -- reset

    def on_reset(self, callback: ResetCallback) -> None:
        """Register a reset callback (see :class:`EmulatorContext`)."""
        self._reset_callbacks.append(callback)

    async def reset(self) -> list[str]:
        """Clear faults, answer pings again and run every reset callback (all of them, even
        when one fails). Returns the failures, one line each (empty when all went well)."""
        self.faults.clear()
        self.set_pongs(True)
        return await _run_callbacks("reset", list(self._reset_callbacks))


async def _run_callbacks(what: str, callbacks: list[Callable[..., Any]], *args: Any) -> list[str]:
    failures: list[str] = []
    for callback in callbacks:
        try:
            result = callback(*args)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            log.exception("emulator: a %s callback failed", what)
            failures.append(f"{getattr(callback, '__qualname__', callback)!s}: {exc!r}")
    return failures
