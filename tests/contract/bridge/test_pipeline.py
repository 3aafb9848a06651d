"""The bridge pipeline: backpressure, spooling while the sink is down, draining in order
before newer events, SpoolFullError without silent loss, filters.

The sink here is a small in-test destination that can be switched down, blocked and told to
acknowledge part of a batch, so each path of the pipeline (the subject) is driven on purpose;
the real brokers are exercised in test_redis_sink / test_nats_sink.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import msgspec
import pytest

from cxkit.bridge import (
    Bridge,
    EventFilter,
    SinkUnavailable,
    Spool,
    SpoolFullError,
)
from cxkit.bridge.envelope import Envelope, EventIds
from cxkit.bridge.queue import EnvelopeQueue
from cxkit.bridge.sinks.base import Sink
from cxkit.config import ReconnectPolicy
from cxkit.errors import ConfigError

from .conftest import FAST_RETRY, make_events
from .pipeline_ids import ids_of

T = 10.0


class GateSink(Sink):
    """Records delivered envelopes; can be down, gated (blocking) or partial."""

    name = "gate"

    def __init__(self) -> None:
        self.received: list[Envelope] = []
        self.down = False
        self.gate = asyncio.Event()
        self.gate.set()
        self.entered = asyncio.Event()
        self.partial: int | None = None  # acknowledge only this many of the next batch
        self.attempts = 0

    async def send(self, batch: Sequence[Envelope]) -> None:
        self.attempts += 1
        self.entered.set()
        await self.gate.wait()
        if self.down:
            raise SinkUnavailable("gate is down", sink=self.name)
        if self.partial is not None:
            count, self.partial = self.partial, None
            self.received.extend(batch[:count])
            raise SinkUnavailable("half-way", sink=self.name, delivered=count)
        self.received.extend(batch)


async def test_producers_wait_when_the_queue_is_full() -> None:
    sink = GateSink()
    sink.gate.clear()
    events = make_events(100)
    published: list[int] = []
    async with Bridge(sink, queue_size=10, batch_size=5, linger=0) as bridge:

        async def produce() -> None:
            for n, event in enumerate(events):
                await bridge.publish(event)
                published.append(n)

        producer = asyncio.create_task(produce())
        await asyncio.wait_for(sink.entered.wait(), T)
        for _ in range(100):  # the producer could run ahead here if nothing held it
            await asyncio.sleep(0)
        assert len(published) == 10 + 5  # the queue bound + the batch the sink holds
        assert not producer.done() and bridge.queued == 15
        sink.gate.set()
        await asyncio.wait_for(producer, T)
        await bridge.flush(T)
    assert [e.id for e in sink.received] == ids_of(events)


async def test_spool_drains_in_order_before_newer_events(tmp_path: Path) -> None:
    sink = GateSink()
    events = make_events(300)
    async with Bridge(
        sink, spool=Spool(tmp_path), batch_size=20, linger=0, retry=FAST_RETRY
    ) as bridge:
        for event in events[:50]:
            await bridge.publish(event)
        await bridge.flush(T)
        sink.down = True
        for event in events[50:200]:
            await bridge.publish(event)
        await bridge.wait_until(lambda b: b.spooled == 150, T)
        sink.down = False
        for event in events[200:]:
            await bridge.publish(event)
        await bridge.flush(T)
        assert bridge.stats.drained >= 150 and bridge.spooled == 0
    assert [e.id for e in sink.received] == ids_of(events)


async def test_acknowledged_prefix_is_not_sent_again(tmp_path: Path) -> None:
    sink = GateSink()
    sink.partial = 7
    events = make_events(40)
    async with Bridge(
        sink, spool=Spool(tmp_path), batch_size=20, linger=0.01, retry=FAST_RETRY
    ) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.flush(T)
    assert [e.id for e in sink.received] == ids_of(events)


async def test_without_a_spool_a_failed_batch_is_retried_in_memory() -> None:
    sink = GateSink()
    sink.down = True
    events = make_events(30)
    async with Bridge(sink, batch_size=10, linger=0, retry=FAST_RETRY) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.wait_until(lambda b: b.stats.failures >= 3, T)
        sink.down = False
        await bridge.flush(T)
    assert [e.id for e in sink.received] == ids_of(events)


async def test_full_spool_raises_and_keeps_every_event(tmp_path: Path) -> None:
    sink = GateSink()
    sink.down = True
    events = make_events(2000)
    spool = Spool(tmp_path, max_bytes=16 * 1024)
    bridge = Bridge(sink, spool=spool, batch_size=20, linger=0, retry=FAST_RETRY)
    await bridge.start()
    accepted = 0
    with pytest.raises(SpoolFullError) as caught:
        for event in events:
            await asyncio.wait_for(bridge.publish(event), T)
            accepted += 1
    error = caught.value
    assert bridge.error is error and "full" in str(error) and error.capacity == 16 * 1024
    with pytest.raises(SpoolFullError):
        await bridge.flush(T)
    unsaved = bridge.unsaved()
    assert error.unsaved == len(unsaved) > 0
    # never dropped: every accepted event is in the spool or handed back
    assert spool.pending + len(unsaved) == accepted == bridge.stats.published
    spooled_ids = [e.id for e in spool.read(10_000)[0]]
    assert spooled_ids + [e.id for e in unsaved] == ids_of(events[:accepted])
    await bridge.close(drain_timeout=0.1)

    # the sink is back: a new bridge on the same spool delivers it first, in order
    sink.down = False
    async with Bridge(sink, spool=Spool(tmp_path), linger=0, retry=FAST_RETRY) as again:
        await again.publish(events[accepted])
        await again.flush(T)
    assert [e.id for e in sink.received] == spooled_ids + ids_of(events[accepted : accepted + 1])


async def test_close_spools_what_is_in_memory_and_next_run_sends_it_first(
    tmp_path: Path,
) -> None:
    sink = GateSink()
    sink.down = True
    events = make_events(60)
    bridge = Bridge(sink, spool=Spool(tmp_path), batch_size=10, linger=0, retry=FAST_RETRY)
    async with bridge:
        for event in events[:50]:
            await bridge.publish(event)
    check = Spool(tmp_path)  # the lock was released at close
    assert check.pending == 50
    check.close()
    sink.down = False
    async with Bridge(sink, spool=Spool(tmp_path), linger=0, retry=FAST_RETRY) as again:
        for event in events[50:]:
            await again.publish(event)
        await again.flush(T)
    assert [e.id for e in sink.received] == ids_of(events)


async def test_filters_pick_tenants_and_kinds() -> None:
    sink = GateSink()
    events = make_events(60, tenants=("1001", "1002"))
    only = EventFilter(tenants=frozenset({"1001"}), kinds=("agent.*",))
    async with Bridge(sink, filter=only, linger=0) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.flush(T)
        assert bridge.stats.filtered == 60 - len(sink.received)
    assert sink.received and all(
        e.tenant == "1001" and e.kind == "agent.state" for e in sink.received
    )
    with pytest.raises(ConfigError, match=r"bridge\.kinds"):
        EventFilter(kinds=("agnet.*",))


@pytest.mark.parametrize("spooled", [False, True], ids=["in memory", "spooled"])
async def test_retry_now_cuts_a_long_backoff_short(spooled: bool, tmp_path: Path) -> None:
    sink = GateSink()
    sink.down = True
    hour = ReconnectPolicy(min_wait=3600.0, max_wait=3600.0, max_attempts=0, reset_after=0)
    events = make_events(10)
    async with Bridge(
        sink,
        spool=Spool(tmp_path) if spooled else None,
        batch_size=10,
        linger=0,
        retry=hour,
        rand=lambda: 1.0,
    ) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.wait_until(lambda b: b.stats.failures == 1, T)
        assert 3590 < bridge.retry_in <= 3600 and not bridge.sink_up
        sink.down = False
        bridge.retry_now()
        await bridge.flush(T)
        assert bridge.sink_up and bridge.retry_in == 0.0 and sink.attempts == 2
    assert [e.id for e in sink.received] == ids_of(events)


# --------------------------------------------------------------------------- the queue


async def test_queue_is_bounded_in_bytes_too() -> None:
    envelopes = [EventIds().envelope(e) for e in make_events(4)]
    size = max(e.size for e in envelopes)
    queue = EnvelopeQueue(max_events=100, max_bytes=size * 3)
    for envelope in envelopes[:3]:
        assert queue.put_nowait(envelope)
    assert not queue.put_nowait(envelopes[3]) and queue.nbytes <= size * 3
    blocked = asyncio.create_task(queue.put(envelopes[3]))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not blocked.done()  # the producer waits: the byte bound holds
    assert queue.take(1) == envelopes[:1]
    await asyncio.wait_for(blocked, T)
    assert queue.take(10) == envelopes[1:]

    # an envelope larger than the whole bound still goes in alone (never stuck forever)
    tiny = EnvelopeQueue(max_events=10, max_bytes=1024)
    big = EventIds().envelope(msgspec.structs.replace(make_events(1)[0], raw="x" * 4096))
    assert big.size > 1024 and tiny.put_nowait(big) and not tiny.put_nowait(envelopes[0])


async def test_a_kick_nobody_waited_for_does_not_make_later_waits_return_at_once() -> None:
    queue = EnvelopeQueue()
    queue.kick()
    waiting = asyncio.create_task(queue.wait_ready())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not waiting.done()  # it really waits for an envelope
    await queue.put(EventIds().envelope(make_events(1)[0]))
    assert await asyncio.wait_for(waiting, T) is True


async def test_a_sink_that_never_answers_is_timed_out_and_its_batch_spooled(
    tmp_path: Path,
) -> None:
    sink = GateSink()
    sink.gate.clear()  # accepts the batch, never acknowledges it
    events = make_events(30)
    async with Bridge(
        sink,
        spool=Spool(tmp_path),
        batch_size=10,
        linger=0,
        retry=FAST_RETRY,
        send_timeout=0.05,  # a short configured bound
    ) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.wait_until(lambda b: b.spooled == 30, T)
        assert "did not acknowledge 10 events within 0.05s" in (bridge.stats.last_error or "")
        sink.gate.set()
        await bridge.flush(T)
    assert [e.id for e in sink.received] == ids_of(events)
    with pytest.raises(ConfigError, match=r"bridge\.send_timeout"):
        Bridge(sink, send_timeout=0)
