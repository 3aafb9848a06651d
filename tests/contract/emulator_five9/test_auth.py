"""Login, metadata, logout, cookies, header auth and data centers (reference §1, §5 1-12)."""

from __future__ import annotations

import re

import aiohttp
import pytest

from cxkit.emulator.server import EmulatorServer

from .conftest import AGENT, SUP, Five9Raw, fixture, same_shape, start_emulator


@pytest.mark.parametrize("root", ["appsvcs", "supsvcs"])
async def test_login_on_both_roots_matches_the_fixture(sup: Five9Raw, root: str) -> None:
    body = await sup.login(SUP, root=root)
    same_shape(body, fixture("supervisorLogin_200.json"))
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", body["tokenId"]
    )
    assert re.fullmatch(r"[0-9a-f]{64}", body["sessionId"])
    assert body["orgId"].isdigit() and body["userId"] == SUP.user_id
    centers = body["metadata"]["dataCenters"]
    active = [dc for dc in centers if dc["active"]]
    assert len(active) == 1
    api = active[0]["apiUrls"][0]
    assert isinstance(api["port"], str) and api["port"] == str(sup.emu.port)
    assert re.fullmatch(r"ATLAPI\w+", api["routeKey"])
    # the active DC is this emulator under another host name
    assert api["host"] == "localhost"


async def test_metadata_is_the_login_object_and_works_with_cookies_only(sup: Five9Raw) -> None:
    login = await sup.login(SUP)
    # cookie-only (the jar holds Authorization + farmId from the login)
    status, meta = await sup.call("GET", "auth/metadata", root="appsvcs", headers={})
    assert status == 200
    assert meta == login
    status, meta = await sup.call("GET", "auth/metadata", root="supsvcs")
    assert (status, meta) == (200, login)


