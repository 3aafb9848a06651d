"""The emulator's users search, async analytics jobs, aggregates, Usage API, layered rate
limits, gateway prefixes, raw frames and station / out-of-office topics."""

from __future__ import annotations

import asyncio
import base64
import json
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from .conftest import CC, USER, Genesys, basic, recv, recv_closed, start_emulator

INTERVAL = "2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z"


async def calls(gc: Genesys, count: int) -> list[str]:
    """``count`` answered and ended calls on the first queue; their conversation ids."""
    state = await gc.admin("state")
    queue = state["queues"][0]
    agent = next(iter(queue["members"]))
    ids = []
    for _ in range(count):
        await gc.admin("set_routing_status", {"user_id": agent, "status": "IDLE"})
        offered = await gc.admin("offer_call", {"queue_id": queue["id"], "user_id": agent})
        cid = offered["conversation"]["id"]
        await gc.admin("answer_call", {"conversation_id": cid})
        await gc.admin("end_call", {"conversation_id": cid})
        ids.append(cid)
    return ids


async def test_users_search_post_and_q64(gc: Genesys) -> None:
    query = {
        "pageSize": 2,
        "query": [{"type": "CONTAINS", "fields": ["email", "name"], "value": "@"}],
        "expand": ["routingStatus"],
    }
    first = await gc.ok("POST", "/users/search", json_body=query)
    assert first["total"] == 12 and first["pageCount"] == 6 and first["types"] == ["users"]
    assert len(first["results"]) == 2 and "routingStatus" in first["results"][0]
    assert "previousPage" not in first
    # nextPage is a GET with the request base64-encoded in q64
    q64 = parse_qs(urlsplit(first["nextPage"]).query)["q64"][0]
    second = await gc.ok("GET", "/users/search", params={"q64": q64})
    assert second["pageNumber"] == 2
    assert {u["id"] for u in second["results"]}.isdisjoint(u["id"] for u in first["results"])
    exact = {"query": [{"type": "EXACT", "fields": ["email"], "value": USER.email.upper()}]}
    found = await gc.ok("POST", "/users/search", json_body=exact)
    assert [u["email"] for u in found["results"]] == [USER.email]
    # AND / OR / NOT criteria
    mixed = {
        "query": [
            {"type": "STARTS_WITH", "fields": ["email"], "value": USER.email[:3]},
            {"type": "EXACT", "fields": ["id"], "value": USER.user_id, "operator": "NOT"},
        ]
    }
    rest = await gc.ok("POST", "/users/search", json_body=mixed)
    assert USER.user_id not in {u["id"] for u in rest["results"]}
    status, body, _ = await gc.call(
        "POST", "/users/search", json_body={"query": [{"type": "FUZZY", "fields": ["name"]}]}
    )
    assert status == 400 and body["code"] == "invalid.value"
    encoded = base64.b64encode(json.dumps(exact).encode()).decode()
    assert (await gc.ok("GET", "/users/search", params={"q64": encoded}))["total"] == 1


