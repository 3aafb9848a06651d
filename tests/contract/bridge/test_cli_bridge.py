"""``cxkit bridge`` end to end: the emulator as the source, real brokers as destinations, and
the documented consumer examples (examples/bridge_*_consumer.py) reading the result."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner, Result

from cxkit.bridge import decode_envelope
from cxkit.cli.main import app
from cxkit.events import UnifiedEvent

from .brokers import ROOT, BrokerProcess

T = 30.0


def example(name: str) -> ModuleType:
    path = ROOT / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def cxkit(*args: str, stdin: str | None = None) -> Result:
    """Run the command in a thread (it runs its own event loop, as from a shell)."""
    runner = CliRunner()
    return await asyncio.wait_for(
        asyncio.to_thread(
            runner.invoke, app, ["bridge", *args], input=stdin, catch_exceptions=False
        ),
        T,
    )


async def test_emulator_to_redis_read_by_the_consumer_group_example(
    redis_server: BrokerProcess, tmp_path: Path
) -> None:
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    result = await cxkit(
        "--from", "emulator", "--to", url, "--spool", str(tmp_path / "spool"),
        "--max-events", "40", "--scenario-interval", "0.05",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "published 40, delivered 40" in result.output
    consumer = example("bridge_redis_consumer")
    got: list[tuple[str, UnifiedEvent]] = []
    handled = await consumer.consume(
        url, limit=40, idle_rounds=3, block_ms=100, handle=lambda k, e: got.append((k, e))
    )
    assert handled == 40
    assert all(key == f"cxkit:five9:131313:{event.event_kind}" for key, event in got)
    assert {event.event_kind for _key, event in got} >= {"agent.state", "queue.statistics"}
    # acknowledged: a second consumer of the same group has nothing left
    again = await consumer.consume(url, consumer="consumer-2", idle_rounds=1, block_ms=100)
    assert again == 0


async def test_emulator_to_nats_with_a_kinds_filter_read_by_the_durable_example(
    nats_server: BrokerProcess, tmp_path: Path
) -> None:
    url = f"nats://127.0.0.1:{nats_server.port}"
    result = await cxkit(
        "--from", "emulator", "--to", url, "--spool", str(tmp_path / "spool"),
        "--kinds", "agent.*", "--max-events", "15", "--scenario-interval", "0.05", "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    consumer = example("bridge_nats_consumer")
    subjects: list[str] = []
    handled = await consumer.consume(
        url, limit=15, idle_rounds=2, fetch_timeout=0.2, handle=lambda s, e: subjects.append(s)
    )
    assert handled == 15
    assert set(subjects) == {"cxkit.five9.131313.agent.state"}
    # the durable consumer remembers: nothing is delivered twice
    assert await consumer.consume(url, idle_rounds=1, fetch_timeout=0.2) == 0


async def test_genesys_emulator_through_the_notification_hub_to_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = await cxkit(
        "--from", "emulator", "--emulator-vendor", "genesys", "--to", str(out),
        "--spool", str(tmp_path / "spool"), "--max-events", "25",
        "--scenario-interval", "0.05", "--jsonl-fsync", "batch", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # --json: the counters as one JSON document per line on stdout
    done = json.loads(result.stdout.splitlines()[-1])
    assert (done["type"], done["published"], done["delivered"]) == ("done", 25, 25)
    envelopes = [decode_envelope(line) for line in out.read_bytes().splitlines()]
    assert len(envelopes) == 25 and len({e.id for e in envelopes}) == 25
    assert {e.vendor for e in envelopes} == {"genesys"}
    assert all(e.decode_event().tenant == e.tenant for e in envelopes)


async def test_usage_errors_are_clear_and_never_echo_secrets(tmp_path: Path) -> None:
    result = await cxkit(
        "--from", "emulator", "--to", "kafka://user:hunter2@broker:9092",
        "--spool", str(tmp_path / "s1"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "bridge.to" in result.output and "hunter2" not in result.output
    result = await cxkit("--from", "five9", "--to", str(tmp_path / "x.jsonl"), "--no-spool")
    assert result.exit_code == 2 and "--five9-username" in result.output
    result = await cxkit("--from", "avaya", "--to", str(tmp_path / "x.jsonl"))
    assert result.exit_code == 2 and "five9, genesys, emulator" in result.output
    result = await cxkit(
        "--from", "emulator", "--to", str(tmp_path / "x.jsonl"), "--kinds", "agnets.*",
        "--no-spool",
    )  # fmt: skip
    assert result.exit_code == 2 and "bridge.kinds" in result.output


async def test_wrong_five9_password_fails_without_showing_it(tmp_path: Path) -> None:
    from cxkit.emulator.server import EmulatorServer

    async with EmulatorServer() as emulator:
        result = await cxkit(
            "--from", "five9", "--five9-url", emulator.url,
            "--five9-username", "demo.supervisor@cxkit.local", "--five9-password-stdin",
            "--to", str(tmp_path / "x.jsonl"), "--no-spool",
            stdin="wrong-pass-9876\n",
        )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "wrong-pass-9876" not in result.output
    assert "InvalidCredentials" in result.output or "Unauthorized" in result.output


async def test_a_full_spool_stops_the_bridge_and_loses_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The broker is unreachable and the spool tiny: the bridge stops with a clear error, and
    every event it took is in the spool or in the unsaved file it names."""
    import re

    from cxkit.bridge import Spool
    from cxkit.cli.bridge import EXIT_FAILED, BridgeCommand, run_bridge

    from .brokers import free_port

    spool_dir = tmp_path / "spool"
    command = BridgeCommand(
        source="emulator",
        to=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        spool=spool_dir,
        spool_max_bytes=16 * 1024,
        scenario_interval=0.05,
        duration=T,  # a safety net: the full spool ends it long before
    )
    code = await asyncio.wait_for(run_bridge(command), T)
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert f"spool {spool_dir} is full" in err and "16384 bytes" in err
    match = re.search(r"(\d+) events could be neither delivered nor spooled; .* in (\S+) ", err)
    assert match, err
    unsaved_file = Path(match.group(2))
    lines = (await asyncio.to_thread(unsaved_file.read_bytes)).splitlines()
    assert len(lines) == int(match.group(1)) > 0
    unsaved = [decode_envelope(line) for line in lines]
    published = int(re.findall(r"published (\d+)", err)[-1])
    spool = Spool(spool_dir)
    try:
        spooled, _ = spool.read(100_000)
    finally:
        spool.close()
    ids = [e.id for e in spooled] + [e.id for e in unsaved]
    assert len(ids) == len(set(ids)) == published  # each event once: nothing dropped


