"""Redis Streams sink against a real redis-server on loopback: XADD fields, MAXLEN, and a
broker killed (SIGKILL) mid-stream and restarted without loss or reordering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from cxkit.bridge import Bridge, Spool
from cxkit.bridge.sinks.redis_streams import RedisStreamSink
from cxkit.events import decode

from .brokers import BrokerProcess
from .conftest import FAST_RETRY, make_events
from .ordering import expected_by_key, first_occurrences

T = 20.0


def url(server: BrokerProcess) -> str:
    return f"redis://127.0.0.1:{server.port}/0"


async def read_all(client: aioredis.Redis, keys: list[str]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key in keys:
        for _entry_id, fields in await client.xrange(key):
            pairs.append((key, fields[b"id"].decode()))
    return pairs


async def test_entries_carry_id_routing_fields_and_the_event(redis_server: BrokerProcess) -> None:
    events = make_events(6)
    sink = RedisStreamSink(url(redis_server), maxlen=None)
    async with Bridge(sink, linger=0) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.flush(T)
    client = aioredis.Redis.from_url(url(redis_server))
    try:
        entries = await client.xrange("cxkit:five9:1001:agent.state")
        assert entries, await client.keys("*")
        fields = entries[0][1]
        assert set(fields) == {b"id", b"vendor", b"tenant", b"kind", b"event"}
        assert fields[b"kind"] == b"agent.state" and fields[b"tenant"] == b"1001"
        event = decode(fields[b"event"])
        assert event.event_kind == "agent.state" and event.tenant == "1001"
        keys = sorted(k.decode() for k in await client.keys("cxkit:*"))
        assert keys == [
            "cxkit:five9:1001:agent.state",
            "cxkit:five9:1001:queue.statistics",
            "cxkit:five9:1002:agent.state",
            "cxkit:five9:1002:queue.statistics",
        ]
    finally:
        await client.aclose()


async def test_maxlen_trims_streams_exactly_or_approximately(redis_server: BrokerProcess) -> None:
    events = make_events(600, tenants=("1",))
    key = "cxkit:five9:1:agent.state"
    for approximate, check in ((False, lambda n: n == 50), (True, lambda n: 50 <= n < 400)):
        sink = RedisStreamSink(url(redis_server), maxlen=50, approximate=approximate)
        async with Bridge(sink, batch_size=50) as bridge:
            for event in events:
                await bridge.publish(event)
            await bridge.flush(T)
        client = aioredis.Redis.from_url(url(redis_server))
        try:
            length = await client.xlen(key)
            assert check(length), (approximate, length)
            await client.delete(key)
        finally:
            await client.aclose()


async def test_broker_killed_mid_stream_loses_and_reorders_nothing(
    redis_server: BrokerProcess, tmp_path: Path
) -> None:
    events = make_events(3000, tenants=("1001", "1002", "acme corp"))
    sink = RedisStreamSink(url(redis_server), maxlen=None, connect_timeout=0.5, timeout=2.0)
    spool = Spool(tmp_path / "spool")
    bridge = Bridge(sink, spool=spool, batch_size=100, linger=0.001, retry=FAST_RETRY)

    async def produce() -> None:
        for n, event in enumerate(events):
            await bridge.publish(event)
            if n % 20 == 0:
                await asyncio.sleep(0)  # let the writer run: the stream is live while killed

    async with bridge:
        producer = asyncio.create_task(produce())
        await bridge.wait_until(lambda b: b.stats.delivered >= 300, T)
        await redis_server.kill()
        await bridge.wait_until(lambda b: b.spooled >= 200, T)
        assert not bridge.sink_up
        await redis_server.start()
        await asyncio.wait_for(producer, T)
        await bridge.flush(T)
        stats = bridge.stats
    assert stats.spooled >= 200 and stats.drained >= 200 and stats.failures >= 1
    assert spool.pending == 0

    expected = expected_by_key(events, sink.keys.key)
    client = aioredis.Redis.from_url(url(redis_server))
    try:
        stored, repeats = first_occurrences(await read_all(client, sorted(expected)))
        assert sorted(k.decode() for k in await client.keys("cxkit:*")) == sorted(expected)
    finally:
        await client.aclose()
    assert "cxkit:five9:acme_corp:agent.state" in expected  # sanitized key
    for key, ids in expected.items():
        assert stored[key] == ids, key  # nothing lost, nothing reordered, per key
    assert repeats <= stats.failures * 100  # resends only from failed batches


async def test_the_consumer_example_takes_over_what_a_dead_consumer_left_pending(
    redis_server: BrokerProcess,
) -> None:
    """examples/bridge_redis_consumer.py: a consumer that dies after reading leaves its entries
    pending; the next consumer of the group claims them (XAUTOCLAIM) and nothing is lost."""
    from .test_cli_bridge import example

    events = make_events(30)
    sink = RedisStreamSink(url(redis_server), maxlen=None)
    async with Bridge(sink, linger=0) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.flush(T)

    consumer = example("bridge_redis_consumer")
    first: list[str] = []

    def crash_after_five(key: str, event: object) -> None:
        if len(first) == 5:
            raise RuntimeError("consumer-1 died")
        first.append(key)

    with pytest.raises(RuntimeError, match="consumer-1 died"):
        await consumer.consume(url(redis_server), consumer="consumer-1", handle=crash_after_five)
    taken: list[str] = []
    handled = await consumer.consume(
        url(redis_server),
        consumer="consumer-2",
        idle_rounds=1,
        block_ms=50,
        claim_idle_ms=0,  # a short configured interval: take over at once
        handle=lambda key, event: taken.append(key),
    )
    assert len(first) == 5 and handled == len(taken) == 25  # read by consumer-1, never acked
    client = aioredis.Redis.from_url(url(redis_server))
    try:
        for key in await client.keys("cxkit:*"):
            pending = await client.xpending(key, "cxkit-consumers")
            assert pending["pending"] == 0, key  # every entry handled and acknowledged
    finally:
        await client.aclose()
