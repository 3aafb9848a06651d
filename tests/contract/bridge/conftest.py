"""Fixtures of the bridge tests: real brokers on loopback and synthetic unified events."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cxkit.config import ReconnectPolicy
from cxkit.events import AgentState, AgentStateChanged, QueueStatisticsUpdated, UnifiedEvent

from .brokers import BrokerProcess, broker_binaries, nats_process, redis_process

FAST_RETRY = ReconnectPolicy(min_wait=0.01, max_wait=0.05, max_attempts=0, reset_after=0)
T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def make_events(count: int, *, tenants: tuple[str, ...] = ("1001", "1002")) -> list[UnifiedEvent]:
    """Distinct events over several keys: tenants x (agent.state, queue.statistics)."""
    events: list[UnifiedEvent] = []
    for n in range(count):
        tenant = tenants[n % len(tenants)]
        at = T0 + dt.timedelta(milliseconds=n)
        if n % 3 == 0:
            events.append(
                QueueStatisticsUpdated(
                    vendor="five9", tenant=tenant, occurred_at=at, queue_id="q1", calls_waiting=n
                )
            )
        else:
            events.append(
                AgentStateChanged(
                    vendor="five9",
                    tenant=tenant,
                    occurred_at=at,
                    agent_id=f"a{n % 5}",
                    state=AgentState.READY if n % 2 else AgentState.NOT_READY,
                    raw={"seq": n},
                )
            )
    return events


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[BrokerProcess]:
    server = redis_process(broker_binaries()["redis"], tmp_path / "redis")
    await server.start()
    try:
        yield server
    finally:
        await server.kill()


@pytest.fixture
async def nats_server(tmp_path: Path) -> AsyncIterator[BrokerProcess]:
    server = nats_process(broker_binaries()["nats"], tmp_path / "nats")
    await server.start()
    try:
        yield server
    finally:
        await server.kill()
