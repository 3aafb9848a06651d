"""Notification channels and the hub against the emulator over real WebSockets."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from cxkit.emulator.server import EmulatorServer
from cxkit.errors import SubscriptionError
from cxkit.events import StreamGap, StreamState
from cxkit.genesys import topics
from cxkit.genesys.client import GenesysClient
from cxkit.genesys.events import PresenceBody, RoutingStatusBody, TopicEvent
from cxkit.genesys.exceptions import ChannelException, ConnectionFailure, ReceiveFailure
from cxkit.genesys.models import NotificationChannel
from cxkit.genesys.notifications import Channel, ChannelListener, NotificationHub
from cxkit.genesys.protocol import (
    ChannelProblem,
    ChannelReplaced,
    ChannelSettings,
    SubscriptionConfirmed,
)
from cxkit.genesys.transport import HttpRequestOptions

from .conftest import FAST_RECONNECT, Admin, emulator_client, start_emulator

Pred = Callable[[Any], bool]


async def next_matching(events: AsyncIterator[Any], pred: Pred, timeout: float = 5.0) -> Any:
    """The next event for which ``pred`` is true (fails fast instead of hanging)."""

    async def scan() -> Any:
        async for event in events:
            if pred(event):
                return event
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(scan(), timeout)


def topic_event(topic: str) -> Pred:
    return lambda e: isinstance(e, TopicEvent) and e.topic == topic


async def first_user(admin: Admin) -> str:
    state = await admin.state()
    user_id: str = state["users"][0]["id"]
    return user_id


async def channel_state(admin: Admin, channel_id: str | None) -> dict[str, Any] | None:
    for channel in (await admin.state())["channels"]:
        if channel["id"] == channel_id:
            return dict(channel)
    return None


async def test_subscribe_and_receive_typed_events(client: GenesysClient, admin: Admin) -> None:
    uid = await first_user(admin)
    presence, routing = topics.user_presence(uid), topics.user_routing_status(uid)
    seen: list[TopicEvent[Any]] = []
    async with Channel(client, [presence, routing], reconnect=FAST_RECONNECT) as channel:
        channel.on("v2.users.{id}.presence", seen.append)
        events = aiter(channel)
        assert (await channel_state(admin, channel.id)) is not None
        await admin("set_presence", {"user_id": uid, "presence": "Busy", "message": "x"})
        event = await next_matching(events, topic_event(presence))
        assert isinstance(event.body, PresenceBody) and event.typed
        assert event.body.presence_definition.system_presence == "Busy"
        assert event.id == uid and event.channel_id == channel.id
        await admin("set_routing_status", {"user_id": uid, "status": "IDLE"})
        event = await next_matching(events, topic_event(routing))
        assert isinstance(event.body, RoutingStatusBody)
        assert event.body.routing_status.status == "IDLE"
        assert seen and {e.topic for e in seen} == {presence}


async def test_websocket_subscribe_unsubscribe_and_rejections(
    client: GenesysClient, admin: Admin
) -> None:
    uid = await first_user(admin)
    async with Channel(client, reconnect=FAST_RECONNECT) as channel:
        events = aiter(channel)
        await channel.subscribe([topics.user_activity(uid)], via="websocket")
        await next_matching(events, lambda e: isinstance(e, SubscriptionConfirmed))
        await admin("set_routing_status", {"user_id": uid, "status": "IDLE"})
        await next_matching(events, topic_event(topics.user_activity(uid)))
        await admin("reject_topics", {"prefixes": ["v2.routing.queues"]})
        with pytest.raises(SubscriptionError):
            await channel.subscribe([topics.queue_users("q1")])
        listed = await channel.subscribe([topics.queue_users("q2")], ignore_errors=True)
        assert listed and topics.queue_users("q2") in channel.rejected
        await channel.unsubscribe([topics.user_activity(uid)])
        remote = await channel_state(admin, channel.id)
        assert remote is not None and remote["topics"] == []


async def test_heartbeat_loss_reconnects_and_reports_a_gap() -> None:
    emu = await start_emulator(heartbeat_interval=0.05)
    try:
        async with aiohttp.ClientSession() as http:
            emu_admin = Admin(emu.url, http)
            uid = await first_user(emu_admin)
            async with (
                emulator_client(emu) as gc,
                Channel(
                    gc,
                    [topics.user_presence(uid)],
                    settings=ChannelSettings(heartbeat_timeout=0.4),
                    reconnect=FAST_RECONNECT,
                ) as channel,
            ):
                events = aiter(channel)
                await emu_admin("heartbeat", {"enabled": False})
                gap = await next_matching(events, lambda e: isinstance(e, StreamGap))
                assert gap.reason == "no heartbeat" and gap.since <= gap.until
                await emu_admin("heartbeat", {"enabled": True})
                await emu_admin("set_presence", {"user_id": uid, "presence": "Away"})
                await next_matching(events, topic_event(topics.user_presence(uid)))
    finally:
        await emu.stop()


async def test_socket_closing_rolls_over_without_a_gap(client: GenesysClient, admin: Admin) -> None:
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    async with Channel(client, [presence], reconnect=FAST_RECONNECT) as channel:
        events = aiter(channel)
        old = channel.id
        await admin("socket_closing", {"channel_id": old, "grace": 30})
        await next_matching(events, lambda e: getattr(e, "kind", None) == "rollover")
        done = await next_matching(events, lambda e: isinstance(e, ChannelReplaced))
        assert (done.old_id, done.new_id) == (old, channel.id) and channel.rollovers == 1
        new = await channel_state(admin, channel.id)
        assert new is not None and new["connected"] and new["topics"] == [presence]
        await admin("set_presence", {"user_id": uid, "presence": "Busy"})
        got: list[Any] = []
        await next_matching(events, lambda e: got.append(e) or topic_event(presence)(e))
        assert not any(isinstance(e, StreamGap) for e in got)
        old_state = await channel_state(admin, old)
        assert old_state is None or not old_state["connected"]


async def test_rollover_under_traffic_delivers_every_event_once(
    client: GenesysClient, admin: Admin
) -> None:
    """Events keep coming while the channel rolls over: each one arrives exactly once
    (before the new channel is subscribed they reach only the old socket, during the overlap
    both, afterwards only the new one)."""
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    async with Channel(client, [presence], reconnect=FAST_RECONNECT) as channel:
        events = aiter(channel)
        replaced = asyncio.Event()
        channel.on("rollover.done", lambda e: replaced.set())
        old = channel.id
        sent: list[str] = []

        async def emit(n: int) -> None:
            sent.append(f"m{n}")
            await admin("emit", {"topic": presence, "body": {"message": f"m{n}"}})

        for n in range(10):
            await emit(n)
        await admin("socket_closing", {"channel_id": old, "grace": 30})
        n = 10
        while not replaced.is_set():  # keep the traffic going through the whole rollover
            await emit(n)
            n += 1
            assert n < 5000, "the rollover did not finish"
        for extra in range(n, n + 10):
            await emit(extra)
        got: list[Any] = []

        def message(e: Any) -> bool:
            if isinstance(e, TopicEvent) and e.topic == presence:
                got.append(e.body.message)
            return bool(got) and got[-1] == sent[-1]

        await next_matching(events, message)
        assert sorted(got) == sorted(sent) and len(got) == len(sent)
        assert channel.id != old and channel.rollovers == 1


async def test_rollover_drains_the_old_socket_before_dropping_it(
    client: GenesysClient, admin: Admin
) -> None:
    """The app is slow: when the new channel is up, the old socket still holds unread
    events. The rollover lets them in (ping, wait for the pong) before dropping it."""
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    release = asyncio.Event()
    handled: list[str] = []

    async def slow_app(event: Any) -> None:
        await release.wait()
        handled.append(event.body.message)

    async with Channel(client, [presence], reconnect=FAST_RECONNECT) as channel:
        channel.on("v2.users.{id}.presence", slow_app)
        old = channel.id
        put_seen, put_go = asyncio.Event(), asyncio.Event()

        async def hold_new_subscriptions(options: HttpRequestOptions) -> None:
            if options.method == "PUT" and old not in options.url:
                put_seen.set()
                await put_go.wait()

        client.pre_hook = hold_new_subscriptions
        await admin("socket_closing", {"channel_id": old, "grace": 30})
        await asyncio.wait_for(put_seen.wait(), 5)  # the new channel exists, unsubscribed
        sent = [f"m{n}" for n in range(5)]
        for message in sent:  # only the old socket gets these; m0 blocks its reader
            await admin("emit", {"topic": presence, "body": {"message": message}})
        put_go.set()
        for _ in range(2000):  # until the new channel is subscribed and connected
            remote = (await admin.state())["channels"]
            if any(c["id"] != old and c["connected"] and c["topics"] for c in remote):
                break
        else:
            raise AssertionError("the new channel never connected")
        sent.append("both")  # reaches the old and the new socket: delivered once
        await admin("emit", {"topic": presence, "body": {"message": "both"}})
        assert channel.id == old  # the rollover waits for the old socket's backlog
        done = asyncio.Event()
        channel.on("rollover.done", lambda e: done.set())
        release.set()
        await asyncio.wait_for(done.wait(), 5)
        sent.append("after")
        await admin("emit", {"topic": presence, "body": {"message": "after"}})
        events = aiter(channel)
        await next_matching(
            events, lambda e: topic_event(presence)(e) and e.body.message == "after"
        )
        assert sorted(handled) == sorted(sent) and len(handled) == len(sent)
        assert channel.id != old


async def test_without_auto_extend_the_channel_rolls_over_before_it_ends(
    client: GenesysClient, admin: Admin
) -> None:
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    settings = ChannelSettings(lifetime=0.6, extend_margin=0.3, auto_extend=False)
    async with Channel(client, [presence], settings=settings, reconnect=FAST_RECONNECT) as ch:
        events = aiter(ch)
        old = ch.id
        seen: list[Any] = []

        def replaced(e: Any) -> bool:
            seen.append(e)
            return isinstance(e, ChannelReplaced)

        done = await next_matching(events, replaced)
        assert done.old_id == old and done.reason == "channel lifetime ending"
        assert any(getattr(e, "kind", None) == "rollover" for e in seen)
        assert not any(isinstance(e, (StreamGap, ChannelProblem)) for e in seen)
        new = await channel_state(admin, done.new_id)
        assert new is not None and new["topics"] == [presence]
        await admin("set_presence", {"user_id": uid, "presence": "Busy"})
        await next_matching(events, topic_event(presence))


async def test_channels_move_to_a_renewed_token_before_theirs_expires() -> None:
    """The service drops a channel when the token that made it expires (4 s here): the
    channel rolls over to one made with a renewed token first, without a gap."""
    emu = await start_emulator(token_lifetime=4)
    try:
        async with aiohttp.ClientSession() as http:
            emu_admin = Admin(emu.url, http)
            uid = await first_user(emu_admin)
            presence = topics.user_presence(uid)
            settings = ChannelSettings(token_margin=1.5)
            async with (
                emulator_client(emu, advisory_window=1) as gc,
                Channel(gc, [presence], settings=settings, reconnect=FAST_RECONNECT) as channel,
            ):
                events = aiter(channel)
                first = channel.id
                seen: list[Any] = []

                def second_rollover(e: Any) -> bool:
                    seen.append(e)
                    return sum(isinstance(x, ChannelReplaced) for x in seen) == 2

                await next_matching(events, second_rollover, timeout=15)
                replaced = [e for e in seen if isinstance(e, ChannelReplaced)]
                assert [e.reason for e in replaced] == ["token expiring"] * 2
                assert replaced[0].old_id == first
                assert not any(isinstance(e, (StreamGap, ChannelProblem)) for e in seen)
                remote = {c["id"]: c for c in (await emu_admin.state())["channels"]}
                assert first not in remote  # died with its token, after we left it
                assert remote[channel.id]["connected"]
                await emu_admin("set_presence", {"user_id": uid, "presence": "Busy"})
                await next_matching(events, topic_event(presence))
    finally:
        await emu.stop()


async def test_lifetime_is_extended_before_expiry(client: GenesysClient, admin: Admin) -> None:
    uid = await first_user(admin)
    settings = ChannelSettings(lifetime=1.0, extend_margin=0.5)
    async with Channel(client, [topics.user_presence(uid)], settings=settings) as channel:
        events = aiter(channel)
        before = await channel_state(admin, channel.id)
        await admin.core("POST", "clock/advance", {"seconds": 3600})
        confirmed = await next_matching(
            events, lambda e: isinstance(e, SubscriptionConfirmed) and bool(e.topics)
        )
        assert confirmed.channel_id == channel.id
        after = await channel_state(admin, channel.id)
        assert before is not None and after is not None
        assert after["expires"] > before["expires"]


async def test_second_socket_on_the_channel_moves_us_to_a_new_one(
    client: GenesysClient, admin: Admin
) -> None:
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    async with Channel(client, [presence], reconnect=FAST_RECONNECT) as channel:
        events = aiter(channel)
        old = channel.id
        session = channel.session
        assert session is not None and session.channel is not None
        uri = session.channel.connect_uri or ""
        async with aiohttp.ClientSession() as http, http.ws_connect(uri):
            problem = await next_matching(events, lambda e: isinstance(e, ChannelProblem))
            assert "another connection" in str(problem.error)
            await next_matching(events, lambda e: isinstance(e, StreamGap))
            assert channel.id != old
            await admin("set_presence", {"user_id": uid, "presence": "Away"})
            await next_matching(events, topic_event(presence))


async def test_token_revocation_renews_and_resubscribes(
    client: GenesysClient, admin: Admin
) -> None:
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    async with Channel(client, [presence], reconnect=FAST_RECONNECT) as channel:
        events = aiter(channel)
        old_token = client.oauth.cache.current
        assert old_token is not None
        await admin("revoke_token", {"token": old_token.access_token.reveal()})
        revoked = await next_matching(
            events, lambda e: isinstance(e, TopicEvent) and "token_revoked" in e.topic
        )
        assert revoked.body.system_topic_type in (None, "token_revoked")
        await next_matching(events, lambda e: isinstance(e, StreamGap))
        assert client.oauth.cache.current is not old_token
        await admin("set_presence", {"user_id": uid, "presence": "Busy"})
        await next_matching(events, topic_event(presence))


async def test_no_longer_subscribed_is_surfaced(client: GenesysClient, admin: Admin) -> None:
    uid = await first_user(admin)
    async with Channel(client, [topics.user_presence(uid)]) as channel:
        events = aiter(channel)
        await admin("no_longer_subscribed", {"channel_id": channel.id})
        event = await next_matching(
            events, lambda e: isinstance(e, TopicEvent) and "no_longer_subscribed" in e.topic
        )
        assert event.family == "v2.system.no_longer_subscribed.{id}"


async def test_bodies_that_do_not_fit_arrive_as_json(client: GenesysClient, admin: Admin) -> None:
    uid = await first_user(admin)
    routing = topics.user_routing_status(uid)
    async with Channel(client, [routing]) as channel:
        events = aiter(channel)
        await admin("emit", {"topic": routing, "body": {"routingStatus": "not-an-object"}})
        event = await next_matching(events, topic_event(routing))
        assert not event.typed and event.body == {"routingStatus": "not-an-object"}
        await admin("emit", {"topic": routing, "body": {"routingStatus": {"status": "IDLE"}}})
        event = await next_matching(events, topic_event(routing))
        assert event.typed


async def test_hub_shards_2500_topics_over_channels(emu: EmulatorServer, admin: Admin) -> None:
    wanted = [topics.user_presence(str(uuid.UUID(int=i))) for i in range(2500)]
    async with emulator_client(emu) as gc, NotificationHub(gc) as hub:
        await asyncio.wait_for(hub.subscribe(wanted), 20)
        assert len(hub.channels) == 3 and len(hub.topics) == 2500
        remote = [c for c in (await admin.state())["channels"] if c["topics"]]
        assert sorted(len(c["topics"]) for c in remote) == [500, 1000, 1000]
        assert all(c["connected"] for c in remote)
        events = aiter(hub)
        target = wanted[1777]
        await admin("emit", {"topic": target, "body": {"presenceDefinition": {"id": "p"}}})
        event = await next_matching(events, topic_event(target))
        assert event.channel_id == hub.channel_of(target).id  # type: ignore[union-attr]
        await hub.unsubscribe(wanted[:1000])
        assert len(hub.topics) == 1500
        with pytest.raises(Exception, match="limit of 1 per user"):
            small = NotificationHub(gc, max_channels=1, max_topics_per_channel=10)
            await small.subscribe(wanted[:11])


async def test_combined_topics_save_slots_when_the_service_counts_them_once(
    admin: Admin, emu: EmulatorServer
) -> None:
    await admin("configure", {"combined_topic_counting": "combined"})
    users = [str(uuid.UUID(int=i)) for i in range(1500)]
    wanted = [t for u in users for t in (topics.user_presence(u), topics.user_routing_status(u))]
    async with (
        emulator_client(emu) as gc,
        NotificationHub(gc, combined_counts_as="one") as hub,
    ):
        await asyncio.wait_for(hub.subscribe(wanted), 20)
        # 3,000 topics in 1,500 combined ones: 2 channels instead of 3
        assert len(hub.topics) == 3000 and len(hub.channels) == 2
        remote = [c for c in (await admin.state())["channels"] if c["topics"]]
        assert sorted(len(c["topics"]) for c in remote) == [1000, 2000]  # expanded topics
        events = aiter(hub)
        target = topics.user_routing_status(users[1234])
        await admin("emit", {"topic": target, "body": {"routingStatus": {"status": "IDLE"}}})
        event = await next_matching(events, topic_event(target))
        assert event.channel_id == hub.channel_of(target).id  # type: ignore[union-attr]


async def test_hub_combines_topics_of_one_user(client: GenesysClient, admin: Admin) -> None:
    uid = await first_user(admin)
    async with NotificationHub(client) as hub:
        await hub.subscribe([topics.user_presence(uid), topics.user_routing_status(uid)])
        (channel,) = hub.channels
        assert channel.topics == [f"v2.users.{uid}?presence&routingStatus"]
        events = aiter(hub)
        await admin("set_routing_status", {"user_id": uid, "status": "IDLE"})
        await next_matching(events, topic_event(topics.user_routing_status(uid)))


async def test_malformed_frames_are_reported_and_the_iterator_survives(
    client: GenesysClient, admin: Admin
) -> None:
    """The emulator sends garbage on the channel's socket between real events."""
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    garbage = [
        "not json",
        "[1]",
        '{"topicName": 3}',
        '{"topicName": "v2.users.x.presence", "eventBody": {"primary": tru',
        "",
    ]
    async with Channel(client, [presence], reconnect=FAST_RECONNECT) as channel:
        events = aiter(channel)
        for frame in garbage:
            sent = await admin("emit_raw", {"frame": frame, "channel_id": channel.id})
            assert sent["channels"] == [channel.id]
        await admin("set_presence", {"user_id": uid, "presence": "Busy"})
        problems: list[ChannelProblem] = []

        def collect(e: Any) -> bool:
            if isinstance(e, ChannelProblem):
                problems.append(e)
            return isinstance(e, TopicEvent)

        event = await next_matching(events, collect)
        assert event.topic == presence and event.typed
        assert [p.frame for p in problems] == garbage
        assert all(isinstance(p.error, ReceiveFailure) for p in problems)
        assert all(p.error.reason.name == "InvalidMessage" for p in problems)
        assert channel.stream is not None and channel.stream.stats.reconnects == 0
        # and the stream keeps going afterwards
        await admin("set_presence", {"user_id": uid, "presence": "Away"})
        assert (await next_matching(events, topic_event(presence))).typed