async def test_two_bridge_processes_split_the_topics_of_one_tenant(
    redis_server: BrokerProcess, tmp_path: Path
) -> None:
    """Two ``cxkit bridge`` processes on one Genesys org (the emulator): one carries the agent
    states, the other the queues and interactions. Each subscribes only what it carries, has
    its own spool, and together they deliver both halves into one Redis."""
    import os
    import sys

    import aiohttp
    import redis.asyncio as aioredis

    from cxkit.emulator.server import EmulatorServer
    from cxkit.emulator.tenant import DEMO

    url = f"redis://127.0.0.1:{redis_server.port}/0"
    credentials = DEMO.genesys.client_credentials
    assert credentials.client_secret is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYS_", "CXKIT_"))}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    # the credentials come from a config file, as for every other command
    config = tmp_path / "cxkit.ini"
    config.write_text(
        f"[genesys]\nclient_id = {credentials.client_id}\n"
        f"client_secret = {credentials.client_secret.reveal()}\n"
    )

    async def bridge(emulator_url: str, kinds: str, count: int) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cxkit.cli", "bridge", "--from", "genesys",
            "--genesys-url", emulator_url, "--config", str(config),
            "--to", url, "--kinds", kinds, "--max-events", str(count),
            stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        try:
            _, err = await asyncio.wait_for(proc.communicate(), T)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        assert proc.returncode is not None
        return proc.returncode, err.decode()

    async with EmulatorServer() as emulator, aiohttp.ClientSession() as admin:
        async with admin.post(
            f"{emulator.url}/_emulator/genesys/scenario",
            json={"action": "start", "interval": 0.05},
        ) as answer:
            assert answer.status == 200
        (code_a, err_a), (code_b, err_b) = await asyncio.gather(
            bridge(emulator.url, "agent.*", 10),
            bridge(emulator.url, "queue.*,interaction.*", 20),
        )
        # what each process really subscribed, as the emulator's notification service saw it
        async with admin.post(f"{emulator.url}/_emulator/genesys/state", json={}) as answer:
            channels = (await answer.json())["channels"]
    families = sorted(tuple(sorted({t.split(".")[1] for t in c["topics"]})) for c in channels)
    assert families == [("analytics", "routing"), ("users",)]
    assert code_a == 0 and code_b == 0, err_a + err_b
    assert "subscribing user presence and routing status\n" in err_a
    assert "subscribing queue observations, queue conversations\n" in err_b
    assert credentials.client_secret.reveal() not in err_a + err_b

    client = aioredis.Redis.from_url(url)
    try:
        lengths = {k.decode(): await client.xlen(k) async for k in client.scan_iter("cxkit:*")}
    finally:
        await client.aclose()
    kinds = {key.rsplit(":", 1)[1] for key in lengths}
    assert "agent.state" in kinds and "queue.statistics" in kinds
    assert kinds <= {"agent.state", "queue.statistics"} | {
        f"interaction.{what}" for what in ("started", "updated", "ended")
    }
    agent = sum(n for key, n in lengths.items() if key.endswith(":agent.state"))
    assert agent == 10 and sum(lengths.values()) == 10 + 20  # each half, exactly once
    spools = sorted(p.name for p in (tmp_path / "state" / "cxkit" / "bridge").iterdir())
    assert len(spools) == 2 and all(name.startswith("genesys-") for name in spools)


