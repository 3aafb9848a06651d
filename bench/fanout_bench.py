"""Emulator fan-out: one topic published to 100 notification sockets.

Two processes besides this one:

* the **emulator** (:class:`~cxkit.emulator.server.EmulatorServer` with its Genesys plugin, in a
  process of its own) plus a small driver in the same event loop that calls the emulator's own
  ``NotificationHub.publish`` -- the path every emulated state change takes -- on commands read
  from stdin. Each event body is a presence body rendered by the emulator, carrying the
  publisher's ``time.monotonic_ns()`` (one clock for every process on Linux);
* the **clients**: 100 channels created and subscribed over REST, each with its own socket.

Phase 1, throughput: the driver publishes as fast as the sockets drain (it keeps every
socket's outbox below 4,000 frames, so nothing is dropped) while 100 plain aiohttp sockets
count frames; events/s delivered = frames received by all sockets per second.

Phase 2, latency: 100 cxkit :class:`~cxkit.genesys.Channel` objects, one handler each; the
driver publishes 100 events/s, i.e. **10,000 deliveries/s** in total; the handler computes
"now - publish time" for every delivery (p50 / p99).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from typing import Any

from bench._util import (
    PYTHON,
    Proc,
    Section,
    cpu_seconds,
    fmt,
    percentile,
    unlimited_genesys_options,
)

__all__ = ["main", "run"]

CLIENTS = 100
LATENCY_EVENTS_PER_S = 100  # x 100 sockets = 10,000 deliveries/s


# --------------------------------------------------------------------------- emulator side


async def _read_commands() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


def _say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


async def _emulator_main() -> None:
    from cxkit.emulator.config import EmulatorConfig
    from cxkit.emulator.genesys import create_plugin
    from cxkit.emulator.genesys import topic_bodies as bodies
    from cxkit.emulator.server import EmulatorServer

    options = unlimited_genesys_options(max_channels=1_000)
    config = EmulatorConfig(vendor_options={"genesys": options})
    plugin = create_plugin(config)
    server = EmulatorServer(config, plugins=[plugin])
    await server.start()
    runtime = plugin.runtime
    hub = runtime.hub
    user = runtime.state.users[runtime.tenant.user.user_id]
    topic = f"v2.users.{user.id}.presence"
    template = bodies.presence(runtime.state, user)
    _say({"url": server.url, "topic": topic, "tenant": runtime.tenant.to_info()})

    def publish() -> int:
        body = dict(template)
        body["message"] = str(time.monotonic_ns())
        return hub.publish(topic, body)

    def backlog() -> int:
        # The emulator's socket outboxes (bench-only peek): frames queued but not yet sent.
        queues = (getattr(c.socket, "_outbox", None) for c in hub.connected())
        return max((q.qsize() for q in queues if q is not None), default=0)

    blasting: asyncio.Task[int] | None = None
    stop = asyncio.Event()

    async def blast() -> int:
        published = 0
        while not stop.is_set():
            for _ in range(8):
                publish()
            published += 8
            await asyncio.sleep(0)  # let the socket writers run
            if published % 64 == 0:
                # polling: the emulator's outboxes have no "drained" event to wait for
                while backlog() > 4_000 and not stop.is_set():  # noqa: ASYNC110
                    await asyncio.sleep(0.0005)
        return published

    async def paced(rate: float, seconds: float) -> int:
        loop = asyncio.get_running_loop()
        start = loop.time()
        total = round(rate * seconds)
        for number in range(total):
            delay = start + number / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            publish()
        return total

    commands = await _read_commands()
    try:
        while line := await commands.readline():
            command = json.loads(line)
            name = command["cmd"]
            if name == "wait_sockets":
                while len(hub.connected()) < command["n"]:  # noqa: ASYNC110 - no event
                    await asyncio.sleep(0.01)
                _say({"sockets": len(hub.connected())})
            elif name == "blast":
                stop.clear()
                blasting = asyncio.create_task(blast())
                _say({"blasting": True, "t": time.monotonic()})
            elif name == "stop" and blasting is not None:
                stop.set()
                _say({"published": await blasting, "t": time.monotonic()})
                blasting = None
            elif name == "paced":
                published = await paced(command["rate"], command["seconds"])
                _say({"published": published})
            elif name == "quit":
                break
    finally:
        await server.stop()


# --------------------------------------------------------------------------- client side


async def _clients_main(args: dict[str, Any]) -> None:
    import aiohttp

    from cxkit.genesys import Channel, GenesysClient

    mode, count, topic = args["mode"], args["n"], args["topic"]
    client = GenesysClient(
        base_url=args["url"], client_id=args["client_id"], client_secret=args["client_secret"]
    )
    received = 0
    latencies: list[int] = []
    tasks: list[asyncio.Task[None]] = []
    channels: list[Channel] = []
    session = aiohttp.ClientSession()

    async def raw_socket(ready: asyncio.Event) -> None:
        nonlocal received
        channel = await client.notifications.create_channel()
        await client.notifications.replace_subscriptions(channel.id, [topic])
        assert channel.connect_uri is not None
        ws = await session.ws_connect(channel.connect_uri)
        ready.set()
        async for _msg in ws:
            received += 1

    def handler(event: Any) -> None:
        nonlocal received
        received += 1
        latencies.append(time.monotonic_ns() - int(event.body.message))

    try:
        if mode == "raw":
            for _ in range(count):
                ready = asyncio.Event()
                tasks.append(asyncio.create_task(raw_socket(ready)))
                await ready.wait()
        else:
            channels = [Channel(client, [topic]) for _ in range(count)]
            for channel in channels:
                channel.on(topic, handler)
            await asyncio.gather(*(channel.open() for channel in channels))
        _say({"ready": count})
        commands = await _read_commands()
        while line := await commands.readline():
            command = json.loads(line)
            if command["cmd"] == "mark":
                _say({"received": received, "t": time.monotonic()})
            elif command["cmd"] == "latency":
                samples = sorted(latencies)
                latencies.clear()
                _say(
                    {
                        "samples": len(samples),
                        "p50_ms": percentile(samples, 0.50) / 1e6,
                        "p99_ms": percentile(samples, 0.99) / 1e6,
                        "max_ms": (samples[-1] if samples else 0) / 1e6,
                    }
                )
            elif command["cmd"] == "quit":
                break
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(c.close() for c in channels), return_exceptions=True)
        await session.close()
        await client.close()


# --------------------------------------------------------------------------- orchestration


def run(quick: bool = False) -> Section:
    """Throughput to 100 plain sockets, then latency at 10,000 deliveries/s to 100 cxkit
    channels."""
    clients = 10 if quick else CLIENTS
    blast_seconds = 0.2 if quick else 3.0
    latency_seconds = 0.3 if quick else 5.0
    rate = LATENCY_EVENTS_PER_S * CLIENTS / clients  # always 10,000 deliveries/s
    section = Section(
        f"Emulator fan-out ({clients} WebSocket clients, one topic)",
        ["deliveries/s", "published/s", "p50", "p99", "emulator CPU", "clients CPU"],
    )
    with Proc([PYTHON, "-m", "bench.fanout_bench", "emulator"]) as emu:
        hello = emu.read(60)
        cc = hello["tenant"]["clientCredentials"]
        common = {
            "url": hello["url"],
            "topic": hello["topic"],
            "n": clients,
            "client_id": cc["clientId"],
            "client_secret": cc["clientSecret"],
        }

        # -- phase 1: throughput to plain sockets
        with Proc(
            [PYTHON, "-m", "bench.fanout_bench", "clients", json.dumps({**common, "mode": "raw"})]
        ) as raw:
            raw.read(120)
            emu.send({"cmd": "wait_sockets", "n": clients})
            emu.read(60)
            emu.send({"cmd": "blast"})
            emu.read(30)
            time.sleep(0.3)  # steady state
            raw.send({"cmd": "mark"})
            first = raw.read(30)
            cpu_e, cpu_c = cpu_seconds(emu.pid), cpu_seconds(raw.pid)
            time.sleep(blast_seconds)
            raw.send({"cmd": "mark"})
            last = raw.read(30)
            cpu_e, cpu_c = cpu_seconds(emu.pid) - cpu_e, cpu_seconds(raw.pid) - cpu_c
            emu.send({"cmd": "stop"})
            stopped = emu.read(30)
            raw.send({"cmd": "quit"})
        seconds = last["t"] - first["t"]
        delivered = (last["received"] - first["received"]) / seconds
        section.add(
            f"max throughput, {clients} plain aiohttp sockets",
            {
                "deliveries/s": fmt(delivered),
                "published/s": fmt(delivered / clients),
                "emulator CPU": f"{cpu_e / seconds:.0%}",
                "clients CPU": f"{cpu_c / seconds:.0%}",
            },
        )
        del stopped

        # -- phase 2: latency at 10,000 deliveries/s to cxkit channels
        with Proc(
            [PYTHON, "-m", "bench.fanout_bench", "clients", json.dumps({**common, "mode": "cxkit"})]
        ) as cx:
            cx.read(120)
            emu.send({"cmd": "wait_sockets", "n": clients})
            emu.read(60)
            cx.send({"cmd": "mark"})
            first = cx.read(30)
            cx.send({"cmd": "latency"})  # drop anything before the measured window
            cx.read(30)
            cpu_e, cpu_c = cpu_seconds(emu.pid), cpu_seconds(cx.pid)
            emu.send({"cmd": "paced", "rate": rate, "seconds": latency_seconds})
            published = emu.read(latency_seconds * 10 + 30)["published"]
            time.sleep(0.2)  # the last deliveries
            cpu_e, cpu_c = cpu_seconds(emu.pid) - cpu_e, cpu_seconds(cx.pid) - cpu_c
            cx.send({"cmd": "latency"})
            latency = cx.read(30)
            cx.send({"cmd": "quit"})
        emu.send({"cmd": "quit"})
        expected = published * clients
        section.add(
            f"{rate * clients:,.0f} deliveries/s, {clients} cxkit Channels",
            {
                "deliveries/s": fmt(latency["samples"] / latency_seconds),
                "published/s": fmt(rate),
                "p50": f"{latency['p50_ms']:.2f} ms",
                "p99": f"{latency['p99_ms']:.2f} ms",
                "emulator CPU": f"{cpu_e / latency_seconds:.0%}",
                "clients CPU": f"{cpu_c / latency_seconds:.0%}",
            },
        )
        if latency["samples"] != expected:
            section.notes.append(
                f"latency run: {latency['samples']:,} of {expected:,} deliveries arrived"
            )
    section.notes.append(
        f"throughput over {blast_seconds:g} s of steady state; latency = emulator publish "
        f"(monotonic clock) to the cxkit handler, over {latency_seconds:g} s; CPU = share of "
        "one core"
    )
    return section


def main(quick: bool = False) -> str:
    """Run and return the section as text."""
    return run(quick).text()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "emulator":
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_emulator_main())
    elif len(sys.argv) > 2 and sys.argv[1] == "clients":
        asyncio.run(_clients_main(json.loads(sys.argv[2])))
    else:
        print(main("--quick" in sys.argv))
