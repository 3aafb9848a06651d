"""The discrete-event engine: a heap of timed events, processed in time order.

:class:`Simulation` is pure and clock-driven: no asyncio, no wall clock, no I/O. Time moves
only when the caller says so (:meth:`Simulation.advance_to`, :meth:`Simulation.step`), so a
test runs an hour in milliseconds and the demo runs in real time through
:mod:`cxkit.sim.realtime`. Every source of randomness is its own ``random.Random`` seeded
from the config's seed (arrivals, service times, patience, agent behaviour, ids), so the
same config always produces the same records, whoever observes them.

Routing: a call goes to the longest-idle ready agent skilled for its queue; an agent that
becomes ready takes the longest-waiting call among its queues. Each queue keeps its ready
agents in a deque ordered by idle-since (time never goes back, so appending keeps the
order), stamped with the agent's ``ready_gen``; an agent leaving Ready makes its entries in
all its queues stale at once, and stale entries are dropped when they reach the head (or by
a compaction when a quiet queue's deque grows past twice its ready agents).

Agent states follow intents: on shift or not, a scripted hold, a wanted break. Whenever an
agent is free (not on a call or in wrap-up) it is *settled* into the state its intents
call for: logged out, not ready (hold before break), or ready. A busy agent settles when
its wrap-up ends, as real agents finish the call before their break.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from cxkit.errors import UsageError
from cxkit.events import AgentState
from cxkit.sim.directory import Directory, build_directory
from cxkit.sim.distributions import sampler
from cxkit.sim.records import (
    AgentStateChange,
    CallAnswered,
    CallCompleted,
    CallEnded,
    CallOffered,
    CallQueued,
    ChangeRecord,
    Disposition,
    ScriptApplied,
)
from cxkit.sim.script import Logout, NotReady, Ready, ScriptAction, Spike
from cxkit.sim.snapshots import (
    AgentSnapshot,
    CallSnapshot,
    CallState,
    CenterSnapshot,
    QueueSnapshot,
)
from cxkit.sim.spec import CenterSpec, SimConfig
from cxkit.sim.state import (
    ACW,
    AGENT_STATES,
    DONE,
    LOGGED_OUT,
    NOT_READY,
    ON_CALL,
    READY,
    TALKING,
    WAITING,
    WRAP,
    Agent,
    Call,
    Group,
    Queue,
)
from cxkit.sim.window import SlidingWindow

__all__ = ["Observer", "Simulation"]

log = logging.getLogger("cxkit.sim")

Observer = Callable[[ChangeRecord], None]
"""A callable receiving every change record, synchronously, in time order."""

# Event kinds (heap entries are (time, seq, kind, subject, token)).
(
    _ARRIVAL,
    _ABANDON,
    _TALK_END,
    _WRAP_END,
    _LOGIN,
    _LOGOUT,
    _BREAK_WANTED,
    _BREAK_END,
    _SCRIPT,
    _SCRIPT_END,
) = range(10)

_CALL_STATES = {WAITING: CallState.WAITING, TALKING: CallState.TALKING, WRAP: CallState.WRAP_UP}
_ANI_SPAN = 7_999_999_999  # ANIs are +1 followed by 2000000000..9999999998
# A shift and the time off between two shifts last at least this long (seconds): with a
# zero-length shift and time off (Fixed(0), or a draw that rounds to nothing) an agent would
# log out and in again at one instant forever, and the clock would never move on.
_MIN_PERIOD = 1.0


def _at_least(floor: float, draw: Callable[[], float]) -> Callable[[], float]:
    """``draw``, never below ``floor``."""
    return lambda: max(floor, draw())


class Simulation:
    """One simulated contact center.

    Args:
        config: the center and the run settings.

    Attributes:
        config: the :class:`SimConfig` it runs.
        directory: agents, queues and reason codes with their vendor ids.
        epoch: wall-clock epoch seconds of t=0 (``epoch + record.at`` stamps vendor times).
    """

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.directory: Directory = build_directory(config)
        self.epoch = float(config.epoch)
        center = config.center
        seed = config.seed

        def stream(name: str) -> random.Random:
            # str seeds are hashed with SHA-512, independent of PYTHONHASHSEED.
            return random.Random(f"cxkit.sim:{seed}:{name}")

        self._arrival_rng = stream("arrivals")
        service_rng = stream("service")
        patience_rng = stream("patience")
        self._agent_rng = stream("agents")
        self._id_rng = stream("call-ids")

        self._now = 0.0
        self._heap: list[tuple[float, int, int, Any, int]] = []
        self._seq = itertools.count()
        self._observers: list[Observer] = []
        self._busy = False
        self.events_processed = 0
        """Events taken off the heap so far (including cancelled ones)."""
        self.observer_errors = 0
        """Exceptions raised by observers (each logged and skipped)."""

        self._queues = [
            Queue(
                i,
                info.id,
                spec=spec,
                dnis=info.dnis,
                samplers=(
                    sampler(spec.talk, service_rng),
                    sampler(spec.wrap, service_rng),
                    sampler(spec.patience, patience_rng) if spec.patience is not None else None,
                ),
                sl_window=config.service_level_window,
            )
            for i, (spec, info) in enumerate(zip(center.queues, self.directory.queues, strict=True))
        ]
        self._queue_by_id = {q.id: q for q in self._queues}
        self._queue_by_name = {q.name: q for q in self._queues}
        self._groups: list[Group] = []
        self._agents: list[Agent] = []
        infos = iter(self.directory.agents)
        for spec in center.groups:
            group = Group(
                spec,
                _at_least(_MIN_PERIOD, sampler(spec.shift_length, self._agent_rng))
                if spec.shift_length
                else None,
                _at_least(_MIN_PERIOD, sampler(spec.off_length, self._agent_rng))
                if spec.off_length
                else None,
                sampler(spec.break_length, self._agent_rng),
            )
            queues = tuple(self._queue_by_name[name] for name in spec.skills)
            for _ in range(spec.count):
                info = next(infos)
                agent = Agent(info.index, info.id, group, queues)
                group.agents.append(agent)
                self._agents.append(agent)
                for q in queues:
                    q.by_state[LOGGED_OUT] += 1
            self._groups.append(group)
        self._agent_by_id = {a.id: a for a in self._agents}
        self._group_by_name = {g.name: g for g in self._groups}
        self._calls: dict[str, Call] = {}

        # Center-wide counters (agents counted once).
        self._by_state = [len(self._agents), 0, 0, 0, 0]
        self._waiting = 0
        self._talking = 0
        self._offered = self._answered = self._abandoned = self._handled = 0
        self._handle_sum = 0.0
        self._handle_count = 0
        self._sl = SlidingWindow(config.service_level_window)

        self._handlers: tuple[Callable[[Any, int], None], ...] = (
            self._on_arrival,
            self._on_abandon,
            self._on_talk_end,
            self._on_wrap_end,
            self._on_login,
            self._on_logout,
            self._on_break_wanted,
            self._on_break_end,
            self._on_script,
            self._on_script_end,
        )
        self._script: tuple[ScriptAction, ...] = center.script

        for q in self._queues:
            self._schedule_arrival(q)
        for group in self._groups:
            spec = group.spec
            for agent in group.agents:
                offset = self._agent_rng.uniform(0.0, spec.login_spread) if spec.login_spread else 0
                self._push(spec.login_at + offset, _LOGIN, agent, agent.shift_gen)
        for index, action in enumerate(self._script):
            self._push(action.at, _SCRIPT, index, 0)

    @classmethod
    def from_center(cls, center: CenterSpec, *, seed: int = 0, **settings: Any) -> Simulation:
        """Build a simulation of ``center`` with ``seed`` (and other :class:`SimConfig`
        settings as keywords)."""
        return cls(SimConfig(center=center, seed=seed, **settings))

    # ------------------------------------------------------------------ time

    @property
    def now(self) -> float:
        """Simulated seconds since t=0."""
        return self._now

    @property
    def next_event_at(self) -> float | None:
        """When the next scheduled event is due (None if nothing is scheduled)."""
        return self._heap[0][0] if self._heap else None

    def wall_time(self, at: float | None = None) -> float:
        """Wall-clock epoch seconds of simulated time ``at`` (default: now)."""
        return self.epoch + (self._now if at is None else at)

    def advance_to(self, t: float) -> int:
        """Process every event due at or before ``t`` in time order, then set the clock to
        ``t``. Returns the number of events processed. Raises :class:`UsageError` if ``t``
        is in the past or when called from inside an observer."""
        if t < self._now:
            raise UsageError(f"cannot move the simulation back from {self._now} to {t}")
        if self._busy:
            raise UsageError("advance_to() called from inside an observer")
        self._busy = True
        heap = self._heap
        handlers = self._handlers
        pop = heapq.heappop
        processed = 0
        try:
            while heap and heap[0][0] <= t:
                at, _, kind, subject, token = pop(heap)
                self._now = at
                handlers[kind](subject, token)
                processed += 1
            self._now = t
        finally:
            self._busy = False
            self.events_processed += processed
        return processed

    def step(self, dt: float) -> int:
        """Advance by ``dt`` simulated seconds (see :meth:`advance_to`)."""
        if dt < 0:
            raise UsageError(f"step() needs dt >= 0, got {dt}")
        return self.advance_to(self._now + dt)

    # ------------------------------------------------------------------ observers

    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call ``observer(record)`` for every change from now on; returns a function that
        unsubscribes it. Observers run synchronously inside :meth:`advance_to` and must not
        advance the simulation; an exception in one is logged and counted, and the
        simulation and the other observers carry on."""
        self._observers.append(observer)

        def unsubscribe() -> None:
            if observer in self._observers:
                self._observers.remove(observer)

        return unsubscribe

    def _emit(self, record: ChangeRecord) -> None:
        for observer in self._observers:
            try:
                observer(record)
            except Exception:
                self.observer_errors += 1
                log.exception("simulation observer %r failed on %s", observer, type(record))

    # ------------------------------------------------------------------ snapshots

    def queue_snapshot(self, queue_id: str) -> QueueSnapshot:
        """Figures of one queue (canonical id), in O(1)."""
        q = self._queue_by_id.get(queue_id)
        if q is None:
            raise UsageError(f"no queue {queue_id!r} in this simulation")
        now = self._now
        hits, total = q.sl.counts(now)
        waiting = q.waiting
        return QueueSnapshot(
            queue_id=q.id,
            name=q.name,
            at=now,
            calls_waiting=self._count_waiting(q),
            longest_wait=now - waiting[0].offered_at if waiting else 0.0,
            calls_talking=q.talking,
            agents=dict(zip(AGENT_STATES, q.by_state, strict=True)),
            offered=q.offered,
            answered=q.answered,
            abandoned=q.abandoned,
            handled=q.handled,
            service_level=hits / total if total else None,
            service_level_answered=hits,
            service_level_calls=total,
            average_handle_time=q.handle_sum / q.handle_count if q.handle_count else None,
            average_speed_of_answer=q.wait_sum / q.answered if q.answered else None,
        )

    @staticmethod
    def _count_waiting(q: Queue) -> int:
        # offered - answered - abandoned is exactly the number still waiting.
        return q.offered - q.answered - q.abandoned

    def queue_snapshots(self) -> list[QueueSnapshot]:
        """Figures of every queue, in directory order."""
        return [self.queue_snapshot(q.id) for q in self._queues]

    def center_snapshot(self) -> CenterSnapshot:
        """Whole-center figures, in O(1)."""
        hits, total = self._sl.counts(self._now)
        return CenterSnapshot(
            at=self._now,
            calls_waiting=self._waiting,
            calls_talking=self._talking,
            agents=dict(zip(AGENT_STATES, self._by_state, strict=True)),
            offered=self._offered,
            answered=self._answered,
            abandoned=self._abandoned,
            handled=self._handled,
            service_level=hits / total if total else None,
            average_handle_time=(
                self._handle_sum / self._handle_count if self._handle_count else None
            ),
        )

    def agent_snapshot(self, agent_id: str) -> AgentSnapshot:
        """One agent's state, reason, since and call, in O(1)."""
        agent = self._agent_by_id.get(agent_id)
        if agent is None:
            raise UsageError(f"no agent {agent_id!r} in this simulation")
        return self._agent_snapshot(agent)

    def agent_snapshots(self) -> Iterator[AgentSnapshot]:
        """Every agent's snapshot, in directory order."""
        return (self._agent_snapshot(a) for a in self._agents)

    @staticmethod
    def _agent_snapshot(agent: Agent) -> AgentSnapshot:
        call = agent.call
        return AgentSnapshot(
            agent_id=agent.id,
            state=AGENT_STATES[agent.state],
            reason=agent.reason,
            since=agent.since,
            call_id=call.id if call is not None else None,
            queue_id=call.queue.id if call is not None else None,
        )

    def call_snapshots(self) -> list[CallSnapshot]:
        """Every live call (waiting, talking, in wrap-up), oldest first."""
        return [
            CallSnapshot(
                call_id=c.id,
                queue_id=c.queue.id,
                state=_CALL_STATES[c.state],
                offered_at=c.offered_at,
                answered_at=c.answered_at if c.agent is not None else None,
                agent_id=c.agent.id if c.agent is not None else None,
            )
            for c in self._calls.values()
        ]

    def agent_state(self, agent_id: str) -> AgentState:
        """Just the agent's state."""
        return self.agent_snapshot(agent_id).state

    # ------------------------------------------------------------------ scheduling

    def _push(self, at: float, kind: int, subject: Any, token: int) -> None:
        heapq.heappush(self._heap, (at, next(self._seq), kind, subject, token))

    def _schedule_arrival(self, q: Queue) -> None:
        if q.rate > 0.0:
            at = self._now + self._arrival_rng.expovariate(q.rate)
            self._push(at, _ARRIVAL, q, q.arrival_gen)

    # ------------------------------------------------------------------ agent states

    def _set_state(self, agent: Agent, new: int, reason: str | None = None) -> None:
        old = agent.state
        if old != new:
            for q in agent.queues:
                counts = q.by_state
                counts[old] -= 1
                counts[new] += 1
            self._by_state[old] -= 1
            self._by_state[new] += 1
        agent.state = new
        agent.reason = reason
        agent.since = self._now
        if self._observers:
            call = agent.call
            self._emit(
                AgentStateChange(
                    at=self._now,
                    agent_id=agent.id,
                    old=AGENT_STATES[old],
                    new=AGENT_STATES[new],
                    reason=reason,
                    call_id=call.id if call is not None else None,
                    queue_id=call.queue.id if call is not None else None,
                )
            )

    def _settle(self, agent: Agent) -> None:
        """Move a free agent into the state its intents call for."""
        if agent.call is not None:
            return  # busy: settles when its wrap-up ends
        if not agent.on_shift:
            if agent.state != LOGGED_OUT:
                self._set_state(agent, LOGGED_OUT, agent.logout_reason)
            return
        reason = agent.hold
        if reason is None and agent.break_reason is not None:
            reason = agent.break_reason
            if not agent.break_running:
                agent.break_running = True
                length = agent.group.break_length()
                self._push(self._now + length, _BREAK_END, agent, agent.break_gen)
        if reason is not None:
            if agent.state != NOT_READY or agent.reason != reason:
                self._set_state(agent, NOT_READY, reason)
        elif agent.state != READY:
            self._make_ready(agent)

    def _make_ready(self, agent: Agent) -> None:
        self._set_state(agent, READY)
        # Take the longest-waiting call among the agent's queues (heads are always waiting).
        best: Call | None = None
        for q in agent.queues:
            if q.waiting:
                head = q.waiting[0]
                if best is None or head.offered_at < best.offered_at:
                    best = head
        if best is not None:
            self._answer(best, agent)
            return
        agent.ready_gen += 1
        entry = (agent, agent.ready_gen)
        for q in agent.queues:
            q.idle.append(entry)
            if len(q.idle) > 2 * q.by_state[READY] + 16:
                q.idle = deque((a, g) for a, g in q.idle if a.state == READY and a.ready_gen == g)

    @staticmethod
    def _pop_idle(q: Queue) -> Agent | None:
        idle = q.idle
        while idle:
            agent, gen = idle.popleft()
            if agent.state == READY and agent.ready_gen == gen:
                return agent
        return None

    # ------------------------------------------------------------------ calls

    def _on_arrival(self, q: Queue, token: int) -> None:
        if token != q.arrival_gen:
            return  # cancelled by a rate change
        self._offer(q)
        self._schedule_arrival(q)

    def offer_call(self, queue_id: str) -> str:
        """Offer one call to a queue now, besides its Poisson arrivals (admin "offer a
        call", hand-built tests); returns the call id. Routed like any other call."""
        q = self._queue_by_id.get(queue_id)
        if q is None:
            raise UsageError(f"no queue {queue_id!r} in this simulation")
        if self._busy:
            raise UsageError("offer_call() called from inside an observer")
        self._busy = True
        try:
            return self._offer(q)
        finally:
            self._busy = False

    def _offer(self, q: Queue) -> str:
        now = self._now
        bits = self._id_rng.getrandbits(128)
        call = Call(str(uuid.UUID(int=bits, version=4)), q, now)
        self._calls[call.id] = call
        q.offered += 1
        self._offered += 1
        if self._observers:
            ani = f"+1{2_000_000_000 + bits % _ANI_SPAN}"
            self._emit(CallOffered(at=now, call_id=call.id, queue_id=q.id, ani=ani, dnis=q.dnis))
        agent = self._pop_idle(q)
        if agent is not None:
            self._answer(call, agent)
        else:
            q.waiting.append(call)
            self._waiting += 1
            if self._observers:
                position = self._count_waiting(q)
                self._emit(CallQueued(at=now, call_id=call.id, queue_id=q.id, position=position))
            if q.patience is not None:
                self._push(now + q.patience(), _ABANDON, call, 0)
        return call.id

    def _answer(self, call: Call, agent: Agent) -> None:
        now = self._now
        q = call.queue
        waiting = q.waiting
        if waiting and waiting[0] is call:
            waiting.popleft()
            self._waiting -= 1
            while waiting and waiting[0].state != WAITING:
                waiting.popleft()
        wait = now - call.offered_at
        call.state = TALKING
        call.agent = agent
        call.answered_at = now
        q.answered += 1
        q.talking += 1
        q.wait_sum += wait
        within = wait <= q.threshold
        q.sl.add(now, within)
        self._answered += 1
        self._talking += 1
        self._sl.add(now, within)
        agent.call = call
        if self._observers:
            self._emit(
                CallAnswered(at=now, call_id=call.id, queue_id=q.id, agent_id=agent.id, wait=wait)
            )
        self._set_state(agent, ON_CALL)
        call.talk = q.talk()
        self._push(now + call.talk, _TALK_END, agent, agent.call_gen)

    def _on_abandon(self, call: Call, _token: int) -> None:
        if call.state != WAITING:
            return  # answered in time
        now = self._now
        q = call.queue
        call.state = DONE
        q.abandoned += 1
        self._abandoned += 1
        self._waiting -= 1
        q.sl.add(now, False)
        self._sl.add(now, False)
        waiting = q.waiting
        while waiting and waiting[0].state != WAITING:
            waiting.popleft()
        del self._calls[call.id]
        if self._observers:
            self._emit(
                CallEnded(
                    at=now,
                    call_id=call.id,
                    queue_id=q.id,
                    disposition=Disposition.ABANDONED,
                    agent_id=None,
                    wait=now - call.offered_at,
                    talk=0.0,
                )
            )

    def _on_talk_end(self, agent: Agent, token: int) -> None:
        call = agent.call
        if call is None or call.state != TALKING or token != agent.call_gen:
            return  # ended early by a control call (end_call)
        now = self._now
        q = call.queue
        call.state = WRAP
        q.talking -= 1
        q.handled += 1
        self._talking -= 1
        self._handled += 1
        if self._observers:
            self._emit(
                CallEnded(
                    at=now,
                    call_id=call.id,
                    queue_id=q.id,
                    disposition=Disposition.HANDLED,
                    agent_id=agent.id,
                    wait=call.answered_at - call.offered_at,
                    talk=call.talk,
                )
            )
        wrap = q.wrap()
        if wrap > 0.0:
            self._set_state(agent, ACW)
            self._push(now + wrap, _WRAP_END, agent, agent.call_gen)
        else:
            self._on_wrap_end(agent, agent.call_gen)

    def _on_wrap_end(self, agent: Agent, token: int) -> None:
        call = agent.call
        if call is None or call.state != WRAP or token != agent.call_gen:
            return  # ended early by a control call (end_wrap_up)
        now = self._now
        q = call.queue
        handle = now - call.answered_at
        q.handle_sum += handle
        q.handle_count += 1
        self._handle_sum += handle
        self._handle_count += 1
        call.state = DONE
        del self._calls[call.id]
        agent.call = None
        if self._observers:
            self._emit(
                CallCompleted(
                    at=now,
                    call_id=call.id,
                    queue_id=q.id,
                    agent_id=agent.id,
                    talk=call.talk,
                    wrap=handle - call.talk,
                )
            )
        self._settle(agent)

    # ------------------------------------------------------------------ shifts and breaks

    def _login(self, agent: Agent) -> None:
        agent.on_shift = True
        group = agent.group
        if group.break_rate > 0.0:
            at = self._now + self._agent_rng.expovariate(group.break_rate)
            self._push(at, _BREAK_WANTED, agent, agent.break_gen)
        if group.shift is not None:
            self._push(self._now + group.shift(), _LOGOUT, agent, agent.shift_gen)
        self._settle(agent)

    def _logout(self, agent: Agent, reason: str) -> None:
        agent.on_shift = False
        agent.logout_reason = reason
        agent.break_gen += 1  # cancel wanted / running breaks
        agent.break_reason = None
        agent.break_running = False
        self._settle(agent)

    def _on_login(self, agent: Agent, token: int) -> None:
        if token == agent.shift_gen and not agent.on_shift:
            self._login(agent)

    def _on_logout(self, agent: Agent, token: int) -> None:
        if token != agent.shift_gen or not agent.on_shift:
            return
        group = agent.group
        self._logout(agent, group.spec.logout_reason)
        if group.off_length is not None:
            self._push(self._now + group.off_length(), _LOGIN, agent, agent.shift_gen)

    def _on_break_wanted(self, agent: Agent, token: int) -> None:
        if token != agent.break_gen or not agent.on_shift:
            return
        agent.break_reason = self._agent_rng.choice(agent.group.spec.break_reasons)
        self._settle(agent)

    def _on_break_end(self, agent: Agent, token: int) -> None:
        if token != agent.break_gen:
            return
        agent.break_reason = None
        agent.break_running = False
        self._settle(agent)
        group = agent.group
        if agent.on_shift and group.break_rate > 0.0:
            at = self._now + self._agent_rng.expovariate(group.break_rate)
            self._push(at, _BREAK_WANTED, agent, agent.break_gen)

    # ------------------------------------------------------------------ control

    # What an agent or a supervisor does through a vendor API (an emulator turns a REST call
    # into one of these), applied at the current simulated time. Changes reach observers
    # at once, like any other change. Intent is kept: a not-ready or logout asked during a
    # call takes effect when the call's wrap-up ends, as in a real ACD.

    def _control(self, agent_id: str) -> Agent:
        if self._busy:
            raise UsageError("a control call was made from inside an observer")
        agent = self._agent_by_id.get(agent_id)
        if agent is None:
            raise UsageError(f"no agent {agent_id!r} in this simulation")
        return agent

    def _check_reason(self, reason: str) -> None:
        self.directory.reason(reason)  # UsageError naming it when unknown

    def _run_control(self, agent: Agent, action: Callable[[Agent], None]) -> None:
        self._busy = True
        try:
            action(agent)
        finally:
            self._busy = False

    def agent_login(self, agent_id: str) -> None:
        """Log the agent in (its scheduled shift changes are cancelled: it stays until
        :meth:`agent_logout`); it becomes ready unless a not-ready reason is held."""

        def login(agent: Agent) -> None:
            agent.shift_gen += 1
            if not agent.on_shift:
                self._login(agent)

        self._run_control(self._control(agent_id), login)

    def agent_logout(self, agent_id: str, reason: str | None = None) -> None:
        """Log the agent out (with ``reason``, default its group's logout reason)."""
        agent = self._control(agent_id)
        if reason is not None:
            self._check_reason(reason)

        def logout(agent: Agent) -> None:
            agent.shift_gen += 1
            if agent.on_shift:
                self._logout(agent, reason or agent.group.spec.logout_reason)

        self._run_control(agent, logout)

    def agent_ready(self, agent_id: str) -> None:
        """Make the agent ready: log it in if needed, drop a held not-ready reason and a
        break. An agent on a call becomes ready when the call's wrap-up ends."""

        def ready(agent: Agent) -> None:
            agent.hold = None
            agent.break_gen += 1
            agent.break_reason = None
            agent.break_running = False
            if agent.on_shift:
                self._settle(agent)
            else:
                agent.shift_gen += 1
                self._login(agent)
            if agent.on_shift and agent.group.break_rate > 0.0:
                at = self._now + self._agent_rng.expovariate(agent.group.break_rate)
                self._push(at, _BREAK_WANTED, agent, agent.break_gen)

        self._run_control(self._control(agent_id), ready)

    def agent_not_ready(self, agent_id: str, reason: str) -> None:
        """Make the agent not ready with ``reason`` (a reason code name of the center)
        until :meth:`agent_ready`; during a call it takes effect after the wrap-up."""
        agent = self._control(agent_id)
        self._check_reason(reason)

        def not_ready(agent: Agent) -> None:
            agent.hold = reason
            agent.hold_token = -1  # not a script action's: no script end releases it
            if agent.on_shift:
                self._settle(agent)

        self._run_control(agent, not_ready)

    def end_call(self, agent_id: str) -> str | None:
        """The agent hangs up: its talking call ends now (wrap-up follows as usual).
        Returns the call id, or None when the agent was not talking."""
        agent = self._control(agent_id)
        call = agent.call
        if call is None or call.state != TALKING:
            return None

        def hang_up(agent: Agent) -> None:
            call.talk = self._now - call.answered_at
            agent.call_gen += 1  # the scheduled talk end is void
            self._on_talk_end(agent, agent.call_gen)

        self._run_control(agent, hang_up)
        return call.id

    def end_wrap_up(self, agent_id: str) -> str | None:
        """The agent disposes its call: its wrap-up ends now. Returns the call id, or None
        when the agent was not in wrap-up."""
        agent = self._control(agent_id)
        call = agent.call
        if call is None or call.state != WRAP:
            return None

        def dispose(agent: Agent) -> None:
            agent.call_gen += 1  # the scheduled wrap end is void
            self._on_wrap_end(agent, agent.call_gen)

        self._run_control(agent, dispose)
        return call.id

    # ------------------------------------------------------------------ script

    def _agents_of(self, group: str | None) -> list[Agent]:
        return self._agents if group is None else self._group_by_name[group].agents

    def _spiked_queues(self, action: Spike) -> list[Queue]:
        return self._queues if action.queue is None else [self._queue_by_name[action.queue]]

    def _reschedule(self, q: Queue) -> None:
        # Poisson arrivals are memoryless: drawing the next one afresh at the new rate is exact.
        q.set_rate_from_factors()
        q.arrival_gen += 1
        self._schedule_arrival(q)

    def _on_script(self, index: int, _token: int) -> None:
        action = self._script[index]
        target: str | None
        detail = ""
        if isinstance(action, Spike):
            target = action.queue
            detail = f"factor={action.factor:g}"
            for q in self._spiked_queues(action):
                q.factors[index] = action.factor
                self._reschedule(q)
        elif isinstance(action, NotReady):
            target, detail = action.group, action.reason
            for agent in self._agents_of(action.group):
                agent.hold = action.reason
                agent.hold_token = index
                self._settle(agent)
        elif isinstance(action, Ready):
            target = action.group
            for agent in self._agents_of(action.group):
                agent.hold = None
                self._settle(agent)
        elif isinstance(action, Logout):
            target = action.group
            for agent in self._agents_of(action.group):
                agent.shift_gen += 1  # cancel scheduled shift changes
                if agent.on_shift:
                    self._logout(agent, action.reason or agent.group.spec.logout_reason)
        else:
            target = action.group
            for agent in self._agents_of(action.group):
                agent.shift_gen += 1
                if not agent.on_shift:
                    self._login(agent)
        if self._observers:
            self._emit(
                ScriptApplied(
                    at=self._now, action=_action_name(action), target=target, phase="start",
                    detail=detail,
                )
            )  # fmt: skip
        duration = getattr(action, "duration", None)
        if duration is not None:
            self._push(self._now + duration, _SCRIPT_END, index, 0)

    def _on_script_end(self, index: int, _token: int) -> None:
        action = self._script[index]
        target: str | None
        if isinstance(action, Spike):
            target = action.queue
            for q in self._spiked_queues(action):
                q.factors.pop(index, None)
                self._reschedule(q)
        else:
            assert isinstance(action, NotReady)  # only spikes and holds have a duration
            target = action.group
            for agent in self._agents_of(action.group):
                if agent.hold is not None and agent.hold_token == index:
                    agent.hold = None
                    self._settle(agent)
        if self._observers:
            self._emit(
                ScriptApplied(at=self._now, action=_action_name(action), target=target, phase="end")
            )


def _action_name(action: ScriptAction) -> str:
    tag = type(action).__struct_config__.tag
    return str(tag)
