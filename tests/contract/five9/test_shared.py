"""The contract checks that run against the emulator *and* a real Five9 tenant.

Against a real tenant (marker ``live``) they run only when credentials are in the environment
(see ``conftest.py``), and they change nothing but the users' own sessions: login (and the
station session an EMPTY station starts), lookups, the supervisor statistics feed, the agent
socket, error shapes and logout. Each asserts what Five9 documents, so a difference
between the emulator and the real service shows up as a failure here.
"""

from __future__ import annotations

import pytest

from cxkit.errors import APIStatusError, UnauthorizedError
from cxkit.events import StreamState
from cxkit.five9.events import EventId, StatsSnapshotEvent

from .conftest import Target, wait
from .helpers import Collector, is_id

pytestmark = pytest.mark.asyncio


async def test_login_reaches_working_on_the_active_data_center(target: Target) -> None:
    client = target.supervisor()
    login = await wait(client.login(), target.timeout)
    assert login.token_id and login.user_id.isdigit() and login.org_id.isdigit()
    active = login.metadata.active_data_center()
    assert active is not None and active.active and active.api_urls[0].host
    assert active.api_urls[0].host in client.api_base
    assert all(isinstance(u.port, str) for dc in login.metadata.data_centers for u in dc.api_urls)
    await wait(client.ensure_working("supervisor"), target.timeout)
    assert client.role_state("supervisor") == "WORKING"
    # auth/metadata answers the same identity and data centers as the login
    metadata = await wait(client.metadata(), target.timeout)
    assert (metadata.user_id, metadata.org_id) == (login.user_id, login.org_id)
    assert [dc.name for dc in metadata.metadata.data_centers] == [
        dc.name for dc in login.metadata.data_centers
    ]


async def test_lookups_have_the_documented_shapes(target: Target) -> None:
    sup = target.supervisor().supervisor
    users = await wait(sup.users(), target.timeout)
    assert users and all(u.id and u.user_name for u in users)
    assert all(isinstance(level.skill_id, str) for u in users for level in u.skill_levels)
    skills = await wait(sup.skills(), target.timeout)
    assert all(s.id and s.name for s in skills)
    codes = await wait(sup.not_ready_reason_codes(), target.timeout)
    assert all(c.id and c.selectable is not None for c in codes)
    assert all(d.id for d in await wait(sup.dispositions(), target.timeout))
    settings = await wait(sup.stats_filter_settings(), target.timeout)
    assert settings is not None and settings.selection_type_of_groups in (
        None,
        "ALL",
        "MY",
        "SPECIFY",
    )
    assert "CAN_RUN_SUPERVISOR" in await wait(sup.user_permissions(), target.timeout)


async def test_agent_lookups_have_the_documented_shapes(target: Target) -> None:
    if target.agent is None:
        pytest.skip("no agent credentials for this target (FIVE9_AGENT_USERNAME)")
    client = target.agent()
    agent = client.agent
    login = await wait(client.login(), target.timeout)
    assert login.metadata.problems() == []  # Five9's metadata passes the client's checks
    assert await wait(agent.login_state(), target.timeout) in (
        "SELECT_STATION",
        "ACCEPT_NOTICE",
        "RELOGIN",
        "SELECT_SKILLS",
        "WORKING",
    )
    notices = await wait(agent.maintenance_notices(), target.timeout)
    assert all(n.id for n in notices)
    await wait(agent.ensure_working(), target.timeout)
    presence = await wait(agent.presence(), target.timeout)
    assert presence is not None and presence.current_state is not None
    assert all(
        c in ("CALL", "CHAT", "EMAIL", "SOCIAL", "VOICE_MAIL", "VIDEO", "CASE")
        for c in presence.current_state.channels
    )
    codes = await wait(agent.not_ready_reason_codes(), target.timeout)
    assert all(c.id and c.name for c in codes)
    assert all(s.id for s in await wait(agent.skills(), target.timeout))
    assert all(c.id for c in await wait(agent.campaigns(), target.timeout))
    assert all(f.id and f.name for f in await wait(agent.contact_fields(), target.timeout))
    assert all(v.id and v.name for v in await wait(agent.call_variables(), target.timeout))
    assert all(c.id for c in await wait(agent.calls(), target.timeout))
    assert isinstance(await wait(agent.options(), target.timeout), list)


async def test_supervisor_feed_fills_the_statistics_cache(target: Target) -> None:
    client = target.supervisor()
    await wait(client.supervisor.load_names(), target.timeout)
    async with client.supervisor_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED), target.timeout)
        dump = await seen.wait_for(is_id(EventId.EVENT_STATS), target.timeout)
        assert isinstance(dump, StatsSnapshotEvent)
        assert {b.data_source for b in dump.payload} >= {"AGENT_STATE", "ACD_STATUS"}
        cache = stream.cache
        assert cache is not None and not cache.stale
        for row in cache.agents():
            assert row.state in ("LOGGED_OUT", "NOT_READY", "READY", "ON_CALL", "ACW", "RINGING")
        assert cache.queue_totals() is not None  # the id "0" row carries domain totals
        await seen.wait_for(is_id(EventId.PONG), target.timeout)
        assert stream.state == StreamState.CONNECTED and stream.five9.malformed == 0


async def test_agent_socket_connects_and_answers_pings(target: Target) -> None:
    if target.agent is None:
        pytest.skip("no agent credentials for this target (FIVE9_AGENT_USERNAME)")
    client = target.agent()
    async with client.agent_stream() as stream:
        seen = Collector(stream)
        await seen.wait_for(is_id(EventId.SERVER_CONNECTED), target.timeout)
        await seen.wait_for(is_id(EventId.PONG), target.timeout)
    assert client.role_state("agent") == "WORKING"


async def test_errors_carry_the_five9_detail_and_logout_ends_the_token(target: Target) -> None:
    client = target.supervisor()
    with pytest.raises(APIStatusError) as info:
        await wait(
            client.request("GET", "supervisors/{supId}/no_such_endpoint", role="supervisor"),
            target.timeout,
        )
    assert info.value.vendor == "five9" and 400 <= info.value.status < 500
    org, headers = client.org_id, client.auth_headers(force=True)
    await wait(client.logout(), target.timeout)
    assert not client.logged_in
    with pytest.raises(UnauthorizedError):  # the old token is dead
        await wait(
            client.http.request("GET", f"/supsvcs/rs/svc/orgs/{org}/skills", headers=headers),
            target.timeout,
        )