async def test_expired_channel_is_replaced_with_a_gap(client: GenesysClient, admin: Admin) -> None:
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    async with Channel(client, [presence], reconnect=FAST_RECONNECT) as channel:
        events = aiter(channel)
        old = channel.id
        await admin("expire_channel", {"channel_id": old})
        problem = await next_matching(events, lambda e: isinstance(e, ChannelProblem))
        assert problem.channel_id == old
        await next_matching(events, lambda e: isinstance(e, StreamGap))
        assert channel.id != old
        await admin("set_presence", {"user_id": uid, "presence": "Away"})
        await next_matching(events, topic_event(presence))


@pytest.mark.parametrize("mode", ["reject_401", "reject_404", "message"])
async def test_adopting_a_dead_channel_moves_to_a_new_one(
    client: GenesysClient, admin: Admin, emu: EmulatorServer, mode: str
) -> None:
    await admin("configure", {"invalid_channel": mode})
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    ws_base = emu.url.replace("http://", "ws://")
    stale = NotificationChannel(id="streaming-0-gone", connect_uri=f"{ws_base}/channels/gone")
    # Without topics the dead channel is only found out at the WebSocket upgrade.
    async with Channel(client, channel=stale, reconnect=FAST_RECONNECT) as channel:
        events = aiter(channel)
        if mode == "message":  # the upgrade works, then {"result": "404"} comes
            await next_matching(events, lambda e: isinstance(e, StreamGap))
        assert channel.id != "streaming-0-gone"
        await channel.subscribe([presence])
        await admin("set_presence", {"user_id": uid, "presence": "Busy"})
        await next_matching(events, topic_event(presence))
    # With topics the subscription call finds out first.
    async with Channel(client, [presence], channel=stale, reconnect=FAST_RECONNECT) as channel:
        assert channel.id != "streaming-0-gone"
        assert (await channel_state(admin, channel.id)) is not None


