"""Plain entities of the emulated org and the change records :class:`OrgState` emits.

No wire shapes here: :mod:`render` and :mod:`topic_bodies` turn these into JSON. Times are
epoch seconds from the emulator clock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "ON_QUEUE",
    "ROUTING_STATUSES",
    "ActivityChanged",
    "Change",
    "Conversation",
    "ConversationChanged",
    "DetailEvent",
    "OutOfOfficeChanged",
    "Participant",
    "PresenceChanged",
    "PresenceDefinition",
    "Queue",
    "QueueFigures",
    "QueueMembershipChanged",
    "QueueStatsChanged",
    "RoutingStatusChanged",
    "StationChanged",
    "User",
]

ROUTING_STATUSES: Final = ("OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING", "COMMUNICATING")
ON_QUEUE: Final = "ON_QUEUE"
"""The ``systemPresence`` of the On Queue presence definition."""


@dataclass(slots=True)
class PresenceDefinition:
    """An organization presence definition (system presences only in the demo org)."""

    id: str
    system_presence: str  # AVAILABLE, AWAY, BUSY, OFFLINE, IDLE, ON_QUEUE, MEAL, ...
    label: str
    type: str = "System"
    deactivated: bool = False
    system_label: str = ""
    """The label of the system presence this definition belongs to ("Meal" for a "Lunch"
    definition); empty for the system definitions themselves (their own label)."""

    @property
    def system_name(self) -> str:
        """What users' presences and events show as ``systemPresence`` ("On Queue", "Meal"):
        a secondary (``type: User``) definition shows its system presence, not its own name."""
        return self.system_label or self.label


@dataclass(slots=True)
class User:
    """A user of the org with its presence, routing status and queue memberships."""

    id: str
    name: str
    email: str
    title: str
    department: str
    division_id: str
    presence_id: str
    presence_modified: float
    routing_status: str
    routing_started: float
    password: str | None = field(default=None, repr=False)
    presence_message: str | None = None
    state: str = "active"
    version: int = 1
    queues: dict[str, bool] = field(default_factory=dict)  # queue id -> joined
    queues_changed: float = 0.0
    profile_skills: list[str] = field(default_factory=list)
    station_id: str | None = None  # the associated (phone) station
    station_changed: float = 0.0
    last_station_id: str | None = None
    ooo_active: bool = False  # out of office
    ooo_indefinite: bool = False
    ooo_start: float | None = None
    ooo_end: float | None = None

    def active_queue_ids(self) -> list[str]:
        """Queues this user has joined (activated)."""
        return [qid for qid, joined in self.queues.items() if joined]


@dataclass(slots=True)
class Queue:
    """A routing queue with incrementally kept counters for observations.

    The counters avoid rescanning members on every agent change: a simulated contact center
    of 10,000 agents updates a handful of counters per state change instead.
    """

    id: str
    name: str
    description: str
    division_id: str
    created: float
    members: dict[str, bool] = field(default_factory=dict)  # user id -> joined
    waiting: dict[str, None] = field(default_factory=dict)  # conversation ids, arrival order
    alerting: dict[str, None] = field(default_factory=dict)
    interacting: dict[str, None] = field(default_factory=dict)
    routing_counts: Counter[str] = field(default_factory=Counter)  # joined members by status
    presence_counts: Counter[str] = field(default_factory=Counter)  # joined members by presence
    off_queue_presence: Counter[str] = field(default_factory=Counter)  # joined OFF_QUEUE members
    service_level: tuple[float, float] = (0.8, 20.0)  # (fraction, within seconds)

    def joined_count(self) -> int:
        """Members that have joined (activated) the queue."""
        return sum(1 for joined in self.members.values() if joined)


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """A queue's live figures when another source than the org's own buckets and counters
    knows them (the simulated center's O(1) queue snapshot): calls ``waiting``,
    ``interacting`` and ``alerting``, joined members by routing status (``OFF_QUEUE``
    included) and the longest wait in seconds (None: nobody waits)."""

    waiting: int
    interacting: int
    alerting: int
    routing: dict[str, int]
    longest_wait: float | None


@dataclass(slots=True)
class Participant:
    """One participant of a call (customer, acd, agent) with its single call session."""

    id: str
    purpose: str  # customer | acd | agent
    name: str
    address: str
    session_id: str
    start: float
    state: str = "alerting"  # alerting | connected | disconnected
    direction: str = "inbound"
    user_id: str | None = None
    queue_id: str | None = None
    connected: float | None = None
    end: float | None = None
    disconnect_type: str | None = None
    wrapup_required: bool = False
    wrapup_code: str | None = None
    acw_end: float | None = None  # after-call work ended (the wrap-up was submitted)
    held: bool = False
    muted: bool = False


@dataclass(slots=True)
class Conversation:
    """A voice conversation and its participants."""

    id: str
    start: float
    direction: str
    ani: str
    dnis: str
    division_id: str
    queue_id: str | None = None
    end: float | None = None
    external_tag: str | None = None
    participants: list[Participant] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Not ended yet."""
        return self.end is None

    def participant(self, participant_id: str) -> Participant | None:
        """The participant with this id, or None."""
        for p in self.participants:
            if p.id == participant_id:
                return p
        return None

    def by_purpose(self, purpose: str) -> list[Participant]:
        """Participants with this purpose, oldest first."""
        return [p for p in self.participants if p.purpose == purpose]

    def user_ids(self) -> list[str]:
        """Users taking part (agents)."""
        return [p.user_id for p in self.participants if p.user_id]


# --------------------------------------------------------------------------- changes


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    """A user's presence changed."""

    user: User


@dataclass(frozen=True, slots=True)
class RoutingStatusChanged:
    """A user's routing status changed."""

    user: User


@dataclass(frozen=True, slots=True)
class ActivityChanged:
    """A user's agent activity (presence, routing status or active queues) changed; sent
    once after the more specific changes of one mutation."""

    user: User


@dataclass(frozen=True, slots=True)
class StationChanged:
    """A user was associated with a station, or disassociated from it."""

    user: User


@dataclass(frozen=True, slots=True)
class OutOfOfficeChanged:
    """A user's out-of-office setting changed."""

    user: User


@dataclass(frozen=True, slots=True)
class QueueMembershipChanged:
    """A user was added to / removed from a queue, or joined / left it."""

    queue: Queue
    user: User
    removed: bool = False


@dataclass(frozen=True, slots=True)
class QueueStatsChanged:
    """A queue's observation counters changed."""

    queue: Queue


@dataclass(frozen=True, slots=True)
class ConversationChanged:
    """A conversation was created or changed (participants, states)."""

    conversation: Conversation


@dataclass(frozen=True, slots=True)
class DetailEvent:
    """A ``v2.detail.events.conversation.{id}.<event>`` moment (acd.start, user.end, ...)."""

    event: str
    conversation: Conversation
    participant: Participant
    at: float
    extra: dict[str, Any] = field(default_factory=dict)


Change = (
    ActivityChanged
    | PresenceChanged
    | RoutingStatusChanged
    | StationChanged
    | OutOfOfficeChanged
    | QueueMembershipChanged
    | QueueStatsChanged
    | ConversationChanged
    | DetailEvent
)
