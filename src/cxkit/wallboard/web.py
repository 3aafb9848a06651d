"""The web wallboard: one static page, updated live by Server-Sent Events.

Routes of :func:`create_app`:

=====================  ===============================================================
``GET /``              the page (HTML; its CSS and JS are served from ``/static/``)
``GET /static/{file}`` ``wallboard.css``, ``wallboard.js`` (no CDN, no build step)
``GET /events``        the SSE stream: a ``snapshot`` event, then ``delta`` events
``GET /api/snapshot``  the same snapshot as JSON (integrations, debugging)
``GET /healthz``       ``{"ok": true, "version": n}``
=====================  ===============================================================

SSE protocol. Every message has an id ``"<instance>.<seq>"``. A new connection gets a
``snapshot`` (its id is the sequence it reflects), then ``delta`` messages. A browser that
reconnects sends ``Last-Event-ID`` (``EventSource`` does it by itself; ``?lastEventId=`` works
too): when that id belongs to this server instance and the deltas since are still in the
history, only those are sent; otherwise a fresh snapshot. A client too slow to keep up is not
dropped and loses nothing: its backlog is replaced by a fresh snapshot.

:class:`LivePublisher` drains the model's changes at most every ``flush_interval`` seconds and
sends one delta per flush, so a busy feed (thousands of agents) costs one message per interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

import msgspec
from aiohttp import web

from cxkit.errors import ConfigError
from cxkit.wallboard.model import WallboardModel
from cxkit.wallboard.wire import delta_doc, snapshot_doc

__all__ = ["PUBLISHER_KEY", "LivePublisher", "create_app"]

logger = logging.getLogger("cxkit.wallboard")

_STATIC: Final = {
    "wallboard.css": "text/css",
    "wallboard.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
}
_encoder: Final = msgspec.json.Encoder()


def _asset(name: str) -> bytes:
    return resources.files("cxkit.wallboard").joinpath("static", name).read_bytes()


def _sse(event: str, event_id: str, data: bytes) -> bytes:
    # JSON from msgspec has no raw newlines, so the payload is always one ``data:`` line.
    head = f"event: {event}\nid: {event_id}\ndata: ".encode()
    return head + data + b"\n\n"


@dataclass(eq=False)
class _Client:
    """One connected page: its queue of (seq, message) and its resync flag."""

    after: int
    queue: asyncio.Queue[tuple[int, bytes] | None]
    resync: bool = False
    sent: int = field(default=0)


class LivePublisher:
    """Turns model changes into SSE messages for every connected page.

    Args:
        model: the board's model (its changes are drained here: one publisher per model).
        title: shown by the page.
        flush_interval: seconds changes are gathered before one delta goes out.
        history: deltas kept for ``Last-Event-ID`` resumes.
        client_queue: messages buffered per page before it is resynchronised by a snapshot.
        heartbeat: seconds of silence after which a comment line keeps proxies from closing.
    """

    def __init__(
        self,
        model: WallboardModel,
        *,
        title: str = "Contact center",
        flush_interval: float = 0.1,
        history: int = 1024,
        client_queue: int = 256,
        heartbeat: float = 15.0,
    ) -> None:
        for key, value in (("flush_interval", flush_interval), ("heartbeat", heartbeat)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ConfigError.bad_value(f"wallboard.{key}", value, "a number > 0")
        for key, count in (("history", history), ("client_queue", client_queue)):
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ConfigError.bad_value(f"wallboard.{key}", count, "an integer >= 1")
        self.model = model
        self.title = title
        self.flush_interval = float(flush_interval)
        self.heartbeat = float(heartbeat)
        self.client_queue = client_queue
        self.instance = secrets.token_hex(4)
        self.seq = 0
        self._history: deque[tuple[int, bytes]] = deque(maxlen=history)
        self._clients: set[_Client] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.deltas = 0
        self.snapshots = 0

    # ------------------------------------------------------------------ feeding

    def notify(self) -> None:
        """The model changed: a delta goes out within ``flush_interval``."""
        self._wake.set()

    def start(self) -> None:
        """Start the flush loop (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="cxkit-wallboard-publisher"
            )

    async def stop(self) -> None:
        """Stop the flush loop and end every page's stream."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for client in tuple(self._clients):
            with contextlib.suppress(asyncio.QueueFull):
                client.queue.put_nowait(None)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            # Gather what else changes meanwhile into the same delta.
            await asyncio.sleep(self.flush_interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # a bug here must not stop the board
                logger.exception("wallboard: building a delta failed")

    def flush(self) -> bytes | None:
        """Send the pending changes now as one delta (None when nothing changed)."""
        changes = self.model.drain()
        if not changes:
            return None
        self.seq += 1
        data = _encoder.encode(delta_doc(self.model, changes))
        message = _sse("delta", self._id(self.seq), data)
        self._history.append((self.seq, message))
        self.deltas += 1
        for client in tuple(self._clients):
            if client.resync:
                continue
            try:
                client.queue.put_nowait((self.seq, message))
            except asyncio.QueueFull:
                # The page is behind by a whole queue: its pump finds the flag on the next
                # item and sends a snapshot instead of the backlog.
                client.resync = True
        return message

    # ------------------------------------------------------------------ pages

    def _id(self, seq: int) -> str:
        return f"{self.instance}.{seq}"

    def snapshot(self) -> tuple[int, bytes]:
        """The current board as an SSE ``snapshot`` message (and the seq it reflects)."""
        self.snapshots += 1
        data = _encoder.encode(snapshot_doc(self.model, title=self.title))
        return self.seq, _sse("snapshot", self._id(self.seq), data)

    def snapshot_json(self) -> bytes:
        """The current board as JSON."""
        return _encoder.encode(snapshot_doc(self.model, title=self.title))

    def resume(self, last_event_id: str | None) -> list[tuple[int, bytes]] | None:
        """The deltas after ``last_event_id``, or None when a snapshot is needed instead."""
        if not last_event_id:
            return None
        instance, _, seq_text = last_event_id.strip().partition(".")
        if instance != self.instance or not seq_text.isdigit():
            return None
        seq = int(seq_text)
        if seq > self.seq:
            return None
        if seq == self.seq:
            return []
        if not self._history or self._history[0][0] > seq + 1:
            return None  # some deltas after it are gone
        return [item for item in self._history if item[0] > seq]

    def subscribe(self) -> _Client:
        """Register a page (call before building its first message, so nothing is missed)."""
        client = _Client(after=self.seq, queue=asyncio.Queue(self.client_queue))
        self._clients.add(client)
        return client

    def unsubscribe(self, client: _Client) -> None:
        """Forget a page."""
        self._clients.discard(client)

    @property
    def clients(self) -> int:
        """Pages connected now."""
        return len(self._clients)

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """The ``GET /events`` handler."""
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache, no-transform",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        client = self.subscribe()
        try:
            last = request.headers.get("Last-Event-ID") or request.query.get("lastEventId")
            await response.write(b"retry: 2000\n\n")
            resumed = self.resume(last)
            if resumed is None:
                client.after, message = self.snapshot()
                await response.write(message)
            else:
                for seq, message in resumed:
                    await response.write(message)
                    client.after = seq
            await self._pump(client, response)
        except (ConnectionResetError, ConnectionError):
            pass  # the page went away
        finally:
            self.unsubscribe(client)
        return response

    async def _pump(self, client: _Client, response: web.StreamResponse) -> None:
        while True:
            try:
                item = await asyncio.wait_for(client.queue.get(), self.heartbeat)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            if item is None:
                return  # shutting down
            if client.resync:
                while not client.queue.empty():
                    client.queue.get_nowait()
                client.resync = False
                client.after, message = self.snapshot()
                await response.write(message)
                continue
            seq, message = item
            if seq <= client.after or not message:
                continue
            await response.write(message)
            client.after = seq
            client.sent += 1


PUBLISHER_KEY: Final = web.AppKey("wallboard_publisher", LivePublisher)
"""The app's :class:`LivePublisher` (``app[PUBLISHER_KEY]``)."""


