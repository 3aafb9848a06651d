"""Platform API conventions (headers, ErrorBody, rate limit, paging) and the core resources."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import aiohttp

from .conftest import USER, Genesys, start_emulator

ERROR_KEYS = {
    "message",
    "code",
    "status",
    "messageWithParams",
    "messageParams",
    "contextId",
    "details",
    "errors",
}


async def test_every_response_carries_the_conventions(gc: Genesys) -> None:
    for path in ("/users", "/no/such/route"):
        status, body, headers = await gc.call("GET", path)
        assert headers["ININ-Correlation-Id"]
        assert headers["inin-ratelimit-allowed"] == "300"
        assert int(headers["inin-ratelimit-count"]) >= 1
        assert 0 < int(headers["inin-ratelimit-reset"]) <= 60
        assert headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    assert status == 404
    assert set(body) == ERROR_KEYS
    assert (body["code"], body["status"]) == ("not.found", 404)
    assert body["contextId"] == headers["ININ-Correlation-Id"]
    status, body, headers = await gc.call("GET", "/users", token="bogus")
    assert status == 401 and set(body) == ERROR_KEYS and headers["ININ-Correlation-Id"]


async def test_rate_limit_429_with_retry_after() -> None:
    emu = await start_emulator(rate_limit=3)
    try:
        async with aiohttp.ClientSession() as http:
            gc = Genesys(emu, http)
            await gc.login()
            counts = []
            for _ in range(3):
                status, _, headers = await gc.call("GET", "/routing/queues")
                assert status == 200
                counts.append(headers["inin-ratelimit-count"])
            assert counts == ["1", "2", "3"]
            status, body, headers = await gc.call("GET", "/routing/queues")
            assert status == 429
            assert headers["Retry-After"] == "60"
            assert body["code"] == "too.many.requests"
            assert (
                body["message"]
                == "Rate limit exceeded the maximum. Retry the request in [60] seconds"
            )
            assert body["limit"]["value"] == 3
            # a new token has its own budget (per-token limit)
            await gc.login()
            assert (await gc.call("GET", "/routing/queues"))[0] == 200
            # the window resets on the emulator clock
            await gc.advance(61)
            assert (await gc.call("GET", "/routing/queues"))[0] == 200
            # and the budget can change while running
            await gc.admin("configure", {"rate_limit": 1})
            assert (await gc.call("GET", "/routing/queues"))[0] == 429
    finally:
        await emu.stop()


async def test_users_page_number_listing(gc: Genesys) -> None:
    first = await gc.ok("GET", "/users", params={"pageSize": "5"})
    assert (first["pageSize"], first["pageNumber"], first["total"], first["pageCount"]) == (
        5,
        1,
        12,
        3,
    )
    assert len(first["entities"]) == 5
    assert "previousUri" not in first
    assert first["nextUri"].startswith("/api/v2/users?")
    assert parse_qs(urlsplit(first["lastUri"]).query)["pageNumber"] == ["3"]
    names = [u["name"] for u in first["entities"]]
    assert names == sorted(names, key=str.lower)
    seen = list(first["entities"])
    page = first
    while "nextUri" in page:
        status, page, _ = await gc.call("GET", page["nextUri"].removeprefix("/api/v2"))
        assert status == 200
        seen += page["entities"]
    assert len({u["id"] for u in seen}) == 12
    assert page["previousUri"] and page["pageNumber"] == 3
    status, err, _ = await gc.call("GET", "/users", params={"pageSize": "abc"})
    assert (status, err["code"]) == (400, "invalid.value")


async def test_user_expand_and_id_filter(gc: Genesys) -> None:
    listing = await gc.ok(
        "GET", "/users", params={"id": USER.user_id, "expand": "presence,routingStatus"}
    )
    (user,) = listing["entities"]
    assert user["presence"]["presenceDefinition"]["systemPresence"] == "Available"
    assert user["routingStatus"]["status"] == "OFF_QUEUE"
    one = await gc.ok("GET", f"/users/{USER.user_id}")
    assert one["email"] == USER.email and "presence" not in one
    status, err, _ = await gc.call("GET", "/users/00000000-0000-4000-8000-000000000000")
    assert (status, err["code"]) == (404, "not.found")


async def test_users_by_jabber_id_and_the_login_expands(gc: Genesys) -> None:
    one = await gc.ok("GET", f"/users/{USER.user_id}")
    jabber = one["chat"]["jabberId"]
    listing = await gc.ok("GET", "/users", params={"jabberId": jabber.upper()})
    assert [u["id"] for u in listing["entities"]] == [USER.user_id]
    expand = {"expand": "dateLastLogin,lasttokenissued,groups,authorization"}
    before = await gc.ok("GET", f"/users/{USER.user_id}", params=expand)
    assert "dateLastLogin" not in before and "lastTokenIssued" not in before  # never logged in
    assert before["groups"] == [] and set(before["authorization"]) >= {"roles", "permissions"}
    await gc.user_login()  # the demo user logs in: a token is issued to them
    after = await gc.ok("GET", f"/users/{USER.user_id}", params=expand)
    assert after["dateLastLogin"] == after["lastTokenIssued"]["dateIssued"]
    assert after["dateLastLogin"].endswith("Z")


async def test_users_me_with_a_user_token(gc: Genesys) -> None:
    await gc.user_login()
    me = await gc.ok("GET", "/users/me", params={"expand": "organization,presenceDefinitions"})
    assert me["id"] == USER.user_id
    assert me["organization"]["name"] == "cxkit-demo"
    assert {d["systemPresence"] for d in me["presenceDefinitions"]} >= {"OnQueue", "Available"}


async def test_presence_patch_and_routing_status(gc: Genesys) -> None:
    definitions = await gc.ok("GET", "/presence/definitions")
    on_queue = next(d for d in definitions["entities"] if d["systemPresence"] == "OnQueue")
    path = f"/users/{USER.user_id}/presences/purecloud"
    body = await gc.ok(
        "PATCH", path, json_body={"presenceDefinition": {"id": on_queue["id"]}, "message": "hi"}
    )
    assert body["presenceDefinition"]["id"] == on_queue["id"]
    assert body["message"] == "hi"
    status = await gc.ok("GET", f"/users/{USER.user_id}/routingstatus")
    assert status["status"] == "IDLE"  # going On Queue makes the user routable
    assert (await gc.ok("GET", path))["presenceDefinition"]["systemPresence"] == "On Queue"
    await gc.ok("PUT", f"/users/{USER.user_id}/routingstatus", json_body={"status": "OFF_QUEUE"})
    assert (await gc.ok("GET", path))["presenceDefinition"]["systemPresence"] == "Available"
    status_code, err, _ = await gc.call(
        "PUT", f"/users/{USER.user_id}/routingstatus", json_body={"status": "BUSY"}
    )
    assert (status_code, err["code"]) == (400, "invalid.value")
    status_code, err, _ = await gc.call(
        "PATCH", path, json_body={"presenceDefinition": {"id": "nope"}}
    )
    assert (status_code, err["code"]) == (400, "invalid.value")
    legacy = await gc.ok("GET", "/presencedefinitions")
    assert legacy["total"] == 10


async def test_body_errors(gc: Genesys) -> None:
    path = f"/users/{USER.user_id}/presences/purecloud"
    async with gc.http.patch(
        f"{gc.base}/api/v2{path}",
        data=b"{not json",
        headers={"Authorization": f"Bearer {gc.token}", "Content-Type": "application/json"},
    ) as resp:
        assert resp.status == 400 and (await resp.json())["code"] == "bad.request"
    async with gc.http.patch(
        f"{gc.base}/api/v2{path}",
        data=b"presence=1",
        headers={"Authorization": f"Bearer {gc.token}", "Content-Type": "text/plain"},
    ) as resp:
        assert resp.status == 415 and (await resp.json())["code"] == "unsupported.media.type"
    await gc.admin("configure", {"max_body_bytes": 64})
    status, err, _ = await gc.call("PATCH", path, json_body={"message": "x" * 100})
    assert (status, err["code"], err["messageParams"]) == (
        413,
        "request.too.large",
        {"limit": "64"},
    )


async def test_patch_user_needs_the_current_version(gc: Genesys) -> None:
    user = await gc.ok("PATCH", f"/users/{USER.user_id}", json_body={"version": 1, "title": "Boss"})
    assert (user["title"], user["version"]) == ("Boss", 2)
    status, err, _ = await gc.call(
        "PATCH", f"/users/{USER.user_id}", json_body={"version": 1, "title": "Again"}
    )
    assert (status, err["code"]) == (409, "conflict")
    cleared = await gc.ok(
        "PATCH", f"/users/{USER.user_id}", json_body={"version": 2, "department": None}
    )
    assert "department" not in cleared  # explicit null clears the field


async def test_queues_and_members(gc: Genesys) -> None:
    queues = await gc.ok("GET", "/routing/queues", params={"name": "Sup*"})
    (support,) = queues["entities"]
    assert support["name"] == "Support"
    assert (await gc.ok("GET", f"/routing/queues/{support['id']}"))["memberCount"] == 8
    members = await gc.ok(
        "GET", f"/routing/queues/{support['id']}/members", params={"pageSize": "3"}
    )
    assert len(members["entities"]) == 3 and "total" not in members and members["nextUri"]
    assert all(m["joined"] for m in members["entities"])
    status, err, _ = await gc.call(
        "GET", f"/routing/queues/{support['id']}/members", params={"pageSize": "101"}
    )
    assert (status, err["code"]) == (400, "invalid.value")
    mine = await gc.ok("GET", f"/users/{USER.user_id}/queues")
    assert len(mine["entities"]) == 3


async def test_calls_conversations_and_analytics(gc: Genesys) -> None:
    queues = (await gc.ok("GET", "/routing/queues", params={"name": "Sales"}))["entities"]
    queue_id = queues[0]["id"]
    await gc.admin("set_presence", {"user_id": USER.user_id, "presence": "On Queue"})
    offered = await gc.admin(
        "offer_call", {"queue_id": queue_id, "user_id": USER.user_id, "ani": "tel:+15550001"}
    )
    call_id = offered["conversation"]["id"]
    conversation = await gc.ok("GET", f"/conversations/{call_id}")
    purposes = [p["purpose"] for p in conversation["participants"]]
    assert purposes == ["customer", "acd", "agent"]
    observed = await gc.ok(
        "POST",
        "/analytics/queues/observations/query",
        json_body={
            "filter": {
                "type": "or",
                "predicates": [{"dimension": "queueId", "value": queue_id}],
            },
            "metrics": ["oAlerting", "oWaiting", "oOnQueueUsers"],
            "detailMetrics": ["oAlerting"],
        },
    )
    (result,) = observed["results"]
    data = {(d["metric"], d.get("qualifier")): d for d in result["data"]}
    assert data[("oAlerting", None)]["stats"]["count"] == 1
    assert data[("oAlerting", None)]["observations"][0]["conversationId"] == call_id
    assert data[("oWaiting", None)]["stats"]["count"] == 0
    assert data[("oOnQueueUsers", "INTERACTING")]["stats"]["count"] == 1

    await gc.user_login()
    calls = await gc.ok("GET", "/conversations/calls")
    assert [c["id"] for c in calls["entities"]] == [call_id]
    agent = next(p for p in conversation["participants"] if p["purpose"] == "agent")
    status, _, _ = await gc.call(
        "PATCH",
        f"/conversations/calls/{call_id}/participants/{agent['id']}",
        json_body={"state": "connected"},
    )
    assert status == 202
    status, _, _ = await gc.call(
        "PATCH",
        f"/conversations/calls/{call_id}/participants/{agent['id']}",
        json_body={"state": "disconnected"},
    )
    assert status == 202
    ended = await gc.ok("GET", f"/conversations/{call_id}")
    assert ended["endTime"] and ended["state"] == "disconnected"
    details = await gc.ok("GET", f"/analytics/conversations/{call_id}/details")
    agent_row = next(p for p in details["participants"] if p["purpose"] == "agent")
    kinds = [s["segmentType"] for s in agent_row["sessions"][0]["segments"]]
    assert kinds == ["alert", "interact", "wrapup"]


async def test_conversation_details_query_paging(gc: Genesys) -> None:
    await gc.admin("scenario", {"action": "step", "count": 30})
    interval = "2023-11-14T00:00:00.000Z/2023-11-15T00:00:00.000Z"
    pages = []
    number = 1
    while True:
        body = await gc.ok(
            "POST",
            "/analytics/conversations/details/query",
            json_body={"interval": interval, "paging": {"pageSize": 2, "pageNumber": number}},
        )
        if "conversations" not in body:
            break
        pages.append(body)
        number += 1
    total = pages[0]["totalHits"]
    assert total >= 4
    assert sum(len(p["conversations"]) for p in pages) == total
    assert all(p["totalHits"] == total for p in pages)
    one = pages[0]["conversations"][0]["conversationId"]
    filtered = await gc.ok(
        "POST",
        "/analytics/conversations/details/query",
        json_body={
            "interval": interval,
            "conversationFilters": [
                {"type": "and", "predicates": [{"dimension": "conversationId", "value": one}]}
            ],
        },
    )
    assert filtered["totalHits"] == 1
    status, err, _ = await gc.call(
        "POST", "/analytics/conversations/details/query", json_body={"interval": "yesterday"}
    )
    assert (status, err["code"]) == (400, "invalid.date")


async def test_sdk_smoke_scenario_create_patch_skills_delete(gc: Genesys) -> None:
    """The official SDK test scenario: create, PATCH with version, profile skills, expand,
    delete."""
    created = await gc.ok(
        "POST", "/users", json_body={"name": "Smoke Test", "email": "smoke@cxkit.local"}
    )
    uid = created["id"]
    assert created["version"] == 1
    status, err, _ = await gc.call(
        "POST", "/users", json_body={"name": "Again", "email": "smoke@cxkit.local"}
    )
    assert (status, err["code"]) == (409, "conflict")
    patched = await gc.ok("PATCH", f"/users/{uid}", json_body={"version": 1, "name": "Smoke 2"})
    assert patched["name"] == "Smoke 2"
    skills = await gc.ok("PUT", f"/users/{uid}/profileskills", json_body=["python", "genesys"])
    assert skills == ["python", "genesys"]
    got = await gc.ok("GET", f"/users/{uid}", params={"expand": "profileSkills,dateLastLogin"})
    assert got["profileSkills"] == ["python", "genesys"]
    await gc.ok("DELETE", f"/users/{uid}")
    assert (await gc.call("GET", f"/users/{uid}"))[0] == 404
    deleted = await gc.ok("GET", f"/users/{uid}", params={"state": "deleted"})
    assert deleted["state"] == "deleted"
    listing = await gc.ok("GET", "/users", params={"pageSize": "100"})
    assert uid not in {u["id"] for u in listing["entities"]}


async def test_observations_always_match_the_truth(gc: Genesys) -> None:
    """The incremental queue counters agree with a recount of the state dump after a long
    run of scripted activity mixed with membership changes."""
    metrics = ["oOnQueueUsers", "oOffQueueUsers", "oUserPresences", "oActiveUsers", "oMemberUsers"]
    truth = await gc.admin("state")
    some_user = truth["users"][3]["id"]
    for round_ in range(4):
        await gc.admin("scenario", {"action": "step", "count": 37})
        queue_id = truth["queues"][round_ % 3]["id"]
        await gc.admin(
            "set_queue_member",
            {"queue_id": queue_id, "user_id": some_user, "joined": round_ % 2 == 1},
        )
    truth = await gc.admin("state")
    users = {u["id"]: u for u in truth["users"]}
    for queue in truth["queues"]:
        body = await gc.ok(
            "POST",
            "/analytics/queues/observations/query",
            json_body={
                "filter": {
                    "type": "or",
                    "predicates": [{"dimension": "queueId", "value": queue["id"]}],
                },
                "metrics": [*metrics, "oWaiting", "oInteracting", "oAlerting"],
            },
        )
        got = {
            (d["metric"], d.get("qualifier")): d["stats"]["count"]
            for d in body["results"][0]["data"]
        }
        joined = [users[uid] for uid, on in queue["members"].items() if on]
        expected: dict[tuple[str, str | None], int] = {
            ("oMemberUsers", None): len(queue["members"]),
            ("oActiveUsers", None): len(joined),
            ("oWaiting", None): len(queue["waiting"]),
            ("oInteracting", None): len(queue["interacting"]),
            ("oAlerting", None): len(queue["alerting"]),
        }
        for u in joined:
            if u["routingStatus"] != "OFF_QUEUE":
                key = ("oOnQueueUsers", u["routingStatus"])
            else:
                key = ("oOffQueueUsers", u["presenceId"])
            expected[key] = expected.get(key, 0) + 1
            presence = ("oUserPresences", u["presenceId"])
            expected[presence] = expected.get(presence, 0) + 1
        assert got == expected, queue["name"]
