"""Genesys topic events → unified events."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from cxkit.events import (
    AgentState,
    AgentStateChanged,
    BaseEvent,
    InteractionEnded,
    InteractionStarted,
    InteractionUpdated,
    QueueStatisticsUpdated,
    RawEvent,
    StreamGap,
    utcnow,
)
from cxkit.genesys.normalize import Normalizer, agent_state
from cxkit.genesys.protocol import decode_frame

UID = "5f0a1c2e-7b3d-4e8f-9a10-c0ffee000001"
QID = "9a9a9a9a-7b3d-4e8f-9a10-c0ffee000001"
# system presence definition ids: the same in every Genesys Cloud org
OFFLINE = "ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5"
AWAY = "5e5c5c66-ea97-4e7f-ac41-6424784829f2"


def frame(topic: str, body: dict[str, Any]) -> Any:
    return decode_frame(json.dumps({"topicName": topic, "eventBody": body}))


def test_agent_state_table() -> None:
    assert agent_state("Offline", "IDLE") == (AgentState.LOGGED_OUT, None)
    assert agent_state("On Queue", "IDLE") == (AgentState.READY, None)
    assert agent_state("On Queue", "INTERACTING") == (AgentState.ON_INTERACTION, None)
    assert agent_state("On Queue", "NOT_RESPONDING") == (AgentState.NOT_READY, "NOT_RESPONDING")
    assert agent_state("Break", "OFF_QUEUE") == (AgentState.NOT_READY, "Break")
    assert agent_state(None, None) == (AgentState.UNKNOWN, None)


def test_presence_and_routing_combine_per_agent() -> None:
    n = Normalizer(tenant="org")
    (first,) = n.normalize(
        frame(f"v2.users.{UID}.presence", {"presenceDefinition": {"systemPresence": "On Queue"}})
    )
    assert isinstance(first, AgentStateChanged) and first.state is AgentState.READY
    assert first.agent_id == UID and first.tenant == "org" and first.previous_state is None
    (second,) = n.normalize(
        frame(f"v2.users.{UID}.routingStatus", {"routingStatus": {"status": "INTERACTING"}})
    )
    assert second.state is AgentState.ON_INTERACTION
    assert second.previous_state is AgentState.READY


def call(state: str, *, agent_end: bool = False) -> dict[str, Any]:
    agent: dict[str, Any] = {
        "id": "p2",
        "purpose": "agent",
        "userId": UID,
        "calls": [{"state": state, "direction": "inbound"}],
    }
    if agent_end:
        agent["endTime"] = "2026-01-01T10:05:00.000Z"
    if state == "connected":
        agent["connectedTime"] = "2026-01-01T10:00:00.000Z"
    customer = {
        "id": "p1",
        "purpose": "customer",
        "ani": "tel:+1555",
        "dnis": "tel:+1800",
        "calls": [{"state": "disconnected" if agent_end else "connected", "direction": "inbound"}],
    }
    if agent_end:
        customer["endTime"] = "2026-01-01T10:05:00.000Z"
    acd = {"id": "p3", "purpose": "acd", "queueId": QID, "endTime": "2026-01-01T10:00:00.000Z"}
    return {"id": "conv1", "participants": [customer, acd, agent]}


def test_conversation_lifecycle_started_once_ended_once() -> None:
    n = Normalizer()
    topic = f"v2.users.{UID}.conversations.calls"
    (alerting,) = n.normalize(frame(topic, call("alerting")))
    assert isinstance(alerting, InteractionUpdated) and alerting.state == "alerting"
    (started,) = n.normalize(frame(topic, call("connected")))
    assert isinstance(started, InteractionStarted)
    assert (started.agent_id, started.queue_id, started.ani, started.media) == (
        UID,
        QID,
        "tel:+1555",
        "voice",
    )
    (again,) = n.normalize(frame(topic, call("connected")))
    assert isinstance(again, InteractionUpdated)
    (ended,) = n.normalize(frame(topic, call("disconnected", agent_end=True)))
    assert isinstance(ended, InteractionEnded) and ended.interaction_id == "conv1"
    assert n.normalize(frame(topic, call("disconnected", agent_end=True))) == []


def test_observations_to_queue_statistics() -> None:
    body = {
        "group": {"queueId": QID, "mediaType": "voice"},
        "data": [
            {
                "interval": "x",
                "metrics": [
                    {"metric": "oWaiting", "stats": {"count": 3}},
                    {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": 2}},
                    {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": 4}},
                    {"metric": "oOffQueueUsers", "qualifier": AWAY, "stats": {"count": 1}},
                    # logged-off members: counted under the Offline presence, not not-ready
                    {"metric": "oOffQueueUsers", "qualifier": OFFLINE, "stats": {"count": 5}},
                    {"metric": "oActiveUsers", "stats": {"count": 12}},
                    {"metric": "oLongestWaiting", "stats": {"calculatedMetricValue": 42000}},
                ],
            }
        ],
    }
    (stats,) = Normalizer().normalize(frame(f"v2.analytics.queues.{QID}.observations", body))
    assert isinstance(stats, QueueStatisticsUpdated)
    assert (stats.queue_id, stats.calls_waiting, stats.agents_ready) == (QID, 3, 2)
    assert (stats.agents_on_interaction, stats.agents_not_ready) == (4, 1)
    # logged in = on queue + off queue but not Offline (oActiveUsers counts joined members)
    assert stats.agents_logged_in == 7
    assert stats.longest_wait_seconds == 42.0


def test_a_queue_whose_members_are_all_offline_has_none_logged_in() -> None:
    # The service leaves zero counts out: only the Offline row and oActiveUsers come.
    metrics = [
        {"metric": "oOffQueueUsers", "qualifier": OFFLINE, "stats": {"count": 9}},
        {"metric": "oActiveUsers", "stats": {"count": 9}},
    ]
    body = {"group": {"queueId": QID}, "data": [{"interval": "x", "metrics": metrics}]}
    (stats,) = Normalizer().normalize(frame(f"v2.analytics.queues.{QID}.observations", body))
    assert isinstance(stats, QueueStatisticsUpdated)
    # absent qualifiers are zero, not unknown: a board keeping the last known figures must
    # not go on showing the last Away agent
    figures = (stats.agents_logged_in, stats.agents_not_ready, stats.agents_ready)
    assert figures == (0, 0, 0) and stats.agents_on_interaction == 0


def test_without_per_user_metrics_joined_members_stand_in_for_logged_in() -> None:
    metrics = [{"metric": "oActiveUsers", "stats": {"count": 9}}]
    body = {"group": {"queueId": QID}, "data": [{"interval": "x", "metrics": metrics}]}
    (stats,) = Normalizer().normalize(frame(f"v2.analytics.queues.{QID}.observations", body))
    assert isinstance(stats, QueueStatisticsUpdated) and stats.agents_logged_in == 9


def test_the_same_notification_normalizes_to_the_same_bridge_id_anywhere() -> None:
    # Two bridges (or a restarted one) receiving one notification must give it one id: the
    # unified event is stamped from the body, never with the time of receipt.
    from cxkit.bridge.envelope import EventIds

    observation = frame(
        f"v2.analytics.queues.{QID}.observations",
        {
            "group": {"queueId": QID},
            "data": [
                {
                    "interval": "2026-01-01T10:00:00.000Z/2026-01-01T10:00:01.000Z",
                    "metrics": [{"metric": "oWaiting", "stats": {"count": 3}}],
                }
            ],
        },
    )
    update = frame(f"v2.users.{UID}.conversations.calls", call("alerting"))
    (stats,) = Normalizer().normalize(observation)
    assert stats.occurred_at == dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)
    (updated,) = Normalizer().normalize(update)
    assert isinstance(updated, InteractionUpdated)
    # the last moment the body records: the ACD participant's end
    assert updated.occurred_at == dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)
    first, second = EventIds(), EventIds()
    for event in (observation, update):
        (a,), (b,) = Normalizer().normalize(event), Normalizer().normalize(event)
        assert first.envelope(a).id == second.envelope(b).id
    # an interval that does not parse falls back to the time of receipt
    bad = frame(
        f"v2.analytics.queues.{QID}.observations",
        {"group": {"queueId": QID}, "data": [{"interval": "x", "metrics": []}]},
    )
    (fallback,) = Normalizer().normalize(bad)
    assert fallback.occurred_at > dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_unmapped_topics_become_raw_events() -> None:
    (raw,) = Normalizer().normalize(frame(f"v2.users.{UID}.tokens", {"x": 1}))
    assert isinstance(raw, RawEvent) and raw.type == "v2.users.{id}.tokens"
    assert raw.payload == {"x": 1}
    # a typed body without a unified mapping arrives as plain JSON too
    body = {"associatedStation": {"id": "s1"}}
    (station,) = Normalizer().normalize(frame(f"v2.users.{UID}.station", body))
    assert isinstance(station, RawEvent) and station.payload == body
    # a detail event keeps its own time (epoch milliseconds)
    detail = {"eventTime": 1767261600000, "conversationId": "c1"}
    (start,) = Normalizer().normalize(
        frame("v2.detail.events.conversation.c1.customer.start", detail)
    )
    assert start.occurred_at == dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)


def test_every_event_of_a_hub_can_be_normalized() -> None:
    normalizer = Normalizer(tenant="org")
    gap = StreamGap(
        vendor="genesys",
        occurred_at=utcnow(),
        stream="genesys.hub",
        since=utcnow(),
        until=utcnow(),
    )
    assert normalizer.normalize(gap) == [gap]  # already unified: as is
    problem = decode_frame("{not json")
    assert not isinstance(problem, BaseEvent)
    assert normalizer.normalize(problem) == []  # a channel problem maps to nothing


def test_a_longest_wait_reported_without_a_value_means_nothing_waits() -> None:
    metrics = [
        {"metric": "oWaiting", "stats": {"count": 0}},
        {"metric": "oLongestWaiting", "stats": {"count": 0}},
    ]
    body = {"group": {"queueId": QID}, "data": [{"interval": "x", "metrics": metrics}]}
    (stats,) = Normalizer().normalize(frame(f"v2.analytics.queues.{QID}.observations", body))
    assert isinstance(stats, QueueStatisticsUpdated)
    assert (stats.calls_waiting, stats.longest_wait_seconds) == (0, 0.0)