async def test_async_details_job_lifecycle(gc: Genesys) -> None:
    ids = await calls(gc, 5)
    submitted = await gc.ok(
        "POST", "/analytics/conversations/details/jobs", json_body={"interval": INTERVAL}
    )
    job = submitted["jobId"]
    path = f"/analytics/conversations/details/jobs/{job}"
    status, body, _ = await gc.call("GET", f"{path}/results")
    assert status == 400  # not fulfilled yet
    states = [(await gc.ok("GET", path))["state"] for _ in range(3)]
    assert states == ["QUEUED", "PENDING", "FULFILLED"]
    collected: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"pageSize": "2", **({"cursor": cursor} if cursor else {})}
        page = await gc.ok("GET", f"{path}/results", params=params)
        pages += 1
        collected += [c["conversationId"] for c in page["conversations"]]
        assert page["dataAvailabilityDate"]
        cursor = page.get("cursor")
        if cursor is None:
            break
    assert pages == 3 and collected == ids
    availability = await gc.ok("GET", "/analytics/conversations/details/jobs/availability")
    assert availability["dataAvailabilityDate"]
    # forced outcomes, cancellation and expiry
    other = (
        await gc.ok(
            "POST", "/analytics/conversations/details/jobs", json_body={"interval": INTERVAL}
        )
    )["jobId"]
    await gc.admin("analytics_job", {"job_id": other, "state": "FAILED", "error_message": "boom"})
    failed = await gc.ok("GET", f"/analytics/conversations/details/jobs/{other}")
    assert (failed["state"], failed["errorMessage"]) == ("FAILED", "boom")
    third = (
        await gc.ok(
            "POST", "/analytics/conversations/details/jobs", json_body={"interval": INTERVAL}
        )
    )["jobId"]
    status, _, _ = await gc.call("DELETE", f"/analytics/conversations/details/jobs/{third}")
    assert status == 202
    assert (await gc.ok("GET", f"/analytics/conversations/details/jobs/{third}"))[
        "state"
    ] == "CANCELLED"
    await gc.advance(86_400 + 1)
    await gc.login()  # the old token expired too
    assert (await gc.ok("GET", path))["state"] == "EXPIRED"
    status, body, _ = await gc.call("GET", f"{path}/results")
    assert status == 404 and body["code"] == "not.found"
    status, body, _ = await gc.call("GET", "/analytics/conversations/details/jobs/nope")
    assert status == 404


async def test_aggregates_and_shifting_detail_pages() -> None:
    emu = await start_emulator(analytics_shift_pages=True)
    try:
        async with aiohttp.ClientSession() as http:
            gc = Genesys(emu, http)
            await gc.login()
            ids = await calls(gc, 4)
            state = await gc.admin("state")
            queue_id = state["queues"][0]["id"]
            aggregates = await gc.ok(
                "POST",
                "/analytics/conversations/aggregates/query",
                json_body={
                    "interval": INTERVAL,
                    "groupBy": ["queueId"],
                    "metrics": ["nOffered", "tHandle"],
                },
            )
            (result,) = aggregates["results"]
            assert result["group"] == {"queueId": queue_id}
            metrics = {m["metric"]: m["stats"] for m in result["data"][0]["metrics"]}
            assert metrics["nOffered"]["count"] == 4 and metrics["tHandle"]["count"] == 4
            pages = []
            for number in (1, 2):
                body = {"interval": INTERVAL, "paging": {"pageSize": 2, "pageNumber": number}}
                page = await gc.ok("POST", "/analytics/conversations/details/query", json_body=body)
                pages.append([c["conversationId"] for c in page["conversations"]])
            # the second page moved back by one: its first conversation repeats
            assert pages == [ids[:2], ids[1:3]]
    finally:
        await emu.stop()


async def test_usage_api_counts_requests_by_client_and_template() -> None:
    emu = await start_emulator(rate_limit=2)
    try:
        async with aiohttp.ClientSession() as http:
            gc = Genesys(emu, http)
            await gc.login()
            statuses = [(await gc.call("GET", "/routing/queues"))[0] for _ in range(3)]
            assert statuses == [200, 200, 429]
            await gc.login()  # a fresh budget (2 calls) for the query
            query = {
                "interval": INTERVAL,
                "groupBy": ["OAuthClientId", "TemplateUri"],
                "metrics": ["Status200", "Status429", "Requests"],
            }
            submitted = await gc.ok("POST", "/usage/query", json_body=query)
            results = await gc.ok("GET", submitted["resultsUri"].removeprefix("/api/v2"))
            assert results["queryStatus"] == "Complete"
            rows = {r["templateUri"]: r for r in results["results"]}
            queues = rows["api/v2/routing/queues"]
            assert queues["clientId"] == CC.client_id
            assert (queues["status200"], queues["status429"], queues["requests"]) == (2, 1, 3)
            await gc.login()
            status, body, _ = await gc.call("POST", "/usage/query", json_body={"interval": "x"})
            assert status == 400 and body["code"] == "invalid.date"
    finally:
        await emu.stop()


