"""The emulator core and its admin API, over a real loopback server.

A tiny vendor plugin defined here ("echo") stands in for Five9 / Genesys: it serves a JSON
route, a clock route and a WebSocket that echoes text and answers ``ping`` only while the
core says pongs are enabled.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cxkit.config import Secret
from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.context import EmulatorContext, VendorPlugin
from cxkit.emulator.server import EmulatorServer, is_loopback_host
from cxkit.emulator.tenant import DEMO, DemoTenant, GenesysTenant, GenesysUser
from cxkit.errors import ConfigError, UsageError

T = 5.0  # safety-net timeout for every network step


class EchoPlugin:
    """A minimal vendor plugin, to observe what the core gives plugins."""

    name = "echo"

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.resets = 0
        self.clock_advances: list[float] = []
        self._ctx: EmulatorContext | None = None

    @property
    def ctx(self) -> EmulatorContext:
        assert self._ctx is not None
        return self._ctx

    def setup(self, app: web.Application, ctx: EmulatorContext) -> None:
        self._ctx = ctx
        ctx.on_reset(self._on_reset)
        ctx.on_clock_advance(self.clock_advances.append)
        app.router.add_get("/echo/hello", self.hello)
        app.router.add_get("/echo/now", self.now)
        app.router.add_get("/echo/ws", self.websocket)

    async def _on_reset(self) -> None:
        self.resets += 1

    def info(self) -> dict[str, Any]:
        return {
            "base_url": f"{self.ctx.base_url}/echo",
            "genesys_demo": self.config.tenant.genesys.to_info(),
            "five9_demo": self.config.tenant.five9.to_info(),
        }

    def admin_command(self, command: str, body: dict[str, Any]) -> Any:
        if command == "say":
            return {"said": body.get("text")}
        if command == "nested/cmd":
            return {"nested": True}
        if command == "later":
            return self._later(body)
        if command == "strict":
            raise ConfigError.bad_value("text", body.get("text"), "a greeting")
        return None

    async def _later(self, body: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"later": body.get("n")}

    async def hello(self, request: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    async def now(self, request: web.Request) -> web.Response:
        return web.json_response({"now": self.ctx.now(), "monotonic": self.ctx.monotonic()})

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        self.ctx.track_websocket(ws, vendor="echo", user=request.query.get("user"))
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                if msg.data == "ping":
                    if self.ctx.pongs_enabled("echo"):
                        await ws.send_str("pong")
                else:
                    await ws.send_str(f"echo:{msg.data}")
        return ws


def test_echo_plugin_satisfies_the_protocol() -> None:
    assert isinstance(EchoPlugin(EmulatorConfig()), VendorPlugin)


@pytest.fixture
async def plugin() -> EchoPlugin:
    return EchoPlugin(EmulatorConfig())


@pytest.fixture
async def emu(plugin: EchoPlugin) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(plugin.config, plugins=[plugin]) as server:
        assert isinstance(server.ctx, EmulatorContext)
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=T)) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any, aiohttp.ClientResponse]:
    async with http.request(method, url, **kwargs) as resp:
        text = await resp.text()
        body: Any = text
        if resp.content_type == "application/json":
            body = await resp.json()
        return resp.status, body, resp


async def admin(
    http: aiohttp.ClientSession, emu: EmulatorServer, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    status, data, _ = await call(http, method, f"{emu.url}/_emulator/{path}", **kwargs)
    return status, data


# --------------------------------------------------------------------------- info


async def test_info_shape_and_stable_demo_credentials(http: aiohttp.ClientSession) -> None:
    infos = []
    for _ in range(2):
        plugin = EchoPlugin(EmulatorConfig())
        async with EmulatorServer(plugin.config, plugins=[plugin]) as emu:
            status, info = await admin(http, emu, "GET", "info")
            assert status == 200
            assert set(info) == {"base_url", "ws_url", "vendors"}
            assert info["base_url"] == emu.url
            assert info["base_url"].startswith("http://127.0.0.1:")
            assert info["ws_url"] == "ws://" + emu.url.removeprefix("http://")
            assert info["vendors"]["echo"]["base_url"] == f"{emu.url}/echo"
            assert emu.info() == info
            infos.append(info)
    first, second = (i["vendors"]["echo"] for i in infos)
    # two instances (two ports) publish the very same demo tenant, secrets in clear
    assert first["genesys_demo"] == second["genesys_demo"]
    assert first["five9_demo"] == second["five9_demo"]
    assert infos[0]["base_url"] != infos[1]["base_url"]
    genesys = first["genesys_demo"]
    assert genesys["clientCredentials"]["clientSecret"] == (
        DEMO.genesys.client_credentials.client_secret.reveal()  # type: ignore[union-attr]
    )
    assert genesys["user"]["password"] == DEMO.genesys.user.password.reveal()
    assert genesys["pkce"]["clientSecret"] is None
    five9 = first["five9_demo"]
    assert five9["supervisor"]["username"] == "demo.supervisor@cxkit.local"
    assert five9["supervisor"]["userId"].isdigit() and five9["orgId"].isdigit()
    assert five9["agent"]["password"] == DEMO.five9.agent.password.reveal()


def test_demo_tenant_hides_secrets_in_repr_and_can_be_overridden() -> None:
    text = repr(DEMO)
    for secret in (
        DEMO.five9.supervisor.password,
        DEMO.five9.agent.password,
        DEMO.genesys.user.password,
        DEMO.genesys.client_credentials.client_secret,
        DEMO.genesys.code_grant.client_secret,
    ):
        assert secret is not None and secret.reveal() not in text
    custom = DemoTenant(genesys=GenesysTenant(user=GenesysUser(password="other-pass")))  # type: ignore[arg-type]
    assert isinstance(custom.genesys.user.password, Secret)
    assert custom.genesys.user.to_info()["password"] == "other-pass"
    assert EmulatorConfig(tenant=custom).tenant.genesys.user.password.reveal() == "other-pass"
    with pytest.raises(ConfigError) as err:
        EmulatorConfig(public_url="ftp://x")
    assert err.value.key == "emulator.public_url"


async def test_configured_tenant_is_what_info_publishes(http: aiohttp.ClientSession) -> None:
    tenant = DemoTenant(genesys=GenesysTenant(org_name="acme"))
    plugin = EchoPlugin(EmulatorConfig(tenant=tenant))
    async with EmulatorServer(plugin.config, plugins=[plugin]) as emu:
        _, info = await admin(http, emu, "GET", "info")
    assert info["vendors"]["echo"]["genesys_demo"]["orgName"] == "acme"


async def test_public_url_is_advertised(http: aiohttp.ClientSession) -> None:
    plugin = EchoPlugin(EmulatorConfig(public_url="https://emu.example.test:9443/"))
    async with EmulatorServer(plugin.config, plugins=[plugin]) as emu:
        assert emu.url == "https://emu.example.test:9443"
        assert emu.ws_url == "wss://emu.example.test:9443"
        assert emu.info()["vendors"]["echo"]["base_url"] == "https://emu.example.test:9443/echo"


# --------------------------------------------------------------------------- reset


async def test_reset_clears_faults_reenables_pongs_and_calls_plugins(
    emu: EmulatorServer, plugin: EchoPlugin, http: aiohttp.ClientSession
) -> None:
    assert (await admin(http, emu, "POST", "faults", {"match": "^/echo", "status": 500}))[0] == 201
    assert (await admin(http, emu, "POST", "ws/pongs", {"enabled": False}))[0] == 200
    assert not plugin.ctx.pongs_enabled("echo")

    status, body = await admin(http, emu, "POST", "reset")

    assert status == 200 and body == {"reset": True, "vendors": ["echo"]}
    assert plugin.resets == 1
    assert plugin.ctx.pongs_enabled("echo")
    assert (await admin(http, emu, "GET", "faults"))[1] == {"faults": []}
    assert (await call(http, "GET", f"{emu.url}/echo/hello"))[0] == 200


# --------------------------------------------------------------------------- faults


async def test_fault_answers_n_times_then_stops(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    rule = {
        "match": "^/echo/hello$",
        "count": 2,
        "status": 503,
        "headers": {"Retry-After": "3"},
        "body": {"message": "down for maintenance"},
    }
    status, created = await admin(http, emu, "POST", "faults", rule)
    assert status == 201 and created["remaining"] == 2 and created["id"]

    for _ in range(2):
        status, body, resp = await call(http, "GET", f"{emu.url}/echo/hello")
        assert status == 503
        assert resp.headers["Retry-After"] == "3"
        assert body == {"message": "down for maintenance"}
    assert (await call(http, "GET", f"{emu.url}/echo/hello"))[:2] == (200, {"hello": "world"})
    assert (await admin(http, emu, "GET", "faults"))[1] == {"faults": []}


async def test_admin_requests_are_never_faulted_and_delete_clears(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    await admin(http, emu, "POST", "faults", {"match": ".", "count": None, "status": 500})

    for _ in range(3):  # unlimited rule
        assert (await call(http, "GET", f"{emu.url}/echo/hello"))[0] == 500
    status, listing = await admin(http, emu, "GET", "faults")
    assert status == 200
    [listed] = listing["faults"]
    assert listed["hits"] == 3 and listed["remaining"] is None

    assert await admin(http, emu, "DELETE", "faults") == (200, {"removed": 1})
    assert (await call(http, "GET", f"{emu.url}/echo/hello"))[0] == 200


async def test_fault_method_filter_and_text_body(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    rule = {"match": "/echo/hello", "method": "post", "status": 418, "body": "short and stout"}
    _, created = await admin(http, emu, "POST", "faults", rule)
    assert created["method"] == "POST"

    assert (await call(http, "GET", f"{emu.url}/echo/hello"))[0] == 200
    assert (await admin(http, emu, "GET", "faults"))[1]["faults"][0]["remaining"] == 1
    status, body, resp = await call(http, "POST", f"{emu.url}/echo/hello")
    assert (status, body) == (418, "short and stout")
    assert resp.content_type == "text/plain"
    # used up: the route's own answer (no POST route -> 405) comes back
    assert (await call(http, "POST", f"{emu.url}/echo/hello"))[0] == 405


async def test_concurrent_requests_share_the_count_exactly(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    await admin(http, emu, "POST", "faults", {"match": "^/echo/hello$", "count": 3, "status": 503})
    results = await asyncio.gather(*(call(http, "GET", f"{emu.url}/echo/hello") for _ in range(12)))
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [200] * 9 + [503] * 3


async def test_remove_one_fault_by_id(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    _, first = await admin(http, emu, "POST", "faults", {"match": "^/a", "status": 500})
    _, second = await admin(http, emu, "POST", "faults", {"match": "^/b", "status": 500})
    assert await admin(http, emu, "DELETE", f"faults/{first['id']}") == (200, {"removed": 1})
    assert [r["id"] for r in (await admin(http, emu, "GET", "faults"))[1]["faults"]] == [
        second["id"]
    ]
    assert (await admin(http, emu, "DELETE", "faults/nope"))[0] == 404


async def test_delay_only_rule_delays_then_passes_through(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    await admin(http, emu, "POST", "faults", {"match": "^/echo/hello$", "delay": 0.2})
    started = time.monotonic()
    status, body, _ = await call(http, "GET", f"{emu.url}/echo/hello")
    assert time.monotonic() - started >= 0.2
    assert (status, body) == (200, {"hello": "world"})

    await admin(
        http, emu, "POST", "faults", {"match": "^/echo/hello$", "delay": 0.1, "status": 504}
    )
    started = time.monotonic()
    assert (await call(http, "GET", f"{emu.url}/echo/hello"))[0] == 504
    assert time.monotonic() - started >= 0.1


async def test_reset_rule_cuts_the_connection(emu: EmulatorServer) -> None:
    emu.ctx.faults.add(match="^/echo/hello$", reset=True, count=2)  # aiohttp retries once
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as fresh:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await asyncio.wait_for(fresh.get(f"{emu.url}/echo/hello"), T)
        async with fresh.get(f"{emu.url}/echo/hello") as resp:
            assert resp.status == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"match": "(unclosed", "status": 500}, "match"),
        ({"status": 500}, "match"),
        ({"match": "x", "status": 500, "count": 0}, "count"),
        ({"match": "x", "status": 99}, "status"),
        ({"match": "x", "method": "BREW", "status": 500}, "method"),
        ({"match": "x", "delay": -1}, "delay"),
        ({"match": "x"}, "status"),
        ({"match": "x", "body": "no status"}, "status"),
        ({"match": "x", "status": 500, "stauts": 1}, "stauts"),
        ({"match": "x", "status": 500, "headers": {"X": {"nested": 1}}}, "headers.X"),
    ],
)
async def test_bad_fault_bodies_are_400_naming_the_field(
    emu: EmulatorServer, http: aiohttp.ClientSession, body: dict[str, Any], field: str
) -> None:
    status, error = await admin(http, emu, "POST", "faults", body)
    assert status == 400
    assert error["error"] == "bad_request" and error["field"] == field
    assert error["message"]
    assert (await admin(http, emu, "GET", "faults"))[1] == {"faults": []}


async def test_non_json_and_non_object_bodies_are_400(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    status, error, _ = await call(http, "POST", f"{emu.url}/_emulator/faults", data=b"{nope")
    assert (status, error["field"]) == (400, "body")
    assert (await admin(http, emu, "POST", "faults", [1, 2]))[1]["field"] == "body"


# --------------------------------------------------------------------------- sockets


async def open_echo(
    http: aiohttp.ClientSession, emu: EmulatorServer, user: str
) -> aiohttp.ClientWebSocketResponse:
    """Open a socket and wait until the server tracks it (it echoes only after tracking)."""
    ws = await asyncio.wait_for(http.ws_connect(f"{emu.ws_url}/echo/ws?user={user}"), T)
    await ws.send_str("hello")
    assert (await asyncio.wait_for(ws.receive_str(), T)) == "echo:hello"
    return ws


async def test_ws_drop_without_code_aborts_the_connection(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    ws = await open_echo(http, emu, "u1")
    assert (await admin(http, emu, "GET", "ws"))[1]["sockets"][0]["user"] == "u1"

    assert await admin(http, emu, "POST", "ws/drop", {"vendor": "echo"}) == (200, {"dropped": 1})

    msg = await asyncio.wait_for(ws.receive(), T)
    assert msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    assert ws.close_code == 1006  # no close frame came
    assert (await admin(http, emu, "GET", "ws"))[1] == {"sockets": []}


async def test_ws_drop_with_code_closes_only_the_chosen_user(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    first = await open_echo(http, emu, "u1")
    second = await open_echo(http, emu, "u2")

    status, body = await admin(
        http, emu, "POST", "ws/drop", {"user": "u1", "code": 4001, "reason": "bye"}
    )

    assert (status, body) == (200, {"dropped": 1})
    msg = await asyncio.wait_for(first.receive(), T)
    assert msg.type is aiohttp.WSMsgType.CLOSE
    assert (msg.data, msg.extra) == (4001, "bye")
    await second.send_str("still here")
    assert (await asyncio.wait_for(second.receive_str(), T)) == "echo:still here"
    await second.close()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"code": 1006}, "code"), ({"code": "x"}, "code"), ({"vendor": "nope"}, "vendor")],
)
async def test_ws_drop_bad_bodies(
    emu: EmulatorServer, http: aiohttp.ClientSession, body: dict[str, Any], field: str
) -> None:
    status, error = await admin(http, emu, "POST", "ws/drop", body)
    assert (status, error["field"]) == (400, field)


async def test_pongs_switch_is_seen_by_the_plugin(
    emu: EmulatorServer, plugin: EchoPlugin, http: aiohttp.ClientSession
) -> None:
    ws = await open_echo(http, emu, "u1")

    status, body = await admin(http, emu, "POST", "ws/pongs", {"vendor": "echo", "enabled": False})
    assert (status, body) == (200, {"vendor": "echo", "enabled": False})
    assert plugin.ctx.pongs_enabled("echo") is False
    await ws.send_str("ping")
    await ws.send_str("marker")
    # the ping went unanswered: the next frame is the marker's echo
    assert (await asyncio.wait_for(ws.receive_str(), T)) == "echo:marker"

    await admin(http, emu, "POST", "ws/pongs", {"enabled": True})
    await ws.send_str("ping")
    assert (await asyncio.wait_for(ws.receive_str(), T)) == "pong"
    assert (await admin(http, emu, "POST", "ws/pongs", {"vendor": "echo"}))[1]["field"] == (
        "enabled"
    )
    await ws.close()


async def test_stop_closes_open_sockets_promptly(http: aiohttp.ClientSession) -> None:
    plugin = EchoPlugin(EmulatorConfig())
    emu = EmulatorServer(plugin.config, plugins=[plugin])
    await emu.start()
    ws = await open_echo(http, emu, "u1")
    await asyncio.wait_for(emu.stop(), T)
    msg = await asyncio.wait_for(ws.receive(), T)
    assert (msg.type, msg.data) == (aiohttp.WSMsgType.CLOSE, 1001)


# --------------------------------------------------------------------------- clock


async def test_clock_advance_moves_plugin_time(
    emu: EmulatorServer, plugin: EchoPlugin, http: aiohttp.ClientSession
) -> None:
    _, before, _ = await call(http, "GET", f"{emu.url}/echo/now")

    status, clock = await admin(http, emu, "POST", "clock/advance", {"seconds": 3600})

    assert status == 200 and clock["offset"] == 3600
    _, after, _ = await call(http, "GET", f"{emu.url}/echo/now")
    assert 3600 <= after["now"] - before["now"] < 3600 + T
    assert 3600 <= after["monotonic"] - before["monotonic"] < 3600 + T
    assert plugin.clock_advances == [3600.0]
    assert (await admin(http, emu, "POST", "clock/advance", {"seconds": -1}))[1]["field"] == (
        "seconds"
    )
    assert (await admin(http, emu, "POST", "clock/advance", {}))[1]["field"] == "seconds"


async def test_frozen_clock_moves_only_when_advanced(http: aiohttp.ClientSession) -> None:
    plugin = EchoPlugin(EmulatorConfig(start_time=1_700_000_000, frozen_clock=True))
    async with EmulatorServer(plugin.config, plugins=[plugin]) as emu:
        assert (await call(http, "GET", f"{emu.url}/echo/now"))[1]["now"] == 1_700_000_000
        await admin(http, emu, "POST", "clock/advance", {"seconds": 12.5})
        assert (await call(http, "GET", f"{emu.url}/echo/now"))[1]["now"] == 1_700_000_012.5
        assert (await admin(http, emu, "GET", "clock"))[1]["frozen"] is True


# --------------------------------------------------------------------------- vendor commands


async def test_vendor_commands(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    assert await admin(http, emu, "POST", "echo/say", {"text": "hi"}) == (200, {"said": "hi"})
    assert await admin(http, emu, "POST", "echo/later", {"n": 3}) == (200, {"later": 3})
    assert await admin(http, emu, "POST", "echo/nested/cmd") == (200, {"nested": True})

    status, error = await admin(http, emu, "POST", "echo/strict", {"text": "yo"})
    assert (status, error["field"]) == (400, "text")

    status, error = await admin(http, emu, "POST", "echo/nope")
    assert status == 404 and error["error"] == "not_found" and "nope" in error["message"]

    status, error = await admin(http, emu, "POST", "genesys/revoke", {})
    assert status == 404 and "genesys" in error["message"]

    status, error = await admin(http, emu, "GET", "no/such/thing")
    assert status == 404 and error["error"] == "not_found"
    assert (await admin(http, emu, "GET", "reset"))[0] == 405


# --------------------------------------------------------------------------- hosts


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.com", "::", ""])
def test_refuses_non_loopback_hosts(host: str) -> None:
    with pytest.raises(UsageError, match="allow_remote"):
        EmulatorServer(host=host, plugins=[])


def test_loopback_names() -> None:
    assert all(map(is_loopback_host, ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]))
    assert not any(map(is_loopback_host, ["0.0.0.0", "10.0.0.1", "localhost.example.com"]))


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
async def test_serves_on_loopback_hosts(host: str, http: aiohttp.ClientSession) -> None:
    if host == "::1" and not _ipv6_loopback():
        pytest.skip("no IPv6 loopback here")
    async with EmulatorServer(host=host, plugins=[]) as emu:
        expected_host = "[::1]" if host == "::1" else host
        assert emu.url == f"http://{expected_host}:{emu.port}"
        status, info = await admin(http, emu, "GET", "info")
        assert status == 200 and info["vendors"] == {}


async def test_allow_remote_listens_on_all_interfaces(http: aiohttp.ClientSession) -> None:
    async with EmulatorServer(host="0.0.0.0", allow_remote=True, plugins=[]) as emu:
        assert emu.url == f"http://127.0.0.1:{emu.port}"
        assert (await admin(http, emu, "GET", "info"))[0] == 200


async def test_lifecycle_errors() -> None:
    emu = EmulatorServer(plugins=[])
    with pytest.raises(UsageError):
        _ = emu.url
    async with emu:
        with pytest.raises(UsageError):
            await emu.start()
    with pytest.raises(UsageError, match="restarted"):
        await emu.start()
    with pytest.raises(UsageError):
        EmulatorServer(port=70000, plugins=[])


async def test_duplicate_plugin_names_are_refused() -> None:
    config = EmulatorConfig()
    with pytest.raises(UsageError, match="echo"):
        EmulatorServer(config, plugins=[EchoPlugin(config), EchoPlugin(config)])
