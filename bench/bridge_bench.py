"""Bridge throughput: events/s through each sink, spool write and drain rates.

    .venv/bin/python bench/bridge_bench.py [--events 20000] [--batch-size 500]

Starts redis-server and nats-server (JetStream) on loopback with ``scripts/services.sh``
(installing them from Debian when missing), then measures on this machine:

* each sink fed by the bridge with synthetic unified events (agent states and queue
  statistics over 3 tenants), from the first publish to the last acknowledgement; next to the
  broker sinks, the raw client doing the same writes without the bridge (the peer, so the
  ratio is the bridge's cost);
* the spool: appending (fsync per batch) and draining into Redis after an outage;
* the emulator as the source: ``Five9`` supervisor stream with the scenario at full speed,
  into a JSON-lines file (bound by how fast the scenario makes events, not by the sink).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

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
from cxkit.events import AgentState, AgentStateChanged, QueueStatisticsUpdated, UnifiedEvent

ROOT = Path(__file__).resolve().parents[1]
T0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)


def synthetic(count: int) -> list[UnifiedEvent]:
    """Distinct events, ~350 bytes of JSON each."""
    out: list[UnifiedEvent] = []
    for n in range(count):
        tenant = ("1001", "1002", "1003")[n % 3]
        at = T0 + dt.timedelta(microseconds=n)
        if n % 4 == 0:
            out.append(
                QueueStatisticsUpdated(
                    vendor="five9", tenant=tenant, occurred_at=at, queue_id=f"q{n % 7}",
                    queue_name="Sales", calls_waiting=n % 9, agents_ready=n % 5,
                )
            )  # fmt: skip
        else:
            out.append(
                AgentStateChanged(
                    vendor="five9", tenant=tenant, occurred_at=at, agent_id=f"30000{n % 50}",
                    agent_name="Agent", state=AgentState.READY, raw={"seq": n},
                )
            )  # fmt: skip
    return out


class Row:
    def __init__(self, name: str, events: int, seconds: float, note: str = "") -> None:
        self.name, self.events, self.seconds, self.note = name, events, seconds, note

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else float("inf")


async def through_bridge(sink: Sink, events: list[UnifiedEvent], batch_size: int) -> float:
    bridge = Bridge(sink, batch_size=batch_size, linger=0.002)
    async with bridge:
        started = time.perf_counter()
        for event in events:
            await bridge.publish(event)
        await bridge.flush(120)
        elapsed = time.perf_counter() - started
    assert bridge.stats.delivered == len(events), bridge.stats
    return elapsed


async def raw_redis(url: str, envelopes: list[Envelope], batch_size: int) -> float:
    client = aioredis.Redis.from_url(url)
    started = time.perf_counter()
    for n in range(0, len(envelopes), batch_size):
        pipe = client.pipeline(transaction=False)
        for e in envelopes[n : n + batch_size]:
            pipe.xadd(
                f"raw:{e.tenant}:{e.kind}",
                {"id": e.id, "vendor": e.vendor, "tenant": e.tenant, "kind": e.kind,
                 "event": e.event},
                maxlen=1_000_000,
            )  # fmt: skip
        await pipe.execute()
    elapsed = time.perf_counter() - started
    await client.aclose()
    return elapsed


async def raw_nats(url: str, envelopes: list[Envelope], batch_size: int) -> float:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name="RAW", subjects=["raw.>"])
    started = time.perf_counter()
    for n in range(0, len(envelopes), batch_size):
        futures = [
            await js.publish_async(
                f"raw.{e.tenant}.{e.kind}", e.event, headers={"Nats-Msg-Id": e.id}
            )
            for e in envelopes[n : n + batch_size]
        ]
        await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await nc.close()
    return elapsed


async def webhook_receiver() -> tuple[web.AppRunner, str]:
    async def hook(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=204)

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}/hook"


async def spool_rates(
    redis_url: str, events: list[UnifiedEvent], batch_size: int, tmp: Path
) -> list[Row]:
    ids = EventIds()
    envelopes = [ids.envelope(e) for e in events]
    spool = Spool(tmp / "spool", max_bytes=1 << 30)
    started = time.perf_counter()
    for n in range(0, len(envelopes), batch_size):
        spool.append(envelopes[n : n + batch_size])
    write = time.perf_counter() - started
    size = spool.pending_bytes
    # the broker is back: a bridge on this spool drains it, oldest first
    bridge = Bridge(
        RedisStreamSink(redis_url, key_template="drain:{tenant}:{kind}", maxlen=None),
        spool=spool,
        batch_size=batch_size,
    )
    started = time.perf_counter()
    async with bridge:
        await bridge.flush(120)
    drain = time.perf_counter() - started
    assert bridge.stats.drained == len(envelopes)
    mb = size / 1e6
    return [
        Row("spool append (fsync/batch)", len(envelopes), write, f"{mb:.1f} MB"),
        Row("spool drain -> redis", len(envelopes), drain, f"{mb / drain:.1f} MB/s"),
    ]


async def emulator_source(tmp: Path, seconds: float) -> Row:
    import aiohttp

    from cxkit.bridge.sources import five9_events
    from cxkit.emulator.server import EmulatorServer
    from cxkit.emulator.tenant import DEMO
    from cxkit.five9.client import Five9Client

    sink = JsonlSink(tmp / "emulator.jsonl", fsync="never")
    async with EmulatorServer() as emu, Bridge(sink, batch_size=500) as bridge:
        async with aiohttp.ClientSession() as admin:
            await admin.post(
                f"{emu.url}/_emulator/five9/scenario", json={"action": "start", "interval": 0.01}
            )
        user = DEMO.five9.supervisor
        async with Five9Client(user.username, user.password.reveal(), base_url=emu.url) as five9:
            started = time.perf_counter()
            events = five9_events(five9)

            async def pump() -> None:
                async for event in events:
                    await bridge.publish(event)

            task = asyncio.create_task(pump())
            await asyncio.sleep(seconds)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await events.aclose()  # type: ignore[attr-defined]
            await bridge.flush(30)
            elapsed = time.perf_counter() - started
    return Row(
        "emulator (five9) -> jsonl", bridge.stats.delivered, elapsed, "source-bound (scenario)"
    )


def start_services(tmp: Path) -> dict[str, str]:
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "services.sh"), "start", str(tmp / "services")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return dict(line.split("=", 1) for line in out.split())


async def main(count: int = 20_000, batch_size: int = 500, emulator_seconds: float = 3.0) -> None:
    """Run every measurement and print the table (``python -m bench bridge`` runs this)."""
    events = synthetic(count)
    ids = EventIds()
    envelopes = [ids.envelope(e) for e in events]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        urls = start_services(tmp)
        runner: web.AppRunner | None = None
        try:
            rows: list[Row] = []
            timed: list[tuple[str, Callable[[], Awaitable[float]], str]] = [
                ("redis streams (bridge)",
                 lambda: through_bridge(RedisStreamSink(urls["REDIS_URL"], maxlen=1_000_000),
                                        events, batch_size), "XADD MAXLEN ~"),
                ("redis pipeline (raw peer)",
                 lambda: raw_redis(urls["REDIS_URL"], envelopes, batch_size), "no bridge"),
                ("nats jetstream (bridge)",
                 lambda: through_bridge(JetStreamSink(urls["NATS_URL"]), events, batch_size),
                 "acked, Nats-Msg-Id"),
                ("nats publish_async (raw peer)",
                 lambda: raw_nats(urls["NATS_URL"], envelopes, batch_size), "no bridge"),
            ]  # fmt: skip
            for label, run, note in timed:
                rows.append(Row(label, count, await run(), note))
            runner, hook_url = await webhook_receiver()
            rows.append(
                Row("webhook (HMAC, loopback)", count,
                    await through_bridge(WebhookSink(hook_url, secret="bench"), events,
                                         batch_size), f"{batch_size}/POST")
            )  # fmt: skip
            for policy in ("interval", "batch"):
                sink = JsonlSink(tmp / f"out-{policy}.jsonl", fsync=policy)  # type: ignore[arg-type]
                rows.append(
                    Row(f"jsonl (fsync {policy})", count,
                        await through_bridge(sink, events, batch_size), "")
                )  # fmt: skip
            rows.extend(await spool_rates(urls["REDIS_URL"], events, batch_size, tmp))
            rows.append(await emulator_source(tmp, emulator_seconds))
        finally:
            if runner is not None:
                await runner.cleanup()
            await asyncio.to_thread(
                subprocess.run,
                ["bash", str(ROOT / "scripts" / "services.sh"), "stop", urls["SERVICES_DIR"]],
                check=False,
            )
    print(f"\nbridge throughput ({count} events, batch {batch_size}, Python {sys.version[:6]})")
    print(f"{'path':<30} {'events':>8} {'seconds':>8} {'events/s':>10}  note")
    for row in rows:
        print(f"{row.name:<30} {row.events:>8} {row.seconds:>8.3f} {row.rate:>10,.0f}  {row.note}")
    by = {row.name: row.rate for row in rows}
    for broker, bridged, raw in (
        ("redis", "redis streams (bridge)", "redis pipeline (raw peer)"),
        ("nats", "nats jetstream (bridge)", "nats publish_async (raw peer)"),
    ):
        print(f"{broker}: bridge / raw client = {by[bridged] / by[raw]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="cxkit bridge benchmark")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--emulator-seconds", type=float, default=3.0)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.batch_size, args.emulator_seconds))
