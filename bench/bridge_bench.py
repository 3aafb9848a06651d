"""Bridge throughput with the emulator as the source: events/s through each sink, and the spool.

    .venv/bin/python -m bench.bridge_bench [--events 20000] [--batch-size 500] [--repeats 3]
    .venv/bin/python -m bench.bridge_bench --quick     # tiny sizes, a smoke run

The emulator runs as its own process (``cxkit emulator serve``, Genesys rate limits out of the
way) and the brokers as theirs (``scripts/services.sh start``: redis-server and nats-server -js
on loopback, installed from Debian when missing). The events are real emulator events, decoded
by the real clients and normalized (~1.3 KB of JSON each, the vendor's raw payload included):
the Five9 supervisor stream and Genesys notifications, the scenarios stepped as fast as the
admin API allows. Measured, on this machine:

1. **source**: emulator -> client -> unified events, per vendor (what a bridge can be fed);
   these events, both vendors interleaved, are the corpus of the next rows;
2. **sink capacity**: the corpus through the bridge into each sink (Redis Streams, NATS
   JetStream, a signed webhook on loopback, JSON lines with either fsync policy), from the first
   publish to the last acknowledgement; next to the brokers, the raw client doing the same
   writes without the bridge (the peer: the ratio is the bridge's cost). Each row runs
   ``repeats`` times: the median is shown and the spread (min-max) tells how noisy the machine
   was;
3. **live**: emulator -> Genesys client -> bridge -> each sink, end to end while the scenario
   runs (bound by whichever is slower, the source or the sink);
4. **outage**: the broker is down (nothing listens on its port): the bridge spools the corpus
   (fsync per batch); the broker starts on that port, ``retry_now()`` and the spool drains,
   oldest first (drain rate, events and MB per second).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import nats
import redis.asyncio as aioredis
from aiohttp import web

from cxkit.bridge import Bridge, Spool
from cxkit.bridge.envelope import Envelope, EventIds
from cxkit.bridge.sinks.base import Sink
from cxkit.bridge.sinks.jsonl import JsonlSink
from cxkit.bridge.sinks.nats_jetstream import JetStreamSink
from cxkit.bridge.sinks.redis_streams import RedisStreamSink
from cxkit.bridge.sinks.webhook import WebhookSink
from cxkit.events import BaseEvent, UnifiedEvent, encode

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "scripts" / "services.sh"
STEPS = 20  # scenario steps per admin call while driving the emulator


# --------------------------------------------------------------------------- results


@dataclass
class Row:
    """One measured path: ``seconds`` holds one figure per repeat."""

    name: str
    events: int
    seconds: list[float]
    nbytes: int = 0
    note: str = ""

    @property
    def rates(self) -> list[float]:
        return [self.events / s if s else float("inf") for s in self.seconds]

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)

    def line(self) -> str:
        spread = ""
        if len(self.rates) > 1:
            low, high = min(self.rates), max(self.rates)
            spread = f"{(high - low) / self.rate * 100:.0f}%"
        mb = f"{self.nbytes / 1e6 / statistics.median(self.seconds):.1f}" if self.nbytes else ""
        return (
            f"{self.name:<34} {self.events:>7} {statistics.median(self.seconds):>8.3f} "
            f"{self.rate:>10,.0f} {mb:>6} {spread:>6}  {self.note}"
        )


def header() -> str:
    return f"{'path':<34} {'events':>7} {'seconds':>8} {'events/s':>10} {'MB/s':>6} {'spread':>6}"


# --------------------------------------------------------------------------- the source


async def _drive(base_url: str, vendor: str, stop: asyncio.Event) -> None:
    """Step the vendor's scenario as fast as the admin API answers, until ``stop``."""
    key = "steps" if vendor == "five9" else "count"
    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            async with session.post(
                f"{base_url}/_emulator/{vendor}/scenario", json={"action": "step", key: STEPS}
            ) as answer:
                await answer.read()


