"""The login variants and vendor quirks the wire reference lists as conflicts, each met by the
client against the emulator switched to that behaviour (over loopback): SSO, SELECT_SKILLS,
re-login on the data-center host (one peer's fix, another's bug), load-balancer cookies,
notices that fall back to SELECT_STATION, errorCode 5001 migrations, the other login root,
ForceIn, the lower-case farm header, DUPLICATE_LOGIN taken over, and broken metadata."""

from __future__ import annotations

import asyncio
import logging

import pytest
from yarl import URL

from cxkit.errors import UnauthorizedError
from cxkit.five9.client import Five9Client, Role
from cxkit.five9.errors import DuplicateLoginError, LoginStateError

from .conftest import Emulator

pytestmark = pytest.mark.asyncio

T = 10.0
SALES, SUPPORT = "300000000000171", "300000000000127"


async def test_sso_login_by_token_reaches_working_and_logs_in_again_with_the_token(
    emu: Emulator,
) -> None:
    client = emu.track(Five9Client(base_url=emu.url, propagation_delay=0.01))
    login = await asyncio.wait_for(client.login_by_token("cxkit-demo-sso-agent"), T)
    assert login.user_id == emu.tenant.agent.user_id
    # login_by_token also sets apiRouteKey and f9-sessionId; they follow the session to the DC
    cookies = client.http.cookies.filter_cookies(URL(client.api_base))
    assert {"Authorization", "farmId", "apiRouteKey", "f9-sessionId"} <= set(cookies)
    assert cookies["f9-sessionId"].value == login.session_id
    assert {s.id for s in await asyncio.wait_for(client.agent.skills(), T)} == {SALES, SUPPORT}
    assert client.role_state("agent") == "WORKING"
    # The session is revoked: the client logs in again with the SSO token it kept.
    await emu.admin("revoke", {"userId": login.user_id})
    assert await asyncio.wait_for(client.agent.skills(), T)
    assert client.logins == 2
    assert "cxkit-demo-sso-agent" not in repr(client)


@pytest.mark.five9_options(select_skills=True)
async def test_select_skills_is_surfaced_and_a_hook_can_leave_it(emu: Emulator) -> None:
    plain = emu.client("agent")
    with pytest.raises(LoginStateError) as info:
        await asyncio.wait_for(plain.agent.skills(), T)
    assert info.value.state == "SELECT_SKILLS"
    await plain.close()  # logs out: the next client starts a session of its own

    calls: list[Role] = []

    async def choose_skills(client: Five9Client, role: Role) -> None:
        calls.append(role)
        # The hook uses the client's own namespace while the state machine is running.
        await client.agent.set_active_skills([SUPPORT])

    client = emu.client("agent", on_select_skills=choose_skills)
    assert await asyncio.wait_for(client.agent.skills(), T)
    assert calls == ["agent"] and client.role_state("agent") == "WORKING"
    assert [s["id"] for s in await client.agent.active_skills()] == [SUPPORT]
    assert [state for _, state in client.state_history] == [
        "SELECT_STATION",
        "SELECT_SKILLS",
        "WORKING",
    ]


@pytest.mark.five9_options(dc_login="accept")
async def test_relogin_on_the_data_center_host_until_stable(emu: Emulator) -> None:
    client = emu.client(relogin_on_data_center=True)
    assert await asyncio.wait_for(client.supervisor.skills(), T)
    # once on the login host, once on the DC host (whose answer names the same DC)
    assert client.logins == 2 and client.api_base != client.login_base


@pytest.mark.five9_options(dc_login="reject_state")
async def test_a_login_on_the_data_center_host_breaks_login_state_where_five9_says_so(
    emu: Emulator,
) -> None:
    # The default client logs in on the login host only: unaffected.
    client = emu.client()
    assert await asyncio.wait_for(client.supervisor.skills(), T)
    assert client.logins == 1
    # Logging in again on the DC host gives a session whose login_state answers 401, as one
    # peer reports; the client retries the bounded number of times, then says so.
    again = emu.client(relogin_on_data_center=True, login_state_retries=2)
    with pytest.raises(UnauthorizedError):
        await asyncio.wait_for(again.supervisor.skills(), T)


@pytest.mark.five9_options(reject_lb_cookies_on_dc=True)
async def test_load_balancer_cookies_of_the_login_host_never_reach_the_dc(emu: Emulator) -> None:
    client = emu.client(auth_mode="cookies")
    assert await asyncio.wait_for(client.supervisor.skills(), T)
    sent = client.http.cookies.filter_cookies(URL(client.api_base))
    assert "Authorization" in sent and "farmId" in sent
    assert not [name for name in sent if name.startswith(("BIGipServer", "TS"))]


