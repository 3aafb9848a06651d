"""A real EventStream, driven from plain blocking code through the sync facade.

The loopback WebSocket server runs on its own portal (another background loop), the stream on
a second one, and the test body is ordinary synchronous code.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cxkit.config import ReconnectPolicy
from cxkit.core.session import ConnectTarget, SendText, Step
from cxkit.core.stream import EventStream
from cxkit.errors import UsageError
from cxkit.events import RawEvent, StreamState, StreamStateChanged, utcnow
from cxkit.sync import Portal, SyncProxy, run, syncify
from tests.helpers.loopback import serve

TIMEOUT = 5.0


class EchoSession:
    """Every text frame becomes a RawEvent; no keepalive."""

    name = "sync.stream"
    vendor = "test"
    tenant = "t1"

    def __init__(self, url: str) -> None:
        self.url = url

    async def connect_target(self) -> ConnectTarget:
        return ConnectTarget(self.url)

    def on_open(self, now: float) -> Step:
        return Step()

    def receive_text(self, data: str, now: float) -> Step:
        return Step(events=[RawEvent(vendor="test", occurred_at=utcnow(), type="m", payload=data)])

    def receive_bytes(self, data: bytes, now: float) -> Step:
        return Step()

    def tick(self, now: float) -> Step:
        return Step()

    def next_deadline(self) -> float | None:
        return None

    def on_closed(self, code: int | None, reason: str, now: float) -> Step:
        return Step()

    def event_kinds(self, event: Any) -> tuple[str, ...]:
        return ("message",)


@pytest.fixture
def server() -> Iterator[tuple[str, queue.Queue[str]]]:
    """A WebSocket server on its own portal: greets with 3 frames, records what it gets."""
    received: queue.Queue[str] = queue.Queue()

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        for i in range(3):
            await ws.send_str(f"hello-{i}")
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                received.put(msg.data)
        received.put("<closed>")
        return ws

    app = web.Application()
    app.router.add_get("/ws", handle)
    with Portal("test-server") as server_portal, syncify(serve(app), portal=server_portal) as base:
        yield base.replace("http://", "ws://") + "/ws", received


@contextlib.contextmanager
def watchdog(stream: EventStream, portal: Portal) -> Iterator[None]:
    """Safety net: close the stream if the test hangs, so iteration ends and asserts fail."""
    timer = threading.Timer(TIMEOUT, lambda: run(stream.close(), portal=portal))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def test_event_stream_from_plain_code(server: tuple[str, queue.Queue[str]]) -> None:
    url, received = server
    handled: queue.Queue[Any] = queue.Queue()
    with Portal("client") as portal:
        raw = EventStream(EchoSession(url), reconnect=ReconnectPolicy(min_wait=0.01, max_wait=0.02))
        stream = syncify(raw, portal=portal)
        assert isinstance(stream, SyncProxy) and repr(stream) == f"syncify({raw!r})"
        stream.on("message", handled.put)  # a sync handler, run in the portal thread
        events = iter(stream)  # registered before the stream starts: sees every event
        with watchdog(raw, portal), stream:
            payloads = []
            for event in events:  # async for, driven from this thread
                if isinstance(event, RawEvent):
                    payloads.append(event.payload)
                if len(payloads) == 3:
                    break
            assert payloads == ["hello-0", "hello-1", "hello-2"]
            assert [handled.get(timeout=TIMEOUT).payload for _ in range(3)] == payloads
            assert stream.state is StreamState.CONNECTED

            stream.execute(Step(actions=[SendText("sub-1"), SendText("sub-2")]))
            assert [received.get(timeout=TIMEOUT) for _ in range(2)] == ["sub-1", "sub-2"]
            assert stream.stats.frames == 3  # plain data comes back as is

        assert raw.state is StreamState.CLOSED
        assert received.get(timeout=TIMEOUT) == "<closed>"


def test_blocking_call_inside_a_handler_is_refused(server: tuple[str, queue.Queue[str]]) -> None:
    url, _ = server
    errors: queue.Queue[BaseException] = queue.Queue()
    with Portal("client") as portal:
        raw = EventStream(EchoSession(url))
        stream = syncify(raw, portal=portal)

        def handler(event: Any) -> None:
            # Handlers run on the portal loop: a blocking call there would wait for itself.
            try:
                stream.execute(Step())
            except UsageError as exc:
                errors.put(exc)
                raise

        stream.on("message", handler)
        events = iter(stream)
        with watchdog(raw, portal), stream:
            states = []
            for event in events:
                if isinstance(event, StreamStateChanged):
                    states.append(event.state)
                if isinstance(event, RawEvent) and event.payload == "hello-2":
                    break
            assert isinstance(errors.get(timeout=TIMEOUT), UsageError)
            assert stream.stats.handler_errors == 3  # logged and counted, stream alive
            assert states == [StreamState.CONNECTING, StreamState.CONNECTED]
            assert stream.state is StreamState.CONNECTED
