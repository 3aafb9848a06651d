"""Notifications REST: channels, subscriptions, limits, combined topics, available topics."""

from __future__ import annotations

import re

import aiohttp

from .conftest import USER, Genesys, start_emulator

UID = USER.user_id


async def test_create_channel_shape(gc: Genesys) -> None:
    channel = await gc.channel()
    assert re.fullmatch(r"streaming-\d-[a-z0-9]{26}", channel["id"])
    assert channel["connectUri"] == f"{gc.emu.ws_url}/channels/{channel['id']}"
    assert channel["expires"] == "2023-11-15T22:13:20.000Z"  # start + 24 h


async def test_list_and_head_channels(gc: Genesys) -> None:
    mine = await gc.channel()
    other_token = gc.token
    await gc.login()  # same client, another token
    theirs = await gc.channel()
    listing = await gc.ok("GET", "/notifications/channels")
    assert [c["id"] for c in listing["entities"]] == [theirs["id"]]
    assert set(listing) == {"entities"}
    both = await gc.ok("GET", "/notifications/channels", params={"includechannels": "OAuthClient"})
    assert len(both["entities"]) == 2
    assert [c.get("id") for c in both["entities"]].count(None) == 1  # other token: no id
    status, _, _ = await gc.call("HEAD", f"/notifications/channels/{mine['id']}", token=other_token)
    assert status == 200
    status, _, _ = await gc.call("HEAD", "/notifications/channels/streaming-0-nope")
    assert status == 404


async def test_subscription_operations(gc: Genesys) -> None:
    channel = await gc.channel()
    path = f"/notifications/channels/{channel['id']}/subscriptions"
    added = await gc.subscribe(channel["id"], f"v2.users.{UID}.presence")
    assert added["entities"] == [{"id": f"v2.users.{UID}.presence", "state": "Permitted"}]
    await gc.subscribe(channel["id"], f"v2.users.{UID}.routingstatus")  # canonical spelling
    listed = await gc.ok("GET", path)
    assert [t["id"] for t in listed["entities"]] == [
        f"v2.users.{UID}.presence",
        f"v2.users.{UID}.routingStatus",
    ]
    replaced = await gc.ok("PUT", path, json_body=[{"id": f"v2.users.{UID}.activity"}])
    assert [t["id"] for t in replaced["entities"]] == [f"v2.users.{UID}.activity"]
    status, _, _ = await gc.call("DELETE", path)
    assert status == 200
    assert (await gc.ok("GET", path))["entities"] == []


async def test_combined_topics_expand(gc: Genesys) -> None:
    channel = await gc.channel()
    added = await gc.subscribe(channel["id"], f"v2.users.{UID}?presence&routingStatus&activity")
    assert sorted(t["id"] for t in added["entities"]) == sorted(
        f"v2.users.{UID}.{s}" for s in ("presence", "routingStatus", "activity")
    )
    status, err, _ = await gc.call(
        "POST",
        f"/notifications/channels/{channel['id']}/subscriptions",
        json_body=[{"id": f"v2.users.{UID}?" + "&".join(["presence"] * 40)}],
    )
    assert (status, err["code"]) == (400, "bad.request")
    assert "200 characters" in err["message"]


