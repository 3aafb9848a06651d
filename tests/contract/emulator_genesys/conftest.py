"""Raw aiohttp clients against the Genesys emulator plugin, over real loopback sockets.

These tests speak OAuth, REST and the Notifications WebSocket directly (no cxkit client), as
any third-party Genesys Cloud client would, and drive faults through the admin API.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import pytest

from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.genesys import create_plugin
from cxkit.emulator.server import EmulatorServer
from cxkit.emulator.tenant import DEMO

START = 1_700_000_000.0
G = DEMO.genesys
CC = G.client_credentials
CODE = G.code_grant
PKCE = G.pkce
USER = G.user


def basic(client_id: str, secret: str) -> str:
    """An HTTP Basic header value."""
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def start_emulator(**options: Any) -> EmulatorServer:
    """An emulator with only the Genesys plugin, a frozen clock and ``options``."""
    config = EmulatorConfig(
        start_time=START, frozen_clock=True, vendor_options={"genesys": options}
    )
    emu = EmulatorServer(config, plugins=[create_plugin(config)])
    await emu.start()
    return emu


class Genesys:
    """A bare-bones Genesys client: tokens, API calls, channels, admin commands."""

    def __init__(self, emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.http = http
        self.base = emu.url
        self.token: str | None = None

    async def oauth(
        self,
        form: Mapping[str, str],
        *,
        auth: str | None = None,
        path: str = "/login/oauth/token",
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": auth} if auth else {}
        async with self.http.post(self.base + path, data=dict(form), headers=headers) as resp:
            return resp.status, await resp.json()

    async def login(self) -> str:
        """A client-credentials token (also kept for later calls)."""
        status, body = await self.oauth(
            {"grant_type": "client_credentials"},
            auth=basic(CC.client_id, CC.client_secret.reveal()),  # type: ignore[union-attr]
        )
        assert status == 200, body
        self.token = body["access_token"]
        return self.token

    async def user_login(self) -> str:
        """A user token through the authorization code grant (auto-approved)."""
        async with self.http.get(
            self.base + "/login/oauth/authorize",
            params={
                "client_id": CODE.client_id,
                "redirect_uri": CODE.redirect_uri or "",
                "response_type": "code",
                "auto_approve": "true",
            },
            allow_redirects=False,
        ) as resp:
            assert resp.status == 302, await resp.text()
            code = resp.headers["Location"].split("code=")[1].split("&")[0]
        status, body = await self.oauth(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": CODE.redirect_uri or "",
            },
            auth=basic(CODE.client_id, CODE.client_secret.reveal()),  # type: ignore[union-attr]
        )
        assert status == 200, body
        self.token = body["access_token"]
        return self.token

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any, Mapping[str, str]]:
        """``/api/v2`` + path -> (status, decoded body or None, headers)."""
        sent = dict(headers or {})
        bearer = token or self.token
        if bearer is not None and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {bearer}"
        kwargs: dict[str, Any] = {"headers": sent, "params": dict(params or {})}
        if json_body is not None:
            kwargs["json"] = json_body
        async with self.http.request(method, f"{self.base}/api/v2{path}", **kwargs) as resp:
            raw = await resp.read()
            body = json.loads(raw) if raw and resp.content_type == "application/json" else None
            return resp.status, body, resp.headers

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call and require a 2xx; return the body."""
        status, body, _ = await self.call(method, path, **kwargs)
        assert 200 <= status < 300, (status, body)
        return body

    async def channel(self) -> dict[str, Any]:
        """A new notification channel."""
        body: dict[str, Any] = await self.ok("POST", "/notifications/channels")
        return body

    async def subscribe(self, channel_id: str, *topics: str) -> Any:
        """POST topics to a channel."""
        return await self.ok(
            "POST",
            f"/notifications/channels/{channel_id}/subscriptions",
            json_body=[{"id": t} for t in topics],
        )

    async def admin(self, command: str, body: Mapping[str, Any] | None = None) -> Any:
        """``POST /_emulator/genesys/{command}`` (must succeed)."""
        async with self.http.post(
            f"{self.base}/_emulator/genesys/{command}", json=dict(body or {})
        ) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def advance(self, seconds: float) -> None:
        """Move the emulator clock."""
        async with self.http.post(
            f"{self.base}/_emulator/clock/advance", json={"seconds": seconds}
        ) as resp:
            assert resp.status == 200, await resp.text()


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    server = await start_emulator()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def gc(emu: EmulatorServer, http: aiohttp.ClientSession) -> Genesys:
    client = Genesys(emu, http)
    await client.login()
    return client


async def recv(ws: aiohttp.ClientWebSocketResponse, timeout: float = 2.0) -> dict[str, Any]:
    """The next JSON text frame (fails fast instead of hanging)."""
    msg = await asyncio.wait_for(ws.receive(), timeout)
    assert msg.type == aiohttp.WSMsgType.TEXT, f"expected text, got {msg.type} {msg.data!r}"
    frame: dict[str, Any] = json.loads(msg.data)
    return frame


async def recv_closed(ws: aiohttp.ClientWebSocketResponse, timeout: float = 2.0) -> int | None:
    """Read until the socket closes; returns the code of the server's close frame."""

    async def loop() -> int | None:
        while True:
            msg = await ws.receive()
            if msg.type == aiohttp.WSMsgType.CLOSE:
                return int(msg.data)
            if msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                return ws.close_code

    return await asyncio.wait_for(loop(), timeout)
