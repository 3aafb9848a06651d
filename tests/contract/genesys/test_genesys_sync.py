"""The same client object from plain blocking code, through ``cxkit.sync.syncify``: a token,
REST calls, a paginator and a notification channel iterated with ``for``."""

from __future__ import annotations

import threading
from typing import Any

import aiohttp

from cxkit import sync
from cxkit.emulator.server import EmulatorServer
from cxkit.genesys import topics
from cxkit.genesys.events import PresenceBody, TopicEvent
from cxkit.genesys.models import EntityListing, User

from .conftest import emulator_client, start_emulator


async def admin(emu: EmulatorServer, command: str, body: dict[str, Any]) -> Any:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emu.url}/_emulator/genesys/{command}", json=body) as resp,
    ):
        assert resp.status == 200, await resp.text()
        return await resp.json()


def test_blocking_token_calls_paging_and_a_channel() -> None:
    with sync.Portal("genesys-sync-test") as portal:
        emu = portal.run(start_emulator())
        try:
            # Built in this (non-loop) thread, used only through the proxy.
            client = sync.syncify(emulator_client(emu), portal=portal, timeout=10)
            with client:
                token = client.login()
                assert token.access_token.reveal() and "***" in repr(token)
                listing = client.users.list(page_size=2)
                assert isinstance(listing, EntityListing) and len(listing.entities) == 2
                users = list(client.users.iter(page_size=5))  # async paginator -> for
                assert len(users) == listing.total and all(isinstance(u, User) for u in users)
                info, response = client.with_response(client.tokens.me)
                assert info.organization is not None and response.status == 200
                assert client.oauth.token_requests == 1

                uid = users[0].id
                presence = topics.user_presence(uid)
                with client.channel([presence]) as channel:
                    for name in ("Busy", "Away", "Available"):
                        portal.run(admin(emu, "set_presence", {"user_id": uid, "presence": name}))
                    # A broken stream must fail this test, not hang it.
                    guard = threading.Timer(10, lambda: portal.submit(sync.unwrap(channel).close()))
                    guard.start()
                    seen: list[str] = []
                    try:
                        for event in channel:  # the async iterator, driven from this thread
                            if isinstance(event, TopicEvent) and event.topic == presence:
                                assert isinstance(event.body, PresenceBody)
                                seen.append(event.body.presence_definition.system_presence)
                                if len(seen) == 3:
                                    break
                    finally:
                        guard.cancel()
                    assert seen == ["Busy", "Away", "Available"]
        finally:
            portal.run(emu.stop())