async def test_events_before_iteration_are_bounded_and_reported(
    client: GenesysClient, admin: Admin
) -> None:
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    async with Channel(client, [presence], backlog=2) as channel:
        five = asyncio.Event()
        seen: list[Any] = []

        def count(event: Any) -> None:
            seen.append(event)
            if len(seen) == 5:
                five.set()

        channel.on(presence, count)
        for n in range(5):
            await admin("emit", {"topic": presence, "body": {"message": f"m{n}"}})
        await asyncio.wait_for(five.wait(), 5)  # handlers saw all five
        events = aiter(channel)
        gap = await next_matching(events, lambda e: True)
        assert isinstance(gap, StreamGap) and "dropped" in (gap.reason or "")
        kept = [await next_matching(events, topic_event(presence)) for _ in range(2)]
        assert [e.body.message for e in kept] == ["m3", "m4"]


async def test_by_default_handlers_consume_and_only_handlerless_channels_keep_a_backlog(
    client: GenesysClient, admin: Admin
) -> None:
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    # No handler: a late reader gets what came before it.
    async with Channel(client, [presence]) as channel:
        for n in range(3):
            await admin("emit", {"topic": presence, "body": {"message": f"early{n}"}})
        events = aiter(channel)
        kept = [await next_matching(events, topic_event(presence)) for _ in range(3)]
        assert [e.body.message for e in kept] == ["early0", "early1", "early2"]
    # With a catch-all handler, the handler is the consumer: nothing is held for a reader
    # that may never come, and one that does come is told what it missed before the live
    # events.
    async with Channel(client, [presence]) as channel:
        seen: list[Any] = []
        three = asyncio.Event()

        def count(event: Any) -> None:
            seen.append(event)
            if len(seen) == 3:
                three.set()

        unsubscribe = channel.on("topic", count)
        for n in range(3):
            await admin("emit", {"topic": presence, "body": {"message": f"handled{n}"}})
        await asyncio.wait_for(three.wait(), 5)
        events = aiter(channel)
        gap = await next_matching(events, lambda e: True)
        assert isinstance(gap, StreamGap) and "dropped while nobody iterated" in (gap.reason or "")
        unsubscribe()  # no handler any more: the default backlog is back for later readers
        await admin("emit", {"topic": presence, "body": {"message": "live"}})
        live = await next_matching(events, topic_event(presence))
        assert live.body.message == "live"


