"""The Five9 domain as a view of the emulator's simulated contact center.

When the emulator runs a :class:`~cxkit.emulator.simhost.SimHost` (``ctx.simulation``), the
plugin's tenant is a :class:`SimTenant`: the simulation is the truth and the tenant is what
Five9 shows of it.

**Seeding** (setup and every reset, from ``host.sim.directory``): every simulated queue is a
skill (its ``five9_id``, its name), every simulated agent a user with the ``Agent`` role (its
``five9_id``, its username as login name, its full name, its skills at level 1, its group as
an agent group), every reason code a not-ready or logout reason code (``five9_id``, name).
Every simulated agent logs in with its username and the demo agent's password. The demo
agent's published credentials (:data:`cxkit.emulator.tenant.DEMO`) log in as the **first
simulated agent** (``agent-00001``): its login name is the demo agent's username (its own
simulated username works too) and its user id is the simulated agent's Five9 id, not the
scripted domain's ``3000002``. The demo supervisor is there as in the scripted domain. The
lookups (dispositions, contact fields, call variables) are the scripted domain's; there are
no campaigns (calls carry ``campaignId: null``).

**Records -> Five9 state** (a :meth:`SimTenant.apply` per change record):

==================================  ============================================================
sim record                          Five9
==================================  ============================================================
``AgentStateChange``                AGENT_STATE ``state`` (logged_out LOGGED_OUT, ready READY,
                                    not_ready NOT_READY, on_interaction ON_CALL, after_work ACW),
                                    ``reasonCodeId`` (the reason's ``five9_id``, ``"0"`` for
                                    none), ``stateSince`` (the record's time); the spell adds to
                                    AGENT_STATISTIC; ACD_STATUS of the agent's skills and the
                                    totals rows change; event 12 when the presence changed
``CallQueued``                      the skill's ACD_STATUS ``callsInQueue`` / waits
``CallAnswered``                    event 3 (``CREATED``, state ``OFFERED``) then 4
                                    (``CONNECTED``, ``TALKING``) on the agent's sockets: the
                                    simulated center connects calls at once (auto-answer)
``CallEnded`` handled               event 4 (``UPDATED``, ``WRAP_UP``)
``CallEnded`` abandoned             the skill's ACD_STATUS
``CallCompleted``                   event 5 (``DISPOSITIONED``, ``FINISHED``; the agent's chosen
                                    disposition, else "Resolved"); AGENT_STATISTIC counts it
==================================  ============================================================

ACD_STATUS rows are built from :meth:`Simulation.queue_snapshot` (row ``"0"`` from
:meth:`Simulation.center_snapshot`), the AGENT_STATISTIC totals row ``""`` from running sums:
both O(1), so a flush costs the changed rows only, and the plugin flushes once per tick of the
host (one 5012 per tick, whatever the number of records). The waits of queues with calls
waiting grow with time alone: every ``sim_wait_refresh`` simulated seconds (default 1 s; 0:
every tick) those rows and ``"0"`` get their waits moved on from the queue's oldest call
(:meth:`SimTenant.tick`): O(queues with waiting calls), never O(agents).

**Client actions -> simulation** (the tenant's mutations are overridden): session start logs
the agent in (``agent_login``), session end / logout logs it out (``agent_logout`` with the
logout reason); presence Ready is ``agent_ready``, Not Ready ``agent_not_ready`` with the
reason code's name (reason ``0`` takes the center's first not-ready reason, as the simulation
needs a named one); ``disconnect`` is ``end_call``; a disposition is ``end_wrap_up`` (after an
``end_call`` when the call is still talking); ``answer`` of a connected call is accepted and
changes nothing. While the agent is on a call the simulation keeps the intent (it applies
after wrap-up), which Five9 shows as the *pending* presence. What the simulation does not model
is refused with a Five9 error (435): reject, outbound and test calls, transfers and adding or
removing skills. Hold, park, recording, call variables and contacts stay Five9-only details of
the call. Active skills are kept but do not change the simulated routing.

Timestamps: the domain lives on the simulation's clock (``epoch + now``; see
:meth:`cxkit.emulator.five9.core.Five9Core.now_ms`), the same as the truth's ``since``.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

from cxkit.emulator.five9.errors import Five9Error, bad_request, not_found
from cxkit.emulator.five9.ids import IdGenerator
from cxkit.emulator.five9.model import AgentActivity, Call, ReasonCode, Skill, User
from cxkit.emulator.five9.options import Five9Options
from cxkit.emulator.five9.seed import AGENT_PERMISSIONS, add_lookups, add_supervisor
from cxkit.emulator.five9.state import ACD_TOTAL_ID, STAT_TOTAL_ID, Notification, Tenant
from cxkit.emulator.five9.stats import Row, acd_row, build_row, statistic_row
from cxkit.emulator.tenant import Five9Tenant
from cxkit.errors import UsageError
from cxkit.events import AgentState
from cxkit.sim import (
    AgentInfo,
    AgentStateChange,
    CallAnswered,
    CallCompleted,
    CallEnded,
    CallOffered,
    CallQueued,
    CallState,
    ChangeRecord,
    Disposition,
    QueueInfo,
    Simulation,
    five9_call_id,
)

if TYPE_CHECKING:
    from cxkit.emulator.simhost import SimHost

__all__ = ["DEMO_AGENT_INDEX", "READY_CHANNELS", "SIM_DISPOSITION", "SimTenant", "build_sim_row"]

log = logging.getLogger("cxkit.emulator.five9")

DEMO_AGENT_INDEX: Final = 0
"""The simulated agent the demo agent's credentials log in as (the first one)."""
READY_CHANNELS: Final = ("CALL", "VOICE_MAIL")
"""Channels of an agent the simulation made Ready without the agent choosing any."""
SIM_DISPOSITION: Final = "300000000000404"
"""Disposition of a call whose wrap-up the simulated agent ended itself ("Resolved")."""
_GROUP_BASE: Final = 300_000_000_020_001  # agent group ids; the demo's are 3000000000003xx