@pytest.mark.five9_options(
    notices_then_select_station=True,
    accept_returns_stale=True,
    notices=[{"id": "8213", "annotation": "R13 SU9"}, {"id": "8214", "annotation": "SU10"}],
)
async def test_notices_that_fall_back_to_select_station_get_a_second_session_start(
    emu: Emulator,
) -> None:
    client = emu.client()
    assert await asyncio.wait_for(client.supervisor.users(), T)
    assert [state for _, state in client.state_history] == [
        "SELECT_STATION",
        "ACCEPT_NOTICE",
        "SELECT_STATION",
        "WORKING",
    ]
    # accept answered the stale "accepted: false"; the listing is the truth
    assert all(n.accepted for n in await client.supervisor.maintenance_notices())


@pytest.mark.five9_options(migration_status=400)
async def test_error_code_5001_on_another_status_is_a_migration_with_a_new_farm(
    emu: Emulator,
) -> None:
    client = emu.client()
    assert await asyncio.wait_for(client.supervisor.users(), T)
    before_base, before_farm = client.api_base, client.farm_id
    await emu.admin("migrate", {"sequence": False})
    assert await asyncio.wait_for(client.supervisor.users(), T)
    assert client.logins == 2
    assert (client.api_base, client.farm_id) != (before_base, before_farm)
    assert client.farm_id == (await emu.admin("state"))["farmId"]
    assert ("supervisor", "RELOGIN") in client.state_history


@pytest.mark.five9_options(migration_body=False)
async def test_a_bare_435_is_a_migration_too(emu: Emulator) -> None:
    # the Go client's reading: "Five9 reply with Status 435 if a service has been migrated",
    # no five9ExceptionDetail, no new farm id: log in again and follow the new metadata
    client = emu.client()
    assert await asyncio.wait_for(client.supervisor.users(), T)
    before_base = client.api_base
    await emu.admin("migrate", {"sequence": False})
    assert await asyncio.wait_for(client.supervisor.users(), T)
    assert client.logins == 2 and client.api_base != before_base
    assert client.farm_id == (await emu.admin("state"))["farmId"]
    assert ("supervisor", "RELOGIN") in client.state_history


async def test_supervisor_root_force_in_lower_case_farm_header(emu: Emulator) -> None:
    options = {
        "login_root": "supsvcs",
        "policy": "ForceIn",
        "farm_header": "farmid",
        "auth_mode": "header",
        "tenant_name": emu.tenant.domain_name,
        "app_key": "web-ui",
    }
    first = emu.client(**options)
    assert await asyncio.wait_for(first.supervisor.users(), T)
    assert first.auth_headers()["farmid"] == first.farm_id
    # A ForceIn login elsewhere invalidates the first client's token: it logs in once more.
    second = emu.client(**options)
    assert await asyncio.wait_for(second.supervisor.skills(), T)
    assert await asyncio.wait_for(first.supervisor.skills(), T)
    assert (first.logins, second.logins) == (2, 1)


async def test_duplicate_login_can_be_taken_over_on_request(emu: Emulator) -> None:
    user = emu.tenant.supervisor.user_id
    await emu.admin("login_elsewhere", {"userId": user, "role": "supervisor"})
    with pytest.raises(DuplicateLoginError):
        await asyncio.wait_for(emu.client().supervisor.users(), T)
    client = emu.client(on_duplicate_login="force")
    assert await asyncio.wait_for(client.supervisor.users(), T)
    assert client.logged_in and client.role_state("supervisor") == "WORKING"
    sessions = (await emu.admin("state"))["sessions"]
    assert any(s["userId"] == user and s["states"]["supervisor"] == "WORKING" for s in sessions)


@pytest.mark.five9_options(
    data_centers=[
        {"name": "Broken", "host": "{alt_host}", "port": "https", "active": True, "code": "BRK"},
        {"name": "Atlanta", "host": "{alt_host}", "active": False, "code": "ATL"},
    ]
)
async def test_metadata_with_a_bad_port_is_reported_and_the_usable_dc_is_used(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    client = emu.client()
    with caplog.at_level(logging.WARNING, logger="cxkit.five9"):
        assert await asyncio.wait_for(client.supervisor.users(), T)
    assert client.api_base.endswith(":" + emu.url.rsplit(":", 1)[1])
    assert "'Broken' apiUrls[0]: port 'https' is not a port number" in caplog.text


@pytest.mark.parametrize("style", ["standard", "with_state", "type_only"])
async def test_every_station_body_spelling_reaches_working(emu: Emulator, style: str) -> None:
    seen: list[tuple[str, str]] = []
    client = emu.client(
        "agent",
        station_type="SOFTPHONE",
        station_body=style,
        request_hook=lambda method, url, headers: seen.append((method, url)),
    )
    await asyncio.wait_for(client.agent.ensure_working(), T)
    assert (await asyncio.wait_for(client.agent.station(), T))["stationType"] == "SOFTPHONE"
    assert client.role_state("agent") == "WORKING"
    assert any(m == "PUT" and u.endswith("/session_start") for m, u in seen)