async def test_idle_close_reconnects_and_pings_prevent_it() -> None:
    emu = await start_emulator(idle_timeout=0.3, heartbeat_interval=0.05)
    try:
        async with aiohttp.ClientSession() as http:
            emu_admin = Admin(emu.url, http)
            uid = await first_user(emu_admin)
            presence = topics.user_presence(uid)
            async with emulator_client(emu) as gc:
                async with Channel(gc, [presence], reconnect=FAST_RECONNECT) as channel:
                    events = aiter(channel)
                    old = channel.id
                    gap = await next_matching(events, lambda e: isinstance(e, StreamGap))
                    assert "1001" in (gap.reason or "") and channel.id == old  # same channel
                    await emu_admin("set_presence", {"user_id": uid, "presence": "Busy"})
                    await next_matching(events, topic_event(presence))
                # A client that pings every 0.1 s is never idle: let 10 heartbeats (0.5 s,
                # well past the timeout) go by without a drop.
                settings = ChannelSettings(ping_interval=0.1, emit_heartbeats=True)
                async with Channel(gc, [presence], settings=settings) as channel:
                    seen: list[Any] = []

                    def heartbeat(e: Any) -> bool:
                        seen.append(e)
                        body = getattr(e, "body", None)
                        return getattr(body, "message", None) == "WebSocket Heartbeat"

                    events = aiter(channel)
                    for _ in range(10):
                        await next_matching(events, heartbeat)
                    assert not any(isinstance(e, StreamGap) for e in seen)
                    assert channel.stream is not None and channel.stream.stats.reconnects == 0
    finally:
        await emu.stop()


