"""Five9 VCC: async client (agent + supervisor REST), WebSocket streams, statistics cache.

``from cxkit.five9 import Five9Client``; the event catalogue and decoder live in
:mod:`cxkit.five9.events`, the statistics cache in :mod:`cxkit.five9.stats`.
"""

from __future__ import annotations

from cxkit.five9.client import Five9Client, Five9EventStream
from cxkit.five9.events import EventId, Five9Event, decode_event
from cxkit.five9.stats import StatsCache

__all__ = ["EventId", "Five9Client", "Five9Event", "Five9EventStream", "StatsCache", "decode_event"]
