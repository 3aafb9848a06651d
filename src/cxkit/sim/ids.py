"""Vendor-friendly identifiers for simulated entities.

Every entity has one canonical sim id (``agent-00042``, ``queue-0007``, call ids are UUIDs)
and a presentation per vendor:

- Five9 wants numeric strings for users, skills and reason codes, and 32 uppercase hex
  digits for call ids. The numeric ids come from the entity's position, so they are stable
  across seeds; ranges are chosen not to collide with the emulator's fixed demo domain.
- Genesys wants UUIDs. Entity UUIDs are derived from (seed, kind, index) by hashing, so the
  same seed always gives the same ids, whatever else changes in the run.

A call id is a version-4 UUID string (the Genesys conversation id); the Five9 call id is the
same 128 bits as uppercase hex, so either form converts to the other without a lookup.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Final

__all__ = [
    "agent_id",
    "call_id_from_five9",
    "five9_agent_id",
    "five9_call_id",
    "five9_queue_id",
    "five9_reason_id",
    "queue_id",
    "stable_uuid",
]

_FIVE9_AGENT_BASE: Final = 3_100_001  # demo domain users are 3000011-3000018
_FIVE9_SKILL_BASE: Final = 300_000_000_010_001  # demo skills are 300000000000125-171
_FIVE9_REASON_BASE: Final = 368_001  # demo reason codes are 367541-367602


def stable_uuid(seed: int, kind: str, index: int) -> str:
    """A version-4 shaped UUID string that depends only on ``(seed, kind, index)``."""
    digest = hashlib.sha256(f"cxkit.sim:{seed}:{kind}:{index}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def agent_id(index: int) -> str:
    """The canonical sim id of the agent at ``index`` (``agent-00001`` for index 0)."""
    return f"agent-{index + 1:05d}"


def queue_id(index: int) -> str:
    """The canonical sim id of the queue at ``index`` (``queue-0001`` for index 0)."""
    return f"queue-{index + 1:04d}"


def five9_agent_id(index: int) -> str:
    """The Five9 user id (numeric string) of the agent at ``index``."""
    return str(_FIVE9_AGENT_BASE + index)


def five9_queue_id(index: int) -> str:
    """The Five9 skill id (15-digit numeric string) of the queue at ``index``."""
    return str(_FIVE9_SKILL_BASE + index)


def five9_reason_id(index: int) -> str:
    """The Five9 reason code id (numeric string) of the reason code at ``index``."""
    return str(_FIVE9_REASON_BASE + index)


def five9_call_id(call_id: str) -> str:
    """The Five9 form (32 uppercase hex digits) of a sim call id (a UUID string)."""
    return uuid.UUID(call_id).hex.upper()


def call_id_from_five9(five9_id: str) -> str:
    """The sim call id (UUID string) of a Five9 call id produced by :func:`five9_call_id`."""
    return str(uuid.UUID(hex=five9_id))