async def test_per_user_and_per_endpoint_limits() -> None:
    emu = await start_emulator(
        user_rate_limit=3,
        endpoint_rate_limits={"GET /api/v2/routing/queues/{queueId}": 1},
    )
    try:
        async with aiohttp.ClientSession() as http:
            gc = Genesys(emu, http)
            # the per-user layer spans tokens (and clients) of one user
            await gc.user_login()
            assert [(await gc.call("GET", "/users/me"))[0] for _ in range(2)] == [200, 200]
            await gc.user_login()
            status, body, headers = await gc.call("GET", "/users/me")
            assert status == 200
            status, body, headers = await gc.call("GET", "/users/me")
            assert status == 429 and body["limit"]["key"] == "org.user.rate.per.minute"
            assert headers["Retry-After"]
            # client credentials have no user: only the app and endpoint budgets apply
            await gc.login()
            queue_id = (await gc.ok("GET", "/routing/queues"))["entities"][0]["id"]
            assert (await gc.call("GET", f"/routing/queues/{queue_id}"))[0] == 200
            status, body, _ = await gc.call("GET", f"/routing/queues/{queue_id}")
            assert status == 429
            assert body["limit"]["key"].startswith("GET /api/v2/routing/queues/{queueId}")
    finally:
        await emu.stop()


async def test_gateway_prefixes_serve_login_and_api() -> None:
    emu = await start_emulator(gateway_api_prefix="gw/api", gateway_login_prefix="gw/login")
    try:
        async with aiohttp.ClientSession() as http:
            gc = Genesys(emu, http)
            status, token = await gc.oauth(
                {"grant_type": "client_credentials"},
                auth=basic(CC.client_id, CC.client_secret.reveal()),  # type: ignore[union-attr]
                path="/gw/login/oauth/token",
            )
            assert status == 200
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            async with http.get(f"{emu.url}/gw/api/api/v2/users", headers=headers) as resp:
                assert resp.status == 200 and resp.headers["ININ-Correlation-Id"]
                assert (await resp.json())["total"] == 12
            info = emu.info()["vendors"]["genesys"]
            assert info["gateway"]["api_url"] == f"{emu.url}/gw/api"
    finally:
        await emu.stop()


async def test_bad_switches_are_named() -> None:
    for options, key in (
        ({"gateway_api_prefix": "a b"}, "gateway_api_prefix"),
        ({"endpoint_rate_limits": {"FETCH /x": 1}}, "endpoint_rate_limits"),
        ({"user_rate_limit": 0}, "user_rate_limit"),
    ):
        with pytest.raises(ValueError, match=key):
            await start_emulator(**options)


async def test_emit_raw_station_and_out_of_office_topics(gc: Genesys) -> None:
    station, ooo = f"v2.users.{USER.user_id}.station", f"v2.users.{USER.user_id}.outofoffice"
    channel = await gc.channel()
    await gc.subscribe(channel["id"], f"v2.users.{USER.user_id}?station&outofoffice&activity")
    async with gc.http.ws_connect(channel["connectUri"]) as ws:
        sent = await gc.admin("emit_raw", {"frame": "{not json", "channel_id": channel["id"]})
        assert sent["channels"] == [channel["id"]]
        msg = await ws.receive(timeout=2)
        assert msg.data == "{not json"
        await gc.admin("set_station", {"user_id": USER.user_id, "station_id": "st-1"})
        event = await recv(ws)
        assert event["topicName"] == station
        assert event["eventBody"]["associatedStation"]["id"] == "st-1"
        await gc.admin("set_out_of_office", {"user_id": USER.user_id, "active": True})
        first, second = await recv(ws), await recv(ws)
        assert first["topicName"] == ooo and first["eventBody"]["active"] is True
        assert second["topicName"] == f"v2.users.{USER.user_id}.activity"
        assert second["eventBody"]["outOfOffice"]["active"] is True
    user = await gc.ok("GET", f"/users/{USER.user_id}", params={"expand": "station,outOfOffice"})
    assert user["station"]["associatedStation"]["id"] == "st-1"
    assert user["outOfOffice"]["active"] is True