class Recorder(ChannelListener):
    """Records every listener call (some sync, some async, as apps write them)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.changed = asyncio.Event()

    def _add(self, name: str, value: Any = None) -> None:
        self.calls.append((name, value))
        self.changed.set()

    def on_state_changed(self, state: StreamState, reason: str | None) -> None:
        self._add("state", state)

    async def on_connected(self) -> None:
        await asyncio.sleep(0)
        self._add("connected")

    def on_connect_error(self, error: ChannelException) -> None:
        self._add("connect_error", error)

    def on_disconnected(self, closed_by_server: bool) -> None:
        self._add("disconnected", closed_by_server)

    async def on_error(self, error: BaseException) -> None:
        self._add("error", error)

    def on_callback_error(self, error: BaseException) -> None:
        self._add("callback_error", error)

    def on_unhandled_event(self, event: Any) -> None:
        self._add("unhandled", event)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    async def wait_for(self, name: str, count: int = 1) -> list[Any]:
        async def wait() -> list[Any]:
            while self.names().count(name) < count:
                self.changed.clear()
                await self.changed.wait()
            return [value for n, value in self.calls if n == name]

        return await asyncio.wait_for(wait(), 5)


async def test_listener_callbacks_mirror_the_java_sdk(client: GenesysClient, admin: Admin) -> None:
    uid = await first_user(admin)
    presence, routing = topics.user_presence(uid), topics.user_routing_status(uid)
    listener = Recorder()
    channel = Channel(client, [presence, routing], reconnect=FAST_RECONNECT, listener=listener)

    def broken(event: Any) -> None:
        raise RuntimeError("app bug")

    channel.on("v2.users.{id}.presence", broken)
    async with channel:
        await listener.wait_for("connected")
        assert listener.names()[:3] == ["state", "state", "connected"]
        assert [v for n, v in listener.calls if n == "state"] == [
            StreamState.CONNECTING,
            StreamState.CONNECTED,
        ]
        await admin("set_presence", {"user_id": uid, "presence": "Busy"})  # handler raises
        (error,) = await listener.wait_for("callback_error")
        assert str(error) == "app bug"
        await admin("set_routing_status", {"user_id": uid, "status": "IDLE"})  # no handler
        (unhandled,) = await listener.wait_for("unhandled")
        assert unhandled.topic == routing
        await admin("emit_raw", {"frame": "garbage", "channel_id": channel.id})
        (problem,) = await listener.wait_for("error")
        assert isinstance(problem, ReceiveFailure)

        await channel.reconnect()  # we close: not by the server
        assert (await listener.wait_for("disconnected"))[-1] is False
        await listener.wait_for("connected", 2)

        session = channel.session
        assert session is not None and session.channel is not None
        uri = session.channel.connect_uri or ""
        async with aiohttp.ClientSession() as http, http.ws_connect(uri):
            assert (await listener.wait_for("disconnected", 2))[-1] is True  # kicked
            await listener.wait_for("connected", 3)

        # two refused handshakes: reported as each next attempt starts
        await admin.fault("^/channels/", 503, count=2)
        await channel.reconnect()
        errors = await listener.wait_for("connect_error", 2)
        assert all(isinstance(e, ConnectionFailure) for e in errors)
        assert "2 attempt(s)" in str(errors[-1].message)
        await listener.wait_for("connected", 4)


async def test_handlers_may_await_channel_operations(client: GenesysClient, admin: Admin) -> None:
    """Handlers run in the socket's reader: awaiting the channel from one must not hang."""
    uid = await first_user(admin)
    presence = topics.user_presence(uid)
    checked, closed = asyncio.Event(), asyncio.Event()
    channel = Channel(client, [presence], reconnect=FAST_RECONNECT)

    async def on_presence(event: Any) -> None:
        if event.body.message == "check":
            await channel.check()
            await channel.subscribe([topics.user_routing_status(uid)])
            checked.set()
        else:
            await channel.close()
            closed.set()

    channel.on("v2.users.{id}.presence", on_presence)
    await channel.open()
    await admin("emit", {"topic": presence, "body": {"message": "check"}})
    await asyncio.wait_for(checked.wait(), 5)
    assert topics.user_routing_status(uid) in channel.topics
    await admin("emit", {"topic": presence, "body": {"message": "close"}})
    await asyncio.wait_for(closed.wait(), 5)

    async def drain() -> list[Any]:
        return [e async for e in channel]

    await asyncio.wait_for(drain(), 5)  # what was kept, then the end: no hang
    assert channel.state.value == "closed"


