"""The Notifications WebSocket: ``GET /channels/{channelId}`` (no auth; the id is the key).

One :class:`ChannelConnection` per socket: a reader (client ``ping``, ``subscribe``,
``unsubscribe``, RFC 6455 pings), a writer draining an ordered outbox (so a notice is always
sent before the close that follows it) and a heartbeat timer. Pongs of both kinds stop while
the core's ``pongs`` fault is on.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Final

from aiohttp import WSMsgType, web

from cxkit.emulator.context import EmulatorContext
from cxkit.emulator.genesys.errors import ApiError, error_body, not_found
from cxkit.emulator.genesys.ids import new_correlation_id
from cxkit.emulator.genesys.notifications import Channel, NotificationHub, SubscriptionRefused
from cxkit.emulator.genesys.settings import LiveOptions
from cxkit.emulator.genesys.topics import HEARTBEAT, PONG, TopicError, reply_frame

__all__ = ["ChannelConnection", "channel_socket_handler"]

_log = logging.getLogger(__name__)
_MAX_PENDING: Final = 10_000
_VENDOR: Final = "genesys"


class ChannelConnection:
    """One connected socket of a channel (the hub's :class:`Outbox`)."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        channel: Channel,
        hub: NotificationHub,
        live: LiveOptions,
        ctx: EmulatorContext,
    ) -> None:
        self._ws = ws
        self._channel = channel
        self._hub = hub
        self._live = live
        self._ctx = ctx
        self._outbox: asyncio.Queue[tuple[str, Any, Any]] = asyncio.Queue(_MAX_PENDING)
        self._wake = asyncio.Event()
        self._closing = False
        self._timer: asyncio.TimerHandle | None = None
        self._last_client_frame = asyncio.get_running_loop().time()

    # ------------------------------------------------------------------ Outbox

    def send(self, frame: str) -> None:
        """Queue a text frame (dropped once closing; overflow closes the socket)."""
        if self._closing:
            return
        try:
            self._outbox.put_nowait(("text", frame, None))
        except asyncio.QueueFull:
            # the channel id is the socket's credential: log the token handle instead
            _log.warning("genesys socket of %s: outbox full, closing", self._channel.token.key)
            self._closing = True
            asyncio.get_running_loop().create_task(self._ws.close(code=1011))

    def close(self, code: int, reason: str) -> None:
        """Close after the frames already queued."""
        if self._closing:
            return
        self._closing = True
        try:
            self._outbox.put_nowait(("close", code, reason))
        except asyncio.QueueFull:
            asyncio.get_running_loop().create_task(self._ws.close(code=code))

    def close_later(self, delay: float, code: int, reason: str) -> None:
        """Close after ``delay`` seconds unless closed before."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(delay, self.close, code, reason)

    def wake(self) -> None:
        """Re-read heartbeat settings now."""
        self._wake.set()

    # ------------------------------------------------------------------ tasks

    async def _writer(self) -> None:
        while True:
            kind, first, second = await self._outbox.get()
            try:
                if kind == "text":
                    await self._ws.send_str(first)
                elif kind == "pong":
                    await self._ws.pong(first)
                else:
                    await self._ws.close(code=first, message=str(second).encode()[:120])
                    return
            except (ConnectionError, RuntimeError):
                return

    async def _heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        next_beat = loop.time() + self._live.current.heartbeat_interval
        while not self._closing:
            options = self._live.current
            # The idle timeout (if any) is a second deadline on the same timer.
            idle_at = (
                self._last_client_frame + options.idle_timeout
                if options.idle_timeout is not None
                else None
            )
            wait = min(next_beat, idle_at) if idle_at is not None else next_beat
            try:
                await asyncio.wait_for(self._wake.wait(), max(0.0, wait - loop.time()))
            except TimeoutError:
                now = loop.time()
                if idle_at is not None and now >= idle_at:
                    self.close(1001, "idle timeout")
                    return
                if now >= next_beat:
                    if options.heartbeats:
                        self.send(HEARTBEAT)
                    next_beat = now + options.heartbeat_interval
                continue
            self._wake.clear()
            next_beat = loop.time() + self._live.current.heartbeat_interval

    async def run(self) -> None:
        """Serve the socket until it closes."""
        writer = asyncio.create_task(self._writer())
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            async for msg in self._ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_text(msg.data)
                elif msg.type == WSMsgType.PING:
                    self._last_client_frame = asyncio.get_running_loop().time()
                    if self._ctx.pongs_enabled(_VENDOR) and not self._closing:
                        self._outbox.put_nowait(("pong", msg.data, None))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            close_requested, self._closing = self._closing, True
            heartbeat.cancel()
            if self._timer is not None:
                self._timer.cancel()
            if not close_requested:
                writer.cancel()  # the client left: nothing more to send
            await asyncio.wait({writer}, timeout=2.0)
            if not writer.done():
                writer.cancel()
            self._hub.detach(self._channel, self)

    # ------------------------------------------------------------------ client messages

    def _on_text(self, text: str) -> None:
        self._last_client_frame = asyncio.get_running_loop().time()
        if self._closing or self._channel.socket is not self:
            return  # replaced or removed: the close is on its way
        try:
            data = json.loads(text)
        except ValueError:
            self.send(reply_frame(result="400", status="error", message="message is not JSON"))
            return
        if not isinstance(data, dict):
            self.send(reply_frame(result="400", status="error", message="message is not an object"))
            return
        kind = data.get("message")
        correlation = data.get("correlationId")
        if kind == "ping":
            if self._ctx.pongs_enabled(_VENDOR):
                self.send(PONG)
        elif kind in ("subscribe", "unsubscribe"):
            self._on_subscription(kind, data.get("topics"), correlation)
        else:
            self.send(
                reply_frame(
                    result="400",
                    status="error",
                    message=f"unknown message {kind!r}",
                    correlationId=correlation,
                )
            )

    def _on_subscription(self, kind: str, topics: Any, correlation: Any) -> None:
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            self.send(
                reply_frame(
                    result="400",
                    status="error",
                    message="topics must be a list of strings",
                    correlationId=correlation,
                )
            )
            return
        try:
            if kind == "subscribe":
                self._hub.subscribe(self._channel, topics)
                status = "subscribed"
            else:
                self._hub.unsubscribe(self._channel, topics)
                status = "unsubscribed"
        except (SubscriptionRefused, TopicError) as exc:
            self.send(
                reply_frame(
                    result="400", status="error", message=str(exc), correlationId=correlation
                )
            )
            return
        self.send(reply_frame(result="200", status=status, correlationId=correlation))


async def _reject_invalid(
    request: web.Request, live: LiveOptions, channel_id: str
) -> web.StreamResponse:
    mode = live.current.invalid_channel
    message = f"Channel {channel_id} was not found or is no longer valid"
    if mode in ("reject_401", "reject_404"):
        error = ApiError(401, "bad.credentials") if mode == "reject_401" else not_found("channel")
        correlation = new_correlation_id()
        return web.json_response(
            error_body(error, correlation),
            status=error.status,
            headers={"ININ-Correlation-Id": correlation},
        )
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str(reply_frame(result="404", message=message))
    await ws.close(code=1000, message=b"channel not found")
    return ws


def channel_socket_handler(hub: NotificationHub, live: LiveOptions, ctx_getter: Any) -> Any:
    """The aiohttp handler for ``GET /channels/{channel_id}``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        channel_id = request.match_info["channel_id"]
        probe = web.WebSocketResponse()
        if not probe.can_prepare(request).ok:
            return web.json_response(
                {"message": "WebSocket upgrade required", "code": "bad.request", "status": 400},
                status=400,
            )
        channel = hub.get(channel_id)
        if channel is None:
            return await _reject_invalid(request, live, channel_id)
        ctx: EmulatorContext = ctx_getter()
        ws = web.WebSocketResponse(autoping=False, max_msg_size=1_048_576)
        await ws.prepare(request)
        ctx.track_websocket(
            ws, vendor=_VENDOR, user=channel.token.user_id or channel.token.client_id
        )
        connection = ChannelConnection(ws, channel, hub, live, ctx)
        hub.attach(channel, connection)
        await connection.run()
        return ws

    return handler
