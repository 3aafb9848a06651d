"""Read-only snapshots of the simulation: per queue, per agent, per live call, whole center.

All are frozen msgspec Structs (encode them straight to JSON for a wallboard). Queue and
center figures are kept incrementally by the engine, so a snapshot costs O(1), not O(agents).

Counts named ``offered``, ``answered``, ``abandoned`` and ``handled`` are cumulative since
t=0; ``service_level`` is over the sliding window (``SimConfig.service_level_window``):
calls answered within the queue's threshold divided by calls whose wait ended in the window
(answered or abandoned); None while no call's wait ended in the window.
"""

from __future__ import annotations

import enum

import msgspec

from cxkit.events import AgentState

__all__ = ["AgentSnapshot", "CallSnapshot", "CallState", "CenterSnapshot", "QueueSnapshot"]


class CallState(enum.StrEnum):
    """Where a live call is."""

    WAITING = "waiting"
    TALKING = "talking"
    WRAP_UP = "wrap_up"


class QueueSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """One queue's figures at ``at``.

    ``agents`` counts the agents *skilled* for the queue by state (an agent with three
    skills counts in three queues). ``average_handle_time`` is talk + wrap of completed
    calls; ``average_speed_of_answer`` the mean wait of answered calls.
    """

    queue_id: str
    name: str
    at: float
    calls_waiting: int
    longest_wait: float
    calls_talking: int
    agents: dict[AgentState, int]
    offered: int
    answered: int
    abandoned: int
    handled: int
    service_level: float | None
    service_level_answered: int
    service_level_calls: int
    average_handle_time: float | None
    average_speed_of_answer: float | None


class CenterSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """Whole-center figures at ``at`` (agents counted once each)."""

    at: float
    calls_waiting: int
    calls_talking: int
    agents: dict[AgentState, int]
    offered: int
    answered: int
    abandoned: int
    handled: int
    service_level: float | None
    average_handle_time: float | None


class AgentSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """One agent's state, its reason (not ready / logout), since when, and its call."""

    agent_id: str
    state: AgentState
    reason: str | None
    since: float
    call_id: str | None
    queue_id: str | None


class CallSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A live call (waiting, talking or in the agent's wrap-up)."""

    call_id: str
    queue_id: str
    state: CallState
    offered_at: float
    answered_at: float | None
    agent_id: str | None
