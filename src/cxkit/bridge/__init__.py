"""The event bridge: unified events into Redis Streams, NATS JetStream, webhooks and files,
at least once, in order, spooling to disk while a broker is down.

See :mod:`cxkit.bridge.pipeline` for how an event travels, ``docs/bridge.md`` for the
``cxkit bridge`` command and consumer examples. The Redis and NATS sinks need the ``bridge``
extra (``pip install 'cxkit[bridge]'``): :class:`RedisStreamSink` and :class:`JetStreamSink`
are importable from here but loaded (with redis-py / nats-py) only when first used, so a
webhook or file bridge runs without either; :func:`sink_from_url` builds any sink from a
destination string.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
    "JetStreamSink",
    "JsonlSink",
    "KeyTemplate",
    "Position",
    "RedisStreamSink",
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

# sinks whose client library is an optional dependency: loaded on first use
_LAZY: dict[str, str] = {
    "JetStreamSink": "cxkit.bridge.sinks.nats_jetstream",
    "RedisStreamSink": "cxkit.bridge.sinks.redis_streams",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cxkit.bridge' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from cxkit.bridge.sinks.nats_jetstream import JetStreamSink
    from cxkit.bridge.sinks.redis_streams import RedisStreamSink
