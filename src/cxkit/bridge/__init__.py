"""The event bridge: unified events into Redis Streams, NATS JetStream, webhooks and files,
at least once, in order, spooling to disk while a broker is down.

See :mod:`cxkit.bridge.pipeline` for how an event travels, ``docs/bridge.md`` for the
``cxkit bridge`` command and consumer examples. The Redis and NATS sinks need the ``bridge``
extra (``pip install 'cxkit[bridge]'``) and are imported from their modules
(:mod:`cxkit.bridge.sinks.redis_streams`, :mod:`cxkit.bridge.sinks.nats_jetstream`) or built
by :func:`sink_from_url`.
"""

from __future__ import annotations

from cxkit.bridge.envelope import Envelope, EventIds, decode_envelope, encode_envelope
from cxkit.bridge.errors import BridgeError, SinkUnavailable, SpoolCorruptError, SpoolFullError
from cxkit.bridge.filters import EventFilter, parse_kinds
from cxkit.bridge.keys import KeyTemplate
from cxkit.bridge.pipeline import BRIDGE_RETRY, Bridge, BridgeStats
from cxkit.bridge.sinks import (
    JsonlSink,
    Sink,
    SinkOptions,
    WebhookSink,
    sink_from_url,
    verify_signature,
)
from cxkit.bridge.spool import Position, Spool

__all__ = [
    "BRIDGE_RETRY",
    "Bridge",
    "BridgeError",
    "BridgeStats",
    "Envelope",
    "EventFilter",
    "EventIds",
    "JsonlSink",
    "KeyTemplate",
    "Position",
    "Sink",
    "SinkOptions",
    "SinkUnavailable",
    "Spool",
    "SpoolCorruptError",
    "SpoolFullError",
    "WebhookSink",
    "decode_envelope",
    "encode_envelope",
    "parse_kinds",
    "sink_from_url",
    "verify_signature",
]
