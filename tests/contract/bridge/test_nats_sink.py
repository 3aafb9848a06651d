"""NATS JetStream sink against a real ``nats-server -js`` on loopback: the stream is created,
``Nats-Msg-Id`` deduplicates resends, and a broker killed mid-stream and restarted loses and
reorders nothing. Read back with a durable pull consumer, as docs/bridge.md shows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import pytest
from nats.js.api import ConsumerConfig

from cxkit.bridge import Bridge, Spool
from cxkit.bridge.envelope import EventIds
from cxkit.bridge.errors import SinkUnavailable
from cxkit.bridge.sinks.nats_jetstream import JetStreamSink
from cxkit.events import decode

from .brokers import BrokerProcess
from .conftest import FAST_RETRY, make_events
from .ordering import expected_by_key, first_occurrences

T = 20.0


def url(server: BrokerProcess) -> str:
    return f"nats://127.0.0.1:{server.port}"


async def read_stream(server: BrokerProcess, stream: str = "CXKIT") -> list[tuple[str, str]]:
    """(subject, Nats-Msg-Id) of every stored message, in stream order (durable consumer)."""
    nc = await nats.connect(url(server))
    try:
        js = nc.jetstream()
        total = (await js.stream_info(stream)).state.messages
        sub = await js.pull_subscribe(
            "cxkit.>", durable="verify", stream=stream, config=ConsumerConfig(ack_wait=30)
        )
        out: list[tuple[str, str]] = []
        deadline = asyncio.get_running_loop().time() + T
        while len(out) < total:
            assert asyncio.get_running_loop().time() < deadline, (len(out), total)
            try:
                batch = await sub.fetch(500, timeout=2)
            except TimeoutError:  # an empty round (nats-py's or asyncio's)
                continue
            for msg in batch:
                assert msg.headers is not None
                out.append((msg.subject, msg.headers["Nats-Msg-Id"]))
                await msg.ack()
        return out
    finally:
        await nc.close()


async def test_stream_is_created_and_messages_carry_headers(nats_server: BrokerProcess) -> None:
    events = make_events(5, tenants=("acme.eu",))
    sink = JetStreamSink(url(nats_server), duplicate_window=30)
    async with Bridge(sink, linger=0) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.flush(T)
    nc = await nats.connect(url(nats_server))
    try:
        js = nc.jetstream()
        info = await js.stream_info("CXKIT")
        assert info.config.subjects == ["cxkit.>"] and info.state.messages == 5
        assert info.config.duplicate_window == 30
        msg = await js.get_msg("CXKIT", 2)
        # the tenant's dot would split the token: sanitized to one token
        assert msg.subject == "cxkit.five9.acme_eu.agent.state"
        assert msg.headers is not None and msg.headers["Cxkit-Tenant"] == "acme.eu"
        assert msg.headers["Cxkit-Kind"] == "agent.state"
        assert decode(msg.data or b"").tenant == "acme.eu"
    finally:
        await nc.close()


async def test_resent_batch_is_stored_once(nats_server: BrokerProcess) -> None:
    ids = EventIds()
    batch = [ids.envelope(e) for e in make_events(20)]
    sink = JetStreamSink(url(nats_server))
    try:
        await sink.send(batch)
        await sink.send(batch[5:])  # an at-least-once resend after a lost ack
    finally:
        await sink.close()
    stored = [event_id for _subject, event_id in await read_stream(nats_server)]
    assert stored == [e.id for e in batch]


async def test_missing_stream_without_create_is_reported(nats_server: BrokerProcess) -> None:
    sink = JetStreamSink(url(nats_server), stream="NOPE", create_stream=False)
    with pytest.raises(SinkUnavailable, match="NOPE does not exist"):
        await sink.open()


async def test_unreachable_server_is_unavailable_not_a_hang() -> None:
    from .brokers import free_port

    sink = JetStreamSink(f"nats://127.0.0.1:{free_port()}", connect_timeout=0.2)
    with pytest.raises(SinkUnavailable, match="unreachable"):
        await asyncio.wait_for(sink.open(), 5)


async def test_broker_killed_mid_stream_loses_and_reorders_nothing(
    nats_server: BrokerProcess, tmp_path: Path
) -> None:
    events = make_events(3000, tenants=("1001", "1002", "acme.eu"))
    sink = JetStreamSink(url(nats_server), connect_timeout=0.5, ack_timeout=2.0)
    spool = Spool(tmp_path / "spool")
    bridge = Bridge(sink, spool=spool, batch_size=100, linger=0.001, retry=FAST_RETRY)

    async def produce() -> None:
        for n, event in enumerate(events):
            await bridge.publish(event)
            if n % 20 == 0:
                await asyncio.sleep(0)

    async with bridge:
        producer = asyncio.create_task(produce())
        await bridge.wait_until(lambda b: b.stats.delivered >= 300, T)
        await nats_server.kill()
        await bridge.wait_until(lambda b: b.spooled >= 200, T)
        assert not bridge.sink_up
        await nats_server.start()
        await asyncio.wait_for(producer, T)
        await bridge.flush(T)
        stats = bridge.stats
    assert stats.spooled >= 200 and stats.drained >= 200 and stats.failures >= 1

    expected = expected_by_key(events, sink.keys.key)
    stored, repeats = first_occurrences(await read_stream(nats_server))
    assert sorted(stored) == sorted(expected)
    for subject, ids in expected.items():
        assert stored[subject] == ids, subject
    assert repeats == 0  # JetStream dropped resends by Nats-Msg-Id
