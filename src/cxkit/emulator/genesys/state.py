"""The emulated org's truth: users, presences, routing statuses, queues, conversations.

Every mutation is a plain method (``set_user_presence``, ``set_routing_status``,
``set_queue_member``, ``start_call``, ``route_call``, ``answer_call``, ``end_call``) that
updates the entities and then tells the observers what changed (:mod:`model` change records),
so HTTP routes, the scripted scenario, the admin API and a future simulation engine all drive
the same state and the notification fan-out sees every change. Nothing here knows about HTTP
or JSON.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Final

from cxkit.emulator.genesys.ids import IdFactory
from cxkit.emulator.genesys.model import (
    ON_QUEUE,
    ROUTING_STATUSES,
    ActivityChanged,
    Change,
    Conversation,
    ConversationChanged,
    DetailEvent,
    OutOfOfficeChanged,
    Participant,
    PresenceChanged,
    PresenceDefinition,
    Queue,
    QueueFigures,
    QueueMembershipChanged,
    QueueStatsChanged,
    RoutingStatusChanged,
    StationChanged,
    User,
)

__all__ = ["OrgState", "StateError"]

Observer = Callable[[Change], None]
_UNSET: Final = object()
_BUSY: Final = ("INTERACTING", "COMMUNICATING")


class StateError(Exception):
    """A mutation or lookup the state refuses; ``kind`` maps to an HTTP status."""

    def __init__(self, kind: str, message: str, *, entity: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind  # "not_found" | "invalid" | "conflict"
        self.message = message
        self.entity = entity  # user | queue | conversation | presence | participant


_PERIODS_PER_USER: Final = 1_000  # presence / routing periods kept per user


class OrgState:
    """One org's users, presence definitions, queues and conversations."""

    def __init__(
        self,
        *,
        org_id: str,
        org_name: str,
        clock: Callable[[], float],
        ids: IdFactory,
        history: int = 10_000,
        periods_per_user: int = _PERIODS_PER_USER,
    ) -> None:
        self.org_id = org_id
        self.org_name = org_name
        self.clock = clock
        self.ids = ids
        self.division_id = ids.uuid()
        self.division_name = "Home"
        self.users: dict[str, User] = {}
        self.users_by_email: dict[str, User] = {}
        self.queues: dict[str, Queue] = {}
        self.presences: dict[str, PresenceDefinition] = {}
        self.presence_by_system: dict[str, PresenceDefinition] = {}
        self.conversations: dict[str, Conversation] = {}
        self._ended: deque[str] = deque()
        self._history = history
        self._observers: list[Observer] = []
        # Finished presence / routing-status periods per user, (start, end, value) with the
        # presence definition id or the status, for the users details query. The current
        # period is the user's own state (presence_since / routing_started).
        self.presence_log: dict[str, deque[tuple[float, float, str]]] = {}
        self.routing_log: dict[str, deque[tuple[float, float, str]]] = {}
        self.presence_since: dict[str, float] = {}
        self._periods_per_user = periods_per_user
        self.figures: Callable[[Queue], QueueFigures | None] | None = None
        """Where a queue's live figures come from when not from its own buckets and
        counters (the simulated center's queue snapshot; see :mod:`simview`)."""

    # ------------------------------------------------------------------ observers

    def add_observer(self, observer: Observer) -> Callable[[], None]:
        """Call ``observer`` with every change; returns a function that removes it."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer) if observer in self._observers else None

    def _emit(self, change: Change) -> None:
        for observer in self._observers:  # never changed while emitting
            observer(change)

    # ------------------------------------------------------------------ building

    def add_presence_definition(
        self,
        system_presence: str,
        label: str,
        *,
        definition_id: str | None = None,
        kind: str = "System",
    ) -> PresenceDefinition:
        """Add a presence definition: a system one, or (``kind="User"``) a secondary one
        under the system presence ``system_presence`` (whose definition must exist)."""
        system_label = "" if kind == "System" else self.presence_by_system[system_presence].label
        definition = PresenceDefinition(
            definition_id or self.ids.uuid(),
            system_presence,
            label,
            type=kind,
            system_label=system_label,
        )
        self.presences[definition.id] = definition
        self.presence_by_system.setdefault(system_presence, definition)
        return definition

    def add_user(
        self,
        name: str,
        email: str,
        *,
        user_id: str | None = None,
        password: str | None = None,
        title: str = "Agent",
        department: str = "Contact Center",
        presence_id: str | None = None,
        routing_status: str = "OFF_QUEUE",
    ) -> User:
        """Add an active user, Available (or ``presence_id``) and off queue (or
        ``routing_status``)."""
        now = self.clock()
        user = User(
            id=user_id or self.ids.uuid(),
            name=name,
            email=email,
            title=title,
            department=department,
            division_id=self.division_id,
            presence_id=presence_id or self.presence_by_system["AVAILABLE"].id,
            presence_modified=now,
            routing_status=routing_status,
            routing_started=now,
            password=password,
            queues_changed=now,
        )
        self.users[user.id] = user
        self.users_by_email[email.lower()] = user
        return user

    def add_queue(self, name: str, description: str = "", *, queue_id: str | None = None) -> Queue:
        """Add an empty queue."""
        queue = Queue(
            queue_id or self.ids.uuid(), name, description, self.division_id, self.clock()
        )
        self.queues[queue.id] = queue
        return queue

    # ------------------------------------------------------------------ lookups

    def user(self, user_id: str) -> User:
        """The user with this id (StateError ``not_found`` otherwise)."""
        user = self.users.get(user_id)
        if user is None:
            raise StateError("not_found", f"user {user_id} not found", entity="user")
        return user

    def queue(self, queue_id: str) -> Queue:
        """The queue with this id (StateError ``not_found`` otherwise)."""
        queue = self.queues.get(queue_id)
        if queue is None:
            raise StateError("not_found", f"queue {queue_id} not found", entity="queue")
        return queue

    def conversation(self, conversation_id: str) -> Conversation:
        """The conversation with this id (StateError ``not_found`` otherwise)."""
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            raise StateError(
                "not_found", f"conversation {conversation_id} not found", entity="conversation"
            )
        return conversation

    def presence(self, key: str) -> PresenceDefinition:
        """A presence definition by id, system presence or label (case-insensitive)."""
        found = self.presences.get(key) or self.presence_by_system.get(key.upper())
        if found is None:
            wanted = key.replace(" ", "").lower()
            for definition in self.presences.values():
                if definition.label.replace(" ", "").lower() == wanted:
                    return definition
            raise StateError("not_found", f"presence definition {key} not found", entity="presence")
        return found

    def system_presence(self, user: User) -> str:
        """The ``systemPresence`` of the user's current presence."""
        return self.presences[user.presence_id].system_presence

    def active_conversations(self) -> Iterator[Conversation]:
        """Conversations that have not ended."""
        return (c for c in self.conversations.values() if c.end is None)

    def idle_agent(self, queue_id: str) -> User | None:
        """The joined member of the queue idle the longest, or None."""
        queue = self.queue(queue_id)
        candidates = [
            self.users[uid]
            for uid, joined in queue.members.items()
            if joined and self.users[uid].routing_status == "IDLE"
        ]
        return min(candidates, key=lambda u: u.routing_started, default=None)

    # ------------------------------------------------------------------ users

    def _count(self, user: User, sign: int, queue_ids: list[str] | None = None) -> None:
        for qid in queue_ids if queue_ids is not None else user.active_queue_ids():
            queue = self.queues[qid]
            for counter, key in (
                (queue.routing_counts, user.routing_status),
                (queue.presence_counts, user.presence_id),
            ):
                counter[key] += sign
                if counter[key] <= 0:
                    del counter[key]
            if user.routing_status == "OFF_QUEUE":
                queue.off_queue_presence[user.presence_id] += sign
                if queue.off_queue_presence[user.presence_id] <= 0:
                    del queue.off_queue_presence[user.presence_id]

    def _apply(
        self,
        user: User,
        *,
        presence_id: str | None = None,
        message: object = _UNSET,
        routing: str | None = None,
    ) -> None:
        """Change presence and/or routing status, keep counters, then emit in order."""
        now = self.clock()
        presence_changed = presence_id is not None or message is not _UNSET
        routing_changed = routing is not None and routing != user.routing_status
        self._count(user, -1)
        if presence_id is not None and presence_id != user.presence_id:
            since = self.presence_since.get(user.id, user.presence_modified)
            self._log(self.presence_log, user.id, (since, now, user.presence_id))
            self.presence_since[user.id] = now
        if routing_changed:
            self._log(self.routing_log, user.id, (user.routing_started, now, user.routing_status))
        if presence_id is not None:
            user.presence_id = presence_id
        if message is not _UNSET:
            user.presence_message = message if isinstance(message, str) else None
        if presence_changed:
            user.presence_modified = now
        if routing is not None and routing_changed:
            user.routing_status = routing
            user.routing_started = now
        self._count(user, +1)
        if presence_changed:
            self._emit(PresenceChanged(user))
        if routing_changed:
            self._emit(RoutingStatusChanged(user))
        if presence_changed or routing_changed:
            self._emit(ActivityChanged(user))
            for qid in user.active_queue_ids():
                self._emit(QueueStatsChanged(self.queues[qid]))

    def _log(
        self,
        logs: dict[str, deque[tuple[float, float, str]]],
        user_id: str,
        period: tuple[float, float, str],
    ) -> None:
        log = logs.get(user_id)
        if log is None:
            log = logs[user_id] = deque(maxlen=self._periods_per_user)
        log.append(period)

    def presence_periods(self, user: User) -> list[tuple[float, float | None, str]]:
        """The user's presence periods, oldest first; the current one ends with None."""
        current = (self.presence_since.get(user.id, user.presence_modified), None, user.presence_id)
        return [*self.presence_log.get(user.id, ()), current]

    def routing_periods(self, user: User) -> list[tuple[float, float | None, str]]:
        """The user's routing-status periods, oldest first; the current one ends with None."""
        current = (user.routing_started, None, user.routing_status)
        return [*self.routing_log.get(user.id, ()), current]

    def set_user_presence(self, user_id: str, presence: str, *, message: object = _UNSET) -> User:
        """Set a user's presence (id, system presence or label). Going On Queue makes an
        off-queue user IDLE; leaving On Queue takes an idle user OFF_QUEUE (a user busy on an
        interaction goes off queue when it ends)."""
        user = self.user(user_id)
        definition = self.presence(presence)
        routing: str | None = None
        if definition.system_presence == ON_QUEUE and user.routing_status == "OFF_QUEUE":
            routing = "IDLE"
        elif definition.system_presence != ON_QUEUE and user.routing_status not in _BUSY:
            routing = "OFF_QUEUE"
        self._apply(user, presence_id=definition.id, message=message, routing=routing)
        return user

    def set_routing_status(self, user_id: str, status: str) -> User:
        """Set a user's routing status; IDLE also puts the user On Queue and OFF_QUEUE takes
        an On Queue user back to Available, as the real service does."""
        user = self.user(user_id)
        if status not in ROUTING_STATUSES:
            raise StateError("invalid", f"routing status {status!r} is not valid")
        system = self.system_presence(user)
        presence_id: str | None = None
        if status != "OFF_QUEUE" and system != ON_QUEUE:
            presence_id = self.presence_by_system[ON_QUEUE].id
        elif status == "OFF_QUEUE" and system == ON_QUEUE:
            presence_id = self.presence_by_system["AVAILABLE"].id
        self._apply(user, presence_id=presence_id, routing=status)
        return user

    def set_activity(self, user: User, presence_id: str, routing: str) -> None:
        """Set presence and routing status as one change (the simulated center's way: the
        pair follows the agent's state), emitting only what changed."""
        self._apply(
            user,
            presence_id=presence_id if presence_id != user.presence_id else None,
            routing=routing,
        )

    def set_station(self, user_id: str, station_id: str | None) -> User:
        """Associate the user with a station (None: disassociate). Emits a station change."""
        user = self.user(user_id)
        if station_id == user.station_id:
            return user
        if user.station_id is not None:
            user.last_station_id = user.station_id
        user.station_id = station_id
        user.station_changed = self.clock()
        self._emit(StationChanged(user))
        return user

    def set_out_of_office(
        self,
        user_id: str,
        active: bool,
        *,
        indefinite: bool = False,
        start: float | None = None,
        end: float | None = None,
    ) -> User:
        """Set the user's out-of-office (emits the out-of-office and activity changes)."""
        user = self.user(user_id)
        user.ooo_active = active
        user.ooo_indefinite = indefinite
        user.ooo_start = start if start is not None else (self.clock() if active else None)
        user.ooo_end = None if indefinite else end
        self._emit(OutOfOfficeChanged(user))
        self._emit(ActivityChanged(user))
        return user

    def set_queue_member(self, queue_id: str, user_id: str, *, joined: bool = True) -> None:
        """Add the user to the queue (or change whether the membership is joined)."""
        queue, user = self.queue(queue_id), self.user(user_id)
        if user.queues.get(queue_id) is True:
            self._count(user, -1, [queue_id])
        queue.members[user_id] = joined
        user.queues[queue_id] = joined
        user.queues_changed = self.clock()
        if joined:
            self._count(user, +1, [queue_id])
        self._emit(QueueMembershipChanged(queue, user))
        self._emit(ActivityChanged(user))
        self._emit(QueueStatsChanged(queue))

    def seed_member(self, queue_id: str, user_id: str, *, joined: bool = True) -> None:
        """Make the user a member of the queue while the org is being built, without
        telling the observers (nobody can listen yet; a 10,000-agent center seeds ~30,000
        memberships)."""
        queue, user = self.queues[queue_id], self.users[user_id]
        queue.members[user_id] = joined
        user.queues[queue_id] = joined
        if joined:
            self._count(user, +1, [queue_id])

    def remove_queue_member(self, queue_id: str, user_id: str) -> None:
        """Remove the user from the queue."""
        queue, user = self.queue(queue_id), self.user(user_id)
        if queue_id not in user.queues:
            raise StateError("not_found", f"user {user_id} is not a member of queue {queue_id}")
        if user.queues.pop(queue_id):
            self._count(user, -1, [queue_id])
        del queue.members[user_id]
        user.queues_changed = self.clock()
        self._emit(QueueMembershipChanged(queue, user, removed=True))
        self._emit(ActivityChanged(user))
        self._emit(QueueStatsChanged(queue))

    def patch_user(self, user_id: str, changes: dict[str, object], version: int) -> User:
        """Apply plain field changes with optimistic concurrency on ``version``."""
        user = self.user(user_id)
        if version != user.version:
            raise StateError("conflict", f"version {version} is stale (current {user.version})")
        for key, value in changes.items():
            setattr(user, key, value)
        user.version += 1
        return user

    def create_user(self, name: str, email: str, **fields: str) -> User:
        """A new active user (``email`` must be unused)."""
        if email.lower() in self.users_by_email:
            raise StateError("conflict", f"a user with email {email} already exists")
        return self.add_user(name, email, **fields)

    def set_profile_skills(self, user_id: str, skills: list[str]) -> User:
        """Replace a user's profile skills."""
        user = self.user(user_id)
        user.profile_skills = list(skills)
        return user

    def delete_user(self, user_id: str) -> User:
        """Mark the user deleted and take it out of every queue."""
        user = self.user(user_id)
        for queue_id in list(user.queues):
            self.remove_queue_member(queue_id, user_id)
        user.state = "deleted"
        user.version += 1
        self.users_by_email.pop(user.email.lower(), None)
        return user

    # ------------------------------------------------------------------ calls

    def _participant(self, purpose: str, name: str, address: str, **kw: object) -> Participant:
        return Participant(
            id=self.ids.uuid(),
            purpose=purpose,
            name=name,
            address=address,
            session_id=self.ids.uuid(),
            start=self.clock(),
            **kw,  # type: ignore[arg-type]
        )

    def start_call(
        self,
        queue_id: str,
        *,
        ani: str | None = None,
        dnis: str | None = None,
        conversation_id: str | None = None,
    ) -> Conversation:
        """An inbound call arrives and waits in the queue."""
        queue = self.queue(queue_id)
        now = self.clock()
        ani = ani or f"tel:+1555{self.ids.digits(7)}"
        dnis = dnis or "tel:+18005550100"
        conversation = Conversation(
            id=conversation_id or self.ids.uuid(),
            start=now,
            direction="inbound",
            ani=ani,
            dnis=dnis,
            division_id=queue.division_id,
            queue_id=queue_id,
        )
        customer = self._participant("customer", "Customer", ani, state="connected", connected=now)
        acd = self._participant(
            "acd", queue.name, dnis, state="connected", connected=now, queue_id=queue_id
        )
        conversation.participants += [customer, acd]
        self.conversations[conversation.id] = conversation
        queue.waiting[conversation.id] = None
        self._emit(ConversationChanged(conversation))
        self._emit(DetailEvent("customer.start", conversation, customer, now))
        self._emit(DetailEvent("acd.start", conversation, acd, now))
        self._emit(QueueStatsChanged(queue))
        return conversation

    def route_call(self, conversation_id: str, user_id: str) -> Participant:
        """Offer a waiting call to an agent (the agent's leg alerts)."""
        conversation = self.conversation(conversation_id)
        user = self.user(user_id)
        if not conversation.active or conversation.queue_id is None:
            raise StateError("conflict", f"conversation {conversation_id} is not waiting")
        queue = self.queues[conversation.queue_id]
        if conversation_id not in queue.waiting:
            raise StateError("conflict", f"conversation {conversation_id} is not waiting")
        if user.routing_status in _BUSY:
            raise StateError("conflict", f"user {user_id} is already interacting")
        agent = self._participant(
            "agent", user.name, f"sip:{user.email}", user_id=user.id, queue_id=queue.id
        )
        agent.wrapup_required = True
        conversation.participants.append(agent)
        del queue.waiting[conversation_id]
        queue.alerting[conversation_id] = None
        self._emit(ConversationChanged(conversation))
        self._emit(DetailEvent("user.start", conversation, agent, agent.start))
        self._apply(user, routing="INTERACTING")
        self._emit(QueueStatsChanged(queue))
        return agent

    def connect_agent(self, conversation_id: str, user_id: str) -> Participant:
        """A waiting call is connected to an agent at once (the simulated center has no
        alerting phase: its agents auto-answer). The agent's routing status is left to the
        caller, who knows the agent's state."""
        conversation = self.conversation(conversation_id)
        user = self.user(user_id)
        if not conversation.active or conversation.queue_id is None:
            raise StateError("conflict", f"conversation {conversation_id} is not waiting")
        queue = self.queues[conversation.queue_id]
        now = self.clock()
        agent = self._participant(
            "agent",
            user.name,
            f"sip:{user.email}",
            user_id=user.id,
            queue_id=queue.id,
            state="connected",
            connected=now,
        )
        agent.wrapup_required = True
        conversation.participants.append(agent)
        transferred = [a for a in conversation.by_purpose("acd") if a.state != "disconnected"]
        for acd in transferred:
            acd.state, acd.end, acd.disconnect_type = "disconnected", now, "transfer"
        queue.waiting.pop(conversation_id, None)
        queue.interacting[conversation_id] = None
        self._emit(ConversationChanged(conversation))
        self._emit(DetailEvent("user.start", conversation, agent, now))
        for acd in transferred:
            self._emit(DetailEvent("acd.end", conversation, acd, now, {"acdOutcome": "ANSWERED"}))
        self._emit(QueueStatsChanged(queue))
        return agent

    def answer_call(self, conversation_id: str) -> Participant:
        """The alerting agent answers; the ACD leg ends (transferred to the agent)."""
        conversation = self.conversation(conversation_id)
        alerting = [p for p in conversation.by_purpose("agent") if p.state == "alerting"]
        if not conversation.active or not alerting:
            raise StateError("conflict", f"conversation {conversation_id} has no alerting agent")
        now = self.clock()
        agent = alerting[-1]
        agent.state, agent.connected = "connected", now
        for acd in conversation.by_purpose("acd"):
            if acd.state != "disconnected":
                acd.state, acd.end, acd.disconnect_type = "disconnected", now, "transfer"
                extra = {"acdOutcome": "ANSWERED"}
                self._emit(DetailEvent("acd.end", conversation, acd, now, extra))
        if conversation.queue_id is not None:
            queue = self.queues[conversation.queue_id]
            queue.alerting.pop(conversation_id, None)
            queue.interacting[conversation_id] = None
            self._emit(ConversationChanged(conversation))
            self._emit(QueueStatsChanged(queue))
        return agent

    def end_call(
        self,
        conversation_id: str,
        *,
        disconnect_type: str = "peer",
        wrapup_code: str | None = None,
        acw: bool = False,
    ) -> Conversation:
        """Hang up: every leg disconnects, agents go back to IDLE (or OFF_QUEUE when their
        presence is no longer On Queue).

        With ``acw`` the connected agents go into after-call work instead: their wrap-up
        stays pending until :meth:`finish_wrapup` and their routing status is left alone
        (Genesys keeps an agent INTERACTING through ACW)."""
        conversation = self.conversation(conversation_id)
        if not conversation.active:
            raise StateError("conflict", f"conversation {conversation_id} has already ended")
        now = self.clock()
        details: list[DetailEvent] = []
        for p in conversation.participants:
            if p.state == "disconnected":
                continue
            p.state, p.end, p.disconnect_type = "disconnected", now, disconnect_type
            if p.purpose == "acd":
                details.append(
                    DetailEvent("acd.end", conversation, p, now, {"acdOutcome": "ABANDONED"})
                )
            elif p.purpose == "agent":
                details.append(DetailEvent("user.end", conversation, p, now))
                if p.connected is not None and not acw:
                    p.wrapup_code = wrapup_code or "default-wrapup"
                    details.append(DetailEvent("acw", conversation, p, now))
            elif p.purpose == "customer":
                details.append(DetailEvent("customer.end", conversation, p, now))
        conversation.end = now
        self._emit(ConversationChanged(conversation))
        for event in details:
            self._emit(event)
        for p in [] if acw else conversation.by_purpose("agent"):
            user = self.users.get(p.user_id or "")
            if user is not None and user.routing_status in _BUSY:
                on_queue = self.system_presence(user) == ON_QUEUE
                self._apply(user, routing="IDLE" if on_queue else "OFF_QUEUE")
        if conversation.queue_id is not None:
            queue = self.queues[conversation.queue_id]
            for bucket in (queue.waiting, queue.alerting, queue.interacting):
                bucket.pop(conversation_id, None)
            self._emit(QueueStatsChanged(queue))
        self._remember_ended(conversation_id)
        return conversation

    def finish_wrapup(self, conversation_id: str, user_id: str, code: str) -> Participant | None:
        """The agent's after-call work ends with wrap-up ``code``; None when the
        conversation (or the agent's pending wrap-up in it) is not known any more."""
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return None
        pending = [
            p
            for p in conversation.by_purpose("agent")
            if p.user_id == user_id and p.connected is not None and p.wrapup_code is None
        ]
        if not pending:
            return None
        now = self.clock()
        agent = pending[-1]
        agent.wrapup_code = code
        agent.acw_end = now
        if agent.end is None:  # wrapped up before the call ended (not in the simulation)
            agent.state, agent.end, agent.disconnect_type = "disconnected", now, "client"
        duration = round((now - agent.end) * 1000)
        self._emit(ConversationChanged(conversation))
        self._emit(DetailEvent("acw", conversation, agent, now, {"wrapupDurationMs": duration}))
        return agent

    def open_conversations(self, user_id: str) -> list[Conversation]:
        """The user's conversations that have not ended, or whose wrap-up the user still
        owes (what a real agent's conversation list shows through after-call work)."""
        return [
            c
            for c in self.conversations.values()
            if user_id in c.user_ids()
            and (
                c.end is None
                or any(
                    p.user_id == user_id and p.connected is not None and p.wrapup_code is None
                    for p in c.by_purpose("agent")
                )
            )
        ]

    def disconnect_participant(self, conversation_id: str, participant_id: str) -> Conversation:
        """A participant hangs up; for a two-party call that ends the conversation."""
        conversation = self.conversation(conversation_id)
        participant = conversation.participant(participant_id)
        if participant is None:
            raise StateError(
                "not_found", f"participant {participant_id} not found", entity="participant"
            )
        kind = "client" if participant.purpose == "agent" else "peer"
        return self.end_call(conversation_id, disconnect_type=kind)

    def _remember_ended(self, conversation_id: str) -> None:
        self._ended.append(conversation_id)
        while len(self._ended) > self._history:
            self.conversations.pop(self._ended.popleft(), None)