@contextlib.asynccontextmanager
async def vendor_events(base_url: str, vendor: str) -> AsyncIterator[AsyncIterator[BaseEvent]]:
    """The unified events of one vendor of the emulator (the bridge's own sources); the
    scenario is stepped from the moment the stream is connected until the block ends."""
    from cxkit.bridge.sources import five9_events, genesys_events
    from cxkit.emulator.tenant import DEMO
    from cxkit.five9.client import Five9Client
    from cxkit.genesys.client import GenesysClient

    client: Any
    if vendor == "five9":
        user = DEMO.five9.supervisor
        client = Five9Client(user.username, user.password.reveal(), base_url=base_url)
    else:
        credentials = DEMO.genesys.client_credentials
        assert credentials.client_secret is not None
        client = GenesysClient(
            base_url=base_url,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret.reveal(),
        )
    stop = asyncio.Event()
    driver: asyncio.Task[None] | None = None

    async def events() -> AsyncIterator[BaseEvent]:
        nonlocal driver
        source = five9_events(client) if vendor == "five9" else genesys_events(client)
        try:
            async for event in source:
                if event.event_kind == "stream.state":
                    if getattr(event, "state", None) == "connected" and driver is None:
                        driver = asyncio.create_task(_drive(base_url, vendor, stop))
                    continue
                if event.event_kind != "stream.gap" and driver is not None:
                    yield event
        finally:
            await source.aclose()  # type: ignore[attr-defined]

    async with client:
        iterator = events()
        try:
            yield iterator
        finally:
            stop.set()
            if driver is not None:
                await driver
            await iterator.aclose()  # type: ignore[attr-defined]


async def capture(base_url: str, vendor: str, count: int) -> tuple[list[UnifiedEvent], float]:
    """``count`` events of ``vendor`` and the seconds they took to arrive."""
    got: list[UnifiedEvent] = []
    async with vendor_events(base_url, vendor) as events:
        started = 0.0
        async for event in events:
            if not got:
                started = time.perf_counter()
            got.append(event)  # type: ignore[arg-type]
            if len(got) >= count:
                break
        elapsed = time.perf_counter() - started
    return got, elapsed


def interleave(*lists: list[UnifiedEvent]) -> list[UnifiedEvent]:
    out: list[UnifiedEvent] = []
    for group in zip(*lists, strict=False):
        out.extend(group)
    return out


# --------------------------------------------------------------------------- sink capacity


async def through_bridge(sink: Sink, events: list[UnifiedEvent], batch_size: int) -> float:
    bridge = Bridge(sink, batch_size=batch_size, linger=0.002)
    async with bridge:
        started = time.perf_counter()
        for event in events:
            await bridge.publish(event)
        await bridge.flush(300)
        elapsed = time.perf_counter() - started
    assert bridge.stats.delivered == len(events), bridge.stats
    return elapsed


async def raw_redis(url: str, envelopes: list[Envelope], batch_size: int, run: int) -> float:
    client = aioredis.Redis.from_url(url)
    started = time.perf_counter()
    for n in range(0, len(envelopes), batch_size):
        pipe = client.pipeline(transaction=False)
        for e in envelopes[n : n + batch_size]:
            pipe.xadd(
                f"raw{run}:{e.vendor}:{e.tenant}:{e.kind}",
                {"id": e.id, "vendor": e.vendor, "tenant": e.tenant, "kind": e.kind,
                 "event": e.event},
                maxlen=1_000_000,
            )  # fmt: skip
        await pipe.execute()
    elapsed = time.perf_counter() - started
    await client.aclose()
    return elapsed


async def raw_nats(url: str, envelopes: list[Envelope], batch_size: int, run: int) -> float:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name=f"RAW{run}", subjects=[f"raw{run}.>"])
    started = time.perf_counter()
    for n in range(0, len(envelopes), batch_size):
        futures = [
            await js.publish_async(
                f"raw{run}.{e.vendor}.{e.tenant}.{e.kind}", e.event, headers={"Nats-Msg-Id": e.id}
            )
            for e in envelopes[n : n + batch_size]
        ]
        await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await nc.close()
    return elapsed


@contextlib.asynccontextmanager
async def webhook_receiver() -> AsyncIterator[str]:
    async def hook(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=204)

    app = web.Application(client_max_size=256 * 1024 * 1024)
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}/hook"
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------------- live


async def live(base_url: str, sink: Sink, count: int, batch_size: int) -> tuple[float, int]:
    """Genesys emulator -> bridge -> ``sink`` until ``count`` events are delivered."""
    bridge = Bridge(sink, batch_size=batch_size, linger=0.002)
    async with bridge, vendor_events(base_url, "genesys") as events:
        started = 0.0
        async for event in events:
            if not bridge.stats.published:
                started = time.perf_counter()
            await bridge.publish(event)
            if bridge.stats.published >= count:
                break
        await bridge.flush(300)
        elapsed = time.perf_counter() - started
    return elapsed, bridge.stats.delivered


