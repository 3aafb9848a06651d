"""The login-state machine: stations, notices, 435, DUPLICATE_LOGIN, migration/RELOGIN."""

from __future__ import annotations

import aiohttp

from cxkit.emulator.server import EmulatorServer

from .conftest import AGENT, ORG, SUP, Five9Raw, fixture, same_shape

SUP_STATE = f"supervisors/{SUP.user_id}/login_state"
AGENT_STATE = f"agents/{AGENT.user_id}/login_state"


async def test_working_only_calls_answer_435_before_session_start(sup: Five9Raw) -> None:
    assert await sup.call("GET", SUP_STATE) == (200, "SELECT_STATION")
    status, body = await sup.call("GET", f"orgs/{ORG}/users")
    assert status == 435
    same_shape(body, fixture("supervisor_getAllUsers_435.json"))
    detail = body["five9ExceptionDetail"]
    assert detail["errorCode"] == 3
    assert detail["context"] == {"contextCode": "LOGIN"}
    assert detail["message"] == (
        "Improper agent login state SELECT_STATION while calling getUsers. Allowed is WORKING"
    )
    await sup.working()
    status, users = await sup.call("GET", f"orgs/{ORG}/users")
    assert status == 200
    same_shape(users, fixture("supervisor_getAllUsers_200.json"))


async def test_session_start_accepts_every_body_variant(agent: Five9Raw) -> None:
    path = f"agents/{AGENT.user_id}/session_start"
    for query, body in (
        ("", {"state": "DISCONNECTED", "stationId": "", "stationType": "EMPTY"}),
        ("?force=false", {"stationType": "SOFTPHONE"}),
        ("?force=true", {"stationId": "", "stationType": "EMPTY"}),
    ):
        status, _ = await agent.call("PUT", path + query, root="appsvcs", json_body=body)
        assert status == 204
    status, body = await agent.call(
        "PUT", path, root="appsvcs", json_body={"stationType": "TELEPORT"}
    )
    assert status == 400 and "five9ExceptionDetail" in body
    status, body = await agent.call("PUT", path, root="appsvcs", json_body={"stationType": "PSTN"})
    assert status == 400


async def test_notices_flow(sup: Five9Raw) -> None:
    await sup.admin(
        "notices",
        {
            "notices": [
                {"id": "8213", "annotation": "R13 SU9"},
                {"id": "8214", "annotation": "R13 SU10"},
            ]
        },
    )
    status, _ = await sup.call(
        "PUT",
        f"supervisors/{SUP.user_id}/session_start?force=true",
        json_body={"stationType": "EMPTY"},
    )
    assert status == 204
    assert await sup.call("GET", SUP_STATE) == (200, "ACCEPT_NOTICE")
    status, body = await sup.call("GET", f"orgs/{ORG}/users")
    assert status == 435 and "ACCEPT_NOTICE" in body["five9ExceptionDetail"]["message"]
    status, notices = await sup.call("GET", f"supervisors/{SUP.user_id}/maintenance_notices")
    assert status == 200
    same_shape(notices, fixture("getMaintenanceNotices_Notices_200.json"))
    assert [n["accepted"] for n in notices] == [False, False]
    status, accepted = await sup.call(
        "PUT", f"supervisors/{SUP.user_id}/maintenance_notices/8213/accept"
    )
    assert status == 200
    same_shape(accepted, fixture("acceptMaintenanceNotice_8213_200.json"))
    assert accepted["accepted"] is True
    assert await sup.call("GET", SUP_STATE) == (200, "ACCEPT_NOTICE")
    await sup.call("PUT", f"supervisors/{SUP.user_id}/maintenance_notices/8214/accept")
    assert await sup.call("GET", SUP_STATE) == (200, "WORKING")
    status, notices = await sup.call("GET", f"supervisors/{SUP.user_id}/maintenance_notices")
    assert [n["accepted"] for n in notices] == [True, True]
    status, body = await sup.call("PUT", f"supervisors/{SUP.user_id}/maintenance_notices/1/accept")
    assert status == 404 and "five9ExceptionDetail" in body


async def test_notices_then_select_station_and_stale_accept_switches(sup: Five9Raw) -> None:
    await sup.admin("notices", {"notices": [{"id": "8213", "annotation": "x"}]})
    await sup.admin("quirks", {"notices_then_select_station": True, "accept_returns_stale": True})
    await sup.call("PUT", f"supervisors/{SUP.user_id}/session_start", json_body={})
    _, accepted = await sup.call(
        "PUT", f"supervisors/{SUP.user_id}/maintenance_notices/8213/accept"
    )
    assert accepted["accepted"] is False  # as GO's fixture
    assert await sup.call("GET", SUP_STATE) == (200, "SELECT_STATION")
    await sup.working()