async def test_a_bridge_killed_while_spooling_delivers_its_spool_after_a_restart(
    tmp_path: Path,
) -> None:
    """SIGKILL a ``cxkit bridge`` whose broker is down: everything it had spooled (fsynced)
    survives, and the next run on that spool delivers it first, in order, once the broker is
    up (started here on the port the first run was failing to reach)."""
    import os
    import re
    import signal
    import sys

    import redis.asyncio as aioredis

    from cxkit.bridge import Spool

    from .brokers import broker_binaries, free_port, redis_process

    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    spool_dir = tmp_path / "spool"
    argv = [
        sys.executable, "-m", "cxkit.cli", "bridge", "--from", "emulator", "--to", url,
        "--spool", str(spool_dir), "--scenario-interval", "0.02",
    ]  # fmt: skip
    first = await asyncio.create_subprocess_exec(
        *argv, "--stats-interval", "0.1", stderr=asyncio.subprocess.PIPE
    )
    assert first.stderr is not None
    try:
        while True:  # the counters it prints say when enough is on disk
            line = (await asyncio.wait_for(first.stderr.readline(), T)).decode()
            assert line, "the bridge ended early"
            found = re.search(r"spooled (\d+)", line)
            if found and int(found.group(1)) >= 50:
                break
    finally:
        os.kill(first.pid, signal.SIGKILL)  # a crash: no chance to save anything
        await first.wait()

    spool = Spool(spool_dir)  # the dead process's lock is gone with it
    try:
        survived, _ = spool.read(1_000_000)
    finally:
        spool.close()
    assert len(survived) >= 50

    server = redis_process(broker_binaries()["redis"], tmp_path / "redis", port)
    await server.start()
    try:
        second = await asyncio.create_subprocess_exec(
            *argv, "--max-events", "5", "--quiet", stderr=asyncio.subprocess.PIPE
        )
        _, err = await asyncio.wait_for(second.communicate(), T)
        assert second.returncode == 0, err.decode()
        client = aioredis.Redis.from_url(url)
        try:
            stored: dict[str, list[str]] = {}
            async for key in client.scan_iter("cxkit:*"):
                stored[key.decode()] = [f[b"id"].decode() for _, f in await client.xrange(key)]
        finally:
            await client.aclose()
    finally:
        await server.kill()
    for envelope in survived:
        assert envelope.id in stored[f"cxkit:five9:{envelope.tenant}:{envelope.kind}"]
    for key, ids in stored.items():
        expected = [e.id for e in survived if key.endswith(f":{e.tenant}:{e.kind}")]
        assert ids[: len(expected)] == expected, key  # the spool first, in its order
    assert sum(map(len, stored.values())) == len(survived) + 5
