"""Raw aiohttp clients against the Five9 emulator plugin, over real loopback sockets.

These tests check the emulator's wire shapes and behaviour without the cxkit client: they
speak HTTP and WebSocket directly, as a third-party Five9 client would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.five9 import create_plugin
from cxkit.emulator.server import EmulatorServer
from cxkit.emulator.tenant import DEMO

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "five9"
START = 1_700_000_000.0
SUP = DEMO.five9.supervisor
AGENT = DEMO.five9.agent
ORG = DEMO.five9.org_id


MAP_KEYS = frozenset({"dispositions"})


def fixture(name: str) -> Any:
    """A copied five9-go wire sample."""
    return json.loads((FIXTURES / name).read_text())


def same_shape(actual: Any, expected: Any, path: str = "$") -> None:
    """Assert ``actual`` has exactly the keys of ``expected`` (recursively), with values of
    the same JSON type (null in the sample matches anything)."""
    if expected is None:
        return
    if path.rsplit(".", 1)[-1] in MAP_KEYS:
        # keyed by data (disposition id -> count): compare value types only
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        sample = next(iter(expected.values()), None)
        for key, value in actual.items():
            same_shape(value, sample, f"{path}[{key!r}]")
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        assert set(actual) == set(expected), (
            f"{path}: keys differ: extra {sorted(set(actual) - set(expected))}, "
            f"missing {sorted(set(expected) - set(actual))}"
        )
        for key, value in expected.items():
            same_shape(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not a list"
        if expected and actual:
            for index, item in enumerate(actual):
                same_shape(item, expected[0], f"{path}[{index}]")
    elif isinstance(expected, bool):
        assert isinstance(actual, bool), f"{path}: {actual!r} is not a bool"
    elif isinstance(expected, (int, float)):
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool), path
    else:
        assert isinstance(actual, type(expected)), f"{path}: {actual!r} is not {type(expected)}"


async def start_emulator(**options: Any) -> EmulatorServer:
    """An emulator with only the Five9 plugin, a frozen clock and ``options``."""
    config = EmulatorConfig(start_time=START, frozen_clock=True, vendor_options={"five9": options})
    emu = EmulatorServer(config, plugins=[create_plugin(config)])
    await emu.start()
    return emu


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    server = await start_emulator()
    try:
        yield server
    finally:
        await server.stop()


class Five9Raw:
    """A bare-bones Five9 client: login, header/cookie auth, admin commands."""

    def __init__(self, emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.http = http
        self.base = emu.url
        self.token: str | None = None
        self.farm: str | None = None
        self.login_body: dict[str, Any] = {}

    async def login(
        self, user: Any = SUP, *, root: str = "appsvcs", policy: str = "ForceIn"
    ) -> dict[str, Any]:
        async with self.http.post(
            f"{self.base}/{root}/rs/svc/auth/login",
            json={
                "passwordCredentials": {
                    "username": user.username,
                    "password": user.password.reveal(),
                },
                "appKey": "cxkit-tests",
                "policy": policy,
            },
        ) as resp:
            assert resp.status == 200, await resp.text()
            body: dict[str, Any] = await resp.json()
        self.token = body["tokenId"]
        self.farm = body["context"]["farmId"]
        self.login_body = body
        return body

    def headers(self) -> dict[str, str]:
        assert self.token is not None
        return {"Authorization": f"Bearer-{self.token}", "farmId": self.farm or ""}

    async def call(
        self,
        method: str,
        path: str,
        *,
        root: str = "supsvcs",
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        base: str | None = None,
    ) -> tuple[int, Any]:
        url = f"{base or self.base}/{root}/rs/svc/{path}"
        kwargs: dict[str, Any] = {
            "headers": dict(headers) if headers is not None else self.headers()
        }
        if json_body is not None:
            kwargs["json"] = json_body
        async with self.http.request(method, url, **kwargs) as resp:
            raw = await resp.read()
            if not raw:
                return resp.status, None
            if resp.content_type == "application/json":
                return resp.status, json.loads(raw)
            return resp.status, raw

    async def working(self, role: str = "supervisor", user_id: str | None = None) -> None:
        """Drive the login-state machine to WORKING (no notices configured)."""
        root = "supsvcs" if role == "supervisor" else "appsvcs"
        uid = user_id or self.login_body["userId"]
        status, _ = await self.call(
            "PUT",
            f"{role}s/{uid}/session_start?force=true",
            root=root,
            json_body={"stationId": "", "stationType": "EMPTY"},
        )
        assert status == 204
        status, state = await self.call("GET", f"{role}s/{uid}/login_state", root=root)
        assert (status, state) == (200, "WORKING")

    async def admin(self, command: str, body: Mapping[str, Any] | None = None) -> Any:
        async with self.http.post(
            f"{self.base}/_emulator/five9/{command}", json=dict(body or {})
        ) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def socket(
        self, kind: str = "supervisor", key: str = "k1"
    ) -> aiohttp.ClientWebSocketResponse:
        path = f"/supsvcs/sws/{key}" if kind == "supervisor" else f"/appsvcs/ws/{key}"
        return await self.http.ws_connect(self.emu.ws_url + path, headers=self.headers())


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


@pytest.fixture
async def sup(emu: EmulatorServer, http: aiohttp.ClientSession) -> Five9Raw:
    client = Five9Raw(emu, http)
    await client.login(SUP)
    return client


@pytest.fixture
async def agent(emu: EmulatorServer) -> AsyncIterator[Five9Raw]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        client = Five9Raw(emu, session)
        await client.login(AGENT)
        yield client


# Safety nets only (a passing test never waits for them): wide enough for a loaded 2-core CI
# machine, short enough that a broken feature fails instead of hanging.
FRAME_TIMEOUT = 10.0


async def recv(
    ws: aiohttp.ClientWebSocketResponse, timeout: float = FRAME_TIMEOUT
) -> dict[str, Any]:
    """The next JSON frame (fails fast instead of hanging)."""
    msg = await asyncio.wait_for(ws.receive(), timeout)
    assert msg.type == aiohttp.WSMsgType.TEXT, f"expected a text frame, got {msg.type} {msg.data!r}"
    frame: dict[str, Any] = json.loads(msg.data)
    return frame


async def recv_until(
    ws: aiohttp.ClientWebSocketResponse, event_id: str, timeout: float = FRAME_TIMEOUT
) -> dict[str, Any]:
    """Skip frames until one with ``eventId``."""

    async def loop() -> dict[str, Any]:
        while True:
            frame = await recv(ws, timeout)
            if frame["context"]["eventId"] == event_id:
                return frame

    return await asyncio.wait_for(loop(), timeout)
