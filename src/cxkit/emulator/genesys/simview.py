"""The Genesys org as a view of the emulator's simulated contact center.

When the emulator runs a :class:`~cxkit.emulator.simhost.SimHost` (``ctx.simulation``), the
plugin's org is seeded from the simulation and follows it: the simulation is the truth
(``GET /_emulator/sim``) and the org is what Genesys Cloud shows of it.

**Seeding** (setup and every reset, from ``host.sim.directory``): the system presence
definitions, then one secondary presence definition (``type: User``) per reason code, with
the reason's Genesys id, its name as label and its system presence (a "Lunch" definition
under *Meal*); one routing queue per simulated queue (its Genesys id, name and service
level); one user per simulated agent (its Genesys id, name, email as username, group as
department), a joined member of the queues it is skilled for, in the presence and routing
status of its current state. Every simulated agent can log in (``/oauth/authorize`` page)
with its email and the demo user's password.

The demo user (:data:`cxkit.emulator.tenant.DEMO`, its published id, email and password) is
**not** a simulated agent: it is the org's supervisor, Available and off queue, member of no
queue, so the published OAuth clients and user keep working and the queue figures are the
simulation's alone. Its presence changes stay Genesys-only (they are not in the truth).

**Agent state -> presence + routing status** (per ``AgentStateChange``, stamped with the
record's time; only what changed is emitted, each as ``v2.users.{id}.presence`` /
``.routingStatus`` then one ``.activity``):

==================  =========================================  ===============
sim state           presence                                   routing status
==================  =========================================  ===============
ready               On Queue                                   IDLE
on_interaction      On Queue                                   INTERACTING
after_work          On Queue (ACW shows on the conversation)   INTERACTING
not_ready(reason)   the reason's definition (Break, Meal...)   OFF_QUEUE
logged_out          Offline                                    OFF_QUEUE
==================  =========================================  ===============

A presence a client asked for that the simulation has no exact reason for (Available, Away,
Busy, or a system presence picked instead of a reason's own definition) is shown as asked
for as long as the agent stays in the state it led to (see *client actions*). Asked for
during a call, it shows at once while the routing status stays INTERACTING; the
simulation applies it after the wrap-up, as an ACD does.

**Calls** (the sim's call id is the conversation id; ``v2.users.{id}.conversations``,
``v2.routing.queues.{id}.conversations`` and ``v2.detail.events.conversation.*`` as the
scripted org sends them):

=====================  ===============================================================
record                 Genesys
=====================  ===============================================================
``CallOffered``        a conversation with a customer and an ACD participant waiting in
                       the queue; detail events ``customer.start``, ``acd.start``
``CallAnswered``       an agent participant connected at once (simulated agents
                       auto-answer: no alerting phase); the ACD leg ends (``transfer``,
                       ``acd.end`` ANSWERED), ``user.start``
``CallEnded`` handled  every leg disconnects (``peer``, or ``client`` when the agent hung
                       up through the API); the agent's wrap-up is pending (after-call
                       work, ``startAcwTime``); ``customer.end``, ``user.end``
``CallEnded`` aband.   the ACD leg ends ABANDONED, ``customer.end``
``CallCompleted``      the agent's wrap-up is submitted (the code the agent gave, else
                       ``default-wrapup``; ``endAcwTime``); detail event ``acw`` with
                       ``wrapupDurationMs``
=====================  ===============================================================

Finished calls stay (``history`` of them) for ``GET /api/v2/conversations/{id}`` and the
analytics details, aggregates and jobs (segments ``alert``, ``interact``, ``wrapup``;
metrics ``tTalk``, ``tAcw``, ``tHandle`` = talk + ACW).

**Queue observations** (``v2.analytics.queues.{id}.observations`` and the observations
query) are batched as the real service does: one event per changed queue per simulation
tick, and only for queues some channel listens to. Their figures come from
:meth:`Simulation.queue_snapshot <cxkit.sim.Simulation.queue_snapshot>` (O(1)):
``oWaiting`` = calls waiting, ``oInteracting`` = calls talking (after-call work is not an
interaction in the queue any more), ``oAlerting`` = 0, ``oOnQueueUsers`` IDLE = ready,
INTERACTING = on interaction + after work, ``oUserRoutingStatuses`` the same plus
OFF_QUEUE = not ready + logged out, ``oLongestWaiting``; ``oUserPresences`` and
``oOffQueueUsers`` (by presence definition id, Offline included) from the org's
incremental per-queue counters; ``oMemberUsers`` = ``oActiveUsers`` = agents skilled for the
queue.

**Client actions -> simulation** (applied at the current simulated time, then the tick
callbacks run so the batched events go out at once):

* ``PATCH /api/v2/users/{id}/presences/purecloud``: On Queue is ``agent_ready`` (logging the
  agent in); Offline ``agent_logout`` (with the logout reason whose definition was given,
  else the agent's group default); a reason's definition ``agent_not_ready(reason)``; any
  other presence ``agent_not_ready`` with the first reason of that system presence, else the
  first *Away* reason, else the first not-ready reason (the simulation needs a named one),
  shown as the presence asked for. A not-ready presence logs a logged-out agent in (as
  setting a presence brings a Genesys user online). A ``message`` only changes the message.
* ``PUT /api/v2/users/{id}/routingstatus``: IDLE is On Queue; OFF_QUEUE takes an On Queue
  agent to Available (as above).
* ``PATCH /api/v2/conversations/calls/{id}/participants/{pid}``: ``state: disconnected`` on a
  connected call is ``end_call`` of its agent; a ``wrapup`` (``{code}``) is kept for the call
  and, in after-call work, ends it (``end_wrap_up``).
* admin ``offer_call`` is ``offer_call`` of the simulation; ``set_presence`` /
  ``set_routing_status`` / ``end_call`` as above; ``answer_call``, ``scenario`` and queue
  membership changes of simulated agents are refused (the simulation routes and answers
  its calls itself and its skills are fixed).

Times: the org lives on the simulation's clock (``epoch + now``, what the truth's ``since``
uses); changes made by records carry the record's own time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from cxkit.emulator.genesys.demo_org import SYSTEM_PRESENCE_IDS, SYSTEM_PRESENCES
from cxkit.emulator.genesys.model import (
    ON_QUEUE,
    Conversation,
    Participant,
    PresenceDefinition,
    Queue,
    QueueFigures,
    User,
)
from cxkit.emulator.genesys.state import OrgState, StateError
from cxkit.events import AgentState
from cxkit.sim import (
    AgentStateChange,
    CallAnswered,
    CallCompleted,
    CallEnded,
    CallOffered,
    ReasonCodeInfo,
)
from cxkit.sim.records import ChangeRecord

if TYPE_CHECKING:
    from cxkit.emulator.genesys.runtime import Runtime
    from cxkit.emulator.simhost import SimHost

__all__ = ["DEFAULT_WRAPUP", "SimView"]

DEFAULT_WRAPUP: Final = "default-wrapup"
"""The wrap-up code of a call whose agent gave none (the scripted org's default too)."""

_PERIOD_BUDGET: Final = 500_000
"""Presence (and routing) periods kept across all users for the users details query: a
10,000-agent center keeps 50 per user instead of the scripted org's 1,000, so a long run
stays within ~100 MB."""

_OFFLINE: Final = "OFFLINE"


class _Hint:
    """A presence a client asked for, shown while the agent is in the state it led to."""

    __slots__ = ("definition", "reason", "system")

    def __init__(self, reason: str | None, definition: PresenceDefinition) -> None:
        self.reason = reason  # the sim reason it led to (None: any logout reason)
        self.definition = definition.id
        self.system = definition.system_presence


class SimView:
    """Keeps the runtime's org a view of ``host``'s simulation (see the module docstring).

    Args:
        rt: the plugin runtime (its ``state`` is rebuilt on every reset).
        host: the emulator's simulated center.
    """

    def __init__(self, rt: Runtime, host: SimHost) -> None:
        self.rt = rt
        self.host = host
        self.records = 0
        """Change records turned into org changes so far."""
        self._at: float | None = None  # wall time of the record being applied
        self._users: dict[str, User] = {}  # sim agent id -> user
        self._agent_ids: dict[str, str] = {}  # Genesys user id -> sim agent id
        self._queues: dict[str, Queue] = {}  # sim queue id -> queue
        self._sim_queue: dict[str, str] = {}  # Genesys queue id -> sim queue id
        self._reason_defs: dict[str, PresenceDefinition] = {}  # reason name -> definition
        self._reason_of: dict[str, ReasonCodeInfo] = {}  # definition id -> reason code
        self._on_queue = ""
        self._offline = ""
        self._away = ""
        self._hints: dict[str, _Hint] = {}  # sim agent id -> presence asked for
        self._wrapups: dict[str, str] = {}  # call id -> wrap-up code the agent gave
        self._client_hangups: set[str] = set()  # calls the agent hung up through the API
        self._handlers: dict[type[Any], Callable[[Any], None]] = {
            AgentStateChange: self._agent_changed,
            CallOffered: self._call_offered,
            CallAnswered: self._call_answered,
            CallEnded: self._call_ended,
            CallCompleted: self._call_completed,
        }

    # ------------------------------------------------------------------ clock & seeding

    def clock(self) -> float:
        """The org's clock: the time of the record being applied, else the simulation's
        now (epoch seconds)."""
        at = self._at
        return at if at is not None else self.host.sim.wall_time()

    def periods_per_user(self) -> int:
        """Presence / routing periods to keep per user (see ``_PERIOD_BUDGET``)."""
        agents = max(1, len(self.host.sim.directory.agents))
        return max(20, min(1_000, _PERIOD_BUDGET // agents))

    def populate(self, state: OrgState) -> None:
        """Seed a fresh org from the simulation's directory (see the module docstring)."""
        sim = self.host.sim
        directory = sim.directory
        self._hints.clear()
        self._wrapups.clear()
        self._client_hangups.clear()
        for system, label in SYSTEM_PRESENCES:
            state.add_presence_definition(system, label, definition_id=SYSTEM_PRESENCE_IDS[system])
        self._on_queue = state.presence_by_system[ON_QUEUE].id
        self._offline = state.presence_by_system[_OFFLINE].id
        self._away = state.presence_by_system["AWAY"].id
        self._reason_defs = {}
        self._reason_of = {}
        for reason in directory.reason_codes:
            definition = state.add_presence_definition(
                reason.presence, reason.name, definition_id=reason.genesys_id, kind="User"
            )
            self._reason_defs[reason.name] = definition
            self._reason_of[definition.id] = reason
        demo = self.rt.tenant.user
        password = demo.password.reveal()
        state.add_user(
            demo.name, demo.email, user_id=demo.user_id, password=password, title="Supervisor"
        )
        self._queues = {}
        self._sim_queue = {}
        for info in directory.queues:
            queue = state.add_queue(
                info.name, f"Simulated queue {info.name}", queue_id=info.genesys_id
            )
            queue.service_level = (info.service_level_target, info.service_level_threshold)
            self._queues[info.id] = queue
            self._sim_queue[queue.id] = info.id
        self._users = {}
        self._agent_ids = {}
        for agent in directory.agents:
            snap = sim.agent_snapshot(agent.id)
            presence_id, routing = self._target(agent.id, snap.state, snap.reason)
            user = state.add_user(
                agent.name,
                agent.email,
                user_id=agent.genesys_id,
                password=password,
                department=agent.group,
                presence_id=presence_id,
                routing_status=routing,
            )
            self._users[agent.id] = user
            self._agent_ids[user.id] = agent.id
            for queue_id in agent.skills:
                state.seed_member(self._queues[queue_id].id, user.id)
        state.figures = self.figures

    # ------------------------------------------------------------------ lookups

    def agent_of(self, user_id: str) -> str | None:
        """The simulated agent a Genesys user is (None: not a simulated agent)."""
        return self._agent_ids.get(user_id)

    def sim_queue(self, queue_id: str) -> str:
        """The simulated queue of a Genesys queue id (StateError ``not_found`` otherwise)."""
        found = self._sim_queue.get(queue_id)
        if found is None:
            raise StateError("not_found", f"queue {queue_id} not found", entity="queue")
        return found

    def figures(self, q: Queue) -> QueueFigures | None:
        """The queue's live figures from the simulation's O(1) snapshot."""
        sim_id = self._sim_queue.get(q.id)
        if sim_id is None:
            return None
        snap = self.host.sim.queue_snapshot(sim_id)
        agents = snap.agents
        busy = agents[AgentState.ON_INTERACTION] + agents[AgentState.AFTER_WORK]
        return QueueFigures(
            waiting=snap.calls_waiting,
            interacting=snap.calls_talking,
            alerting=0,
            routing={
                "IDLE": agents[AgentState.READY],
                "INTERACTING": busy,
                "OFF_QUEUE": agents[AgentState.NOT_READY] + agents[AgentState.LOGGED_OUT],
            },
            longest_wait=snap.longest_wait if snap.calls_waiting else None,
        )

    # ------------------------------------------------------------------ state mapping

    def _target(self, agent_id: str, state: AgentState, reason: str | None) -> tuple[str, str]:
        """(presence definition id, routing status) for a simulated agent's state."""
        hint = self._hints.get(agent_id)
        if state is AgentState.READY:
            self._hints.pop(agent_id, None)
            return self._on_queue, "IDLE"
        if state in (AgentState.ON_INTERACTION, AgentState.AFTER_WORK):
            # A presence asked for during the call shows at once (routing stays
            # INTERACTING); Offline would read as logged out, so it waits.
            if hint is not None and hint.system != _OFFLINE:
                return hint.definition, "INTERACTING"
            return self._on_queue, "INTERACTING"
        if state is AgentState.NOT_READY:
            if hint is not None and hint.system != _OFFLINE and hint.reason == reason:
                return hint.definition, "OFF_QUEUE"
            self._hints.pop(agent_id, None)
            definition = self._reason_defs.get(reason or "")
            return (definition.id if definition else self._away), "OFF_QUEUE"
        if hint is not None and hint.system == _OFFLINE and hint.reason in (None, reason):
            return hint.definition, "OFF_QUEUE"
        self._hints.pop(agent_id, None)
        return self._offline, "OFF_QUEUE"

    def _sync(self, agent_id: str) -> None:
        """Show the agent's current state (after a client action: a presence asked for
        during a call shows before any record says so)."""
        snap = self.host.sim.agent_snapshot(agent_id)
        presence_id, routing = self._target(agent_id, snap.state, snap.reason)
        self.rt.state.set_activity(self._users[agent_id], presence_id, routing)

    # ------------------------------------------------------------------ records

    def observe(self, record: ChangeRecord) -> None:
        """Apply one change record (a :meth:`SimHost.subscribe` observer)."""
        handler = self._handlers.get(type(record))
        if handler is None:
            return  # CallQueued (the call already waits), ScriptApplied
        self._at = self.host.sim.wall_time(record.at)
        try:
            handler(record)
            self.records += 1
        finally:
            self._at = None

    def tick(self, _now: float) -> None:
        """Send the observations batched since the last tick (a :meth:`SimHost.on_tick`
        callback)."""
        self.rt.fanout.flush()

    def _agent_changed(self, r: AgentStateChange) -> None:
        user = self._users[r.agent_id]
        presence_id, routing = self._target(r.agent_id, r.new, r.reason)
        self.rt.state.set_activity(user, presence_id, routing)

    def _call_offered(self, r: CallOffered) -> None:
        self.rt.state.start_call(
            self._queues[r.queue_id].id,
            ani=f"tel:{r.ani}",
            dnis=f"tel:{r.dnis}",
            conversation_id=r.call_id,
        )

    def _call_answered(self, r: CallAnswered) -> None:
        self.rt.state.connect_agent(r.call_id, self._users[r.agent_id].id)

    def _call_ended(self, r: CallEnded) -> None:
        by_agent = r.call_id in self._client_hangups
        self._client_hangups.discard(r.call_id)
        self.rt.state.end_call(
            r.call_id, disconnect_type="client" if by_agent else "peer", acw=True
        )

    def _call_completed(self, r: CallCompleted) -> None:
        code = self._wrapups.pop(r.call_id, DEFAULT_WRAPUP)
        self.rt.state.finish_wrapup(r.call_id, self._users[r.agent_id].id, code)

    # ------------------------------------------------------------------ client actions

    def _not_ready_reason(self, definition: PresenceDefinition) -> str:
        """The simulation's not-ready reason for a presence definition."""
        own = self._reason_of.get(definition.id)
        if own is not None and not own.logout:
            return own.name
        candidates = [r for r in self.host.sim.directory.reason_codes if not r.logout]
        if not candidates:
            raise StateError("invalid", "the simulated center has no not-ready reason code")
        for presence in (definition.system_presence, "AWAY"):
            for reason in candidates:
                if reason.presence == presence:
                    return reason.name
        return candidates[0].name

    async def set_presence(self, user: User, key: str) -> None:
        """A client sets a simulated agent's presence (definition id, system presence or
        label): the matching control call, then the agent's state is shown."""
        definition = self.rt.state.presence(key)
        agent_id = self._agent_ids[user.id]
        host = self.host
        system = definition.system_presence
        if system == ON_QUEUE:
            self._hints.pop(agent_id, None)
            await host.agent_action(agent_id, "ready")
        elif system == _OFFLINE:
            own = self._reason_of.get(definition.id)
            reason = own.name if own is not None and own.logout else None
            self._hints[agent_id] = _Hint(reason, definition)
            await host.agent_action(agent_id, "logout", reason)
        else:
            reason = self._not_ready_reason(definition)
            # also for the reason's own definition: it shows at once during a call
            self._hints[agent_id] = _Hint(reason, definition)
            logged_out = host.sim.agent_snapshot(agent_id).state is AgentState.LOGGED_OUT
            await host.agent_action(agent_id, "not_ready", reason)
            if logged_out:
                await host.agent_action(agent_id, "login")  # settles into not ready
        self._sync(agent_id)

    async def set_routing_status(self, user: User, status: str) -> None:
        """A client sets a simulated agent's routing status: IDLE goes On Queue, OFF_QUEUE
        takes an On Queue agent to Available (nothing for an agent already off queue)."""
        if status == "IDLE":
            await self.set_presence(user, ON_QUEUE)
        elif status == "OFF_QUEUE" and self.rt.state.system_presence(user) == ON_QUEUE:
            await self.set_presence(user, "AVAILABLE")
        elif status not in ("OFF_QUEUE", "IDLE"):
            raise StateError("invalid", f"routing status {status!r} cannot be set")

    def _connected_agent(self, conversation: Conversation) -> Participant | None:
        for p in reversed(conversation.by_purpose("agent")):
            if p.state == "connected" and p.user_id in self._agent_ids:
                return p
        return None

    def _acw_agent(self, conversation: Conversation) -> Participant | None:
        for p in reversed(conversation.by_purpose("agent")):
            if p.connected is not None and p.wrapup_code is None and p.user_id in self._agent_ids:
                return p
        return None

    async def hang_up(
        self, conversation: Conversation, *, by_agent: bool = True, wrapup_code: str | None = None
    ) -> None:
        """The connected call ends now (its agent's ``end_call``); refused (409) for a call
        that waits (the simulation has no way to drop it) or has ended. With
        ``wrapup_code`` the after-call work ends at once too."""
        agent = self._connected_agent(conversation)
        if not conversation.active or agent is None or agent.user_id is None:
            raise StateError(
                "conflict",
                f"conversation {conversation.id} has no connected agent to hang up "
                "(the simulated center only ends calls an agent is talking on)",
            )
        if by_agent:
            self._client_hangups.add(conversation.id)
        agent_id = self._agent_ids[agent.user_id]
        if wrapup_code is not None:
            self._wrapups[conversation.id] = wrapup_code  # also when wrap-up lasts 0 s
        await self.host.agent_action(agent_id, "end_call")
        if wrapup_code is not None and self._acw_agent(conversation) is not None:
            await self.host.agent_action(agent_id, "end_wrap_up")

    async def wrap_up(self, conversation: Conversation, code: str) -> None:
        """The agent gives its wrap-up ``code``: kept for the call; in after-call work it
        ends it now (``end_wrap_up``)."""
        agent = self._acw_agent(conversation)
        if agent is None or agent.user_id is None:
            raise StateError("conflict", f"conversation {conversation.id} owes no wrap-up")
        self._wrapups[conversation.id] = code
        if agent.end is not None:
            await self.host.agent_action(self._agent_ids[agent.user_id], "end_wrap_up")

    async def offer_call(self, queue_id: str) -> Conversation:
        """Offer a call to the simulated queue behind a Genesys queue; the conversation."""
        call_id = await self.host.offer_call(self.sim_queue(queue_id))
        return self.rt.state.conversation(call_id)
