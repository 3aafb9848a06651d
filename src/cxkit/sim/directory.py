"""Who and what is in a simulated center: agents, queues and reason codes with their ids.

The directory is built once from a :class:`~cxkit.sim.spec.SimConfig` (pure, deterministic)
and never changes during a run. Emulators seed their tenants from it (Five9 users, skills
and reason codes; Genesys users, queues and presences) and map the canonical ids in change
records to vendor ids through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import msgspec

from cxkit.errors import UsageError
from cxkit.sim import ids
from cxkit.sim.names import agent_name, login_name
from cxkit.sim.spec import SimConfig

__all__ = ["AgentInfo", "Directory", "QueueInfo", "ReasonCodeInfo", "build_directory"]

EMAIL_DOMAIN = "cxkit.local"

_T = TypeVar("_T")


class AgentInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One agent: canonical ``id``, vendor ids, names, extension, group and skills
    (canonical queue ids)."""

    id: str
    index: int
    five9_id: str
    genesys_id: str
    first_name: str
    last_name: str
    name: str
    username: str
    email: str
    extension: str
    group: str
    skills: tuple[str, ...]


class QueueInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One queue (Five9 skill, Genesys queue): canonical ``id``, vendor ids, name, the
    number callers dial and its service-level settings."""

    id: str
    index: int
    five9_id: str
    genesys_id: str
    name: str
    dnis: str
    service_level_threshold: float
    service_level_target: float


class ReasonCodeInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One reason code: its ``name`` (what change records carry), the Five9 reason code
    id, a Genesys presence-definition id, the Genesys system presence and whether it is a
    logout reason."""

    name: str
    five9_id: str
    genesys_id: str
    presence: str
    logout: bool


class Directory:
    """Every agent, queue and reason code of a run, with lookups by id and name."""

    def __init__(
        self,
        agents: tuple[AgentInfo, ...],
        queues: tuple[QueueInfo, ...],
        reason_codes: tuple[ReasonCodeInfo, ...],
    ) -> None:
        self.agents = agents
        self.queues = queues
        self.reason_codes = reason_codes
        self._agents = {a.id: a for a in agents}
        self._queues = {q.id: q for q in queues}
        self._queue_names = {q.name: q for q in queues}
        self._reasons = {r.name: r for r in reason_codes}
        self._by_vendor_id: dict[str, AgentInfo | QueueInfo] = {}
        entities: list[AgentInfo | QueueInfo] = [*agents, *queues]
        for entity in entities:
            self._by_vendor_id[entity.five9_id] = entity
            self._by_vendor_id[entity.genesys_id] = entity

    def agent(self, agent_id: str) -> AgentInfo:
        """The agent with canonical id ``agent_id`` (UsageError when unknown)."""
        return _get(self._agents, agent_id, "agent")

    def queue(self, queue_id: str) -> QueueInfo:
        """The queue with canonical id ``queue_id`` (UsageError when unknown)."""
        return _get(self._queues, queue_id, "queue")

    def queue_named(self, name: str) -> QueueInfo:
        """The queue called ``name`` (UsageError when unknown)."""
        return _get(self._queue_names, name, "queue name")

    def reason(self, name: str) -> ReasonCodeInfo:
        """The reason code called ``name`` (UsageError when unknown)."""
        return _get(self._reasons, name, "reason code")

    def by_vendor_id(self, vendor_id: str) -> AgentInfo | QueueInfo | None:
        """The agent or queue with this Five9 or Genesys id, or None."""
        return self._by_vendor_id.get(vendor_id)


def _get(table: Mapping[str, _T], key: str, what: str) -> _T:
    try:
        return table[key]
    except KeyError:
        raise UsageError(f"no {what} {key!r} in this simulated center") from None


def build_directory(config: SimConfig) -> Directory:
    """Build the directory of ``config`` (deterministic: same config, same ids)."""
    center, seed = config.center, config.seed
    queues = tuple(
        QueueInfo(
            id=ids.queue_id(i),
            index=i,
            five9_id=ids.five9_queue_id(i),
            genesys_id=ids.stable_uuid(seed, "queue", i),
            name=q.name,
            dnis=f"+1800555{i:04d}",
            service_level_threshold=float(q.service_level_threshold),
            service_level_target=float(q.service_level_target),
        )
        for i, q in enumerate(center.queues)
    )
    by_name = {q.name: q.id for q in queues}
    agents: list[AgentInfo] = []
    for group in center.groups:
        skills = tuple(by_name[s] for s in group.skills)
        for _ in range(group.count):
            i = len(agents)
            first, last = agent_name(i)
            login = login_name(first, last)
            agents.append(
                AgentInfo(
                    id=ids.agent_id(i),
                    index=i,
                    five9_id=ids.five9_agent_id(i),
                    genesys_id=ids.stable_uuid(seed, "agent", i),
                    first_name=first,
                    last_name=last,
                    name=f"{first} {last}",
                    username=f"{login}@{EMAIL_DOMAIN}",
                    email=f"{login}@{EMAIL_DOMAIN}",
                    extension=str(1001 + i),
                    group=group.name,
                    skills=skills,
                )
            )
    reasons = tuple(
        ReasonCodeInfo(
            name=r.name,
            five9_id=ids.five9_reason_id(i),
            genesys_id=ids.stable_uuid(seed, "reason", i),
            presence=r.genesys_presence,
            logout=r.logout,
        )
        for i, r in enumerate(center.reason_codes)
    )
    return Directory(tuple(agents), queues, reasons)
