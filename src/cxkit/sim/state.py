"""The engine's mutable runtime entities (internal; read them through snapshots).

Plain ``__slots__`` classes with int-coded states, because the hot path touches them a few
million times per simulated hour at full scale.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Final

from cxkit.events import AgentState
from cxkit.sim.spec import AgentGroupSpec, QueueSpec
from cxkit.sim.window import SlidingWindow

__all__ = [
    "ACW",
    "AGENT_STATES",
    "DONE",
    "LOGGED_OUT",
    "NOT_READY",
    "ON_CALL",
    "READY",
    "TALKING",
    "WAITING",
    "WRAP",
    "Agent",
    "Call",
    "Group",
    "Queue",
]

Sampler = Callable[[], float]

# Agent states, as indexes into per-queue counter lists.
LOGGED_OUT, READY, NOT_READY, ON_CALL, ACW = range(5)
AGENT_STATES: Final = (
    AgentState.LOGGED_OUT,
    AgentState.READY,
    AgentState.NOT_READY,
    AgentState.ON_INTERACTION,
    AgentState.AFTER_WORK,
)

# Call states.
WAITING, TALKING, WRAP, DONE = range(4)


class Call:
    """A live call."""

    __slots__ = ("agent", "answered_at", "id", "offered_at", "queue", "state", "talk")

    def __init__(self, call_id: str, queue: Queue, offered_at: float) -> None:
        self.id = call_id
        self.queue = queue
        self.offered_at = offered_at
        self.state = WAITING
        self.agent: Agent | None = None
        self.answered_at = 0.0
        self.talk = 0.0


class Queue:
    """A queue: arrival process, waiting calls, idle skilled agents, counters."""

    __slots__ = (
        "abandoned",
        "answered",
        "arrival_gen",
        "base_rate",
        "by_state",
        "dnis",
        "factors",
        "handle_count",
        "handle_sum",
        "handled",
        "id",
        "idle",
        "index",
        "name",
        "offered",
        "patience",
        "rate",
        "sl",
        "talk",
        "talking",
        "threshold",
        "wait_sum",
        "waiting",
        "wrap",
    )

    def __init__(
        self,
        index: int,
        queue_id: str,
        *,
        spec: QueueSpec,
        dnis: str,
        samplers: tuple[Sampler, Sampler, Sampler | None],
        sl_window: float,
    ) -> None:
        self.index = index
        self.id = queue_id
        self.name = spec.name
        self.dnis = dnis
        self.base_rate = spec.calls_per_hour / 3600.0  # calls per simulated second
        self.rate = self.base_rate
        self.factors: dict[int, float] = {}  # active spikes: script index -> factor
        self.arrival_gen = 0  # bumped to cancel the pending arrival when the rate changes
        self.talk, self.wrap, self.patience = samplers
        self.threshold = float(spec.service_level_threshold)
        # Waiting calls in arrival order. Invariant: the head is always a WAITING call
        # (abandoned calls deeper in are skipped lazily when they reach the head).
        self.waiting: deque[Call] = deque()
        # Ready skilled agents in the order they became ready (time never goes back, so
        # appending keeps it sorted by idle-since). Entries are (agent, ready_gen); an
        # entry is stale once the agent left READY (lazy deletion across all its queues).
        self.idle: deque[tuple[Agent, int]] = deque()
        self.by_state = [0, 0, 0, 0, 0]  # skilled agents per state
        self.talking = 0
        self.offered = self.answered = self.abandoned = self.handled = 0
        self.handle_sum = 0.0
        self.handle_count = 0
        self.wait_sum = 0.0
        self.sl = SlidingWindow(sl_window)

    def set_rate_from_factors(self) -> None:
        """Recompute the arrival rate from the base rate and the active spikes."""
        rate = self.base_rate
        for factor in self.factors.values():
            rate *= factor
        self.rate = rate


class Group:
    """An agent group's behaviour, compiled."""

    __slots__ = ("agents", "break_length", "break_rate", "name", "off_length", "shift", "spec")

    def __init__(
        self,
        spec: AgentGroupSpec,
        shift: Sampler | None,
        off_length: Sampler | None,
        break_length: Sampler,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.shift = shift
        self.off_length = off_length
        self.break_length = break_length
        self.break_rate = spec.breaks_per_hour / 3600.0
        self.agents: list[Agent] = []


class Agent:
    """An agent: state, reason, call, and the intents that decide its next free state."""

    __slots__ = (
        "break_gen",
        "break_reason",
        "break_running",
        "call",
        "call_gen",
        "group",
        "hold",
        "hold_token",
        "id",
        "index",
        "logout_reason",
        "on_shift",
        "queues",
        "ready_gen",
        "reason",
        "shift_gen",
        "since",
        "state",
    )

    def __init__(self, index: int, agent_id: str, group: Group, queues: tuple[Queue, ...]) -> None:
        self.index = index
        self.id = agent_id
        self.group = group
        self.queues = queues
        self.state = LOGGED_OUT
        self.reason: str | None = None
        self.since = 0.0
        self.call: Call | None = None
        self.call_gen = 0  # stamps talk-end / wrap-end events; bumped when ended early
        self.ready_gen = 0  # stamps idle-deque entries (lazy deletion)
        self.on_shift = False
        self.shift_gen = 0  # stamps login/logout events; bumped to cancel them
        self.logout_reason: str | None = None
        self.hold: str | None = None  # scripted not-ready reason
        self.hold_token = -1  # which script action set the hold
        self.break_reason: str | None = None  # wanted or running break
        self.break_running = False
        self.break_gen = 0  # stamps break events; bumped at logout to cancel them