def create_app(publisher: LivePublisher) -> web.Application:
    """The wallboard's aiohttp application (starts and stops the publisher with the app)."""
    app = web.Application()
    app[PUBLISHER_KEY] = publisher
    page = _asset("index.html")

    async def index(request: web.Request) -> web.StreamResponse:
        return web.Response(body=page, content_type="text/html", charset="utf-8", headers=_NO_STORE)

    async def static(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        content_type = _STATIC.get(name)
        if content_type is None:
            raise web.HTTPNotFound(text=f"no static file {name!r}")
        return web.Response(body=_asset(name), content_type=content_type, headers=_NO_STORE)

    async def snapshot(request: web.Request) -> web.StreamResponse:
        return web.Response(body=publisher.snapshot_json(), content_type="application/json")

    async def health(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"ok": True, "version": publisher.model.version, "clients": publisher.clients}
        )

    async def on_startup(app: web.Application) -> None:
        publisher.start()

    async def on_shutdown(app: web.Application) -> None:
        await publisher.stop()

    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/events", publisher.stream)
    app.router.add_get("/api/snapshot", snapshot)
    app.router.add_get("/healthz", health)
    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    return app


# The page is small and changes with the package: never serve a stale copy from a cache.
_NO_STORE: Final[dict[str, Any]] = {"Cache-Control": "no-store"}
