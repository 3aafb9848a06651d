"""Genesys notifications normalised into the unified events, end to end: the emulator's
tenant changes state, its topic events travel over a real channel, and the Normalizer turns
them into AgentStateChanged, Interaction* and QueueStatisticsUpdated events."""

from __future__ import annotations

import asyncio
from typing import Any

from cxkit.events import (
    AgentState,
    AgentStateChanged,
    BaseEvent,
    InteractionEnded,
    InteractionStarted,
    QueueStatisticsUpdated,
)
from cxkit.genesys import topics
from cxkit.genesys.client import GenesysClient
from cxkit.genesys.events import TopicEvent
from cxkit.genesys.normalize import Normalizer
from cxkit.genesys.notifications import NotificationHub

from .conftest import FAST_RECONNECT, Admin


async def test_presence_routing_calls_and_observations_become_unified_events(
    client: GenesysClient, admin: Admin
) -> None:
    state = await admin.state()
    queue = state["queues"][0]
    uid = next(iter(queue["members"]))
    normalizer = Normalizer(tenant=state["org"]["id"])
    unified: list[BaseEvent] = []
    untyped: list[str] = []
    ended = asyncio.Event()

    def normalize(event: TopicEvent[Any]) -> None:
        if not event.typed:
            untyped.append(event.topic)
        for item in normalizer.normalize(event):
            unified.append(item)
            if isinstance(item, InteractionEnded):
                ended.set()

    async with NotificationHub(client, reconnect=FAST_RECONNECT) as hub:
        hub.on("topic", normalize)
        await hub.subscribe(
            [
                topics.user_presence(uid),
                topics.user_routing_status(uid),
                topics.queue_conversations(queue["id"]),
                topics.queue_observations(queue["id"]),
            ]
        )
        await admin("set_presence", {"user_id": uid, "presence": "On Queue"})
        await admin("set_routing_status", {"user_id": uid, "status": "IDLE"})
        offered = await admin("offer_call", {"queue_id": queue["id"], "user_id": uid})
        conversation_id = offered["conversation"]["id"]
        await admin("answer_call", {"conversation_id": conversation_id})
        await admin("end_call", {"conversation_id": conversation_id})
        await asyncio.wait_for(ended.wait(), 5)

    assert untyped == []  # every body the emulator sent fits its typed model
    agent = [e for e in unified if isinstance(e, AgentStateChanged)]
    assert {e.agent_id for e in agent} == {uid}
    states = [e.state for e in agent]
    assert AgentState.READY in states
    assert AgentState.ON_INTERACTION in states[states.index(AgentState.READY) :]
    started = [e for e in unified if isinstance(e, InteractionStarted)]
    finished = [e for e in unified if isinstance(e, InteractionEnded)]
    assert [e.interaction_id for e in started] == [conversation_id]  # once, however many
    assert [e.interaction_id for e in finished] == [conversation_id]  # conversation events
    assert started[0].agent_id == uid and started[0].queue_id == queue["id"]
    assert started[0].media == "voice" and started[0].ani
    assert finished[0].duration_seconds is not None and finished[0].duration_seconds >= 0
    statistics = [e for e in unified if isinstance(e, QueueStatisticsUpdated)]
    assert statistics and {e.queue_id for e in statistics} == {queue["id"]}
    assert any((e.calls_waiting or 0) >= 1 for e in statistics)  # the offered call waited
