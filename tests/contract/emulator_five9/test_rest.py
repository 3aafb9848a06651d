"""A sweep of the agent and supervisor REST surface (reference §3, §5 items 23-30)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import AGENT, ORG, SUP, Five9Raw, recv_until

A = f"agents/{AGENT.user_id}"
S = f"supervisors/{SUP.user_id}"
SALES = "300000000000171"


@pytest.fixture
async def working_agent(agent: Five9Raw) -> Five9Raw:
    await agent.working("agent")
    return agent


@pytest.fixture
async def working_sup(sup: Five9Raw) -> Five9Raw:
    await sup.working()
    return sup


async def test_unknown_paths_and_methods_answer_five9_errors(sup: Five9Raw) -> None:
    for method, path, root in (
        ("GET", "no/such/thing", "supsvcs"),
        ("GET", "agents/1/nothing_here", "appsvcs"),
        ("GET", "anything", "strsvcs"),
    ):
        status, body = await sup.call(method, path, root=root)
        assert status == 404
        detail = body["five9ExceptionDetail"]
        assert set(detail) == {"timestamp", "errorCode", "message", "context"}
    status, body = await sup.call("DELETE", "auth/login", root="appsvcs")
    assert status == 405 and "five9ExceptionDetail" in body
    async with sup.http.get(f"{sup.base}/appsvcs/something/else") as resp:
        assert resp.status == 404
        assert "five9ExceptionDetail" in await resp.json()


async def test_catalogue_paths_without_a_model_never_answer_a_bare_page(sup: Five9Raw) -> None:
    """Paths of the reference's catalogue the emulator does not model, sockets fetched
    without an upgrade and the cloud APIs with another method: always a JSON
    ``five9ExceptionDetail`` body."""
    org, me = ORG, SUP.user_id
    for method, path in (
        ("POST", f"/appsvcs/rs/svc/nlp/{org}/tag"),
        ("POST", "/appsvcs/rs/svc/orgs/interactions/survey"),
        ("PUT", f"/appsvcs/rs/svc/agents/{me}/previews/1/dispose"),
        ("GET", f"/appsvcs/rs/svc/orgs/{org}/phone_number/format"),
        ("POST", f"/appsvcs/rs/svc/orgs/{org}/contacts/1/history"),
        ("GET", "/appsvcs/rs/svc/metadata"),  # one peer's wrong metadata path
        ("GET", "/agentsvcs/rs/svc/agents/x"),
        ("OPTIONS", f"/supsvcs/rs/svc/supervisors/{me}/login_state"),
        ("GET", "/supsvcs/sws/k1"),  # a socket URL without an upgrade
        ("GET", "/appsvcs/ws/k1"),
        ("GET", f"/cloudauthsvcs/v1/domains/{org}/exchangefdmtoken"),
        ("DELETE", f"/acl/v1/domains/{org}/my-ui-permissions"),
    ):
        async with sup.http.request(method, sup.base + path, headers=sup.headers()) as resp:
            assert resp.content_type == "application/json", (method, path)
            body = await resp.json()
            assert 400 <= resp.status < 500 and "five9ExceptionDetail" in body, (method, path)


async def test_lookups(working_sup: Five9Raw) -> None:
    sup = working_sup
    expectations: dict[str, Any] = {
        "skills": {"id", "name"},
        "not_ready_reason_codes": {"id", "name", "selectable"},
        "logout_reason_codes": {"id", "name", "selectable"},
        "campaigns": {"id", "name", "campaignType", "state", "skillIds", "flags"},
        "dispositions": {"id", "name"},
        "contact_fields": {"dataType", "id", "name", "primary", "restrictions"},
        "call_variables": {"id", "name", "group", "type", "restrictions"},
        "campaign_profiles": {"id", "name"},
        "agent_groups": {"id", "name"},
    }
    for tail, keys in expectations.items():
        status, body = await sup.call("GET", f"orgs/{ORG}/{tail}")
        assert status == 200, tail
        assert body and all(keys <= set(item) for item in body), tail
        assert all(isinstance(item["id"], str) for item in body), tail
    status, disp = await sup.call("GET", f"orgs/{ORG}/dispositions")
    assert {"-23", "0"} <= {d["id"] for d in disp}
    status, camp = await sup.call("GET", f"orgs/{ORG}/campaigns/1137597")
    assert camp["campaignType"] == "INBOUND" and camp["state"] == "RUNNING"
    status, states = await sup.call("GET", f"orgs/{ORG}/agent_states")
    assert states[AGENT.user_id] == "o"
    status, body = await sup.call("GET", f"orgs/{ORG}/campaigns/999")
    assert status == 404
    status, body = await sup.call("GET", "orgs/999/skills")
    assert status == 403
    # campaign control (supervisor)
    assert (await sup.call("PUT", f"orgs/{ORG}/campaigns/1137599/start"))[0] == 204
    _, camp = await sup.call("GET", f"orgs/{ORG}/campaigns/1137599")
    assert camp["state"] == "RUNNING"


async def test_reason_codes_on_the_agent_root(working_agent: Five9Raw) -> None:
    status, codes = await working_agent.call(
        "GET", f"orgs/{ORG}/not_ready_reason_codes", root="appsvcs"
    )
    assert status == 200 and {"367541"} <= {c["id"] for c in codes}


async def test_presence_get_and_put(working_agent: Five9Raw) -> None:
    agent = working_agent
    status, presence = await agent.call("GET", f"{A}/presence", root="appsvcs")
    assert status == 200
    assert presence["currentState"] == {"readyChannels": [], "notReadyReasonCodeId": "0"}
    assert {"currentStateLong", "currentStateTime", "gracefulModeOn", "isGracefulModeOn"} <= set(
        presence
    )
    body = {"currentState": {"readyChannels": [], "notReadyReasonCodeId": "367541"}}
    assert (await agent.call("PUT", f"{A}/presence", root="appsvcs", json_body=body))[0] == 200
    _, presence = await agent.call("GET", f"{A}/presence", root="appsvcs")
    assert presence["currentState"]["notReadyReasonCodeId"] == "367541"
    await agent.admin("quirks", {"presence_status": 202, "presence_shape": "go"})
    body2: dict[str, Any] = {"readyChannels": ["CALL", "VOICE_MAIL"], "notReadyReasonCodeId": "0"}
    assert (await agent.call("PUT", f"{A}/presence", root="appsvcs", json_body=body2))[0] == 202
    _, presence = await agent.call("GET", f"{A}/presence", root="appsvcs")
    assert "currentStateTime" not in presence and "currentStateLong" in presence
    status, err = await agent.call(
        "PUT",
        f"{A}/presence",
        root="appsvcs",
        json_body={"currentState": {"readyChannels": [], "notReadyReasonCodeId": "42"}},
    )
    assert status == 400 and "five9ExceptionDetail" in err
    status, err = await agent.call("PUT", f"{A}/presence", root="appsvcs", json_body=[1])
    assert status == 400


async def test_supervisor_forces_agent_state(
    working_sup: Five9Raw, working_agent: Five9Raw
) -> None:
    body = {"currentState": {"readyChannels": ["CALL"], "notReadyReasonCodeId": "0"}}
    status, _ = await working_sup.call(
        "PUT", f"{S}/agents/{AGENT.user_id}/presence", json_body=body
    )
    assert status == 200
    _, presence = await working_agent.call("GET", f"{A}/presence", root="appsvcs")
    assert presence["currentState"]["readyChannels"] == ["CALL"]


async def test_options_replace_the_set(working_agent: Five9Raw) -> None:
    agent = working_agent
    _, options = await agent.call("GET", f"{A}/options", root="appsvcs")
    assert options == ["TONE_ON_INCOMING_INBOUND_CALL"]
    await agent.call(
        "PUT", f"{A}/options", root="appsvcs", json_body=["AUTO_ANSWER_INBOUND_AUTODIAL_CALLS"]
    )
    _, options = await agent.call("GET", f"{A}/options", root="appsvcs")
    assert options == ["AUTO_ANSWER_INBOUND_AUTODIAL_CALLS"]


async def test_call_actions_transfers_and_conferences(working_agent: Five9Raw) -> None:
    agent = working_agent
    await agent.call(
        "PUT",
        f"{A}/presence",
        root="appsvcs",
        json_body={"currentState": {"readyChannels": ["CALL"], "notReadyReasonCodeId": "0"}},
    )
    call = await agent.admin("offer_call", {"skillId": SALES})
    base = f"{A}/interactions/calls/{call['id']}"
    status, body = await agent.call("PUT", f"{base}/hold", root="appsvcs")
    assert status == 435 and body["five9ExceptionDetail"]["context"]["contextCode"] == "CALL"
    for action in ("answer", "hold", "unhold", "start_recording", "stop_recording"):
        assert (await agent.call("PUT", f"{base}/{action}", root="appsvcs"))[0] == 204, action
    status, conf = await agent.call(
        "POST",
        f"{base}/add_external_to_conference",
        root="appsvcs",
        json_body={
            "number": "9255550111",
            "warm": False,
            "checkDNC": False,
            "includeCallerInfo": True,
        },
    )
    assert status == 200
    _, info = await agent.call("GET", base, root="appsvcs")
    assert info["participants"][0]["addressType"] == "EXTERNAL"
    assert info["state"] == "TALKING" and info["campaignId"] == "1137597"
    status, _ = await agent.call(
        "PUT",
        f"{base}/disconnectConferenceParticipant",
        root="appsvcs",
        json_body={"participantId": conf["participantId"]},
    )
    assert status == 204
    status, _ = await agent.call(
        "PUT", f"{base}/update_contact", root="appsvcs", json_body={"fields": {"2": "Ada"}}
    )
    assert status == 204
    status, _ = await agent.call(
        "PUT",
        f"{base}/transfer_to_skill",
        root="appsvcs",
        json_body={"skillId": "300000000000127", "warm": False},
    )
    assert status == 204
    truth = await agent.admin("state")
    moved = next(c for c in truth["calls"] if c["id"] == call["id"])
    assert moved["skillId"] == "300000000000127" and moved["transfer"] is True
    assert moved["userTransferringId"] == AGENT.user_id
    assert truth["agents"][AGENT.user_id]["callId"] is None


async def test_make_external_call_and_dispose_by_name(working_agent: Five9Raw) -> None:
    agent = working_agent
    status, body = await agent.call(
        "POST",
        f"{A}/interactions/make_external_call",
        root="appsvcs",
        json_body={"number": "9255550199", "campaignId": "1137599"},
    )
    assert (status, body) == (200, None)
    _, calls = await agent.call("GET", f"{A}/interactions/calls", root="appsvcs")
    assert calls[0]["state"] == "TALKING" and calls[0]["callType"] == "OUTBOUND"
    status, _ = await agent.call(
        "PUT",
        f"{A}/interactions/calls/{calls[0]['id']}/disposition",
        root="appsvcs",
        json_body={"dispositionName": "No Sale", "notes": "n/a"},
    )
    assert status == 204
    status, _ = await agent.call(
        "PUT",
        f"{A}/interactions/calls/{calls[0]['id']}/dispose",
        root="appsvcs",
        json_body={"dispositionId": "300000000000401"},
    )
    assert status == 404


async def test_stats_filter_settings(working_sup: Five9Raw) -> None:
    sup = working_sup
    status, settings = await sup.call("GET", f"{S}/stats_filter_settings")
    assert status == 200 and settings["skillsSelectionType"] == "ALL"
    new = dict(settings, skills=[SALES], skillsSelectionType="SPECIFY")
    assert (await sup.call("PUT", f"{S}/stats_filter_settings", json_body=new))[0] == 204
    _, settings = await sup.call("GET", f"{S}/stats_filter_settings")
    assert settings["skills"] == [SALES]
    status, _ = await sup.call("PUT", f"{S}/stats_filter_settings", json_body={"range": "FOREVER"})
    assert status == 400
    ws = await sup.socket()
    try:
        snap = await recv_until(ws, "5000")
        acd = next(e for e in snap["payLoad"] if e["dataSource"] == "ACD_STATUS")
        assert sorted(r["id"] for r in acd["data"]) == ["0", SALES]
    finally:
        await ws.close()


async def test_my_stats_filters_select_the_supervisors_own_groups_and_skills(
    working_sup: Five9Raw,
) -> None:
    sup = working_sup

    async def snapshot() -> dict[str, list[str]]:
        ws = await sup.socket()
        try:
            snap = await recv_until(ws, "5000")
        finally:
            await ws.close()
        return {e["dataSource"]: sorted(r["id"] for r in e["data"]) for e in snap["payLoad"]}

    everything = await snapshot()
    _, settings = await sup.call("GET", f"{S}/stats_filter_settings")
    mine = dict(settings, skillsSelectionType="MY", groupSelectionType="MY")
    assert (await sup.call("PUT", f"{S}/stats_filter_settings", json_body=mine))[0] == 204
    narrowed = await snapshot()
    # the demo supervisor runs Sales and the demo agent's group
    assert narrowed["ACD_STATUS"] == ["0", SALES]
    agents = narrowed["AGENT_STATE"]
    assert AGENT.user_id in agents and set(agents) < set(everything["AGENT_STATE"])


async def test_skill_snapshot_and_agents(working_sup: Five9Raw) -> None:
    sup = working_sup
    await sup.admin("offer_call", {"skillId": SALES})
    status, snap = await sup.call("GET", f"{S}/skills/{SALES}/snapshot")
    assert status == 200 and snap["inQueueCallCount"] == 1 and len(snap["inQueueCalls"]) == 1
    status, agents = await sup.call("GET", f"{S}/agents")
    assert AGENT.user_id in {a["id"] for a in agents}
    status, one = await sup.call("GET", f"{S}/agents/{AGENT.user_id}?include=skills")
    assert {"id": SALES, "isActive": True} in one["skills"]


async def test_recording_views_and_download(working_sup: Five9Raw) -> None:
    sup = working_sup
    path = f"{S}/agents/{AGENT.user_id}/recording_views"
    status, page = await sup.call(
        "POST",
        path,
        json_body={"limit": 2, "sortField": "CREATED", "ascending": False, "showUploaded": True},
    )
    assert status == 200
    assert set(page) == {"id", "records", "recordsTotal", "hasMore", "currentPage"}
    assert (page["recordsTotal"], page["hasMore"], page["currentPage"]) == (5, True, 0)
    seen = [r["id"] for r in page["records"]]
    while page["hasMore"]:
        status, page = await sup.call("PUT", f"{path}/{page['id']}/next")
        assert status == 200
        seen += [r["id"] for r in page["records"]]
    assert len(seen) == 5 == len(set(seen)) and page["currentPage"] == 2
    record = page["records"][0]
    assert {
        "id",
        "campaignId",
        "created",
        "number",
        "name",
        "length",
        "status",
        "callSessionId",
    } <= set(record)
    async with sup.http.get(
        f"{sup.base}/strsvcs/rs/svc/agents/{AGENT.user_id}/recordings/{record['id']}?download=true",
        headers={**sup.headers(), "Accept": "*/*"},
    ) as resp:
        assert resp.status == 200
        data = await resp.read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert (await sup.call("DELETE", f"{path}/{page['id']}"))[0] == 204
    assert (await sup.call("PUT", f"{path}/{page['id']}/next"))[0] == 404


async def test_request_full_statistics_and_kick(
    working_sup: Five9Raw, working_agent: Five9Raw
) -> None:
    sup = working_sup
    assert await sup.call("PUT", f"{S}/request_full_statistics") == (204, None)
    _, sessions = await sup.call("GET", f"orgs/{ORG}/user_sessions")
    target = next(s for s in sessions if s["userId"] == AGENT.user_id)
    status, _ = await sup.call("PUT", f"orgs/{ORG}/user_sessions/{target['id']}/logout")
    assert status == 204
    status, _ = await working_agent.call("GET", f"{A}/login_state", root="appsvcs")
    assert status == 401


async def test_rate_limit_switch(working_sup: Five9Raw) -> None:
    sup = working_sup
    await sup.admin("quirks", {"rate_limit_count": 2})
    statuses = []
    for _ in range(3):
        async with sup.http.get(
            f"{sup.base}/supsvcs/rs/svc/{S}/login_state", headers=sup.headers()
        ) as resp:
            statuses.append(resp.status)
            headers = resp.headers
    assert statuses == [200, 200, 429]
    assert int(headers["Retry-After"]) >= 1 and "X-RateLimit-Reset" in headers