async def test_the_hub_warns_when_other_channels_of_the_app_leave_no_room(
    emu: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    users = [str(uuid.UUID(int=i)) for i in range(15)]
    wanted = [topics.user_presence(u) for u in users]
    async with emulator_client(emu) as other, emulator_client(emu) as gc:
        # another process of the same app (its own token) already holds 19 channels
        for _ in range(19):
            await other.notifications.create_channel()
        listing = await gc.notifications.channels(include="oauthclient")
        assert len(listing.entities or []) == 19
        assert all(c.id is None for c in listing.entities or [])  # not ours: no ids
        async with NotificationHub(gc, max_topics_per_channel=10) as hub:
            with caplog.at_level("WARNING", logger="cxkit.genesys.notifications"):
                await asyncio.wait_for(hub.subscribe(wanted[:10]), 10)  # 20 in all: fine
                assert not caplog.records
                await asyncio.wait_for(hub.subscribe(wanted[10:]), 10)  # a 21st channel
            (record,) = caplog.records
            assert "make 21 for this user and app (19 not this hub's)" in record.getMessage()
            assert len(hub.channels) == 2 and len(hub.topics) == 15  # warned, not refused
        mine = await gc.notifications.channels()
        assert all(c.id for c in mine.entities or [])  # the token's own channels have ids
