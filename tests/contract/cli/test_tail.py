"""``cxkit tail``: unified and raw events from an embedded emulator or a running one."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
from typer.testing import CliRunner

from cxkit import events
from cxkit.cli.main import app
from cxkit.emulator.tenant import DEMO

from .conftest import T, cxkit_command


async def test_tail_five9_emulator_json_yields_unified_events_quickly(
    clean_env: dict[str, str],
) -> None:
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *cxkit_command(), "tail", "five9", "--emulator", "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env,
    )  # fmt: skip
    assert proc.stdout is not None
    seen: list[events.BaseEvent] = []
    try:
        while not {"agent.state", "queue.statistics"} <= {e.event_kind for e in seen}:
            line = await asyncio.wait_for(proc.stdout.readline(), T)
            assert line, "the stream ended early"
            seen.append(events.decode(line))  # every line is one unified event
        elapsed = time.monotonic() - started
    finally:
        proc.send_signal(2)  # Ctrl-C: a clean stop
        code = await asyncio.wait_for(proc.wait(), T)
    assert code == 0
    assert elapsed < 10, f"first statistics took {elapsed:.1f} s"
    queues = [e for e in seen if isinstance(e, events.QueueStatisticsUpdated)]
    assert all(e.vendor == "five9" and e.tenant for e in queues)
    assert {q.queue_name for q in queues} <= {"Sales", "Support", "Billing"}


def test_tail_five9_filters_kinds_and_raw_event_ids(clean_env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        app, ["tail", "five9", "--emulator", "--json", "--kind", "queue.statistics", "-n", "3"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert {events.decode(line).event_kind for line in lines} == {"queue.statistics"}

    raw = CliRunner().invoke(
        app, ["tail", "five9", "--emulator", "--json", "--event-id", "5000", "-n", "1"]
    )
    assert raw.exit_code == 0, raw.output
    frame = json.loads(raw.stdout)
    assert frame["vendor"] == "five9" and frame["event_id"] == 5000
    assert frame["name"] == "EVENT_STATS"
    assert isinstance(frame["payload"], list)  # the full statistics dump, as sent


async def test_tail_genesys_against_a_running_emulator(
    emulator_url: str, clean_env: dict[str, str]
) -> None:
    """``--base-url`` of a running emulator: its demo client is used, every user's presence
    is subscribed, and a presence change made through the admin API shows up."""
    proc = await asyncio.create_subprocess_exec(
        *cxkit_command(), "tail", "genesys", "--base-url", emulator_url, "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env,
    )  # fmt: skip
    assert proc.stdout is not None

    async def next_event() -> events.BaseEvent:
        line = await asyncio.wait_for(proc.stdout.readline(), T)  # type: ignore[union-attr]
        assert line, "the stream ended early"
        return events.decode(line)

    try:
        event = await next_event()
        while not (isinstance(event, events.StreamStateChanged) and event.state == "connected"):
            event = await next_event()
        user = DEMO.genesys.user.user_id
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{emulator_url}/_emulator/genesys/set_presence",
                json={"user_id": user, "presence": "Busy"},
            ) as resp,
        ):
            assert resp.status == 200, await resp.text()
        event = await next_event()
        while not isinstance(event, events.AgentStateChanged):
            event = await next_event()
    finally:
        proc.send_signal(2)
        code = await asyncio.wait_for(proc.wait(), T)
    assert code == 0
    assert event.vendor == "genesys" and event.agent_id == user
    assert event.agent_name == DEMO.genesys.user.name  # names listed at start
    assert event.state == "not_ready"


def test_tail_genesys_emulator_unified_kinds(clean_env: dict[str, str]) -> None:
    busy = CliRunner().invoke(
        app,
        ["tail", "genesys", "--emulator", "--speed", "8", "--json", "--kind", "agent.state",
         "-n", "3"],
    )  # fmt: skip
    assert busy.exit_code == 0, busy.output
    states = [events.decode(line) for line in busy.stdout.splitlines()]
    assert len(states) == 3
    assert all(isinstance(e, events.AgentStateChanged) and e.vendor == "genesys" for e in states)
    assert all(e.agent_name for e in states)


def test_tail_rejects_an_unknown_kind(clean_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["tail", "five9", "--emulator", "--kind", "agent.mood"])
    assert result.exit_code == 2
    assert "unknown --kind agent.mood" in result.stderr
