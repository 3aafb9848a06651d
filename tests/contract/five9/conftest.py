"""Targets of the Five9 contract suite.

* ``emu``: the in-process emulator over loopback, with helpers for its admin API (faults,
  scripted activity, the truth of the statistics);
* ``target``: the same read-only checks against the emulator **and**, when credentials are in
  the environment, a real Five9 tenant (marker ``live``; skipped otherwise)::

      FIVE9_USERNAME / FIVE9_PASSWORD      a supervisor (required for live)
      FIVE9_REGION                         US (default), CA, UK or EU
      FIVE9_BASE_URL                       a login host URL instead of the region's
      FIVE9_AGENT_USERNAME / _PASSWORD     an agent, for the agent-socket checks (optional)
"""

from __future__ import annotations

import asyncio
import importlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from cxkit.config import ReconnectPolicy
from cxkit.five9.client import Five9Client

FAST_RECONNECT = ReconnectPolicy(min_wait=0.01, max_wait=0.05, reset_after=0.5)


def _emulator_available() -> bool:
    try:
        module = importlib.import_module("cxkit.emulator.five9")
        importlib.import_module("cxkit.emulator.server")
    except ImportError:
        return False
    return hasattr(module, "create_plugin")


requires_emulator = pytest.mark.skipif(
    not _emulator_available(), reason="the Five9 emulator (cxkit.emulator.five9) is not loadable"
)


@dataclass
class Emulator:
    """A running emulator plus helpers for its admin API."""

    server: Any
    http: aiohttp.ClientSession
    clients: list[Five9Client] = field(default_factory=list)
    _marks: int = 0

    @property
    def url(self) -> str:
        return str(self.server.url)

    @property
    def tenant(self) -> Any:
        from cxkit.emulator.tenant import DEMO

        return DEMO.five9

    @property
    def plugin(self) -> Any:
        """The Five9 plugin object (in-process access to its state, for setup only)."""
        from cxkit.emulator.app import PLUGINS_KEY

        return self.server.app[PLUGINS_KEY]["five9"]

    async def admin(self, command: str, body: dict[str, Any] | None = None) -> Any:
        async with self.http.post(f"{self.url}/_emulator/five9/{command}", json=body or {}) as resp:
            assert resp.status < 300, (command, resp.status, await resp.text())
            return await resp.json()

    async def core(self, path: str, body: dict[str, Any] | None = None) -> Any:
        async with self.http.post(f"{self.url}/_emulator/{path}", json=body or {}) as resp:
            assert resp.status < 300, (path, resp.status, await resp.text())
            return await resp.json(content_type=None)

    def client(self, role: str = "supervisor", **kwargs: Any) -> Five9Client:
        user = self.tenant.supervisor if role == "supervisor" else self.tenant.agent
        kwargs.setdefault("propagation_delay", 0.01)
        kwargs.setdefault("ping_interval", 0.2)
        kwargs.setdefault("reconnect", FAST_RECONNECT)
        client = Five9Client(user.username, user.password.reveal(), base_url=self.url, **kwargs)
        self.clients.append(client)
        return client

    def track(self, client: Five9Client) -> Five9Client:
        """Close ``client`` at the end of the test."""
        self.clients.append(client)
        return client

    def next_mark(self) -> int:
        """A fresh number for a sync marker event (see ``Collector.sync``)."""
        self._marks += 1
        return self._marks


def emulator_options(**five9: Any) -> dict[str, Any]:
    """Options for the ``emulator`` fixture (``@pytest.mark.parametrize`` indirect)."""
    return five9


async def _start_emulator(options: dict[str, Any]) -> Any:
    from cxkit.emulator.config import EmulatorConfig
    from cxkit.emulator.server import EmulatorServer

    server = EmulatorServer(EmulatorConfig(seed=7, vendor_options={"five9": options}))
    await server.start()
    return server


@pytest.fixture
async def emu(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    if not _emulator_available():
        pytest.skip("the Five9 emulator (cxkit.emulator.five9) is not loadable")
    marker = request.node.get_closest_marker("five9_options")
    options = dict(marker.kwargs) if marker else {}
    server = await _start_emulator(options)
    try:
        async with aiohttp.ClientSession() as http:
            emulator = Emulator(server, http)
            try:
                yield emulator
            finally:
                for client in emulator.clients:
                    await client.close()
    finally:
        await server.stop()


# --------------------------------------------------------------------------- shared targets


@dataclass
class Target:
    """Where the shared contract checks run: the emulator or a real tenant."""

    name: str
    supervisor: Callable[..., Five9Client]
    agent: Callable[..., Five9Client] | None
    timeout: float
    emulator: Emulator | None = None

    @property
    def live(self) -> bool:
        return self.emulator is None


def _live_target(clients: list[Five9Client]) -> Target:
    username = os.environ.get("FIVE9_USERNAME")
    password = os.environ.get("FIVE9_PASSWORD")
    if not username or not password:
        pytest.skip("live Five9 target: FIVE9_USERNAME / FIVE9_PASSWORD not set")
    region = os.environ.get("FIVE9_REGION", "US")
    base_url = os.environ.get("FIVE9_BASE_URL") or None

    def maker(user: str, secret: str) -> Callable[..., Five9Client]:
        def make(**kwargs: Any) -> Five9Client:
            # Quick keepalive so a check sees pongs within seconds; never ForceIn a live user.
            kwargs.setdefault("ping_interval", 5.0)
            client = Five9Client(user, secret, region=region, base_url=base_url, **kwargs)
            clients.append(client)
            return client

        return make

    agent_user = os.environ.get("FIVE9_AGENT_USERNAME")
    agent_password = os.environ.get("FIVE9_AGENT_PASSWORD")
    agent = maker(agent_user, agent_password) if agent_user and agent_password else None
    return Target("live", maker(username, password), agent, timeout=60.0)


@pytest.fixture(params=["emulator", pytest.param("live", marks=pytest.mark.live)])
async def target(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    clients: list[Five9Client] = []
    if request.param == "live":
        found = _live_target(clients)
        try:
            yield found
        finally:
            for client in clients:
                await client.close()
        return
    if not _emulator_available():
        pytest.skip("the Five9 emulator (cxkit.emulator.five9) is not loadable")
    server = await _start_emulator({})
    try:
        async with aiohttp.ClientSession() as http:
            emulator = Emulator(server, http)
            try:
                yield Target(
                    "emulator",
                    lambda **kw: emulator.client("supervisor", **kw),
                    lambda **kw: emulator.client("agent", **kw),
                    timeout=10.0,
                    emulator=emulator,
                )
            finally:
                for client in emulator.clients:
                    await client.close()
    finally:
        await server.stop()


async def wait(awaitable: Any, timeout: float) -> Any:
    """``asyncio.wait_for`` with the target's safety-net timeout."""
    return await asyncio.wait_for(awaitable, timeout)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "five9_options(**opts): Five9 emulator options")