async def test_login_sets_cookies(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    client = Five9Raw(emu, http)
    await client.login(SUP)
    names = {cookie.key for cookie in http.cookie_jar}
    assert {"Authorization", "farmId"} <= names
    assert any(n.startswith("BIGipServer") for n in names)


async def test_unauthenticated_metadata_and_calls_answer_five9_errors(emu: EmulatorServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.url}/appsvcs/rs/svc/auth/metadata") as resp:
            assert resp.status == 401
            body = await resp.json()
        detail = body["five9ExceptionDetail"]
        assert detail["message"] == "User is not logged in"
        assert detail["timestamp"] == 1_700_000_000_000
        async with http.get(
            f"{emu.url}/supsvcs/rs/svc/orgs/1/users",
            headers={"Authorization": "Bearer-nope", "farmId": "149"},
        ) as resp:
            assert resp.status == 401
            assert "five9ExceptionDetail" in await resp.json()


async def test_bad_credentials(emu: EmulatorServer) -> None:
    async with aiohttp.ClientSession() as http:
        for creds in (
            {"username": SUP.username, "password": "wrong"},
            {"username": "nobody@example.com", "password": "x"},
        ):
            async with http.post(
                f"{emu.url}/appsvcs/rs/svc/auth/login",
                json={"passwordCredentials": creds, "policy": "ForceIn"},
            ) as resp:
                assert resp.status == 401
                detail = (await resp.json())["five9ExceptionDetail"]
                assert isinstance(detail["errorCode"], int)
                assert "context" in detail and "contextCode" in detail["context"]
                assert "wrong" not in str(detail)
        async with http.post(
            f"{emu.url}/appsvcs/rs/svc/auth/login", json={"passwordCredentials": {}, "policy": "X"}
        ) as resp:
            assert resp.status == 400


async def test_header_auth_alone_works(emu: EmulatorServer, sup: Five9Raw) -> None:
    url = f"{emu.url}/supsvcs/rs/svc/supervisors/{SUP.user_id}/login_state"
    headers = {"Authorization": f"Bearer-{sup.token}", "farmid": sup.farm or ""}
    async with aiohttp.ClientSession() as bare, bare.get(url, headers=headers) as resp:
        # no cookies at all; lower-case farm header
        assert resp.status == 200
        assert resp.content_type == "application/json"
        assert await resp.text() == '"SELECT_STATION"'


async def test_force_in_invalidates_the_old_token_attach_existing_keeps_it(
    sup: Five9Raw, emu: EmulatorServer
) -> None:
    first = sup.headers()
    async with aiohttp.ClientSession() as other_http:
        other = Five9Raw(emu, other_http)
        await other.login(SUP, policy="AttachExisting")
        status, _ = await sup.call("GET", f"supervisors/{SUP.user_id}/login_state", headers=first)
        assert status == 200
        await other.login(SUP, policy="ForceIn")
        status, body = await sup.call(
            "GET", f"supervisors/{SUP.user_id}/login_state", headers=first
        )
        assert status == 401
        assert body["five9ExceptionDetail"]["errorCode"] == 401


async def test_logout_on_either_root_ends_the_session(sup: Five9Raw) -> None:
    headers = sup.headers()
    status, _ = await sup.call("POST", "auth/logout", root="appsvcs", headers=headers)
    assert status in (200, 204)
    status, _ = await sup.call(
        "GET", f"supervisors/{SUP.user_id}/login_state", root="supsvcs", headers=headers
    )
    assert status == 401


async def test_reject_bearer_dash_quirk(sup: Five9Raw) -> None:
    await sup.admin("quirks", {"reject_bearer_dash": True})
    status, _ = await sup.call("GET", f"supervisors/{SUP.user_id}/login_state")
    assert status == 401
    # cookies alone still work (BC's way)
    status, _ = await sup.call("GET", f"supervisors/{SUP.user_id}/login_state", headers={})
    assert status == 200


async def test_propagation_lag_answers_401_first(sup: Five9Raw) -> None:
    await sup.admin("propagation_lag", {"requests": 2})
    await sup.login(SUP)
    statuses = [
        (await sup.call("GET", f"supervisors/{SUP.user_id}/login_state"))[0] for _ in range(3)
    ]
    assert statuses == [401, 401, 200]


async def test_active_data_center_not_at_index_0() -> None:
    emu = await start_emulator(
        data_centers=[
            {
                "name": "Santa Clara Data Center",
                "host": "{login_host}",
                "code": "SCL",
                "farm_id": "252",
            },
            {
                "name": "Atlanta Data Center",
                "host": "{alt_host}",
                "code": "ATL",
                "active": True,
                "farm_id": "149",
            },
        ]
    )
    try:
        async with aiohttp.ClientSession() as http:
            body = await Five9Raw(emu, http).login(AGENT)
        centers = body["metadata"]["dataCenters"]
        assert [dc["active"] for dc in centers] == [False, True]
        assert body["context"]["farmId"] == "149"
    finally:
        await emu.stop()


async def test_login_by_token(emu: EmulatorServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{emu.url}/appsvcs/rs/svc/auth/login_by_token",
            headers={"Authorization": "Bearer cxkit-demo-sso-agent"},
            json={"policy": "AttachExisting"},
        ) as resp:
            assert resp.status == 200
            body = await resp.json()
            cookies = {c.key for c in resp.cookies.values()}
        same_shape(body, fixture("supervisorLogin_200.json"))
        assert body["userId"] == AGENT.user_id
        assert {"apiRouteKey", "f9-sessionId", "Authorization", "farmId"} <= cookies
        async with http.post(
            f"{emu.url}/appsvcs/rs/svc/auth/login_by_token",
            headers={"Authorization": "Bearer forged"},
            json={"policy": "AttachExisting"},
        ) as resp:
            assert resp.status == 401


async def test_info_lists_credentials_and_commands(emu: EmulatorServer) -> None:
    info = emu.info()["vendors"]["five9"]
    assert info["agent"]["username"] == AGENT.username
    assert "migrate" in info["adminCommands"]