async def test_duplicate_login(agent: Five9Raw) -> None:
    await agent.admin("login_elsewhere", {"userId": AGENT.user_id})
    path = f"agents/{AGENT.user_id}/session_start"
    status, body = await agent.call("PUT", path, root="appsvcs", json_body={"stationType": "EMPTY"})
    assert status >= 400
    assert body["five9ExceptionDetail"]["context"]["contextCode"] == "DUPLICATE_LOGIN"
    assert await agent.call("GET", AGENT_STATE, root="appsvcs") == (200, "SELECT_STATION")
    status, _ = await agent.call(
        "PUT", path + "?force=true", root="appsvcs", json_body={"stationType": "EMPTY"}
    )
    assert status == 204
    assert await agent.call("GET", AGENT_STATE, root="appsvcs") == (200, "WORKING")


async def test_select_skills_switch(agent: Five9Raw) -> None:
    await agent.admin("quirks", {"select_skills": True})
    await agent.call("PUT", f"agents/{AGENT.user_id}/session_start", root="appsvcs", json_body={})
    assert await agent.call("GET", AGENT_STATE, root="appsvcs") == (200, "SELECT_SKILLS")
    status, _ = await agent.call(
        "PUT",
        f"agents/{AGENT.user_id}/active_skills",
        root="appsvcs",
        json_body=["300000000000171"],
    )
    assert status == 204
    assert await agent.call("GET", AGENT_STATE, root="appsvcs") == (200, "WORKING")


async def test_session_stop_goes_back_to_select_station(agent: Five9Raw) -> None:
    await agent.working("agent")
    status, _ = await agent.call("PUT", f"agents/{AGENT.user_id}/session_stop", root="appsvcs")
    assert status == 204
    assert await agent.call("GET", AGENT_STATE, root="appsvcs") == (200, "SELECT_STATION")


async def test_roles_and_ids_are_enforced(sup: Five9Raw, agent: Five9Raw) -> None:
    status, body = await agent.call("GET", f"supervisors/{AGENT.user_id}/login_state")
    assert status == 403 and "five9ExceptionDetail" in body
    status, _ = await agent.call("GET", f"agents/{SUP.user_id}/login_state", root="appsvcs")
    assert status == 403


async def test_migration_relogin_and_old_dc(emu: EmulatorServer, sup: Five9Raw) -> None:
    await sup.working()
    old = sup.login_body["metadata"]["dataCenters"]
    old_api = next(dc for dc in old if dc["active"])["apiUrls"][0]
    old_base = f"http://{old_api['host']}:{old_api['port']}"
    result = await sup.admin("migrate", {})
    assert result["farmId"] == "252"
    # REST on the old DC: 435 with errorCode 5001 and the new farm id
    status, body = await sup.call(
        "GET",
        f"orgs/{ORG}/users",
        base=old_base,
        headers={"Authorization": f"Bearer-{sup.token}"},
    )
    assert status == 435
    detail = body["five9ExceptionDetail"]
    assert detail["errorCode"] == 5001 and detail["context"]["farmId"] == "252"
    # switched to the Go client's sighting: the bare status, no body
    await sup.admin("quirks", {"migration_body": False})
    status, body = await sup.call(
        "GET",
        f"orgs/{ORG}/users",
        base=old_base,
        headers={"Authorization": f"Bearer-{sup.token}"},
    )
    assert (status, body) == (435, None)
    # a new login (on the login host) points at the new DC and starts in RELOGIN
    async with aiohttp.ClientSession() as http:
        again = Five9Raw(emu, http)
        login = await again.login(SUP)
        new_api = next(dc for dc in login["metadata"]["dataCenters"] if dc["active"])["apiUrls"][0]
        assert new_api["host"] != old_api["host"]
        assert login["context"]["farmId"] == "252"
        new_base = f"http://{new_api['host']}:{new_api['port']}"
        assert await again.call("GET", SUP_STATE, base=new_base) == (200, "RELOGIN")
        status, _ = await again.call(
            "PUT", f"supervisors/{SUP.user_id}/session_restart", base=new_base
        )
        assert status == 204
        assert await again.call("GET", SUP_STATE, base=new_base) == (200, "WORKING")
        status, _ = await again.call("GET", f"orgs/{ORG}/users", base=new_base)
        assert status == 200
        # the login host still answers logins and metadata
        status, _ = await again.call("GET", "auth/metadata", base=old_base)
        assert status == 200