async def test_scim_users_page_by_start_index(gc: Genesys) -> None:
    first = await gc.ok("GET", "/scim/v2/users", params={"startIndex": "1", "count": "5"})
    assert (first["totalResults"], first["startIndex"], first["itemsPerPage"]) == (12, 1, 5)
    last = await gc.ok("GET", "/scim/v2/users", params={"startIndex": "11", "count": "5"})
    assert last["itemsPerPage"] == 2 and last["Resources"][0]["schemas"]
    one = last["Resources"][0]
    assert (await gc.ok("GET", f"/scim/v2/users/{one['id']}"))["userName"] == one["userName"]


async def test_idle_sockets_are_closed_with_1001() -> None:
    emu = await start_emulator(idle_timeout=0.2, heartbeat_interval=0.05)
    try:
        async with aiohttp.ClientSession() as http:
            gc = Genesys(emu, http)
            await gc.login()
            quiet, chatty = await gc.channel(), await gc.channel()
            async with (
                http.ws_connect(quiet["connectUri"]) as a,
                http.ws_connect(chatty["connectUri"]) as b,
            ):

                async def answer_heartbeats(count: int) -> None:
                    """A client that pings after every heartbeat is not idle."""
                    while count:
                        frame = await recv(b)
                        if frame["eventBody"]["message"] == "WebSocket Heartbeat":
                            await b.send_str('{"message": "ping"}')
                            count -= 1

                chat = asyncio.ensure_future(answer_heartbeats(8))  # 0.4 s, twice the timeout
                assert await recv_closed(a) == 1001  # heartbeats alone do not count
                await asyncio.wait_for(chat, 2)
                assert not b.closed
    finally:
        await emu.stop()


def query_of(uri: str) -> dict[str, str]:
    """The query parameters of a listing URI."""
    return {k: v[0] for k, v in parse_qs(urlsplit(uri).query).items()}


async def test_cursor_listings_page_with_before_and_after(gc: Genesys) -> None:
    state = await gc.admin("state")
    teams = await gc.ok("GET", "/teams", params={"pageSize": "200"})
    assert set(teams) <= {"entities", "selfUri", "nextUri", "previousUri"}
    assert len(teams["entities"]) == len(state["queues"]) and "nextUri" not in teams
    team = teams["entities"][0]
    assert team["name"].endswith(" Team") and team["selfUri"] == f"/api/v2/teams/{team['id']}"
    assert (await gc.ok("GET", f"/teams/{team['id']}"))["id"] == team["id"]
    queue = next(q for q in state["queues"] if team["name"] == f"{q['name']} Team")

    # forwards with `after`, two at a time
    path = f"/teams/{team['id']}/members"
    seen: list[str] = []
    page = await gc.ok("GET", path, params={"pageSize": "2"})
    pages = [page]
    while "nextUri" in page:
        assert len(page["entities"]) == 2 and "before" not in query_of(page["nextUri"])
        page = await gc.ok("GET", path, params=query_of(page["nextUri"]))
        pages.append(page)
    for listing in pages:
        seen.extend(m["id"] for m in listing["entities"])
    assert sorted(seen) == sorted(queue["members"]) and len(seen) == len(set(seen))
    assert "previousUri" not in pages[0] and "previousUri" in pages[-1]

    # and back with `before` from the last page
    back: list[str] = []
    page = pages[-1]
    while "previousUri" in page:
        page = await gc.ok("GET", path, params=query_of(page["previousUri"]))
        back = [m["id"] for m in page["entities"]] + back
    assert back + [m["id"] for m in pages[-1]["entities"]] == seen

    status, body, _ = await gc.call("GET", path, params={"pageSize": "201"})
    assert status == 400 and body["code"] == "invalid.value"
    status, body, _ = await gc.call("GET", path, params={"after": "not-a-cursor"})
    assert status == 400 and body["code"] == "invalid.value"
    status, body, _ = await gc.call("GET", "/teams/00000000-0000-0000-0000-000000000000")
    assert status == 404


