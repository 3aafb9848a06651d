"""Five9Client against the emulator over loopback: login, login state, recoveries, REST."""

from __future__ import annotations

import asyncio

import pytest

from cxkit.errors import APIStatusError, NotFoundError, UsageError
from cxkit.five9.client import Five9Client
from cxkit.five9.errors import DuplicateLoginError, LoginStateError, five9_detail
from cxkit.five9.models import StatsFilterSettings

from .conftest import Emulator

pytestmark = pytest.mark.asyncio

T = 10.0  # safety net for every await


async def test_login_uses_active_data_center_and_reaches_working(emu: Emulator) -> None:
    client = emu.client()
    users = await asyncio.wait_for(client.supervisor.users(), T)
    assert {u.user_name for u in users} >= {
        emu.tenant.supervisor.username,
        emu.tenant.agent.username,
    }
    assert client.org_id == emu.tenant.org_id
    assert client.user_id == emu.tenant.supervisor.user_id
    assert client.api_base != client.login_base  # the DC host, not the login host
    assert client.role_state("supervisor") == "WORKING"
    assert client.farm_id
    assert "***" not in repr(client) and "password" not in repr(client).lower()


async def test_bad_password_is_invalid_credentials(emu: Emulator) -> None:
    from cxkit.errors import InvalidCredentialsError

    client = Five9Client(emu.tenant.supervisor.username, "wrong", base_url=emu.url)
    emu.clients.append(client)
    with pytest.raises(InvalidCredentialsError) as info:
        await asyncio.wait_for(client.login(), T)
    assert "wrong" not in str(info.value)


@pytest.mark.parametrize("mode", ["cookies", "header", "both"])
async def test_every_auth_mode_works(emu: Emulator, mode: str) -> None:
    client = emu.client(auth_mode=mode)
    skills = await asyncio.wait_for(client.supervisor.skills(), T)
    assert skills and all(s.id for s in skills)


async def test_maintenance_notices_are_accepted_on_the_way_to_working(emu: Emulator) -> None:
    await emu.admin(
        "notices",
        {
            "notices": [
                {"id": "8213", "annotation": "R13 SU9"},
                {"id": "8214", "annotation": "SU10"},
            ]
        },
    )
    client = emu.client()
    await asyncio.wait_for(client.supervisor.users(), T)
    notices = await client.supervisor.maintenance_notices()
    assert {n.id for n in notices} == {"8213", "8214"}
    assert client.role_state("supervisor") == "WORKING"


async def test_notices_policy_none_raises(emu: Emulator) -> None:
    await emu.admin("notices", {"notices": [{"id": "1", "annotation": "x"}]})
    client = emu.client(accept_notices="none")
    with pytest.raises(LoginStateError) as info:
        await asyncio.wait_for(client.supervisor.users(), T)
    assert info.value.state == "ACCEPT_NOTICE"


async def test_wrong_login_state_435_reruns_the_state_machine(emu: Emulator) -> None:
    client = emu.client()
    await asyncio.wait_for(client.supervisor.users(), T)
    # Stop the station session behind the client's back: the next call answers 435 LOGIN.
    await client.http.request(
        "PUT",
        f"/supsvcs/rs/svc/supervisors/{client.user_id}/session_stop",
        headers=client._auth_headers(),
    )
    users = await asyncio.wait_for(client.supervisor.users(), T)
    assert users
    assert client.logins == 1


async def test_duplicate_login_is_surfaced_then_force_takes_over(emu: Emulator) -> None:
    await emu.admin(
        "login_elsewhere", {"userId": emu.tenant.supervisor.user_id, "role": "supervisor"}
    )
    client = emu.client()
    with pytest.raises(DuplicateLoginError) as info:
        await asyncio.wait_for(client.supervisor.users(), T)
    assert info.value.code == "DUPLICATE_LOGIN"
    forced = emu.client(force_session_start=True)
    assert await asyncio.wait_for(forced.supervisor.users(), T)


