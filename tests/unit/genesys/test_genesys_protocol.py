"""The sans-I/O notification session: no sockets, a hand-driven clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest

from cxkit.core.session import Close, Fail, Reconnect, SendText, Step
from cxkit.errors import TokenExpiredError
from cxkit.genesys.events import PresenceBody, RoutingStatusBody, TopicEvent
from cxkit.genesys.exceptions import (
    REASON,
    ChannelFailure,
    LifetimeExtensionFailure,
    ReceiveFailure,
    SubscriptionFailure,
)
from cxkit.genesys.models import NotificationChannel
from cxkit.genesys.protocol import (
    TOKEN_EXPIRING,
    ChannelProblem,
    ChannelSettings,
    Drained,
    NotificationSession,
    RolloverRequested,
    SubscriptionConfirmed,
    decode_frame,
)

UID = "5f0a1c2e-7b3d-4e8f-9a10-c0ffee000001"
PRESENCE = f"v2.users.{UID}.presence"
ROUTING = f"v2.users.{UID}.routingStatus"
HEARTBEAT = '{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}'
PONG = '{"topicName":"channel.metadata","eventBody":{"message":"pong"}}'


class FakeBackend:
    """Records the REST calls a session makes; channels are numbered."""

    def __init__(self, *, can_renew: bool = True, exists: bool = True) -> None:
        self.can_renew = can_renew
        self.exists = exists
        self.created = 0
        self.renewed = 0
        self.puts: list[tuple[str, list[str]]] = []
        self.heads: list[str] = []

    async def create_channel(self) -> NotificationChannel:
        self.created += 1
        cid = f"streaming-0-channel{self.created}"
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=24)
        return NotificationChannel(id=cid, connect_uri=f"ws://test/channels/{cid}", expires=expires)

    async def channel_exists(self, channel_id: str) -> bool:
        self.heads.append(channel_id)
        return self.exists

    async def replace_subscriptions(self, channel_id: str, topics: list[str]) -> None:
        self.puts.append((channel_id, topics))

    async def renew_credentials(self) -> None:
        self.renewed += 1


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def event(topic: str, body: dict[str, Any], correlation: str = "c-1") -> str:
    return json.dumps(
        {
            "topicName": topic,
            "version": "2",
            "eventBody": body,
            "metadata": {"CorrelationId": correlation},
        },
        separators=(",", ":"),
    )


def sent(step: Step) -> list[dict[str, Any]]:
    return [json.loads(a.data) for a in step.actions if isinstance(a, SendText)]


def only(step: Step, kind: type) -> list[Any]:
    return [a for a in step.actions if isinstance(a, kind)]


async def connected(
    settings: ChannelSettings | None = None, backend: FakeBackend | None = None
) -> tuple[NotificationSession, FakeBackend, Clock]:
    backend = backend or FakeBackend()
    clock = Clock()
    session = NotificationSession(
        backend, topics=[PRESENCE, ROUTING], settings=settings, clock=clock
    )
    target = await session.connect_target()
    assert target.url == "ws://test/channels/streaming-0-channel1"
    assert backend.puts == [("streaming-0-channel1", [PRESENCE, ROUTING])]
    step = session.on_open(clock.now)
    assert step.actions == []  # topics went by REST: nothing to send on first open
    return session, backend, clock


async def test_topic_events_are_typed_and_heartbeats_consumed() -> None:
    session, _, clock = await connected()
    step = session.receive_text(
        event(PRESENCE, {"presenceDefinition": {"id": "p1", "systemPresence": "Busy"}}), clock.now
    )
    (ev,) = step.events
    assert isinstance(ev, TopicEvent)
    assert isinstance(ev.body, PresenceBody) and ev.typed
    assert ev.body.presence_definition is not None
    assert ev.body.presence_definition.system_presence == "Busy"
    assert ev.family == "v2.users.{id}.presence" and ev.id == UID
    assert ev.correlation_id == "c-1" and ev.channel_id == "streaming-0-channel1"
    assert session.event_kinds(ev) == ("v2.users.{id}.presence", PRESENCE, "topic")
    assert session.receive_text(HEARTBEAT, clock.now).events == []
    assert session.heartbeats == 1


async def test_heartbeat_loss_reconnects_with_gap_and_resubscribes() -> None:
    session, backend, clock = await connected(ChannelSettings(heartbeat_timeout=45))
    clock.now += 30
    session.receive_text(HEARTBEAT, clock.now)
    assert session.next_deadline() == clock.now + 45
    clock.now += 44.9
    assert session.tick(clock.now).actions == []
    clock.now += 0.2
    step = session.tick(clock.now)
    (action,) = step.actions
    assert isinstance(action, Reconnect) and action.gap and action.delay == 0
    assert action.reason == "no heartbeat"
    # The runner closes the socket and tells the session: the same reconnect stands.
    closed = session.on_closed(1000, "no heartbeat", clock.now)
    assert closed.actions == [action]
    # Same channel again (it still exists), no second PUT, then a WS resubscribe.
    target = await session.connect_target()
    assert target.url.endswith("channel1") and len(backend.puts) == 1
    reopened = session.on_open(clock.now)
    (frame,) = sent(reopened)
    assert frame["message"] == "subscribe" and frame["topics"] == [PRESENCE, ROUTING]
    reply = {"result": "200", "status": "subscribed", "correlationId": frame["correlationId"]}
    step = session.receive_text(json.dumps(reply), clock.now)
    assert isinstance(step.events[0], SubscriptionConfirmed)


async def test_socket_closing_requests_rollover_then_falls_back_to_reconnect() -> None:
    session, _, clock = await connected(ChannelSettings(closing_grace=50))
    closing = {"channelId": "streaming-0-channel1", "systemTopicType": "socket_closing"}
    step = session.receive_text(event("v2.system.socket_closing", closing), clock.now)
    kinds = [type(e) for e in step.events]
    assert kinds == [TopicEvent, RolloverRequested]
    rollover = step.events[1]
    assert rollover.error.reason is REASON.ChannelClosing
    assert step.actions == []  # the orchestrator opens the new channel first
    # Nobody rolled over within the grace: reconnect to the same channel by ourselves.
    clock.now += 30
    session.receive_text(HEARTBEAT, clock.now)
    clock.now += 20
    (action,) = session.tick(clock.now).actions
    assert isinstance(action, Reconnect) and action.delay == 0 and action.reason == "socket closing"


async def test_retired_session_ends_quietly_and_drops_frames() -> None:
    session, _, clock = await connected()
    step = session.retire()
    assert only(step, Close)
    assert session.receive_text(event(PRESENCE, {}), clock.now).events == []
    assert session.next_deadline() is None
    assert only(session.on_closed(1000, "", clock.now), Close)


async def test_lifetime_extension_resubscribes_before_expiry() -> None:
    session, _, clock = await connected(
        ChannelSettings(lifetime=1000, extend_margin=100, heartbeat_timeout=1e6)
    )
    # The PUT set a fresh 1000 s lifetime: extension is due 100 s before it ends.
    assert session.expires_at == pytest.approx(clock.now + 1000)
    clock.now += 899
    assert sent(session.tick(clock.now)) == []
    clock.now += 1
    (frame,) = sent(session.tick(clock.now))
    assert frame["message"] == "subscribe" and frame["topics"] == [PRESENCE, ROUTING]
    reply = {"result": "200", "status": "subscribed", "correlationId": frame["correlationId"]}
    session.receive_text(json.dumps(reply), clock.now)
    assert session.expires_at == pytest.approx(clock.now + 1000)


async def test_without_auto_extend_the_lifetime_end_requests_a_rollover() -> None:
    session, _, clock = await connected(
        ChannelSettings(lifetime=1000, extend_margin=100, heartbeat_timeout=1e6, auto_extend=False)
    )
    clock.now += 900
    step = session.tick(clock.now)
    assert sent(step) == []  # no extension
    (rollover,) = step.events
    assert isinstance(rollover, RolloverRequested) and rollover.channel_id == session.channel_id
    assert rollover.error.reason is REASON.ChannelExpired
    clock.now += 1
    assert session.tick(clock.now).events == []  # asked once


async def test_drain_pings_and_reports_when_the_pong_is_back() -> None:
    session, _, clock = await connected(ChannelSettings(heartbeat_timeout=1e6))
    step = session.drain(clock.now)
    assert sent(step) == [{"message": "ping"}] and step.events == []
    assert session.receive_text(event(PRESENCE, {"primary": True}), clock.now).events
    (drained,) = session.receive_text(PONG, clock.now).events
    assert isinstance(drained, Drained) and drained.channel_id == session.channel_id
    assert session.receive_text(PONG, clock.now).events == []  # once
    # a socket that ends while draining can send nothing more: drained too
    session.drain(clock.now)
    step = session.on_closed(None, "dropped", clock.now)
    assert any(isinstance(e, Drained) for e in step.events)
    # and without a socket there is nothing to wait for
    assert [type(e) for e in session.drain(clock.now).events] == [Drained]


async def test_a_channel_moves_on_before_its_token_expires() -> None:
    class TokenBackend(FakeBackend):
        left: float | None = 600.0

        def token_lifetime(self) -> float | None:
            return self.left

    backend = TokenBackend()
    session, _, clock = await connected(
        ChannelSettings(heartbeat_timeout=1e6, token_margin=30), backend=backend
    )
    assert session.next_deadline() == pytest.approx(clock.now + 570)
    clock.now += 569
    assert session.tick(clock.now).events == []
    clock.now += 1
    (rollover,) = session.tick(clock.now).events
    assert isinstance(rollover, RolloverRequested) and rollover.reason == TOKEN_EXPIRING
    # a short-lived token: half its life; a token that cannot be renewed: never
    backend.left = 40.0
    target = await session.connect_target()  # the channel is still usable: same one
    assert target.url.endswith("channel1")
    session2 = NotificationSession(backend, topics=[PRESENCE], clock=clock)
    await session2.connect_target()
    session2.on_open(clock.now)
    assert session2.next_deadline() == pytest.approx(clock.now + 20)
    backend.left = None
    session3 = NotificationSession(backend, topics=[PRESENCE], clock=clock)
    await session3.connect_target()
    session3.on_open(clock.now)
    assert session3._token_rollover_at is None


async def test_unconfirmed_extension_requests_rollover() -> None:
    session, _, clock = await connected(
        ChannelSettings(lifetime=1000, extend_margin=100, reply_timeout=7, heartbeat_timeout=1e6)
    )
    clock.now += 900
    assert sent(session.tick(clock.now))
    clock.now += 7
    step = session.tick(clock.now)
    problem, rollover = step.events
    assert isinstance(problem, ChannelProblem)
    assert isinstance(problem.error, LifetimeExtensionFailure)
    assert isinstance(rollover, RolloverRequested)


async def test_refused_extension_requests_rollover() -> None:
    session, _, clock = await connected(
        ChannelSettings(lifetime=1000, extend_margin=100, heartbeat_timeout=1e6)
    )
    clock.now += 900
    assert sent(session.tick(clock.now))
    refusal = {"result": "400", "status": "error", "message": "nope"}
    step = session.receive_text(json.dumps(refusal), clock.now)
    assert [type(e) for e in step.events] == [ChannelProblem, RolloverRequested]


async def test_expiry_without_extension_moves_to_a_new_channel() -> None:
    session, backend, clock = await connected(
        ChannelSettings(lifetime=1000, extend_margin=0, heartbeat_timeout=1e6)
    )
    clock.now += 1000
    step = session.tick(clock.now)
    assert any(isinstance(e, RolloverRequested) for e in step.events)
    session.on_closed(None, "dropped", clock.now)
    target = await session.connect_target()
    assert backend.created == 2 and target.url.endswith("channel2")
    assert backend.puts[-1] == ("streaming-0-channel2", [PRESENCE, ROUTING])


async def test_malformed_frames_are_reported_and_skipped() -> None:
    session, _, clock = await connected()
    for bad in ("not json", "[1,2]", '{"topicName": 7}', '{"topicName":"x","eventBody":'):
        (problem,) = session.receive_text(bad, clock.now).events
        assert isinstance(problem, ChannelProblem)
        assert isinstance(problem.error, ReceiveFailure)
        assert problem.error.reason is REASON.InvalidMessage
        assert problem.frame == bad[:512]
    # A body that does not fit its type arrives as plain JSON, not dropped.
    (loose,) = session.receive_text(event(ROUTING, {"routingStatus": 5}), clock.now).events
    assert isinstance(loose, TopicEvent) and not loose.typed
    assert loose.body == {"routingStatus": 5}
    (good,) = session.receive_text(
        event(ROUTING, {"id": UID, "routingStatus": {"status": "IDLE"}}), clock.now
    ).events
    assert isinstance(good.body, RoutingStatusBody) and good.body.routing_status is not None
    assert good.body.routing_status.status == "IDLE"


async def test_unknown_topics_and_enum_values_survive() -> None:
    session, _, clock = await connected()
    body = {"routingStatus": {"status": "BRAND_NEW_STATUS"}}
    (ev,) = session.receive_text(event(ROUTING, body), clock.now).events
    assert ev.body.routing_status.status == "BRAND_NEW_STATUS"
    (other,) = session.receive_text(event(f"v2.widgets.{UID}.spin", {"a": 1}), clock.now).events
    assert other.family == "v2.widgets.{id}.spin" and other.body == {"a": 1} and not other.typed


async def test_channel_404_reply_moves_to_a_new_channel() -> None:
    session, backend, clock = await connected()
    step = session.receive_text('{"result":"404","message":"channel gone"}', clock.now)
    (problem,) = step.events
    assert isinstance(problem.error, ChannelFailure) and "channel gone" in str(problem.error)
    (action,) = step.actions
    assert isinstance(action, Reconnect) and action.delay == 0 and action.gap
    session.on_closed(1000, "", clock.now)
    target = await session.connect_target()
    assert target.url.endswith("channel2") and backend.created == 2


async def test_subscription_failure_is_reported_not_fatal() -> None:
    session, _, clock = await connected()
    step = session.subscribe(["v2.users.x.presence"], clock.now)
    assert sent(step)
    reply = {"result": "400", "status": "failure", "message": "Missing permission"}
    step = session.receive_text(json.dumps(reply), clock.now)
    (problem,) = step.events
    assert isinstance(problem.error, SubscriptionFailure) and step.actions == []


async def test_token_revoked_renews_credentials_and_takes_a_new_channel() -> None:
    session, backend, clock = await connected()
    revoked = {"systemTopicType": "token_revoked", "reason": "user_tokens_revoked"}
    step = session.receive_text(event(f"v2.system.token_revoked.{UID}", revoked), clock.now)
    (action,) = step.actions
    assert isinstance(action, Reconnect) and action.delay == 0
    session.on_closed(1000, "", clock.now)
    await session.connect_target()
    assert backend.renewed == 1 and backend.created == 2


async def test_token_revoked_without_renewal_fails_the_stream() -> None:
    session, _, clock = await connected(backend=FakeBackend(can_renew=False))
    step = session.receive_text(event(f"v2.system.token_revoked.{UID}", {}), clock.now)
    (action,) = step.actions
    assert isinstance(action, Fail) and isinstance(action.error, TokenExpiredError)


async def test_normal_close_by_service_means_channel_taken_over() -> None:
    session, backend, clock = await connected()
    step = session.on_closed(1000, "", clock.now)
    assert isinstance(step.events[0], ChannelProblem)
    (action,) = step.actions
    assert isinstance(action, Reconnect) and action.delay == 0
    await session.connect_target()
    assert backend.created == 2


async def test_drop_reconnects_same_channel_with_backoff() -> None:
    session, backend, clock = await connected()
    (action,) = session.on_closed(None, "lost", clock.now).actions
    assert isinstance(action, Reconnect) and action.delay is None and action.gap
    await session.connect_target()
    assert backend.created == 1


async def test_failed_handshakes_check_the_channel_then_replace_it() -> None:
    backend = FakeBackend(exists=False)
    session, _, clock = await connected(backend=backend)
    session.on_closed(None, "lost", clock.now)
    await session.connect_target()  # the attempt that will fail to open
    target = await session.connect_target()  # never opened: HEAD says gone → new channel
    assert backend.heads == ["streaming-0-channel1"]
    assert target.url.endswith("channel2")


async def test_ping_health_check_and_missing_pong() -> None:
    session, _, clock = await connected(ChannelSettings(ping_interval=10, pong_timeout=7))
    clock.now += 10
    (frame,) = sent(session.tick(clock.now))
    assert frame == {"message": "ping"}
    session.receive_text(PONG, clock.now + 1)
    clock.now += 10
    assert sent(session.tick(clock.now)) == [{"message": "ping"}]
    clock.now += 7
    (action,) = session.tick(clock.now).actions
    assert isinstance(action, Reconnect) and action.reason == "no pong"


async def test_subscribe_and_unsubscribe_over_socket() -> None:
    session, _, clock = await connected()
    topic = f"v2.users.{UID}.activity"
    (frame,) = sent(session.subscribe([topic, "channel.metadata", PRESENCE], clock.now))
    assert frame["topics"] == [topic]  # system and already-held topics are not sent
    (frame,) = sent(session.unsubscribe([topic], clock.now))
    assert frame == {"message": "unsubscribe", "topics": [topic]}
    assert list(session.topics) == [PRESENCE, ROUTING]


def test_decode_frame_tolerates_spacing_and_key_order() -> None:
    spaced = json.dumps({"topicName": PRESENCE, "eventBody": {"primary": True}})
    assert decode_frame(spaced).typed
    reordered = json.dumps({"eventBody": {"topicName": "x"}, "topicName": ROUTING})
    decoded = decode_frame(reordered)
    assert decoded.topic == ROUTING and decoded.typed


def test_a_known_topic_name_in_the_wrong_place_does_not_misroute_a_frame() -> None:
    # Bytes 14.. of a compact frame are looked up as a topic name without checking the
    # layout; a frame of another layout that has a known name there must still decode as
    # what it is: its decoded topicName decides.
    compact = json.dumps(
        {"topicName": PRESENCE, "eventBody": {"primary": True}}, separators=(",", ":")
    )
    assert decode_frame(compact.encode()).topic == PRESENCE  # the name is now known
    lure = f'{{"eventBody":"{PRESENCE}","topicName":"{ROUTING}"}}'.encode()
    assert lure[14:].startswith(PRESENCE.encode())
    decoded = decode_frame(lure)
    assert decoded.topic == ROUTING and decoded.family == "v2.users.{id}.routingStatus"
    assert decoded.body == PRESENCE and not decoded.typed  # kept as the plain JSON it is
    spaced = json.dumps({"topicName": PRESENCE, "eventBody": {"primary": False}}).encode()
    again = decode_frame(spaced)
    assert again.topic == PRESENCE and again.typed and again.body.primary is False
    truncated = compact.encode()[:40]  # no closing quote: not a crash, a problem report
    assert isinstance(decode_frame(truncated), ChannelProblem)


def test_session_methods_never_raise_on_garbage() -> None:
    session = NotificationSession(FakeBackend(), clock=Clock())
    session.on_open(0.0)
    for garbage in ("", "{", "null", '"x"', "{}", '{"result": []}', "\x00" * 10):
        step = session.receive_text(garbage, 1.0)
        assert isinstance(step, Step)
    asyncio.run(asyncio.sleep(0))


@pytest.mark.parametrize(
    "changes",
    [
        {"protocol_ping_interval": 0},
        {"heartbeat_timeout": -1.0},
        {"pong_timeout": float("inf")},
        {"ping_interval": "soon"},
        {"lifetime": True},
    ],
)
def test_bad_channel_settings_are_config_errors(changes: dict[str, Any]) -> None:
    from cxkit.errors import ConfigError

    with pytest.raises(ConfigError, match=r"genesys\.channel\."):
        ChannelSettings(**changes)


def test_channel_settings_allow_no_pings_and_zero_margins() -> None:
    settings = ChannelSettings(ping_interval=None, protocol_ping_interval=None, token_margin=0)
    assert settings.protocol_ping_interval is None
    assert ChannelSettings().protocol_ping_interval == 60.0  # moderate, not one per second
