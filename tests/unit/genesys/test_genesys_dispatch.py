"""Event dispatch of Channel and NotificationHub (no sockets): handler selection cached per
topic family, handlers called without a coroutine per event, and the event queue's
no-wait path."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from cxkit.errors import UsageError
from cxkit.events import StreamGap, utcnow
from cxkit.genesys.exceptions import REASON, ReceiveFailure
from cxkit.genesys.notifications import _Dispatcher, _Outbox
from cxkit.genesys.protocol import ChannelProblem, decode_frame

A = "5f0a1c2e-7b3d-4e8f-9a10-c0ffee00000a"
B = "5f0a1c2e-7b3d-4e8f-9a10-c0ffee00000b"
PRESENCE = "v2.users.{id}.presence"


def presence(uid: str) -> Any:
    frame = {
        "topicName": f"v2.users.{uid}.presence",
        "version": "2",
        "eventBody": {"presenceDefinition": {"id": "x", "systemPresence": "Available"}},
        "metadata": {"CorrelationId": "c"},
    }
    return decode_frame(json.dumps(frame))


def gap() -> StreamGap:
    now = utcnow()
    return StreamGap(vendor="genesys", tenant="", occurred_at=now, stream="s", since=now, until=now)


def test_handlers_run_in_kind_order_once_each_and_synchronously() -> None:
    dispatcher = _Dispatcher()
    calls: list[str] = []

    def record(name: str) -> Any:
        return lambda event: calls.append(name)

    everything = record("*")
    dispatcher.on("*", everything)
    dispatcher.on("topic", record("topic"))
    dispatcher.on(PRESENCE, record("family"))
    dispatcher.on("topic", everything)  # registered twice: still called once
    assert dispatcher.dispatch(presence(A)) is None  # plain handlers: nothing to await
    assert calls == ["family", "topic", "*"]

    calls.clear()
    assert dispatcher.dispatch(gap()) is None
    assert calls == ["*"]


def test_cache_follows_registration_and_unsubscription() -> None:
    dispatcher = _Dispatcher()
    calls: list[str] = []
    dispatcher.dispatch(presence(A))  # caches "no handler" for the family
    stop = dispatcher.on(PRESENCE, lambda e: calls.append("family"))
    dispatcher.dispatch(presence(A))
    stop()
    dispatcher.dispatch(presence(A))
    assert calls == ["family"]
    assert not dispatcher


def test_concrete_topic_handlers_only_see_their_topic() -> None:
    dispatcher = _Dispatcher()
    calls: list[str] = []
    dispatcher.on(PRESENCE, lambda e: calls.append(f"family {e.id[-1]}"))
    stop = dispatcher.on(f"v2.users.{A}.presence", lambda e: calls.append(f"topic {e.id[-1]}"))
    dispatcher.dispatch(presence(A))
    dispatcher.dispatch(presence(B))
    assert calls == ["family a", "topic a", "family b"]
    stop()
    calls.clear()
    dispatcher.dispatch(presence(A))
    assert calls == ["family a"]


async def test_an_async_handler_is_awaited_before_the_next_one() -> None:
    dispatcher = _Dispatcher()
    calls: list[str] = []
    release = asyncio.Event()

    async def slow(event: Any) -> None:
        calls.append("slow start")
        await release.wait()
        calls.append("slow end")

    dispatcher.on("topic", lambda e: calls.append("first"))
    dispatcher.on("topic", slow)
    dispatcher.on("*", lambda e: calls.append("last"))
    pending = dispatcher.dispatch(presence(A))
    assert pending is not None and calls == ["first"]
    task = asyncio.ensure_future(pending)
    await asyncio.sleep(0)
    assert calls == ["first", "slow start"]
    release.set()
    await task
    assert calls == ["first", "slow start", "slow end", "last"]


async def test_failing_handlers_are_counted_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = _Dispatcher()
    calls: list[str] = []

    def broken(event: Any) -> None:
        raise RuntimeError("bug")

    async def broken_async(event: Any) -> None:
        raise RuntimeError("async bug")

    dispatcher.on("*", broken)
    dispatcher.on("*", broken_async)
    dispatcher.on("*", lambda e: calls.append("ok"))
    problem = ChannelProblem(ReceiveFailure(REASON.InvalidMessage, "x"))
    pending = dispatcher.dispatch(problem)
    assert pending is not None
    await pending
    assert calls == ["ok"] and dispatcher.handler_errors == 2
    assert "notification handler" in caplog.text


async def test_outbox_keeps_the_newest_before_iteration_then_applies_backpressure() -> None:
    outbox = _Outbox(3, "s", "t", backlog=3)
    for n in range(5):
        assert outbox.put_nowait(n)  # nobody iterates: never waits, oldest make room
    assert outbox.dropped == 2
    reader = outbox.iterate()
    first = await reader.__anext__()
    assert isinstance(first, StreamGap) and "2 event(s) dropped" in (first.reason or "")
    assert [await reader.__anext__() for _ in range(3)] == [2, 3, 4]
    for n in range(3):
        assert outbox.put_nowait(n)
    assert not outbox.put_nowait(99)  # a reader lags: the writer must wait
    waiting = asyncio.ensure_future(outbox.put(99))
    await asyncio.sleep(0)
    assert not waiting.done()
    assert await reader.__anext__() == 0
    await asyncio.wait_for(waiting, 1)
    outbox.finish()
    assert [item async for item in reader] == [1, 2, 99]
    assert outbox.dropped == 2


async def test_a_reader_that_leaves_stops_holding_writers_back() -> None:
    outbox = _Outbox(2, "s", "t", backlog=1)
    reader = outbox.iterate()
    assert outbox.put_nowait("a")
    assert await reader.__anext__() == "a"
    assert outbox.put_nowait(1) and outbox.put_nowait(2)
    assert not outbox.put_nowait(3)  # full while the reader is there
    blocked = asyncio.ensure_future(outbox.put(3))
    await asyncio.sleep(0)
    await reader.aclose()  # the reader breaks out of its loop
    await asyncio.wait_for(blocked, 1)  # the waiting writer goes on
    for n in range(10):
        assert outbox.put_nowait(n)  # and nobody waits any more: the backlog bound holds
    assert len(outbox._items) == 1 and outbox.dropped >= 10
    again = outbox.iterate()
    gap = await again.__anext__()
    assert isinstance(gap, StreamGap) and await again.__anext__() == 9


async def test_without_a_backlog_nothing_is_kept_for_a_late_reader() -> None:
    outbox = _Outbox(5, "s", "t", backlog=0)
    assert all(outbox.put_nowait(n) for n in range(3))
    outbox.finish()
    assert [type(e) for e in [e async for e in outbox.iterate()]] == [StreamGap]
    with pytest.raises(UsageError):
        _Outbox(0, "s", "t")
