"""Change records: what the simulation publishes to observers, in time order.

Each record is a small frozen msgspec Struct tagged by ``type``; ``at`` is simulated seconds
since t=0 (add :attr:`Simulation.epoch <cxkit.sim.engine.Simulation.epoch>` for wall time).
Ids are canonical sim ids (map them to vendor ids through the
:class:`~cxkit.sim.directory.Directory`); reasons are reason-code names.

The life of a call, as records::

    CallOffered ─┬─────────────── CallAnswered ── CallEnded(handled) ── CallCompleted
                 └─ CallQueued ─┬─ CallAnswered ── ...
                                └─ CallEnded(abandoned)

``CallEnded(handled)`` is the hang-up (the agent goes to after-call work);
``CallCompleted`` is the end of wrap-up (Five9 deletes the call after its disposition,
Genesys ends the agent's wrap-up). Agents change state with :class:`AgentStateChange`; an
agent taking a call is published as ``CallAnswered`` then ``AgentStateChange(→ on call)``.
"""

from __future__ import annotations

import enum
from typing import TypeAlias

import msgspec

from cxkit.events import AgentState

__all__ = [
    "AgentStateChange",
    "CallAnswered",
    "CallCompleted",
    "CallEnded",
    "CallOffered",
    "CallQueued",
    "ChangeRecord",
    "Disposition",
    "RecordLog",
    "ScriptApplied",
    "SimRecord",
    "decode_records",
]


class Disposition(enum.StrEnum):
    """How a call ended."""

    HANDLED = "handled"
    ABANDONED = "abandoned"


class SimRecord(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", gc=False):
    """Fields of every record: ``at``, simulated seconds since t=0."""

    at: float


class AgentStateChange(SimRecord, frozen=True, kw_only=True, tag="agent.state", gc=False):
    """An agent changed state (or, with ``old == new``, its not-ready reason).

    ``reason`` is the not-ready or logout reason name; ``call_id`` / ``queue_id`` name the
    call the agent is on (on call, after-call work), else None.
    """

    agent_id: str
    old: AgentState
    new: AgentState
    reason: str | None = None
    call_id: str | None = None
    queue_id: str | None = None


class CallOffered(SimRecord, frozen=True, kw_only=True, tag="call.offered", gc=False):
    """A call arrived at a queue (``ani`` the caller's number, ``dnis`` the queue's)."""

    call_id: str
    queue_id: str
    ani: str
    dnis: str


class CallQueued(SimRecord, frozen=True, kw_only=True, tag="call.queued", gc=False):
    """No skilled agent was ready: the call waits, ``position`` (1 = first) in its queue."""

    call_id: str
    queue_id: str
    position: int


class CallAnswered(SimRecord, frozen=True, kw_only=True, tag="call.answered", gc=False):
    """An agent took the call after ``wait`` seconds in the queue."""

    call_id: str
    queue_id: str
    agent_id: str
    wait: float


class CallEnded(SimRecord, frozen=True, kw_only=True, tag="call.ended", gc=False):
    """The caller's leg ended: hung up after talking (handled) or while waiting
    (abandoned, ``agent_id`` None, ``talk`` 0)."""

    call_id: str
    queue_id: str
    disposition: Disposition
    agent_id: str | None
    wait: float
    talk: float


class CallCompleted(SimRecord, frozen=True, kw_only=True, tag="call.completed", gc=False):
    """The agent finished wrap-up: the call is over for everyone."""

    call_id: str
    queue_id: str
    agent_id: str
    talk: float
    wrap: float


class ScriptApplied(SimRecord, frozen=True, kw_only=True, tag="script", gc=False):
    """A scripted action of the scenario started (``phase="start"``) or ended."""

    action: str
    target: str | None
    phase: str
    detail: str = ""


ChangeRecord: TypeAlias = (
    AgentStateChange
    | CallOffered
    | CallQueued
    | CallAnswered
    | CallEnded
    | CallCompleted
    | ScriptApplied
)
"""Any change record (tagged union on ``type``)."""

_DECODER = msgspec.json.Decoder(ChangeRecord)
_ENCODER = msgspec.json.Encoder()


def decode_records(data: bytes) -> list[ChangeRecord]:
    """Decode JSON lines written by :meth:`RecordLog.to_jsonl`."""
    return [_DECODER.decode(line) for line in data.splitlines() if line.strip()]


class RecordLog:
    """An observer that keeps every record it receives (optionally only the last
    ``maxlen``); :meth:`to_jsonl` writes them as JSON lines, a comparable event log."""

    def __init__(self, maxlen: int | None = None) -> None:
        self.records: list[ChangeRecord] = []
        self._maxlen = maxlen

    def __call__(self, record: ChangeRecord) -> None:
        """Keep ``record``."""
        self.records.append(record)
        if self._maxlen is not None and len(self.records) > 2 * self._maxlen:
            del self.records[: -self._maxlen]

    def __len__(self) -> int:
        return len(self.records)

    def to_jsonl(self) -> bytes:
        """The kept records as JSON lines."""
        if self._maxlen is not None:
            del self.records[: -self._maxlen]
        return b"".join(_ENCODER.encode(r) + b"\n" for r in self.records)
