"""Ways to get a Five9 session other than a plain password login, against the emulator:
a login reused across processes (session store), browser attach, an existing login body,
the wrong region's host, and the cloud token exchange."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from cxkit.errors import InvalidCredentialsError, TokenExpiredError, UsageError
from cxkit.five9.client import Five9Client
from cxkit.five9.session_store import FileSessionStore, MemorySessionStore

from .conftest import FAST_RECONNECT, Emulator

pytestmark = pytest.mark.asyncio
T = 10.0


async def _browser_login(emu: Emulator, role: str = "supervisor") -> dict[str, str]:
    """Log in as a browser would and hand back its cookies."""
    user = emu.tenant.supervisor if role == "supervisor" else emu.tenant.agent
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        creds = {"username": user.username, "password": user.password.reveal()}
        async with http.post(
            f"{emu.url}/appsvcs/rs/svc/auth/login",
            json={"passwordCredentials": creds, "policy": "AttachExisting"},
        ) as resp:
            assert resp.status == 200
    return {morsel.key: morsel.value for morsel in jar}


async def test_file_session_store_reuses_a_login_across_clients(
    emu: Emulator, tmp_path: Path
) -> None:
    store = FileSessionStore(tmp_path / "sessions")
    first = emu.client(session_store=store)
    assert await asyncio.wait_for(first.supervisor.users(), T)
    assert (first.logins, first.restored) == (1, 0)
    (saved,) = (tmp_path / "sessions").iterdir()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert emu.tenant.supervisor.password.reveal() not in saved.read_text()

    # A second client (another process, as far as the store knows) reuses the login.
    second = emu.client(session_store=store)
    assert await asyncio.wait_for(second.supervisor.skills(), T)
    assert (second.logins, second.restored) == (0, 1)
    assert second.session_info is not None and first.session_info is not None
    assert second.session_info.session_id == first.session_info.session_id
    assert second.api_base == first.api_base

    # The stored login is revoked: the next call logs in afresh and the store follows.
    await emu.admin("revoke", {"userId": second.user_id})
    assert await asyncio.wait_for(second.supervisor.skills(), T)
    assert (second.logins, second.restored) == (1, 1)
    third = emu.client(session_store=store)
    await asyncio.wait_for(third.login(), T)
    assert third.session_info.token_id == second.session_info.token_id  # type: ignore[union-attr]

    # Logout removes it.
    await second.logout()
    assert not any((tmp_path / "sessions").iterdir())


async def test_memory_store_is_shared_and_respects_its_ttl(emu: Emulator) -> None:
    now = [1000.0]
    store = MemorySessionStore(ttl=60, clock=lambda: now[0])
    first = emu.client(session_store=store)
    await asyncio.wait_for(first.login(), T)
    now[0] += 59
    second = emu.client(session_store=store)
    await asyncio.wait_for(second.login(), T)
    assert (second.logins, second.restored) == (0, 1)
    now[0] += 1  # the entry (saved by the first client) is now 60 s old: expired
    third = emu.client(session_store=store)
    await asyncio.wait_for(third.login(), T)
    assert (third.logins, third.restored) == (1, 0)


async def test_browser_attach_polls_until_the_browser_is_logged_in(emu: Emulator) -> None:
    polls: list[float] = []
    cookies: dict[str, str] = {}

    def browser_cookies() -> dict[str, str]:
        polls.append(len(polls))
        return cookies

    async def fast_sleep(seconds: float) -> None:
        assert seconds == 5.0  # SF polls auth/metadata every 5 s
        if len(polls) == 2:  # the user logs in while the client waits
            cookies.update(await _browser_login(emu))

    client = emu.track(Five9Client.attach(browser_cookies, base_url=emu.url, sleep=fast_sleep))
    users = await asyncio.wait_for(client.supervisor.users(), T)
    assert users and len(polls) == 3
    assert client.user_id == emu.tenant.supervisor.user_id
    assert client.api_base != client.login_base  # the active data center, as after a login
    assert client.logins == 1
    async with client.supervisor_stream() as stream:
        await asyncio.wait_for(stream.wait_state(stream.state.CONNECTED), T)


async def test_browser_attach_gives_up_after_its_timeout(emu: Emulator) -> None:
    clock = [0.0]

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    client = emu.track(
        Five9Client.attach(
            {}, base_url=emu.url, sleep=sleep, clock=lambda: clock[0], attach_timeout=12
        )
    )
    with pytest.raises(TokenExpiredError) as info:
        await asyncio.wait_for(client.login(), T)
    assert "attach" in str(info.value) and clock[0] == 15.0


async def test_from_metadata_adopts_an_existing_login(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        user = emu.tenant.supervisor
        creds = {"username": user.username, "password": user.password.reveal()}
        async with http.post(
            f"{emu.url}/supsvcs/rs/svc/auth/login", json={"passwordCredentials": creds}
        ) as resp:
            body = await resp.json()
    client = emu.track(Five9Client.from_metadata(body, base_url=emu.url, reconnect=FAST_RECONNECT))
    assert await asyncio.wait_for(client.supervisor.skills(), T)
    assert client.logins == 0 and client.user_id == user.user_id
    # Without credentials, an ended session is a clear, typed error.
    await emu.admin("revoke", {"userId": user.user_id})
    with pytest.raises(TokenExpiredError):
        await asyncio.wait_for(client.supervisor.skills(), T)
    with pytest.raises(UsageError):  # no credentials at all: a usage error, not a 401
        await emu.track(Five9Client(base_url=emu.url)).login()


@pytest.mark.five9_options(
    region_hosts={"localhost": "CA"},
    data_centers=[{"name": "ATL", "host": "{login_host}", "active": True}],
)
async def test_wrong_region_is_refused_with_a_hint(emu: Emulator) -> None:
    port = emu.url.rsplit(":", 1)[1]
    user = emu.tenant.supervisor
    wrong = emu.track(
        Five9Client(
            user.username,
            user.password.reveal(),
            region="CA",
            region_hosts={"CA": f"http://localhost:{port}", "US": emu.url},
        )
    )
    with pytest.raises(InvalidCredentialsError) as info:
        await asyncio.wait_for(wrong.login(), T)
    assert "region CA" in str(info.value)
    right = emu.track(
        Five9Client(
            user.username, user.password.reveal(), region="US", region_hosts={"US": emu.url}
        )
    )
    assert await asyncio.wait_for(right.supervisor.skills(), T)


@pytest.mark.parametrize("header", ["vcc", "bearer"])
async def test_cloud_token_exchange_and_permissions(emu: Emulator, header: Any) -> None:
    client = emu.client(cloud_header=header)
    permissions = await asyncio.wait_for(client.cloud.ui_permissions(), T)
    assert permissions["userId"] == emu.tenant.supervisor.user_id
    assert "CAN_RUN_SUPERVISOR" in permissions["permissions"]
    await client.cloud.ui_permissions()
    assert client.cloud.exchanges == 1  # the JWT is reused
    # The emulator's clock passes the JWT's expiry: a 401 renews it once, transparently.
    await emu.core("clock/advance", {"seconds": 3601})
    assert await asyncio.wait_for(client.cloud.ui_permissions(), T)
    assert client.cloud.exchanges == 2


async def test_request_hook_and_pacing(emu: Emulator) -> None:
    seen: list[tuple[str, str]] = []
    waits: list[float] = []
    now = [0.0]

    def hook(method: str, url: str, headers: dict[str, str]) -> None:
        headers["f9-transaction-id"] = f"cxkit_{len(seen)}"
        seen.append((method, url))

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    client = emu.client(
        request_hook=hook, min_request_interval=1.0, sleep=sleep, clock=lambda: now[0]
    )
    assert await asyncio.wait_for(client.supervisor.skills(), T)
    assert any(url.endswith("/skills") for _, url in seen)
    assert waits and all(w == pytest.approx(1.0) for w in waits)  # one request per second


async def test_a_custom_http_transport_is_used(emu: Emulator) -> None:
    from cxkit.core.http import HTTPClient
    from cxkit.errors import ConfigError
    from cxkit.five9.errors import FIVE9_PROFILE

    retries: list[Any] = []

    async def sleep(seconds: float) -> None:  # the client's backoff moves the emulator's clock
        await emu.core("clock/advance", {"seconds": seconds})

    http = HTTPClient(
        "http://unused.invalid", vendor=FIVE9_PROFILE, on_retry=retries.append, sleep=sleep
    )
    user = emu.tenant.supervisor
    client = emu.track(
        Five9Client(user.username, user.password.reveal(), base_url=emu.url, http=http)
    )
    assert client.http is http and http.base_url == emu.url
    await emu.admin("quirks", {"rate_limit_count": 3, "rate_limit_window": 60.0})
    assert await asyncio.wait_for(client.supervisor.skills(), T)  # 429s retried by it
    assert any(event.status == 429 for event in retries)
    with pytest.raises(ConfigError, match="FIVE9_PROFILE"):
        from cxkit.core.http import VendorProfile

        Five9Client("u", "p", http=HTTPClient("http://x", vendor=VendorProfile(name="other")))