_STATES: Final[dict[AgentState, str]] = {
    AgentState.LOGGED_OUT: "LOGGED_OUT",
    AgentState.READY: "READY",
    AgentState.NOT_READY: "NOT_READY",
    AgentState.ON_INTERACTION: "ON_CALL",
    AgentState.AFTER_WORK: "ACW",
}
_TALKING: Final = frozenset({"TALKING", "ON_HOLD", "PARKED"})

_T = TypeVar("_T")


@dataclass(slots=True)
class _Offer:
    """A call offered to a queue and not yet answered or abandoned."""

    number: str
    at: float
    at_ms: int
    queued: bool = False


def _local_number(number: str) -> str:
    # Five9 shows North American numbers as ten digits ("9255550100"), the simulation E.164.
    return number[2:] if number.startswith("+1") else number


def _unsupported(what: str, object_id: str | None = None) -> Five9Error:
    return Five9Error(
        435, 6, f"{what} is not available in the simulated contact center", "CALL",
        object_id=object_id,
    )  # fmt: skip


class SimTenant(Tenant):
    """A Five9 tenant whose agents, calls and queues follow ``host``'s simulation (see the
    module docstring). Build it, then :meth:`seed` it."""

    def __init__(
        self,
        host: SimHost,
        *,
        org_id: str,
        org_name: str,
        clock_ms: Callable[[], int],
        ids: IdGenerator,
        options: Five9Options,
    ) -> None:
        super().__init__(org_id=org_id, org_name=org_name, clock_ms=clock_ms, ids=ids)
        self.host = host
        self.options = options
        self.totals = AgentActivity(user_id=STAT_TOTAL_ID)
        """Running sums of every agent's counters (the AGENT_STATISTIC totals row)."""
        self.waiting: dict[str, int] = {}
        """Skill id -> calls waiting in it (only skills with some)."""
        self.demo_agent_id: str | None = None
        """The user id the demo agent's credentials log in as (None: the center is empty)."""
        self._offers: dict[str, _Offer] = {}
        # Queued calls in arrival order per skill, and all of them by arrival time: their
        # heads give the longest waits without a snapshot (answered / abandoned calls are
        # dropped lazily when they reach the head).
        self._queued: dict[str, deque[tuple[float, str]]] = {}
        self._oldest: list[tuple[float, str]] = []
        # ACD rows as last built, and the skills whose figures a record changed since the
        # last flush: an untouched row only needs its waits moved on.
        self._acd_rows: dict[str, Row] = {}
        self._touched: set[str] = set()
        self._building: set[str] = set()
        self._channels: dict[str, list[str]] = {}
        self._login_names: dict[str, str] = {}
        self._reason_ids: dict[str, str] = {}
        self._queue_ids: dict[str, str] = {}
        self._default_reason = ""
        self._refreshed_at = float("-inf")
        self._flush_task: asyncio.Task[None] | None = None

    @property
    def sim(self) -> Simulation:
        """The current simulation (the host rebuilds it on reset)."""
        return self.host.sim

    def ms(self, at: float) -> int:
        """Epoch milliseconds of simulated time ``at``."""
        return round((self.sim.epoch + at) * 1000)

    # ------------------------------------------------------------------ seeding

    def seed(self, demo: Five9Tenant) -> None:
        """Fill the empty tenant from the simulation's directory and current state."""
        directory = self.sim.directory
        for queue in directory.queues:
            self.add_skill(Skill(id=queue.five9_id, name=queue.name, description=queue.name))
            self._queue_ids[queue.five9_id] = queue.id
        groups: dict[str, str] = {}
        for agent in directory.agents:
            if agent.group not in groups:
                group_id = str(_GROUP_BASE + len(groups))
                groups[agent.group] = group_id
                self.agent_groups[group_id] = agent.group
        for code in directory.reason_codes:
            table = self.logout_codes if code.logout else self.not_ready_codes
            table[code.five9_id] = ReasonCode(code.five9_id, code.name, True)
            self._reason_ids[code.name] = code.five9_id
            if not code.logout and not self._default_reason:
                self._default_reason = code.five9_id
        add_supervisor(  # runs the first queue and the first agent group
            self,
            demo,
            skills=tuple(q.five9_id for q in directory.queues[:1]),
            groups=tuple(list(groups.values())[:1]),
        )
        password = demo.agent.password.reveal()
        for agent in directory.agents:
            demo_agent = agent.index == DEMO_AGENT_INDEX
            user = User(
                id=agent.five9_id,
                user_name=demo.agent.username if demo_agent else agent.username,
                full_name=agent.name,
                extension=agent.extension,
                email=agent.email,
                password=password,
                roles=["Agent"],
                permissions=AGENT_PERMISSIONS,  # shared: nobody mutates it
                skill_levels={directory.queue(q).five9_id: 1 for q in agent.skills},
                group_ids=[groups[agent.group]],
            )
            if demo_agent:
                self.demo_agent_id = user.id
                user.options = {"TONE_ON_INCOMING_INBOUND_CALL"}
            self.add_user(user)
            self._login_names[agent.username.lower()] = user.id
        for user in self.users.values():
            self._login_names[user.user_name.lower()] = user.id
        add_lookups(self, self.options)
        self._follow_current_state()

    def _follow_current_state(self) -> None:
        """Take over what the simulation already shows (nothing right after a (re)build;
        a plugin set up late would see agents and calls in flight)."""
        sim = self.sim
        directory = sim.directory
        for snap in sim.agent_snapshots():
            agent = self.agents[directory.agent(snap.agent_id).five9_id]
            state = _STATES[snap.state]
            since = self.ms(snap.since)
            agent.state, agent.state_since, agent.since = state, since, {state: since}
            agent.reason_code_id = self._reason_id(snap.reason)
            agent.reason_code_since = since if agent.reason_code_id != "0" else 0
            if state in ("READY", "ON_CALL", "ACW"):
                agent.ready_channels = list(READY_CHANNELS)
        for call in sim.call_snapshots():
            queue = directory.queue(call.queue_id)
            if call.state is CallState.WAITING:
                offer = _Offer("", call.offered_at, self.ms(call.offered_at))
                self._offers[call.call_id] = offer
                self._enqueue(call.call_id, offer, queue.five9_id)
            elif call.agent_id is not None:
                made = self._new_call(call.call_id, queue, call.agent_id, call.answered_at or 0.0)
                made.state = "TALKING" if call.state is CallState.TALKING else "WRAP_UP"
                self.agents[made.agent_id or ""].call_id = made.id

    # ------------------------------------------------------------------ lookups

    def user_by_name(self, user_name: str) -> User | None:
        """Case-insensitive lookup by login name, through an index (10,000 users), the
        first simulated agent answering to the demo agent's name and its own."""
        user_id = self._login_names.get(user_name.lower())
        return self.users.get(user_id) if user_id is not None else None

    def _sim_agent(self, user_id: str) -> str | None:
        found = self.sim.directory.by_vendor_id(user_id)
        return found.id if isinstance(found, AgentInfo) else None

    def _queue(self, skill_id: str) -> QueueInfo | None:
        found = self.sim.directory.by_vendor_id(skill_id)
        return found if isinstance(found, QueueInfo) else None

    def _reason_id(self, name: str | None) -> str:
        if name is None:
            return "0"
        return self._reason_ids.get(name, "0")

    def queue_length(self, skill_id: str | None = None) -> int:
        """Calls waiting in a skill's queue (None: in every queue), from the simulation."""
        if skill_id is None:
            return self.sim.center_snapshot().calls_waiting
        queue = self._queue(skill_id)
        return self.sim.queue_snapshot(queue.id).calls_waiting if queue is not None else 0

    def queued_calls(self, skill_id: str) -> list[tuple[str, int]]:
        """The calls waiting in a skill's queue, oldest first (O(live calls): REST only)."""
        queue = self._queue(skill_id)
        if queue is None:
            return []
        return [
            (five9_call_id(c.call_id), self.ms(c.offered_at))
            for c in self.sim.call_snapshots()
            if c.queue_id == queue.id and c.state is CallState.WAITING
        ]

    def system_not_ready_code(self) -> str:
        """The simulation has no "System Not Ready": its first not-ready reason stands in."""
        return "0"

    # ------------------------------------------------------------------ statistics rows

    def acd_row(self, row_id: str) -> Row | None:
        """ACD_STATUS of a skill (``"0"``: the whole domain, agents counted once), O(1)
        (from a simulation snapshot, or from the last row when only the waits moved)."""
        sim = self.sim
        now = sim.now
        if row_id == ACD_TOTAL_ID:
            center = sim.center_snapshot()
            agents, calls = center.agents, center.calls_waiting
            oldest = self._head(self._oldest)
            longest = now - oldest if oldest is not None else 0.0
        else:
            last = self._acd_rows.get(row_id)
            if last is not None and row_id not in self._building:
                # Nothing but time changed: the longest wait, from the queue's head call.
                head = self._head(self._queued.get(row_id))
                wait = round((now - head) * 1000) if head is not None else 0
                row = dict(last)
                row["longestQueueTime"] = row["currentLongestQueueTime"] = wait
                self._acd_rows[row_id] = row
                return row
            queue_id = self._queue_ids.get(row_id)
            if queue_id is None:
                return None
            snap = sim.queue_snapshot(queue_id)
            agents, calls, longest = snap.agents, snap.calls_waiting, snap.longest_wait
        total = sum(agents.values())
        row = acd_row(
            row_id,
            calls=calls,
            longest_ms=round(longest * 1000),
            logged_in=total - agents[AgentState.LOGGED_OUT],
            ready=agents[AgentState.READY],
            on_call=agents[AgentState.ON_INTERACTION] + agents[AgentState.AFTER_WORK],
            not_ready=agents[AgentState.NOT_READY],
        )
        if row_id != ACD_TOTAL_ID:
            self._acd_rows[row_id] = row
        return row

    def _head(
        self, calls: deque[tuple[float, str]] | list[tuple[float, str]] | None
    ) -> float | None:
        """Arrival time of the oldest call still queued (dropping those that left)."""
        if not calls:
            return None
        offers = self._offers
        while calls:
            at, call_id = calls[0]
            offer = offers.get(call_id)
            if offer is not None and offer.queued:
                return at
            if isinstance(calls, deque):
                calls.popleft()
            else:
                heapq.heappop(calls)
        return None

    def _mark(self, data_source: str, *ids: str) -> None:
        if data_source == "ACD_STATUS":
            self._touched.update(ids)
        super()._mark(data_source, *ids)

    def take_dirty(self) -> dict[str, set[str]]:
        """Hand over the dirty rows (a flush starts): the skills touched by records get
        rebuilt from the simulation, the others only have their waits moved on."""
        self._building, self._touched = self._touched, set()
        return super().take_dirty()

    def tick(self) -> None:
        """Before a flush: the waits of the queues with calls waiting grew with the
        simulated clock, so every ``sim_wait_refresh`` simulated seconds their rows (and
        the totals row) are refreshed: O(queues with waiting calls), without snapshots."""
        now = self.sim.now
        if not self.waiting or now == self._refreshed_at:
            return
        if now - self._refreshed_at >= self.options.sim_wait_refresh:
            # Not through _mark: these rows changed by time alone.
            self.dirty["ACD_STATUS"].update(self.waiting)
            self._mark("ACD_STATUS", ACD_TOTAL_ID)
            self._refreshed_at = now

    def _set_state(
        self, agent: AgentActivity, state: str, reason: str = "0", now: int | None = None
    ) -> None:
        if now is None:
            now = self.clock_ms()
        if agent.state != state:
            # keep the totals row's sums in step with the agent's (see Tenant._set_state)
            totals = self.totals
            spent = max(0, now - agent.state_since)
            totals.time_in[agent.state] = totals.time_in.get(agent.state, 0) + spent
            if agent.state == "NOT_READY" and agent.reason_code_id != "0":
                totals.breaks += 1
        super()._set_state(agent, state, reason, now)

    # ------------------------------------------------------------------ records

    def apply(self, record: ChangeRecord) -> None:
        """Turn one change record of the simulation into Five9 state and agent events
        (the plugin's SimHost observer; rows become dirty, the tick flushes them)."""
        if isinstance(record, AgentStateChange):
            self._agent_changed(record)
        elif isinstance(record, CallOffered):
            self._offers[record.call_id] = _Offer(
                _local_number(record.ani), record.at, self.ms(record.at)
            )
        elif isinstance(record, CallQueued):
            offer = self._offers.get(record.call_id)
            if offer is not None:
                skill = self.sim.directory.queue(record.queue_id).five9_id
                self._enqueue(record.call_id, offer, skill)
        elif isinstance(record, CallAnswered):
            self._answered(record)
        elif isinstance(record, CallEnded):
            self._ended(record)
        elif isinstance(record, CallCompleted):
            self._completed(record)

    def _enqueue(self, call_id: str, offer: _Offer, skill: str) -> None:
        offer.queued = True
        self.waiting[skill] = self.waiting.get(skill, 0) + 1
        self._queued.setdefault(skill, deque()).append((offer.at, call_id))
        oldest = self._oldest
        heapq.heappush(oldest, (offer.at, call_id))
        if len(oldest) > 2 * len(self._offers) + 64:
            # Calls that left behind a head that waits on (a queue nobody serves) are only
            # dropped lazily: compact now and then so the heap stays the size of the queues.
            offers = self._offers
            oldest[:] = [e for e in oldest if (o := offers.get(e[1])) is not None and o.queued]
            heapq.heapify(oldest)
        self._mark("ACD_STATUS", skill, ACD_TOTAL_ID)

    def _unqueue(self, call_id: str, skill: str) -> None:
        offer = self._offers.pop(call_id, None)
        if offer is not None and offer.queued:
            left = self.waiting.get(skill, 0) - 1
            if left > 0:
                self.waiting[skill] = left
            else:
                self.waiting.pop(skill, None)
                self._queued.pop(skill, None)
        self._mark("ACD_STATUS", skill, ACD_TOTAL_ID)

    def _new_call(self, sim_call_id: str, queue: QueueInfo, sim_agent: str, at: float) -> Call:
        offer = self._offers.get(sim_call_id)
        at_ms = self.ms(at)
        number = offer.number if offer is not None and offer.number else "0000000000"
        created = offer.at_ms if offer is not None else at_ms
        call = Call(
            id=five9_call_id(sim_call_id),
            call_type="INBOUND",
            skill_id=queue.five9_id,
            campaign_id=None,
            number=number,
            dnis=_local_number(queue.dnis),
            created=created,
            queued_since=created,
            agent_id=self.sim.directory.agent(sim_agent).five9_id,
            state="OFFERED",
            offered_at=at_ms,
            answered_at=at_ms,
            # the simulated call id (a UUID) is also the Genesys conversation id
            session_id=sim_call_id,
        )
        call.variables = self._default_variables(call)
        call.contact = {"id": str(5_000_000 + self.ids.next_number()), "fields": {"1": number}}
        self.calls[call.id] = call
        return call

    def _answered(self, record: CallAnswered) -> None:
        queue = self.sim.directory.queue(record.queue_id)
        call = self._new_call(record.call_id, queue, record.agent_id, record.at)
        self._unqueue(record.call_id, queue.five9_id)
        user_id = call.agent_id or ""
        agent = self.agents.get(user_id)
        if agent is not None:
            agent.call_id = call.id
            self._mark_agent(user_id)
        # No ringing phase in the simulation: the call is created and connected at once.
        self.notify(Notification("call.created", user_id, call, "CREATED"))
        call.state = "TALKING"
        self.notify(Notification("call.updated", user_id, call, "CONNECTED"))

    def _ended(self, record: CallEnded) -> None:
        skill = self.sim.directory.queue(record.queue_id).five9_id
        if record.disposition is Disposition.ABANDONED:
            self._unqueue(record.call_id, skill)
            return
        call = self.calls.get(five9_call_id(record.call_id))
        if call is None:
            return
        at_ms = self.ms(record.at)
        agent = self.agents.get(call.agent_id or "")
        if call.state == "ON_HOLD" and agent is not None:
            held = max(0, at_ms - call.hold_since)
            call.hold_ms += held
            agent.hold_ms += held
            self.totals.hold_ms += held
            agent.since["ON_HOLD"] = call.hold_since = 0
        if call.state == "PARKED" and agent is not None:
            agent.since["ON_PARK"] = 0
        call.state = "WRAP_UP"
        call.ended_at = at_ms
        self.notify(Notification("call.updated", call.agent_id, call, "UPDATED"))

    def _completed(self, record: CallCompleted) -> None:
        call = self.calls.pop(five9_call_id(record.call_id), None)
        if call is None:
            return
        user_id = call.agent_id or ""
        disposition = call.disposition_id or SIM_DISPOSITION
        call.disposition_id = disposition
        call.state = "FINISHED"
        if not call.ended_at:
            call.ended_at = self.ms(record.at)
        agent = self.agents.get(user_id)
        if agent is not None:
            if agent.call_id == call.id:
                agent.call_id = None
            for counts in (agent, self.totals):
                counts.calls += 1
                counts.inbound_calls += 1
                counts.dispositions[disposition] = counts.dispositions.get(disposition, 0) + 1
            self._record(call, user_id)
            self._mark_agent(user_id)
        self.notify(Notification("call.deleted", user_id, call, "DISPOSITIONED"))

    @staticmethod
    def _presence_key(agent: AgentActivity) -> tuple[Any, ...]:
        pending = tuple(agent.pending_channels) if agent.pending_channels is not None else None
        return (tuple(agent.ready_channels), agent.reason_code_id, pending, agent.pending_reason)

    def _agent_changed(self, record: AgentStateChange) -> None:
        user_id = self.sim.directory.agent(record.agent_id).five9_id
        agent = self.agents.get(user_id)
        if agent is None:
            return
        before = self._presence_key(agent)
        state = _STATES[record.new]
        at_ms = self.ms(record.at)
        reason = "0"
        if state == "READY":
            agent.ready_channels = list(self._channels.get(user_id, READY_CHANNELS))
        elif state in ("NOT_READY", "LOGGED_OUT"):
            agent.ready_channels = []
            reason = self._reason_id(record.reason)
        if state in ("READY", "NOT_READY", "LOGGED_OUT"):
            agent.pending_channels = None  # the intent kept during the call is now applied
            agent.pending_reason = "0"
        if record.old is AgentState.LOGGED_OUT and state != "LOGGED_OUT":
            agent.login_since = at_ms
        self._set_state(agent, state, reason, at_ms)
        if self._presence_key(agent) != before:
            self.notify(Notification("presence", user_id))

    # ------------------------------------------------------------------ control

    def _control(self, action: Callable[[Simulation], _T]) -> _T:
        """Apply a control call now; the tick callbacks (every plugin's flush) run soon."""
        try:
            result = action(self.sim)
        except UsageError as exc:
            raise Five9Error(400, 400, str(exc), "SIMULATION") from None
        self._flush_soon()
        return result

    def _flush_soon(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a test driving the tenant directly): the next tick flushes
        if self._flush_task is None or self._flush_task.done():
            self._flush_task = loop.create_task(self.host.changed())

    def login_agent(self, user_id: str) -> None:
        """The agent's station session starts: the simulated agent logs in."""
        sim_agent = self._sim_agent(user_id)
        if sim_agent is None:
            super().login_agent(user_id)
            return
        self._control(lambda sim: sim.agent_login(sim_agent))

    def logout_agent(self, user_id: str, reason_code_id: str = "0") -> None:
        """The agent's station session ends: the simulated agent logs out (after its call)."""
        sim_agent = self._sim_agent(user_id)
        if sim_agent is None:
            super().logout_agent(user_id, reason_code_id)
            return
        code = self.logout_codes.get(str(reason_code_id))
        reason = code.name if code is not None else None
        self._control(lambda sim: sim.agent_logout(sim_agent, reason))

    def set_agent_presence(
        self, user_id: str, ready_channels: Iterable[str], reason_code_id: str = "0"
    ) -> None:
        """Ready (``agent_ready``) or Not Ready (``agent_not_ready``); during a call it is
        the pending presence until the simulation applies it after wrap-up."""
        sim_agent = self._sim_agent(user_id)
        if sim_agent is None:
            super().set_agent_presence(user_id, ready_channels, reason_code_id)
            return
        agent = self.agent(user_id)
        channels = [str(c) for c in ready_channels]
        reason = "0" if channels else str(reason_code_id or "0")
        if not channels:
            if reason == "0":
                reason = self._default_reason
            if reason not in self.not_ready_codes:
                raise bad_request(f"Unknown not ready reason code {reason}", reason)
        if agent.state == "LOGGED_OUT":
            raise Five9Error(435, 3, "Agent is not logged in", "LOGIN", object_id=user_id)
        busy = agent.call_id is not None
        if channels:
            self._channels[user_id] = channels
            self._control(lambda sim: sim.agent_ready(sim_agent))
        else:
            name = self.not_ready_codes[reason].name
            self._control(lambda sim: sim.agent_not_ready(sim_agent, name))
        now = self.clock_ms()
        if busy and agent.call_id is not None:
            agent.pending_channels = channels
            agent.pending_reason = reason
        elif agent.state == "READY" and agent.ready_channels != channels:
            agent.ready_channels = channels  # already Ready: only the channels changed
        else:
            return  # the simulation's state change told everyone
        agent.change_timestamp = now
        self._mark_agent(user_id)
        self.notify(Notification("presence", user_id))

    def answer_call(self, call_id: str, agent_id: str | None = None) -> Call:
        """Calls of the simulated center are connected at once: answering one is a no-op."""
        call = self.call(call_id, agent_id)
        if call.state not in _TALKING:
            raise Five9Error(
                435, 6, f"Improper call state {call.state} while calling answer", "CALL",
                object_id=call.id,
            )  # fmt: skip
        return call

    def hold_call(self, call_id: str, agent_id: str | None = None, *, hold: bool = True) -> Call:
        """Hold / unhold (a Five9-only detail of the call); the hold time counts in the
        totals row as in the agent's."""
        call = self.call(call_id, agent_id)
        agent = self.agents.get(call.agent_id or "")
        before = agent.hold_ms if agent is not None else 0
        result = super().hold_call(call_id, agent_id, hold=hold)
        if agent is not None:
            self.totals.hold_ms += agent.hold_ms - before
        return result

    def end_call(self, call_id: str, agent_id: str | None = None) -> Call:
        """The agent hangs up: ``end_call`` (the agent goes to after-call work)."""
        call = self.call(call_id, agent_id)
        sim_agent = self._sim_agent(call.agent_id or "")
        if call.state not in _TALKING or sim_agent is None:
            raise Five9Error(
                435, 6, f"Improper call state {call.state} while calling disconnect", "CALL",
                object_id=call.id,
            )  # fmt: skip
        self._control(lambda sim: sim.end_call(sim_agent))
        return call

    def dispose_call(self, call_id: str, disposition_id: str, agent_id: str | None = None) -> Call:
        """The disposition ends the wrap-up (``end_wrap_up``; ``end_call`` first when the
        call is still talking): events 4 (WRAP_UP, when talking) and 5 (DISPOSITIONED)."""
        call = self.call(call_id, agent_id)
        disposition_id = str(disposition_id)
        if disposition_id not in self.dispositions:
            raise not_found(f"Disposition {disposition_id} not found", disposition_id)
        sim_agent = self._sim_agent(call.agent_id or "")
        if sim_agent is None or (call.state not in _TALKING and call.state != "WRAP_UP"):
            raise Five9Error(
                435, 6, f"Improper call state {call.state} while calling dispose", "CALL",
                object_id=call.id,
            )  # fmt: skip
        call.disposition_id = disposition_id  # what the CallCompleted record will carry
        if call.state in _TALKING:
            self._control(lambda sim: sim.end_call(sim_agent))
        if call.state == "WRAP_UP":  # not when the queue's wrap-up time was zero
            self._control(lambda sim: sim.end_wrap_up(sim_agent))
        return call

    def offer_call(
        self,
        skill_id: str,
        *,
        number: str = "9255550100",
        campaign_id: str | None = None,
        call_type: str = "INBOUND",
        variables: dict[str, str] | None = None,
    ) -> Call:
        """Offer one call to the skill's simulated queue (routed like any other)."""
        queue = self._queue(skill_id)
        if queue is None:
            raise not_found(f"Skill {skill_id} not found", skill_id)
        sim_call = self._control(lambda sim: sim.offer_call(queue.id))
        found = self.calls.get(five9_call_id(sim_call))
        if found is not None:
            if variables:
                found.variables.update(variables)
            return found
        offer = self._offers.get(sim_call)
        since = offer.at_ms if offer is not None else self.clock_ms()
        return Call(
            id=five9_call_id(sim_call),
            call_type="INBOUND",
            skill_id=skill_id,
            campaign_id=None,
            number=offer.number if offer is not None else number,
            dnis=_local_number(queue.dnis),
            created=since,
            queued_since=since,
            session_id=sim_call,
        )

    def reject_call(self, call_id: str, agent_id: str | None = None) -> Call:
        """Refused: simulated calls are connected at once."""
        raise _unsupported("Rejecting a call", call_id)

    def make_call(self, user_id: str, number: str, campaign_id: str | None = None) -> Call:
        """Refused: the simulation has no outbound calls."""
        raise _unsupported("An outbound call", user_id)

    def transfer_call(
        self,
        call_id: str,
        agent_id: str | None = None,
        *,
        skill_id: str | None = None,
        to_agent_id: str | None = None,
        disposition_id: str | None = None,
    ) -> Call:
        """Refused: the simulation has no transfers."""
        raise _unsupported("A transfer", call_id)

    def add_agent_to_skill(self, user_id: str, skill_id: str, level: int = 1) -> None:
        """Refused for simulated agents: their skills are the simulation's."""
        if self._sim_agent(user_id) is not None:
            raise _unsupported("Changing a simulated agent's skills", user_id)
        super().add_agent_to_skill(user_id, skill_id, level)

    def remove_agent_from_skill(self, user_id: str, skill_id: str) -> None:
        """Refused for simulated agents: their skills are the simulation's."""
        if self._sim_agent(user_id) is not None:
            raise _unsupported("Changing a simulated agent's skills", user_id)
        super().remove_agent_from_skill(user_id, skill_id)


def build_sim_row(tenant: Tenant, data_source: str, row_id: str) -> Row | None:
    """:class:`~cxkit.emulator.five9.stats.StatsPublisher`'s row builder in simulation mode:
    ACD_STATUS from the simulation's snapshots and the AGENT_STATISTIC totals from running
    sums (both O(1)); every other row as in the scripted domain."""
    if isinstance(tenant, SimTenant):
        if data_source == "ACD_STATUS":
            return tenant.acd_row(row_id)
        if data_source == "AGENT_STATISTIC" and row_id == STAT_TOTAL_ID:
            return statistic_row(STAT_TOTAL_ID, [tenant.totals])
    return build_row(tenant, data_source, row_id)