async def test_bad_and_rejected_topics(gc: Genesys) -> None:
    channel = await gc.channel()
    path = f"/notifications/channels/{channel['id']}/subscriptions"
    for topic in ("v2.nothing.here", "channel.metadata", "v2.system.socket_closing"):
        status, err, _ = await gc.call("POST", path, json_body=[{"id": topic}])
        assert (status, err["code"]) == (400, "bad.request"), topic
    result = await gc.ok(
        "POST",
        path,
        params={"ignoreErrors": "true"},
        json_body=[{"id": "v2.nothing.here"}, {"id": f"v2.users.{UID}.presence"}],
    )
    states = {t["id"]: t["state"] for t in result["entities"]}
    assert states == {"v2.nothing.here": "Rejected", f"v2.users.{UID}.presence": "Permitted"}
    await gc.admin("reject_topics", {"prefixes": ["v2.routing.queues"]})
    status, err, _ = await gc.call("POST", path, json_body=[{"id": "v2.routing.queues.q1.users"}])
    assert (status, err["code"]) == (403, "missing.permissions")
    result = await gc.ok(
        "POST",
        path,
        params={"ignoreErrors": "true"},
        json_body=[{"id": "v2.routing.queues.q1.users"}],
    )
    rejected = next(t for t in result["entities"] if t["state"] == "Rejected")
    assert rejected["missingPermissions"] == ["notifications:topic:view"]


async def test_topic_cap_of_1000(gc: Genesys) -> None:
    channel = await gc.channel()
    topics = [f"v2.users.user{n}.presence" for n in range(1000)]
    result = await gc.subscribe(channel["id"], *topics)
    assert len(result["entities"]) == 1000
    status, err, _ = await gc.call(
        "POST",
        f"/notifications/channels/{channel['id']}/subscriptions",
        json_body=[{"id": "v2.users.one-more.presence"}],
    )
    assert (status, err["code"]) == (400, "bad.request")
    listed = await gc.ok("GET", f"/notifications/channels/{channel['id']}/subscriptions")
    assert len(listed["entities"]) == 1000  # the refused request changed nothing


async def test_channel_of_another_owner_is_not_found(gc: Genesys) -> None:
    channel = await gc.channel()
    await gc.user_login()
    status, err, _ = await gc.call("GET", f"/notifications/channels/{channel['id']}/subscriptions")
    assert (status, err["code"]) == (404, "not.found")


async def test_available_topics(gc: Genesys) -> None:
    plain = await gc.ok("GET", "/notifications/availabletopics")
    ids = {t["id"] for t in plain["entities"]}
    assert {
        "v2.users.{id}.presence",
        "v2.routing.queues.{id}.conversations",
        "v2.analytics.queues.{id}.observations",
        "v2.detail.events.conversation.{id}.acd.start",
    } <= ids
    assert set(plain["entities"][0]) == {"id"}
    expanded = await gc.ok(
        "GET",
        "/notifications/availabletopics",
        params={"expand": "description,schema,transports", "includePreview": "true"},
    )
    assert {"description", "schema", "transports"} <= set(expanded["entities"][0])


async def test_combined_topic_counting_modes() -> None:
    combined = f"v2.users.{UID}?presence&routingStatus&activity"
    for mode, first_ok in (("expanded", False), ("combined", True)):
        emu = await start_emulator(max_topics=2, combined_topic_counting=mode)
        try:
            async with aiohttp.ClientSession() as http:
                gc = Genesys(emu, http)
                await gc.login()
                channel = await gc.channel()
                status, _, _ = await gc.call(
                    "POST",
                    f"/notifications/channels/{channel['id']}/subscriptions",
                    json_body=[{"id": combined}],
                )
                assert (status == 200) is first_ok, mode
        finally:
            await emu.stop()


async def test_every_topic_the_client_knows_is_listed_and_subscribable(gc: Genesys) -> None:
    # The client and the emulator keep separate catalogues; they must not disagree on a
    # topic a real org accepts.
    from cxkit.genesys import topics

    wanted = [t for t in topics.known_templates() if not topics.is_system(t.replace("{id}", "x"))]
    listed = {t["id"] for t in (await gc.ok("GET", "/notifications/availabletopics"))["entities"]}
    assert not set(wanted) - listed
    channel = await gc.channel()
    body = [{"id": t.replace("{id}", UID)} for t in wanted]
    subscribed = await gc.ok(
        "PUT", f"/notifications/channels/{channel['id']}/subscriptions", json_body=body
    )
    assert {s["id"] for s in subscribed["entities"]} == {b["id"] for b in body}