# --------------------------------------------------------------------------- outage


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def binaries() -> dict[str, str]:
    subprocess.run(["bash", str(SERVICES), "install"], check=True)
    out = subprocess.run(
        ["bash", str(SERVICES), "which"], capture_output=True, text=True, check=True
    ).stdout
    return dict(line.split("=", 1) for line in out.split())


@contextlib.asynccontextmanager
async def broker(kind: str, port: int, data: Path) -> AsyncIterator[None]:
    """Start redis-server or nats-server -js on ``port``; returns once it is ready."""
    await asyncio.to_thread(data.mkdir, parents=True, exist_ok=True)
    bins = await asyncio.to_thread(binaries)
    if kind == "redis":
        argv = [bins["REDIS_SERVER"], "--bind", "127.0.0.1", "--port", str(port),
                "--dir", str(data), "--appendonly", "yes", "--appendfsync", "always",
                "--save", "", "--logfile", "", "--daemonize", "no"]  # fmt: skip
        marker = b"Ready to accept connections"
    else:
        argv = [bins["NATS_SERVER"], "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(data)]
        marker = b"Server is ready"
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    assert proc.stdout is not None
    drain: asyncio.Task[bytes] | None = None
    try:
        async with asyncio.timeout(30):
            while marker not in (line := await proc.stdout.readline()):
                if not line:
                    raise RuntimeError(f"{argv[0]} exited before it was ready")
        drain = asyncio.create_task(proc.stdout.read())  # a chatty server never blocks
        yield
    finally:
        proc.kill()
        await proc.wait()
        if drain is not None:
            drain.cancel()


async def outage(kind: str, events: list[UnifiedEvent], batch_size: int, tmp: Path) -> list[Row]:
    """Broker down: the corpus spools; broker up: the spool drains."""
    port = free_port()
    if kind == "redis":
        sink: Sink = RedisStreamSink(f"redis://127.0.0.1:{port}/0", maxlen=None,
                                     connect_timeout=0.5)  # fmt: skip
    else:
        sink = JetStreamSink(f"nats://127.0.0.1:{port}", connect_timeout=0.5)
    spool = Spool(tmp / f"spool-{kind}", max_bytes=4 << 30)
    bridge = Bridge(sink, spool=spool, batch_size=batch_size, linger=0.002)
    async with bridge:
        started = time.perf_counter()
        for event in events:
            await bridge.publish(event)
        await bridge.wait_until(lambda b: b.spooled + b.stats.delivered >= len(events), 300)
        spooled_in = time.perf_counter() - started
        nbytes = spool.pending_bytes
        assert bridge.stats.delivered == 0 and spool.pending == len(events)
        async with broker(kind, port, tmp / f"data-{kind}"):
            started = time.perf_counter()
            bridge.retry_now()  # the drain, not the backoff, is measured
            await bridge.flush(300)
            drained_in = time.perf_counter() - started
    assert bridge.stats.drained == len(events), bridge.stats
    return [
        Row(f"{kind} down: spool (fsync/batch)", len(events), [spooled_in], nbytes),
        Row(f"{kind} back: spool drain", len(events), [drained_in], nbytes, "oldest first"),
    ]


# --------------------------------------------------------------------------- main


def start_services(tmp: Path) -> dict[str, str]:
    out = subprocess.run(
        ["bash", str(SERVICES), "start", str(tmp / "services")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return dict(line.split("=", 1) for line in out.split())


async def repeat(times: int, run: Callable[[int], Awaitable[float]]) -> list[float]:
    return [await run(n) for n in range(times)]


async def measure(
    count: int, batch_size: int, repeats: int, live_events: int, tmp: Path
) -> tuple[list[Row], list[str]]:
    from bench._util import emulator

    rows: list[Row] = []
    notes: list[str] = []
    urls = await asyncio.to_thread(start_services, tmp)
    try:
        with emulator() as (_proc, info):
            base = info["base_url"]
            five9, five9_s = await capture(base, "five9", count // 2)
            genesys, genesys_s = await capture(base, "genesys", count - count // 2)
            corpus = interleave(five9, genesys)
            size = sum(len(encode(e)) for e in corpus)
            rows.append(Row("source: emulator -> five9 client", len(five9), [five9_s],
                            sum(len(encode(e)) for e in five9), "supervisor stream"))  # fmt: skip
            rows.append(Row("source: emulator -> genesys client", len(genesys), [genesys_s],
                            sum(len(encode(e)) for e in genesys), "notifications hub"))  # fmt: skip
            notes.append(
                f"corpus: {len(corpus)} emulator events, {size / len(corpus):.0f} B of JSON "
                "each on average, five9 and genesys interleaved"
            )
            ids = EventIds()
            envelopes = [ids.envelope(e) for e in corpus]
            redis_url, nats_url = urls["REDIS_URL"], urls["NATS_URL"]

            def redis_sink(n: int) -> Sink:
                return RedisStreamSink(
                    redis_url, key_template=f"b{n}:{{vendor}}:{{tenant}}:{{kind}}"
                )

            def nats_sink(n: int) -> Sink:
                # a stream per run: the same ids again would be dropped as duplicates
                return JetStreamSink(
                    nats_url,
                    stream=f"BENCH{n}",
                    key_template=f"b{n}.{{vendor}}.{{tenant}}.{{kind}}",
                )

            async with webhook_receiver() as hook_url:
                capacity: list[tuple[str, Callable[[int], Awaitable[float]], str]] = [
                    ("redis streams (bridge)",
                     lambda n: through_bridge(redis_sink(n), corpus, batch_size), "XADD MAXLEN ~"),
                    ("redis pipeline (raw peer)",
                     lambda n: raw_redis(redis_url, envelopes, batch_size, n), "no bridge"),
                    ("nats jetstream (bridge)",
                     lambda n: through_bridge(nats_sink(n), corpus, batch_size),
                     "acked, Nats-Msg-Id"),
                    ("nats publish_async (raw peer)",
                     lambda n: raw_nats(nats_url, envelopes, batch_size, n), "no bridge"),
                    ("webhook (HMAC, loopback)",
                     lambda n: through_bridge(WebhookSink(hook_url, secret="bench"), corpus,
                                              batch_size), f"{batch_size}/POST, same process"),
                    ("jsonl (fsync interval)",
                     lambda n: through_bridge(JsonlSink(tmp / f"i{n}.jsonl", fsync="interval"),
                                              corpus, batch_size), "1 s"),
                    ("jsonl (fsync batch)",
                     lambda n: through_bridge(JsonlSink(tmp / f"b{n}.jsonl", fsync="batch"),
                                              corpus, batch_size), ""),
                ]  # fmt: skip
                for label, run, note in capacity:
                    rows.append(Row(label, len(corpus), await repeat(repeats, run), size, note))

                live_sinks: list[tuple[str, Callable[[], Sink]]] = [
                    ("redis", lambda: redis_sink(99)),
                    ("nats", lambda: nats_sink(99)),
                    ("webhook", lambda: WebhookSink(hook_url, secret="bench")),
                    ("jsonl", lambda: JsonlSink(tmp / "live.jsonl", fsync="interval")),
                ]
                for label, factory in live_sinks:
                    seconds, delivered = await live(base, factory(), live_events, batch_size)
                    rows.append(Row(f"live: emulator -> {label}", delivered, [seconds], 0,
                                    "genesys scenario, end to end"))  # fmt: skip
        for kind in ("redis", "nats"):
            rows.extend(await outage(kind, corpus, batch_size, tmp))
    finally:
        await asyncio.to_thread(
            subprocess.run,
            ["bash", str(SERVICES), "stop", urls["SERVICES_DIR"]],
            check=False,
        )
    return rows, notes


async def main(
    count: int = 20_000,
    batch_size: int = 500,
    repeats: int = 3,
    live_events: int = 5_000,
    quick: bool = False,
) -> None:
    """Run every measurement and print the table (``python -m bench`` runs this)."""
    if quick:
        count, repeats, live_events = 400, 1, 100
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as name:
        rows, notes = await measure(count, batch_size, repeats, live_events, Path(name))
    load_after = os.getloadavg()
    print(
        f"\nbridge throughput, emulator as the source (batch {batch_size}, median of "
        f"{repeats} runs for the sink rows, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores)"
    )
    print(
        "load average (1/5/15 min): "
        f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
        f"{' '.join(f'{x:.2f}' for x in load_after)} after"
    )
    for note in notes:
        print(note)
    print(header())
    for row in rows:
        print(row.line())
    by = {row.name: row.rate for row in rows}
    for broker_name, bridged, raw in (
        ("redis", "redis streams (bridge)", "redis pipeline (raw peer)"),
        ("nats", "nats jetstream (bridge)", "nats publish_async (raw peer)"),
    ):
        print(f"{broker_name}: bridge / raw client = {by[bridged] / by[raw]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="cxkit bridge benchmark")
    parser.add_argument("--events", type=int, default=20_000, help="corpus size")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each sink row")
    parser.add_argument("--live-events", type=int, default=5_000)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.batch_size, args.repeats, args.live_events, args.quick))
