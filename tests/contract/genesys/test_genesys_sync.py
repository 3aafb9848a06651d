"""The same client object through the sync facade (cxkit.sync.syncify)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import emulator_client, start_emulator

sync: Any = pytest.importorskip("cxkit.sync")


def test_blocking_calls_and_iterators_through_syncify() -> None:
    portal = sync.Portal()
    run = getattr(portal, "run", None) or (lambda coro: sync.run(coro, portal=portal))
    emu = run(start_emulator())
    try:
        client = sync.syncify(emulator_client(emu), portal=portal)
        listing = client.users.list(page_size=2)
        assert len(listing.entities) == 2
        users = list(client.users.iter(page_size=5))
        assert len(users) == listing.total
        data, response = client.with_response(client.tokens.me)
        assert data.organization is not None and response.status == 200
        client.close()
    finally:
        run(emu.stop())
        close = getattr(portal, "close", None) or getattr(portal, "stop", None)
        if close is not None:
            close()
