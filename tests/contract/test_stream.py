"""EventStream over a real loopback aiohttp WebSocket server.

The server is a tiny aiohttp app the tests steer (answer pongs or not, drop, refuse the
handshake, push frames). The session is a small sans-I/O keepalive session written here: it
sends "ping" every ``interval`` via tick()/next_deadline(), expects "pong", and asks for a
reconnect after two missed pongs; every other text frame becomes an event.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cxkit.config import ProxyConfig, ReconnectPolicy
from cxkit.core.http import GENERIC, HTTPClient
from cxkit.core.session import (
    Close,
    ConnectTarget,
    Fail,
    Reconnect,
    SendText,
    Step,
)
from cxkit.core.stream import EventStream, StreamIterator
from cxkit.errors import ConfigError, ConnectError, ServerError, StreamError, UsageError
from cxkit.events import RawEvent, StreamGap, StreamState, StreamStateChanged, utcnow
from tests.helpers.loopback import serve

TIMEOUT = 5.0  # safety net: a broken feature fails fast instead of hanging
FAST = ReconnectPolicy(min_wait=0.01, max_wait=0.02, reset_after=30.0)


# --------------------------------------------------------------------------- test server


@dataclasses.dataclass
class Conn:
    """One WebSocket connection as the server saw it."""

    ws: web.WebSocketResponse
    authorization: str | None
    cookies: dict[str, str]
    received: asyncio.Queue[str] = dataclasses.field(default_factory=asyncio.Queue)
    closed: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    close_code: int | None = None


class Server:
    """A WebSocket endpoint the test steers."""

    def __init__(self) -> None:
        self.url = ""
        self.connections: list[Conn] = []
        self.connected: asyncio.Queue[Conn] = asyncio.Queue()
        self.answer_pongs = True
        # statuses (or (status, headers)) to answer the next handshakes with
        self.refuse: list[int | tuple[int, dict[str, str]]] = []
        self.handshakes = 0
        self.refused = asyncio.Event()
        # control pings: answered by aiohttp (None), by hand and counted (True), or ignored
        self.control_pongs: bool | None = None
        self.control_pings: asyncio.Queue[bytes] = asyncio.Queue()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.handshakes += 1
        if self.refuse:
            refusal = self.refuse.pop(0)
            status, headers = refusal if isinstance(refusal, tuple) else (refusal, {})
            self.refused.set()
            return web.Response(status=status, text="refused", headers=headers)
        ws = web.WebSocketResponse(autoping=self.control_pongs is None)
        await ws.prepare(request)
        conn = Conn(ws, request.headers.get("Authorization"), dict(request.cookies))
        self.connections.append(conn)
        self.connected.put_nowait(conn)
        try:
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.PING:
                    self.control_pings.put_nowait(msg.data)
                    if self.control_pongs:
                        await ws.pong(msg.data)
                elif msg.type is aiohttp.WSMsgType.TEXT:
                    conn.received.put_nowait(msg.data)
                    if msg.data == "ping" and self.answer_pongs:
                        await ws.send_str("pong")
        finally:
            conn.close_code = ws.close_code
            conn.closed.set()
        return ws

    async def next_connection(self) -> Conn:
        return await asyncio.wait_for(self.connected.get(), TIMEOUT)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server()
    app = web.Application()
    app.router.add_get("/ws", srv.handle)
    async with serve(app) as base:
        srv.url = base.replace("http://", "ws://") + "/ws"
        yield srv


# --------------------------------------------------------------------------- test session


class PingSession:
    """Sends "ping" every ``interval`` s; two missed pongs ask for a reconnect.

    Text frames: "pong" (keepalive), "fail:<msg>" (Fail), "close" (Close), "migrate"
    (Reconnect at once, no gap), "boom" (the session raises, like a buggy vendor session);
    anything else is delivered as a RawEvent.
    """

    name = "test.stream"
    vendor = "test"
    tenant = "tenant-1"

    def __init__(self, url: str, *, interval: float | None = None) -> None:
        self.url = url
        self.interval = interval
        self.targets = 0
        self.cookies: dict[str, str] = {}
        self.opened = 0
        self.closed_with: list[tuple[int | None, str]] = []
        self._deadline: float | None = None
        self._awaiting_pong = False
        self._missed = 0

    async def connect_target(self) -> ConnectTarget:
        self.targets += 1  # a fresh credential for every attempt
        return ConnectTarget(
            self.url,
            headers={"Authorization": f"Bearer token-{self.targets}"},
            cookies=self.cookies,
        )

    def on_open(self, now: float) -> Step:
        self.opened += 1
        self._awaiting_pong = False
        self._missed = 0
        self._deadline = None if self.interval is None else now + self.interval
        return Step(actions=[SendText(f"hello-{self.opened}")])

    def receive_text(self, data: str, now: float) -> Step:
        step = Step()
        if data == "pong":
            self._awaiting_pong = False
            self._missed = 0
        elif data.startswith("fail:"):
            step.act(Fail(StreamError(data[5:])))
        elif data == "close":
            step.act(Close("server said close"))
        elif data == "migrate":
            step.act(Reconnect("migrating", delay=0, gap=False))
        elif data == "boom":
            raise ValueError("session bug")
        else:
            step.emit(RawEvent(vendor=self.vendor, occurred_at=utcnow(), type="msg", payload=data))
        return step

    def receive_bytes(self, data: bytes, now: float) -> Step:
        return self.receive_text(data.decode(), now)

    def tick(self, now: float) -> Step:
        step = Step()
        assert self.interval is not None
        if self._awaiting_pong:
            self._missed += 1
            if self._missed >= 2:
                self._deadline = None
                step.act(Reconnect("2 missed pongs"))
                return step
        self._awaiting_pong = True
        self._deadline = now + self.interval
        step.act(SendText("ping"))
        return step

    def next_deadline(self) -> float | None:
        return self._deadline

    def on_closed(self, code: int | None, reason: str, now: float) -> Step:
        self._deadline = None
        self.closed_with.append((code, reason))
        return Step()

    def event_kinds(self, event: Any) -> tuple[str, ...]:
        return ("message", f"message:{event.payload}") if isinstance(event, RawEvent) else ()


# --------------------------------------------------------------------------- helpers


async def next_event(it: StreamIterator, *, skip_state: bool = True) -> Any:
    """The next event, skipping state events unless asked."""
    while True:
        event = await asyncio.wait_for(it.__anext__(), TIMEOUT)
        if not (skip_state and isinstance(event, StreamStateChanged)):
            return event


async def until(predicate: Callable[[], bool], signal: asyncio.Event) -> None:
    """Wait (event-driven) until ``predicate()`` holds; ``signal`` is set on every change."""

    async def loop() -> None:
        while not predicate():
            signal.clear()
            await signal.wait()

    await asyncio.wait_for(loop(), TIMEOUT)


def recorder() -> tuple[list[Any], asyncio.Event, Callable[[Any], None]]:
    seen: list[Any] = []
    changed = asyncio.Event()

    def record(event: Any) -> None:
        seen.append(event)
        changed.set()

    return seen, changed, record


def instant_sleep(delays: list[float]) -> Callable[[float], Awaitable[None]]:
    async def sleep(delay: float) -> None:
        delays.append(delay)

    return sleep


# --------------------------------------------------------------------------- tests


async def test_reconnects_after_server_drop_with_fresh_credentials(server: Server) -> None:
    session = PingSession(server.url)
    session.cookies = {"sid": "cookie-1"}
    delays: list[float] = []
    stream = EventStream(session, reconnect=FAST, sleep=instant_sleep(delays))
    it = aiter(stream)
    async with stream:
        first = await server.next_connection()
        assert first.authorization == "Bearer token-1"
        assert first.cookies == {"sid": "cookie-1"}
        assert await asyncio.wait_for(first.received.get(), TIMEOUT) == "hello-1"
        await first.ws.send_str("before")
        assert (await next_event(it)).payload == "before"

        await first.ws.close(code=1001, message=b"going away")  # the server drops us
        second = await server.next_connection()
        assert second.authorization == "Bearer token-2"  # connect_target() asked again
        await second.ws.send_str("after")
        gap = await next_event(it)
        assert isinstance(gap, StreamGap)
        assert gap.stream == "test.stream" and gap.vendor == "test" and gap.tenant == "tenant-1"
        assert gap.since <= gap.until
        assert (await next_event(it)).payload == "after"

    assert session.targets == 2
    assert session.closed_with[0] == (1001, "going away")
    assert len(delays) == 1 and 0 <= delays[0] <= FAST.max_wait  # the policy's backoff
    assert stream.stats.reconnects == 1 and stream.stats.connects == 2
    assert stream.state is StreamState.CLOSED


async def test_reconnects_after_an_abrupt_tcp_drop(server: Server) -> None:
    session = PingSession(server.url)
    async with EventStream(session, reconnect=FAST) as stream:
        it = aiter(stream)
        first = await server.next_connection()
        transport = first.ws._req.transport if first.ws._req else None  # type: ignore[attr-defined]
        assert transport is not None
        transport.abort()  # no close frame: a network drop
        second = await server.next_connection()
        await second.ws.send_str("still here")
        event = await next_event(it)
        assert isinstance(event, StreamGap)
        assert (await next_event(it)).payload == "still here"
    assert session.closed_with[0][0] is None  # on_closed(code=None) for a drop


async def test_reconnects_after_missed_keepalives(server: Server) -> None:
    session = PingSession(server.url, interval=0.05)
    server.answer_pongs = False
    async with EventStream(session, reconnect=FAST) as stream:
        first = await server.next_connection()
        # The session pings on its own schedule; unanswered, the runner reconnects.
        second = await server.next_connection()
        await asyncio.wait_for(first.closed.wait(), TIMEOUT)
        pings = [first.received.get_nowait() for _ in range(first.received.qsize())]
        assert pings[0] == "hello-1" and pings[1:].count("ping") >= 2
        assert first.close_code == 1000  # the runner closed it politely

        # Pongs flow again: three pings answered span more than two intervals, so a broken
        # keepalive would have reconnected again meanwhile.
        server.answer_pongs = True
        for _ in range(3):
            while await asyncio.wait_for(second.received.get(), TIMEOUT) != "ping":
                pass
        assert len(server.connections) == 2
        assert stream.stats.reconnects == 1


async def test_unanswered_control_pings_drop_the_socket_and_answered_ones_keep_it(
    server: Server,
) -> None:
    session = PingSession(server.url)
    session.protocol_ping_interval = 0.1  # type: ignore[attr-defined]
    server.control_pongs = False
    async with EventStream(session, reconnect=FAST):
        first = await server.next_connection()
        await asyncio.wait_for(server.control_pings.get(), TIMEOUT)
        server.control_pongs = True  # the next socket answers
        second = await server.next_connection()  # the unanswered ping dropped the first
        await asyncio.wait_for(first.closed.wait(), TIMEOUT)
        while not server.control_pings.empty():
            server.control_pings.get_nowait()
        for _ in range(4):  # four answered pings: the socket stays
            await asyncio.wait_for(server.control_pings.get(), TIMEOUT)
        assert server.handshakes == 2 and not second.closed.is_set()


async def test_state_events_in_order(server: Server) -> None:
    session = PingSession(server.url)
    seen, changed, record = recorder()
    stream = EventStream(session, reconnect=FAST)
    stream.on("stream.state", record)
    async with stream:
        conn = await server.next_connection()
        await until(lambda: len(seen) == 2, changed)
        await conn.ws.close()
        await server.next_connection()
        await until(lambda: len(seen) == 4, changed)
    states = [(e.state, e.stream, e.vendor, e.tenant) for e in seen]
    assert [s[0] for s in states] == [
        StreamState.CONNECTING,
        StreamState.CONNECTED,
        StreamState.RECONNECTING,
        StreamState.CONNECTED,
        StreamState.CLOSED,
    ]
    assert all(s[1:] == ("test.stream", "test", "tenant-1") for s in states)
    assert seen[2].attempt == 1


async def test_handler_that_raises_does_not_kill_the_stream(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    session = PingSession(server.url)
    seen, changed, record = recorder()

    def bad_sync(event: Any) -> None:
        raise RuntimeError("handler bug")

    async def bad_async(event: Any) -> None:
        raise KeyError("async handler bug")

    stream = EventStream(session, reconnect=FAST)
    off_sync = stream.on("message", bad_sync)
    off_async = stream.on("raw", bad_async)  # unified events answer to their event_kind tag
    stream.on("message:two", record)  # kinds from session.event_kinds()
    stream.on("*", record)
    with caplog.at_level(logging.ERROR, logger="cxkit.stream"):
        async with stream:
            it = aiter(stream)
            conn = await server.next_connection()
            for text in ("one", "two", "three"):
                await conn.ws.send_str(text)
            assert [(await next_event(it)).payload for _ in range(3)] == ["one", "two", "three"]
            await until(lambda: len([e for e in seen if isinstance(e, RawEvent)]) == 4, changed)
            off_sync()
            off_async()
            off_sync()  # unsubscribing twice is harmless
            await conn.ws.send_str("four")
            assert (await next_event(it)).payload == "four"
    payloads = [e.payload for e in seen if isinstance(e, RawEvent)]
    assert payloads == ["one", "two", "two", "three", "four"]
    assert stream.stats.handler_errors == 6
    failures = [r for r in caplog.records if r.name == "cxkit.stream" and r.exc_info]
    assert len(failures) == 6
    assert {type(r.exc_info[1]) for r in failures if r.exc_info} == {RuntimeError, KeyError}


class ByTypeSession(PingSession):
    """A session whose unified events answer to their kind alone (like Five9's and Genesys's):
    the runner may pick their handlers by type."""

    unified_kinds_by_type = True

    def event_kinds(self, event: Any) -> tuple[str, ...]:
        return ()


async def test_unified_events_picked_by_type_follow_handler_changes(server: Server) -> None:
    session = ByTypeSession(server.url)
    raw_seen, raw_changed, on_raw = recorder()
    late_seen, late_changed, on_late = recorder()
    stream = EventStream(session, reconnect=FAST)
    off_raw = stream.on("raw", on_raw)
    stream.on("agent.state", on_late)  # a kind no event here has: never called
    async with stream:
        conn = await server.next_connection()
        await conn.ws.send_str("one")
        await until(lambda: len(raw_seen) == 1, raw_changed)
        # A handler added once the by-type choice is cached must see the next event...
        stream.on("*", on_late)
        await conn.ws.send_str("two")
        await until(lambda: len(late_seen) == 1 and len(raw_seen) == 2, late_changed)
        # ...and one removed must not.
        off_raw()
        await conn.ws.send_str("three")
        await until(lambda: len(late_seen) >= 2, late_changed)
    assert [e.payload for e in raw_seen] == ["one", "two"]
    assert [e.payload for e in late_seen if isinstance(e, RawEvent)] == ["two", "three"]


async def test_session_method_that_raises_is_logged_and_skipped(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    session = PingSession(server.url)
    with caplog.at_level(logging.ERROR, logger="cxkit.stream"):
        async with EventStream(session, reconnect=FAST) as stream:
            it = aiter(stream)
            conn = await server.next_connection()
            await conn.ws.send_str("boom")
            await conn.ws.send_str("next")
            assert (await next_event(it)).payload == "next"
    assert stream.stats.session_errors == 1 and stream.stats.malformed == 1
    assert stream.stats.connects == 1  # no reconnect needed
    assert any("receive_text" in r.getMessage() for r in caplog.records)


async def test_fail_action_ends_iterators_with_the_error(server: Server) -> None:
    session = PingSession(server.url)
    stream = EventStream(session, reconnect=FAST)
    first, second = aiter(stream), aiter(stream)
    async with stream:
        conn = await server.next_connection()
        await conn.ws.send_str("last words")
        await conn.ws.send_str("fail:token revoked")
        for it in (first, second):  # every iterator gets every event, then the error
            assert (await next_event(it)).payload == "last words"
            with pytest.raises(StreamError, match="token revoked"):
                await next_event(it)
            with pytest.raises(StopAsyncIteration):
                await it.__anext__()
        await asyncio.wait_for(conn.closed.wait(), TIMEOUT)
        assert stream.state is StreamState.CLOSED
        with pytest.raises(StreamError, match="token revoked"):
            await asyncio.wait_for(stream.wait_closed(), TIMEOUT)
        with pytest.raises(UsageError):
            await stream.execute(Step())
    assert conn.close_code == 1000


async def test_close_action_ends_iterators_cleanly(server: Server) -> None:
    session = PingSession(server.url)
    async with EventStream(session, reconnect=FAST) as stream:
        conn = await server.next_connection()
        await conn.ws.send_str("close")
        events = [e async for e in stream]  # ends without an error
        assert isinstance(events[-1], StreamStateChanged)
        assert events[-1].state is StreamState.CLOSED
        assert events[-1].reason == "server said close"
        assert stream.error is None
        assert session.targets == 1  # no reconnect after a Close


async def test_backpressure_does_not_lose_events(server: Server) -> None:
    session = PingSession(server.url)
    counted: list[int] = []
    stream = EventStream(session, reconnect=FAST, max_queue=2, emit_state_events=False)
    stream.on("message", lambda e: counted.append(1))
    slow, fast = aiter(stream), aiter(stream)
    total = 300
    async with stream:
        conn = await server.next_connection()

        async def read_fast() -> list[str]:
            return [(await next_event(fast)).payload for _ in range(total)]

        fast_reader = asyncio.create_task(read_fast())
        for i in range(total):
            await conn.ws.send_str(f"m{i}")
        # The slow reader has not read yet: the runner waits for it instead of dropping.
        assert stream.stats.frames <= 3
        got = [(await next_event(slow)).payload for _ in range(total)]
        assert got == [f"m{i}" for i in range(total)]
        assert await asyncio.wait_for(fast_reader, TIMEOUT) == got
        assert len(counted) == total


async def test_execute_sends_in_order_and_reconnects_at_once(server: Server) -> None:
    session = PingSession(server.url)
    delays: list[float] = []
    # A backoff this long would time the test out: Reconnect(delay=0) must not use it.
    slow = ReconnectPolicy(min_wait=60.0, max_wait=60.0)
    async with EventStream(session, reconnect=slow, sleep=instant_sleep(delays)) as stream:
        it = aiter(stream)
        conn = await server.next_connection()
        assert await asyncio.wait_for(conn.received.get(), TIMEOUT) == "hello-1"
        await stream.execute(
            Step(
                events=[RawEvent(vendor="test", occurred_at=utcnow(), type="app", payload="x")],
                actions=[SendText("sub-1"), SendText("sub-2")],
            )
        )
        assert [await asyncio.wait_for(conn.received.get(), TIMEOUT) for _ in range(2)] == [
            "sub-1",
            "sub-2",
        ]
        assert (await next_event(it)).payload == "x"

        await conn.ws.send_str("migrate")  # session: Reconnect(delay=0, gap=False)
        second = await server.next_connection()
        await second.ws.send_str("on the new socket")
        assert (await next_event(it)).payload == "on the new socket"  # no StreamGap first

        await stream.execute(Step(actions=[Reconnect("app asked", delay=0)]))
        third = await server.next_connection()
        assert isinstance(await next_event(it), StreamGap)  # gap=True by default
        await stream.execute(Step(actions=[Close("app done")]))
        await asyncio.wait_for(third.closed.wait(), TIMEOUT)
        await asyncio.wait_for(stream.wait_closed(), TIMEOUT)
    assert delays == []
    assert [c.close_code for c in server.connections[:2]] == [1000, 1000]


async def test_handshake_failures_count_as_attempts(server: Server) -> None:
    session = PingSession(server.url)
    server.refuse = [503, 401]
    delays: list[float] = []
    seen, _, record = recorder()
    stream = EventStream(session, reconnect=FAST, sleep=instant_sleep(delays))
    stream.on("stream.state", record)
    async with stream:
        conn = await server.next_connection()
        assert conn.authorization == "Bearer token-3"
        await stream.wait_state(StreamState.CONNECTED, timeout=TIMEOUT)
    assert stream.stats.connect_failures == 2 and len(delays) == 2
    assert [e.attempt for e in seen if e.state is StreamState.RECONNECTING] == [1]


async def test_exhausted_attempts_end_the_stream_without_leaking_secrets(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    session = PingSession(server.url + "?access_token=secret-in-url")
    server.refuse = [503, 503, 503]
    stream = EventStream(
        session, reconnect=ReconnectPolicy(min_wait=0.0, max_wait=0.0, max_attempts=2)
    )
    with caplog.at_level(logging.DEBUG, logger="cxkit.stream"):
        async with stream:
            with pytest.raises(StreamError, match="gave up after 2") as caught:
                async for _ in stream:
                    pass
    cause = caught.value.__cause__
    assert isinstance(cause, ServerError) and cause.status == 503 and cause.vendor == "test"
    assert server.handshakes == 3 and session.targets == 3
    text = caplog.text + str(caught.value) + repr(cause) + str(cause)
    assert "secret-in-url" not in text and "token-" not in text
    assert stream.state is StreamState.CLOSED


async def test_connection_refused_is_a_connect_error() -> None:
    # A port that was just free: nothing listens there.
    with_socket = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = with_socket.sockets[0].getsockname()[1]
    with_socket.close()
    await with_socket.wait_closed()
    session = PingSession(f"ws://127.0.0.1:{port}/ws")
    stream = EventStream(
        session, reconnect=ReconnectPolicy(min_wait=0.0, max_wait=0.0, max_attempts=1)
    )
    async with stream:
        with pytest.raises(StreamError) as caught:
            await asyncio.wait_for(stream.wait_closed(), TIMEOUT)
    assert isinstance(caught.value.__cause__, ConnectError)
    assert stream.stats.connect_failures == 2


async def test_attempt_counter_resets_after_a_stable_connection(server: Server) -> None:
    async def drops(reset_after: float) -> EventStream:
        session = PingSession(server.url)
        policy = ReconnectPolicy(
            min_wait=0.0, max_wait=0.0, max_attempts=1, reset_after=reset_after
        )
        stream = EventStream(session, reconnect=policy)
        await stream.start()
        for _ in range(2):
            conn = await server.next_connection()
            await conn.ws.close()
        return stream

    # Every connection "stayed up long enough" (0 s): each drop is a first attempt again.
    stream = await drops(0.0)
    await server.next_connection()
    await stream.close()
    assert stream.error is None

    # Never long enough: the second drop is attempt 2 of 1 allowed, and the stream ends.
    stream = await drops(3600.0)
    with pytest.raises(StreamError, match="gave up after 1"):
        await asyncio.wait_for(stream.wait_closed(), TIMEOUT)


async def test_close_is_idempotent_and_leaves_no_tasks(server: Server) -> None:
    session = PingSession(server.url, interval=0.05)
    stream = EventStream(session, reconnect=FAST)
    it = aiter(stream)
    await stream.start()
    conn = await server.next_connection()
    await stream.wait_state(StreamState.CONNECTED, timeout=TIMEOUT)

    consumer = asyncio.create_task(asyncio.wait_for(_drain(it), TIMEOUT))
    await stream.close()
    await stream.close()
    assert await consumer  # ended cleanly, without an error
    await asyncio.wait_for(conn.closed.wait(), TIMEOUT)
    assert conn.close_code == 1000
    assert session.closed_with[-1] == (1000, "closed by application")
    leftover = [t for t in asyncio.all_tasks() if t.get_name().startswith("cxkit-stream")]
    assert all(t.done() for t in leftover)
    with pytest.raises(UsageError):
        await stream.start()


async def _drain(it: StreamIterator) -> list[Any]:
    return [event async for event in it]


async def test_abandoned_iterator_does_not_block_the_stream(server: Server) -> None:
    async def first_message(events: AsyncIterator[Any]) -> str:
        async for event in events:
            if isinstance(event, RawEvent):
                return str(event.payload)  # leaving the loop abandons the iterator
        raise AssertionError("stream ended")

    session = PingSession(server.url)
    stream = EventStream(session, reconnect=FAST, max_queue=1, emit_state_events=False)
    async with stream:
        it = aiter(stream)
        conn = await server.next_connection()
        reader = first_message(aiter(stream))  # registered now (max_queue 1 as well)
        await conn.ws.send_str("m0")
        assert await asyncio.wait_for(reader, TIMEOUT) == "m0"
        for i in range(1, 6):
            await conn.ws.send_str(f"m{i}")
        # Were the abandoned iterator still registered, its full queue would stall the runner.
        got = [(await next_event(it)).payload for _ in range(6)]
        assert got == [f"m{i}" for i in range(6)]


async def test_uses_a_given_client_session(server: Server) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        jar.update_cookies({"jar-cookie": "v"}, response_url=aiohttp.client.URL(server.url))
        session = PingSession(server.url)
        session.cookies = {"target-cookie": "w"}
        async with EventStream(session, http=http, reconnect=FAST):
            conn = await server.next_connection()
        assert conn.cookies == {"jar-cookie": "v", "target-cookie": "w"}
        assert not http.closed  # not ours to close


async def test_uses_an_http_client_cookies_and_proxy(server: Server) -> None:
    """Five9 authenticates sockets by login cookies; corporate networks need a proxy.

    The HTTPClient's proxy is the loopback server itself, and the vendor host does not
    resolve: the handshake only succeeds if it goes through the proxy, with the cookie that
    the HTTP login set and the proxy credentials.
    """

    async def login(request: web.Request) -> web.Response:
        response = web.json_response({"ok": True})
        response.set_cookie("sid", "login-cookie")
        return response

    proxy_auth: list[str | None] = []
    app = web.Application()
    app.router.add_post("/login", login)

    async def ws_handler(request: web.Request) -> web.StreamResponse:
        proxy_auth.append(request.headers.get("Proxy-Authorization"))
        return await server.handle(request)

    app.router.add_get("/ws", ws_handler)
    async with serve(app) as base:
        port = int(base.rsplit(":", 1)[1])
        proxy = ProxyConfig(host="127.0.0.1", port=port, username="u", password="p")
        async with HTTPClient("http://cc.example.invalid", vendor=GENERIC, proxy=proxy) as http:
            await http.request("POST", "/login")
            session = PingSession("ws://cc.example.invalid/ws")
            async with EventStream(session, http=http, reconnect=FAST):
                conn = await server.next_connection()
            assert conn.cookies == {"sid": "login-cookie"}
            assert proxy_auth == ["Basic dTpw"]  # u:p
            assert not http.session.closed  # the client's session is not the stream's


# --------------------------------------------------------------------------- target callable


async def test_a_target_callable_is_asked_before_every_attempt(server: Server) -> None:
    """Credentials renewed between attempts by the application, not by the session."""
    session = PingSession("ws://127.0.0.1:9/never-used")
    tokens = iter(["app-1", "app-2", "app-3"])
    asked: list[str] = []

    async def target() -> ConnectTarget:
        token = next(tokens)
        asked.append(token)
        await asyncio.sleep(0)  # a real refresh would await the token endpoint here
        return ConnectTarget(server.url, headers={"Authorization": f"Bearer {token}"})

    server.refuse = [503]  # the first attempt fails: the second asks again
    delays: list[float] = []
    stream = EventStream(session, reconnect=FAST, sleep=instant_sleep(delays), target=target)
    it = aiter(stream)
    async with stream:
        first = await server.next_connection()
        assert first.authorization == "Bearer app-2"
        await first.ws.close(code=1001)  # dropped: the third attempt asks once more
        second = await server.next_connection()
        assert second.authorization == "Bearer app-3"
        await second.ws.send_str("fresh")
        while (event := await next_event(it)) and isinstance(event, StreamGap):
            pass
        assert event.payload == "fresh"
    assert asked == ["app-1", "app-2", "app-3"]
    assert session.targets == 0  # the session's own connect_target() was never used
    assert stream.stats.connect_failures == 1 and stream.stats.reconnects == 1
    assert len(delays) == 2


async def test_a_sync_target_may_return_a_url_and_a_fixed_url_works(server: Server) -> None:
    calls = 0

    def target() -> str:
        nonlocal calls
        calls += 1
        return server.url

    for source in (target, server.url):
        session = PingSession("ws://127.0.0.1:9/never-used")
        async with EventStream(session, reconnect=FAST, target=source) as stream:
            conn = await server.next_connection()
            assert conn.authorization is None  # a bare URL carries no headers
            await stream.wait_state(StreamState.CONNECTED, timeout=TIMEOUT)
        assert session.targets == 0
    assert calls == 1


async def test_target_errors_retry_or_end_the_stream(server: Server) -> None:
    from cxkit.errors import InvalidCredentialsError

    outcomes: list[BaseException | str] = [ConnectError("token endpoint down"), server.url]

    async def flaky() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    session = PingSession(server.url)
    async with EventStream(session, reconnect=FAST, target=flaky) as stream:
        await server.next_connection()
        await stream.wait_state(StreamState.CONNECTED, timeout=TIMEOUT)
    assert stream.stats.connect_failures == 1

    async def revoked() -> str:
        raise InvalidCredentialsError("client secret revoked")

    stream = EventStream(PingSession(server.url), reconnect=FAST, target=revoked)
    async with stream:
        with pytest.raises(InvalidCredentialsError):
            await asyncio.wait_for(stream.wait_closed(), TIMEOUT)
    assert server.handshakes == 1  # only the first stream ever reached the server

    async def wrong_type() -> Any:
        return 42

    stream = EventStream(PingSession(server.url), reconnect=FAST, target=wrong_type)
    async with stream:
        with pytest.raises(UsageError, match="not a ConnectTarget"):
            await asyncio.wait_for(stream.wait_closed(), TIMEOUT)


def test_a_bad_target_is_a_config_error() -> None:
    from cxkit.errors import ConfigError

    with pytest.raises(ConfigError, match=r"stream\.target"):
        EventStream(PingSession("ws://127.0.0.1:9/x"), target=42)  # type: ignore[arg-type]


async def test_a_rate_limited_handshake_waits_as_long_as_the_server_asks(server: Server) -> None:
    """A 429 with Retry-After: the next attempt comes no sooner (within the policy's longest
    wait), and the error carries the hint and the correlation id."""
    from cxkit.errors import RateLimitError

    server.refuse = [
        (429, {"Retry-After": "3", "ININ-Correlation-Id": "corr-42"}),
        (429, {"Retry-After": "120"}),
    ]
    policy = ReconnectPolicy(min_wait=0.01, max_wait=10.0, max_attempts=2)
    delays: list[float] = []
    reconnecting: list[StreamStateChanged] = []
    stream = EventStream(PingSession(server.url), reconnect=policy, sleep=instant_sleep(delays))
    stream.on(
        "stream.state",
        lambda e: reconnecting.append(e) if e.state is StreamState.RECONNECTING else None,
    )
    async with stream:
        await server.next_connection()
        await stream.wait_state(StreamState.CONNECTED, timeout=TIMEOUT)
    assert delays == [3.0, 10.0]  # the hint, then the hint capped by max_wait
    assert stream.stats.connect_failures == 2
    assert reconnecting[0].reason is not None and "429" in reconnecting[0].reason

    # the error itself: status, hint and correlation id, as for any API status error
    refusal = (429, {"Retry-After": "7", "ININ-Correlation-Id": "corr-43"})
    server.refuse = [refusal, refusal]
    once = ReconnectPolicy(min_wait=0.0, max_wait=0.0, max_attempts=1)
    stream = EventStream(PingSession(server.url), reconnect=once, sleep=instant_sleep([]))
    async with stream:
        with pytest.raises(StreamError, match="gave up") as caught:
            await asyncio.wait_for(stream.wait_closed(), TIMEOUT)
    cause = caught.value.__cause__
    assert isinstance(cause, RateLimitError)
    assert (cause.status, cause.retry_after, cause.correlation_id) == (429, 7.0, "corr-43")


async def test_big_messages_are_accepted_up_to_the_configured_size(server: Server) -> None:
    # A large tenant's Five9 5000 snapshot is tens of MB: far above aiohttp's 4 MiB default.
    big = "x" * (6 * 1024 * 1024)
    session = PingSession(server.url)
    async with EventStream(session, reconnect=FAST, emit_state_events=False) as stream:
        it = aiter(stream)
        conn = await server.next_connection()
        await conn.ws.send_str(big)
        await conn.ws.send_str("after")
        assert (await next_event(it)).payload == big
        assert (await next_event(it)).payload == "after"
    # Over a configured limit the frame is refused: the connection drops (1009) and the
    # stream reconnects and goes on.
    session = PingSession(server.url)
    async with EventStream(session, reconnect=FAST, max_message_size=1024) as stream:
        it = aiter(stream)
        conn = await server.next_connection()
        await conn.ws.send_str("y" * 2048)
        second = await server.next_connection()
        await second.ws.send_str("small")
        event = await next_matching_payload(it, "small")
        assert event.payload == "small"
        assert conn.close_code == 1009


async def next_matching_payload(it: StreamIterator, payload: str) -> Any:
    while True:
        event = await next_event(it)
        if getattr(event, "payload", None) == payload:
            return event


def test_a_bad_message_size_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="max_message_size"):
        EventStream(PingSession("ws://127.0.0.1:1/ws"), max_message_size=-1)
