"""The typed REST surface against the emulator: each method is called and its effect checked
(the emulator's answer or its state), and the distinct methods exercised are counted."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cxkit.errors import APIStatusError, ForbiddenError, UsageError
from cxkit.five9._namespace import Namespace
from cxkit.five9.models import StatsFilterSettings

from .conftest import Emulator

pytestmark = pytest.mark.asyncio

T = 10.0
SALES, SUPPORT = "300000000000171", "300000000000127"


class Exercised:
    """Wraps the public coroutine methods of namespaces; records each one that completed."""

    def __init__(self, *namespaces: Namespace) -> None:
        self.called: set[str] = set()
        for namespace in namespaces:
            for name, func in inspect.getmembers(type(namespace)):
                if name.startswith("_") or name in ("request", "register"):
                    continue
                if inspect.iscoroutinefunction(func):
                    setattr(namespace, name, self._wrap(namespace, name))

    def _wrap(self, namespace: Namespace, name: str) -> Callable[..., Any]:
        method = getattr(namespace, name)

        async def recorded(*args: Any, **kwargs: Any) -> Any:
            result = await asyncio.wait_for(method(*args, **kwargs), T)
            self.called.add(f"{namespace.role}.{name}")
            return result

        return recorded


def _contents(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir()}


async def test_agent_rest_surface(emu: Emulator) -> None:
    client = emu.client("agent")
    agent = client.agent
    seen = Exercised(agent)
    me = emu.tenant.agent.user_id

    # -- session and identity
    assert await agent.login_state() == "SELECT_STATION"  # a raw read: nothing driven yet
    await agent.ensure_working()
    assert await agent.login_state() == "WORKING"
    assert (await agent.info())["id"] == me
    assert "CAN_RUN_WEB_AGENT" in await agent.permissions()
    assert "CAN_RUN_WEB_AGENT" in await agent.user_permissions()
    assert await agent.user_roles() == ["Agent"]
    assert {g["id"] for g in await agent.agent_groups()} == {"300000000000301"}
    assert "CALL" in await agent.channels()
    assert (await agent.settings())["locale"]
    assert (await agent.station())["stationType"] == "EMPTY"
    assert await agent.station_state() == "CONNECTED"
    assert await agent.session_expiration() > 0
    assert await agent.can_stop_session() is True
    await agent.ping()
    assert await agent.maintenance_notices() == []
    assert (await agent.org())["id"] == emu.tenant.org_id
    assert await agent.server_time()
    assert "UTC" in await agent.time_zones()
    switchover = await agent.switchover_metadata()
    assert switchover is not None and any(dc.active for dc in switchover.data_centers)

    # -- options, presence, reason codes
    await agent.set_options(["AUTO_ANSWER_INBOUND_AUTODIAL_CALLS"])
    assert await agent.options() == ["AUTO_ANSWER_INBOUND_AUTODIAL_CALLS"]
    codes = await agent.not_ready_reason_codes()
    names = await agent.reason_code_names()
    assert names[codes[0].id] == codes[0].name
    assert await agent.logout_reason_codes()
    await agent.set_not_ready(codes[0].id)
    presence = await agent.presence()
    assert (
        presence and presence.current_state and presence.current_state.reason_code_id == codes[0].id
    )
    await agent.set_system_not_ready()
    assert (await agent.agent_states())[me] == ""
    await agent.set_presence(["CALL", "VOICE_MAIL"])
    assert (await agent.agent_states())[me] == "cv"

    # -- skills, campaigns, lookups
    assert {s.id for s in await agent.skills()} == {SALES, SUPPORT}
    await agent.set_active_skills([SALES])
    assert [s["id"] for s in await agent.active_skills()] == [SALES]
    assert len(await agent.org_skills()) == 3
    campaigns = await agent.campaigns()
    assert (await agent.campaign(campaigns[0].id)).name == campaigns[0].name  # type: ignore[union-attr]
    assert set(await agent.campaign_ids()) == {c.id for c in campaigns}
    assert {c.id for c in await agent.my_campaigns()} == {"1137597", "1137598"}
    assert all(c.state == "RUNNING" for c in await agent.available_campaigns())
    dispositions = await agent.dispositions("1137597")
    assert all(d.id for d in dispositions) and await agent.dispositions()
    assert {f.name for f in await agent.contact_fields()} >= {"number1", "first_name"}
    assert any(v.group == "Call" for v in await agent.call_variables())
    dial = (await agent.speed_dials())[0]
    assert dial["number"] and await agent.speed_dial(dial["id"]) == dial
    assert (await agent.cold_transfer_settings())["dispositionId"] == "-23"
    assert "estimatedWaitTime" in await agent.estimated_wait_time()
    assert await agent.callbacks() == [] and await agent.voicemails() == []

    # -- an inbound call: answer, hold, park, record, data, conference, dispose
    call_id = (await emu.admin("offer_call", {"skillId": SALES}))["id"]
    assert [c.id for c in await agent.calls()] == [call_id]
    assert [i["id"] for i in await agent.interactions()] == [call_id]
    await agent.answer(call_id)
    assert (await agent.call(call_id)).state == "TALKING"  # type: ignore[union-attr]
    assert await agent.can_stop_session() is False
    await agent.hold(call_id)
    await agent.unhold(call_id)
    await agent.park(call_id)
    assert (await agent.call(call_id)).state == "PARKED"  # type: ignore[union-attr]
    await agent.retrieve(call_id)
    await agent.start_recording(call_id)
    await agent.pause_recording(call_id)
    await agent.resume_recording(call_id)
    await agent.stop_recording(call_id)
    await agent.set_call_variables(call_id, {"300000000000504": "A-42"})
    await agent.update_contact(call_id, {"fields": {"2": "Ada"}})
    await agent.set_active_contact(call_id, "5551234")
    created = await agent.create_contact(call_id, {"3": "Lovelace"})
    call = await agent.call(call_id)
    assert call is not None and call.variables["300000000000504"] == "A-42"
    assert call.active_contact is not None and call.active_contact.id == created["id"]
    await agent.play_prompt(call_id, "1")
    assert (await agent.audio(call_id))["state"] == "IDLE"
    participant = await agent.add_external_to_conference(call_id, "9255550199")
    await agent.add_campaign_to_conference(call_id, "1137598")
    dial = (await agent.speed_dials())[0]
    await agent.add_speed_dial_to_conference(call_id, str(dial["id"]))
    joined = await agent.add_to_conference(call_id)
    assert joined["participantId"]
    live = await agent.call(call_id)
    assert live is not None
    await agent.disconnect_conference_participant(call_id, participant["participantId"])
    await agent.dispose(call_id, dispositions[0].id)
    assert await agent.calls() == []

    # -- a rejected call goes back to the queue
    await emu.admin("set_presence", {"userId": "3000011", "readyChannels": []})
    await emu.admin("set_presence", {"userId": "3000012", "readyChannels": []})
    rejected = (await emu.admin("offer_call", {"skillId": SALES}))["id"]
    await agent.reject(rejected)
    state = await emu.admin("state")
    assert rejected in state["queues"][SALES]

    # -- an outbound call, cold-transferred to a campaign
    await agent.make_external_call("9255550100", "1137597")
    (outbound,) = await agent.calls()
    assert outbound.call_type == "OUTBOUND"
    await emu.admin("set_presence", {"userId": "3000014", "readyChannels": ["CALL"]})
    assert any(u.id == "3000014" for u in await agent.transferable_agents())
    await agent.transfer_to_campaign(outbound.id, "1137598")
    assert await agent.calls() == []
    await agent.make_external_call("9255550101", "1137597")
    (second,) = await agent.calls()
    await agent.transfer_to_call(second.id, {"destination": {"number": "9255550102"}})
    assert await agent.calls() == []

    # -- a registered endpoint and the password
    agent.register("prompts", "GET", "agents/{agentId}/prompts")
    assert await agent.prompts() == []  # type: ignore[attr-defined]
    with pytest.raises(UsageError):
        agent.register("calls", "GET", "agents/{agentId}/interactions/calls")
    new_password = "another-secret-1"
    await agent.change_password(emu.tenant.agent.password.reveal(), new_password)
    with pytest.raises(APIStatusError) as info:
        await agent.change_password("wrong-old-password", "whatever-else-1")
    assert info.value.status == 400 and info.value.code == "PASSWORD"
    await client.relogin()  # the client now logs in with the new password
    assert await agent.login_state() == "WORKING"

    assert len(seen.called) >= 70, sorted(seen.called)


async def test_supervisor_rest_surface(emu: Emulator, tmp_path: Path) -> None:
    client = emu.client(queue_cache_ttl=60.0)
    sup = client.supervisor
    seen = Exercised(sup)
    agent_id = emu.tenant.agent.user_id

    users = await sup.users()
    assert {u.id for u in users} >= {agent_id, emu.tenant.supervisor.user_id}
    assert len(await sup.skills()) == 3
    assert any(d.id == "-23" for d in await sup.dispositions())
    assert await sup.reason_codes()
    assert {c["name"] for c in await sup.campaign_profiles()} == {
        "Sales Profile",
        "Renewals Profile",
    }
    assert {g["name"] for g in await sup.agent_groups()} == {"Tier 1", "Tier 2"}
    await sup.load_names()
    assert client.stats.queue_name(SALES) == "Sales"

    # campaigns start and stop
    await sup.campaign_action("1137599", "start")
    assert {c.id: c.state for c in await sup.campaigns()}["1137599"] == "RUNNING"

    # agents: list, one (with skills), presence and skills forced by the supervisor
    assert any(a["id"] == "3000011" for a in await sup.agents())
    assert (await sup.agent(agent_id)).user_name == emu.tenant.agent.username  # type: ignore[union-attr]
    assert await sup.agent_skills(agent_id) == {SALES: True, SUPPORT: True}
    await sup.set_agent_active_skills(agent_id, [SUPPORT])
    assert await sup.agent_skills(agent_id) == {SALES: False, SUPPORT: True}
    await emu.admin("set_presence", {"userId": "3000011", "readyChannels": []})
    await sup.set_agent_presence("3000011", ["CALL"])
    assert (await emu.admin("state"))["agents"]["3000011"]["state"] == "READY"

    # queue snapshot, cached for queue_cache_ttl
    before = await sup.skill_snapshot(SUPPORT)
    await emu.admin("set_presence", {"userId": "3000011", "readyChannels": []})
    await emu.admin("offer_call", {"skillId": SUPPORT})
    assert await sup.skill_snapshot(SUPPORT) == before  # served from the cache
    sup._snapshots.clear()
    assert (await sup.skill_snapshot(SUPPORT)).calls_waiting == before.calls_waiting + 1  # type: ignore[union-attr]

    # statistics subscription
    assert [m["statisticType"] for m in await sup.stats_metadata("ACD_STATUS")] == ["ACD_STATUS"]
    assert len(await sup.stats_metadata()) >= 5
    await sup.set_stats_filter_settings(
        StatsFilterSettings(skills_selection_type="SPECIFY", skills=[SALES])
    )
    settings = await sup.stats_filter_settings()
    assert settings is not None and settings.skills == [SALES]
    await sup.request_full_statistics()

    # sessions, seats (with the permissions probe first), admin kick
    agent_client = emu.client("agent")
    await agent_client.agent.ping()
    sessions = await sup.user_sessions()
    (agent_session,) = [s for s in sessions if s["userId"] == agent_id]
    assert (await sup.application_seats())["used"] >= 2
    await sup.logout_user(agent_session["id"])
    assert agent_id not in {s["userId"] for s in await sup.user_sessions()}
    assert "estimatedWaitTime" in await sup.estimated_wait_time(SALES)

    # recordings: views page by page, one page again, streamed downloads
    view = await sup.create_recording_view(agent_id, limit=2)
    assert view.has_more and len(view.records) == 2
    page = await sup.next_recording_page(agent_id, view.id)
    assert page.current_page == 1
    assert (await sup.recording_view(agent_id, view.id)).current_page == 1
    await sup.delete_recording_view(agent_id, view.id)
    records = [r async for r in sup.recordings(agent_id, page_size=2)]
    assert len(records) == 5 and len({r.id for r in records}) == 5
    data = await sup.download_recording(agent_id, records[0].id)
    chunks = [c async for c in sup.iter_recording(agent_id, records[0].id, chunk_size=4096)]
    assert b"".join(chunks) == data and len(chunks) > 1 and data[:4] == b"RIFF"
    target = tmp_path / "call.wav"
    assert await sup.save_recording(agent_id, records[0].id, target) == len(data)
    assert _contents(tmp_path) == {"call.wav": data}
    with pytest.raises(APIStatusError) as info:
        await sup.save_recording(agent_id, "999999", tmp_path / "missing.wav")
    assert info.value.status == 404 and "five9ExceptionDetail" in info.value.body
    assert list(_contents(tmp_path)) == ["call.wav"]  # no partial file left behind

    # the station session: stopped behind the client's back, resumed on the next call
    await sup.session_stop()
    assert await sup.users()
    await sup.session_start(force=True)
    await sup.session_restart()
    assert await sup.login_state() == "WORKING"

    assert len(seen.called) >= 35, sorted(seen.called)


async def test_application_seats_checks_the_permission_first(emu: Emulator) -> None:
    user = emu.plugin.core.tenant.users[emu.tenant.supervisor.user_id]
    user.permissions = [p for p in user.permissions if p != "CAN_VIEW_ACTIVE_SESSIONS"]
    client = emu.client()
    with pytest.raises(ForbiddenError) as info:
        await asyncio.wait_for(client.supervisor.application_seats(), T)
    assert info.value.code == "CAN_VIEW_ACTIVE_SESSIONS"


async def test_agent_rest_variants_the_sources_disagree_on(emu: Emulator) -> None:
    """The endpoints public sources name differently: each variant the client offers works
    against the emulator, which accepts them all."""
    client = emu.client("agent")
    agent = client.agent
    me = emu.tenant.agent.user_id
    dispositions = await asyncio.wait_for(agent.dispositions("1137597"), T)

    # presence through the /state endpoint one integration uses
    await agent.set_state("NOT_READY", (await agent.not_ready_reason_codes())[0].id)
    assert (await emu.admin("state"))["agents"][me]["state"] == "NOT_READY"
    await agent.set_state("READY")
    assert (await emu.admin("state"))["agents"][me]["state"] == "READY"
    assert (await agent.session_metadata())["state"] == "WORKING"

    # click-to-dial: PUT on the agent (default) and GET on the org with query parameters
    placed = await agent.click_to_dial("9255550111", campaignId="1137597")
    (call,) = await agent.calls()
    assert call.id == placed["callId"] and call.call_type == "OUTBOUND"
    await agent.mute(call.id)
    await agent.unmute(call.id)
    await agent.send_dtmf(call.id, "12#")
    with pytest.raises(APIStatusError) as info:
        await agent.send_dtmf(call.id, "not digits")
    assert info.value.status == 400
    await agent.set_call_variables(call.id, {"300000000000504": "B-7"}, variant="call_variables")
    assert (await agent.call(call.id)).variables["300000000000504"] == "B-7"  # type: ignore[union-attr]
    await agent.disconnect(call.id)
    assert (await agent.call(call.id)).state == "WRAP_UP"  # type: ignore[union-attr]
    # the disposition by name (one integration's variant)
    await agent.dispose(call.id, dispositions[0].name or "", variant="disposition", notes="ok")
    assert await agent.calls() == []

    placed = await agent.click_to_dial("9255550112", variant="get", campaignId="1137597")
    (call,) = await agent.calls()
    assert call.id == placed["callId"]
    await agent.disconnect(call.id)
    await agent.dispose(call.id, dispositions[0].id, variant="interaction")
    assert await agent.calls() == []

    # the generic transfer {destination, type} to a skill: the call leaves the agent
    await agent.make_external_call("9255550113", "1137597")
    (call,) = await agent.calls()
    await agent.transfer(call.id, SUPPORT, "SKILL")
    assert await agent.calls() == []
    assert call.id in (await emu.admin("state"))["queues"][SUPPORT]


async def test_supervisor_filters_users_and_reads_agent_states(emu: Emulator) -> None:
    sup = emu.client().supervisor
    agents = await asyncio.wait_for(sup.users(role="Agent"), T)
    assert agents and all("Agent" in u.roles for u in agents)
    assert emu.tenant.supervisor.user_id not in {u.id for u in agents}
    await emu.admin("set_presence", {"userId": "3000011", "readyChannels": ["CALL"]})
    states = await sup.agent_states()
    assert states["3000011"] == "c" and states[emu.tenant.agent.user_id] == "o"