async def test_endless_cursor_pages_switch(gc: Genesys) -> None:
    await gc.admin("configure", {"endless_cursor_pages": True})
    page = await gc.ok("GET", "/teams", params={"pageSize": "200"})
    uris = set()
    for _ in range(5):  # past the end: empty pages, each pointing further
        assert "nextUri" in page and page["nextUri"] not in uris
        uris.add(page["nextUri"])
        page = await gc.ok("GET", "/teams", params=query_of(page["nextUri"]))
        assert page["entities"] == []


async def test_users_details_query_reports_presence_and_routing_periods(gc: Genesys) -> None:
    state = await gc.admin("state")
    uid = state["users"][0]["id"]
    await gc.advance(60)
    await gc.admin("set_presence", {"user_id": uid, "presence": "On Queue"})  # + IDLE
    await gc.advance(30)
    await gc.admin("set_presence", {"user_id": uid, "presence": "Busy"})  # + OFF_QUEUE
    await gc.advance(10)
    query = {
        "interval": INTERVAL,
        "userFilters": [{"type": "or", "predicates": [{"dimension": "userId", "value": uid}]}],
    }
    body = await gc.ok("POST", "/analytics/users/details/query", json_body=query)
    assert body["totalHits"] == 1
    (detail,) = body["userDetails"]
    assert detail["userId"] == uid
    presences = [(p["systemPresence"], "endTime" in p) for p in detail["primaryPresence"]]
    assert presences == [("AVAILABLE", True), ("ON_QUEUE", True), ("BUSY", False)]
    on_queue = detail["primaryPresence"][1]
    assert on_queue["startTime"].endswith("Z") and on_queue["organizationPresenceId"]
    statuses = [r["routingStatus"] for r in detail["routingStatus"]]
    assert statuses == ["OFF_QUEUE", "IDLE", "OFF_QUEUE"]
    assert detail["routingStatus"][1]["endTime"] == on_queue["endTime"]

    # filters keep matching periods only; users with none left are not listed
    only_idle = {**query, "routingStatusFilters": [{"predicates": [
        {"dimension": "routingStatus", "value": "IDLE"}]}]}  # fmt: skip
    (idle,) = (await gc.ok("POST", "/analytics/users/details/query", json_body=only_idle))[
        "userDetails"
    ]
    assert [r["routingStatus"] for r in idle["routingStatus"]] == ["IDLE"]
    everyone = await gc.ok(
        "POST",
        "/analytics/users/details/query",
        json_body={"interval": INTERVAL, "paging": {"pageSize": 5, "pageNumber": 3}},
    )
    assert everyone["totalHits"] == len(state["users"])
    assert len(everyone["userDetails"]) == len(state["users"]) - 10
    old = "2000-01-01T00:00:00.000Z/2000-01-02T00:00:00.000Z"  # before anything happened
    empty = await gc.ok("POST", "/analytics/users/details/query", json_body={"interval": old})
    assert empty == {"totalHits": 0}
    for bad, code in (({}, "bad.request"), ({"interval": "yesterday"}, "invalid.date")):
        status, answer, _ = await gc.call("POST", "/analytics/users/details/query", json_body=bad)
        assert (status, answer["code"]) == (400, code)