async def test_propagation_401s_are_retried_without_a_new_login(emu: Emulator) -> None:
    await emu.admin("propagation_lag", {"requests": 2, "seconds": 0})
    client = emu.client()
    assert await asyncio.wait_for(client.supervisor.users(), T)
    assert client.logins == 1


async def test_revoked_token_gets_one_fresh_login(emu: Emulator) -> None:
    client = emu.client()
    await asyncio.wait_for(client.supervisor.users(), T)
    await emu.admin("revoke", {"userId": client.user_id})
    assert await asyncio.wait_for(client.supervisor.skills(), T)
    assert client.logins == 2


async def test_concurrent_calls_share_one_login(emu: Emulator) -> None:
    client = emu.client()
    results = await asyncio.wait_for(
        asyncio.gather(*(client.supervisor.skills() for _ in range(8))), T
    )
    assert all(results)
    assert client.logins == 1


async def test_rest_migration_relogs_in_on_the_new_data_center(emu: Emulator) -> None:
    client = emu.client()
    await asyncio.wait_for(client.supervisor.users(), T)
    before = client.api_base
    await emu.admin("migrate", {"sequence": False})
    assert await asyncio.wait_for(client.supervisor.users(), T)
    assert client.api_base != before
    assert client.logins == 2
    # the old DC answered "service migrated"; the new login was resumed from RELOGIN
    assert list(client.state_history)[-2:] == [("supervisor", "RELOGIN"), ("supervisor", "WORKING")]


async def test_errors_carry_the_five9_detail(emu: Emulator) -> None:
    client = emu.client()
    with pytest.raises(NotFoundError) as info:
        await asyncio.wait_for(client.supervisor.request("GET", "no/such/endpoint"), T)
    assert info.value.vendor == "five9" and info.value.status == 404
    assert isinstance(info.value.body, dict) and "five9ExceptionDetail" in info.value.body
    assert five9_detail(info.value).message


async def test_supervisor_rest_surface(emu: Emulator) -> None:
    client = emu.client()
    sup = client.supervisor
    codes = await asyncio.wait_for(sup.not_ready_reason_codes(), T)
    assert codes and all(c.id for c in codes)
    names = await sup.reason_code_names()
    assert set(names) == {c.id for c in codes}
    assert await sup.logout_reason_codes() is not None
    assert await sup.dispositions()
    assert await sup.campaigns()
    settings = await sup.stats_filter_settings()
    assert settings is not None
    await sup.set_stats_filter_settings(
        StatsFilterSettings(group_selection_type="ALL", skills_selection_type="ALL")
    )
    await sup.request_full_statistics()
    await sup.load_names()
    assert client.stats.agent_name(emu.tenant.agent.user_id) == emu.tenant.agent.username
    login_state = await sup.login_state()
    assert login_state == "WORKING"


async def test_agent_rest_surface_and_call_lifecycle(emu: Emulator) -> None:
    client = emu.client("agent")
    agent = client.agent
    skills = await asyncio.wait_for(agent.skills(), T)
    assert skills
    assert await agent.contact_fields() is not None
    assert await agent.call_variables() is not None
    codes = await agent.not_ready_reason_codes()
    await agent.set_not_ready(codes[0].id)
    presence = await agent.presence()
    assert presence is not None and presence.current_state is not None
    assert presence.current_state.reason_code_id == codes[0].id
    await agent.set_ready(["CALL"])
    presence = await agent.presence()
    assert presence is not None and presence.current_state is not None
    assert presence.current_state.is_ready
    states = await agent.agent_states()
    assert client.user_id in states

    offered = await emu.admin("offer_call", {"skillId": skills[0].id})
    call_id = offered.get("id") or offered.get("callId")
    calls = await agent.calls()
    assert call_id in {c.id for c in calls}
    await agent.answer(call_id)
    await agent.hold(call_id)
    await agent.unhold(call_id)
    call = await agent.call(call_id)
    assert call is not None and call.id == call_id
    await emu.admin("call_action", {"callId": call_id, "action": "hangup"})
    dispositions = await agent.dispositions(call.campaign_id) if call.campaign_id else []
    disposition = dispositions[0].id if dispositions else "-23"
    await agent.dispose(call_id, disposition)
    assert call_id not in {c.id for c in await agent.calls()}


