"""The same core checks against a real Five9 tenant (marker ``live``; skipped without
FIVE9_USERNAME / FIVE9_PASSWORD / FIVE9_REGION in the environment). Read-only calls only."""

from __future__ import annotations

import asyncio

import pytest

from cxkit.events import StreamState
from cxkit.five9.events import EventId, Five9Event

from .conftest import LiveTarget

pytestmark = [pytest.mark.asyncio, pytest.mark.live]


async def test_live_login_and_lookups(live: LiveTarget) -> None:
    async with live.make() as client:
        users = await asyncio.wait_for(client.supervisor.users(), 60)
        assert users
        assert client.api_base != client.login_base or client.session_info is not None
        assert await client.supervisor.skills() is not None
        assert await client.supervisor.not_ready_reason_codes() is not None


async def test_live_supervisor_stream_gets_statistics(live: LiveTarget) -> None:
    async with live.make() as client, client.supervisor_stream() as stream:
        await stream.wait_state(StreamState.CONNECTED, 60)
        got_stats = asyncio.Event()
        stream.on_event(EventId.EVENT_STATS, lambda e: got_stats.set())
        await asyncio.wait_for(got_stats.wait(), 60)
        assert stream.cache is not None and not stream.cache.stale
        assert isinstance(stream.five9.pings, int)
        assert Five9Event  # the stream delivered typed Five9 events
