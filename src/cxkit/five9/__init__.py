"""Five9 VCC: async client (agent + supervisor REST), WebSocket streams, statistics cache.

``from cxkit.five9 import Five9Client``; the event catalogue and decoder live in
:mod:`cxkit.five9.events`, the statistics cache in :mod:`cxkit.five9.stats`, login reuse
across processes in :mod:`cxkit.five9.session_store`.
"""

from __future__ import annotations

from cxkit.five9.client import Five9Client
from cxkit.five9.events import EventId, Five9Event, decode_event
from cxkit.five9.session_store import (
    FileSessionStore,
    MemorySessionStore,
    SessionStore,
    StoredSession,
)
from cxkit.five9.stats import StatsCache
from cxkit.five9.stats_backend import MemoryStatsBackend, StatsBackend
from cxkit.five9.streams import Five9EventStream

__all__ = [
    "EventId",
    "FileSessionStore",
    "Five9Client",
    "Five9Event",
    "Five9EventStream",
    "MemorySessionStore",
    "MemoryStatsBackend",
    "SessionStore",
    "StatsBackend",
    "StatsCache",
    "StoredSession",
    "decode_event",
]
