"""The same Five9Client from plain blocking code, through :func:`cxkit.sync.syncify`.

No ``async`` in the test itself: the emulator runs on its own event-loop thread (as a remote
server would), the client on the sync facade's portal.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from cxkit.events import AgentStateChanged
from cxkit.five9.client import Five9Client
from cxkit.five9.events import EventId, Five9Event
from cxkit.sync import Portal, syncify, unwrap

from .conftest import FAST_RECONNECT, _emulator_available

pytestmark = pytest.mark.skipif(not _emulator_available(), reason="no Five9 emulator")

T = 10.0


@pytest.fixture
def emulator_url() -> Iterator[str]:
    from cxkit.emulator.config import EmulatorConfig
    from cxkit.emulator.server import EmulatorServer

    with Portal("five9-emulator") as loop:
        server = EmulatorServer(EmulatorConfig(seed=7))
        loop.run(server.start(), timeout=T)
        try:
            yield server.url
        finally:
            loop.run(server.stop(), timeout=T)


def test_syncified_client_logs_in_calls_streams_and_logs_out(emulator_url: str) -> None:
    from cxkit.emulator.tenant import DEMO

    user = DEMO.five9.supervisor
    with Portal("five9-client") as portal:
        client: Any = syncify(
            Five9Client(
                user.username,
                user.password.reveal(),
                base_url=emulator_url,
                ping_interval=0.2,
                reconnect=FAST_RECONNECT,
            ),
            portal=portal,
            timeout=T,
        )
        try:
            login = client.login()
            assert login.user_id == user.user_id and client.logged_in
            skills = client.supervisor.skills()
            assert [s.name for s in skills] == ["Sales", "Support", "Billing"]

            seen: list[Any] = []
            stream = client.supervisor_stream()
            # The iterator exists before the stream starts, so it misses nothing (the
            # portal's loop runs the stream while this thread moves on).
            events = iter(stream)
            # Safety net: a stream that never delivers is closed, which ends the loop.
            watchdog = threading.Timer(T, lambda: portal.submit(unwrap(stream).close()))
            watchdog.start()
            try:
                with stream:
                    for event in events:
                        seen.append(event)
                        # the dump, then the agent states it implies (unified events are
                        # on: iterating a stream consumes them)
                        if isinstance(event, AgentStateChanged):
                            break
                    cache = stream.cache
                    assert cache.agent_state(DEMO.five9.agent.user_id).state == "LOGGED_OUT"
            finally:
                watchdog.cancel()
            ids = [e.event_id for e in seen if isinstance(e, Five9Event)]
            assert ids[0] == EventId.SERVER_CONNECTED and ids[-1] == EventId.EVENT_STATS

            client.logout()
            assert not client.logged_in
        finally:
            client.close()
