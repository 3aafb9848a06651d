"""Sinks: where the bridge delivers envelopes (Redis Streams, NATS JetStream, a webhook, a
JSON-lines file). The broker sinks import their client library when first used."""

from __future__ import annotations

from cxkit.bridge.sinks.base import Sink
from cxkit.bridge.sinks.factory import SinkOptions, sink_from_url, sink_kind
from cxkit.bridge.sinks.jsonl import JsonlSink
from cxkit.bridge.sinks.webhook import WebhookSink, sign, verify_signature

__all__ = [
    "JsonlSink",
    "Sink",
    "SinkOptions",
    "WebhookSink",
    "sign",
    "sink_from_url",
    "sink_kind",
    "verify_signature",
]