async def test_recordings_paginate_and_download(emu: Emulator) -> None:
    client = emu.client()
    agent_id = emu.tenant.agent.user_id
    records = [r async for r in client.supervisor.recordings(agent_id, page_size=2)]
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids))
    if ids:
        data = await asyncio.wait_for(client.supervisor.download_recording(agent_id, ids[0]), T)
        assert isinstance(data, bytes) and data


async def test_logout_ends_the_session(emu: Emulator) -> None:
    client = emu.client()
    await asyncio.wait_for(client.supervisor.users(), T)
    token_headers = client._auth_headers()
    await client.logout()
    assert not client.logged_in
    with pytest.raises(APIStatusError) as info:
        await client.http.request(
            "GET", f"/supsvcs/rs/svc/orgs/{emu.tenant.org_id}/users", headers=token_headers
        )
    assert info.value.status == 401


@pytest.mark.five9_options(
    data_centers=[
        {"name": "Retired", "host": "127.0.0.2", "active": False, "farm_id": "1", "code": "OLD"},
        {"name": "Atlanta", "host": "{alt_host}", "active": True, "farm_id": "149", "code": "ATL"},
    ]
)
async def test_active_data_center_is_chosen_by_flag_not_position(emu: Emulator) -> None:
    client = emu.client()
    assert await asyncio.wait_for(client.supervisor.users(), T)
    assert "127.0.0.2" not in client.api_base
    assert client.farm_id == "149"


async def test_a_435_for_a_call_in_the_wrong_state_is_raised_at_once(emu: Emulator) -> None:
    """435 is Five9's generic exception status: one naming an improper call state is the
    caller's error, raised as is -- not taken for a migration (no re-login, no retry)."""
    from cxkit.errors import VendorStateError

    client = emu.client("agent")
    await asyncio.wait_for(client.agent.set_ready(["CALL"]), T)
    call_id = (await emu.admin("offer_call", {"skillId": "300000000000171"}))["id"]
    await client.agent.answer(call_id)
    with pytest.raises(VendorStateError) as info:
        await asyncio.wait_for(client.agent.answer(call_id), T)
    detail = five9_detail(info.value)
    assert info.value.status == 435 and detail.context_code == "CALL"
    assert "TALKING" in (detail.message or "")
    assert client.logins == 1


async def test_each_call_gets_its_own_response_and_the_raw_body(emu: Emulator) -> None:
    client = emu.client()
    sup = client.supervisor
    (users, users_response), (skills, skills_response) = await asyncio.wait_for(
        asyncio.gather(client.with_response(sup.users()), client.with_response(sup.skills)),
        T,
    )
    # concurrent calls never swap responses; the raw body keeps what the models drop
    raw_users = users_response.json()
    assert [u["id"] for u in raw_users] == [u.id for u in users]
    assert set(raw_users[0]) > {"id", "userName"}
    assert {s["id"] for s in skills_response.json()} == {s.id for s in skills}
    await sup.users()
    assert client.last_response is not None
    assert client.last_response.url.endswith("/users")
    # calls outside the role namespaces are seen too (metadata, login)
    metadata, metadata_response = await client.with_response(client.metadata())
    assert metadata_response.url.endswith("/auth/metadata")
    raw_dcs = metadata_response.json()["metadata"]["dataCenters"]
    assert [dc["name"] for dc in raw_dcs] == [dc.name for dc in metadata.metadata.data_centers]
    with pytest.raises(UsageError, match="made no HTTP request"):

        async def nothing() -> None:
            return None

        await client.with_response(nothing())
