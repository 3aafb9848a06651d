"""Build a sink from a destination string, as ``cxkit bridge --to`` does.

=====================================  ===============================================
destination                            sink
=====================================  ===============================================
``redis://host:6379/0``, ``rediss://``  :class:`~cxkit.bridge.sinks.redis_streams.RedisStreamSink`
``unix:///run/redis.sock``
``nats://host:4222``, ``tls://``        :class:`~cxkit.bridge.sinks.nats_jetstream.JetStreamSink`
``http://...``, ``https://...``         :class:`~cxkit.bridge.sinks.webhook.WebhookSink`
``file:///path/events.jsonl``, or a     :class:`~cxkit.bridge.sinks.jsonl.JsonlSink`
path ending in ``.jsonl`` / ``.ndjson``
=====================================  ===============================================

The broker clients are imported only for the sink asked for, so a webhook or file bridge
runs without redis-py or nats-py installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from cxkit.bridge.sinks.base import Sink
from cxkit.core.httplog import redact_url
from cxkit.errors import ConfigError

__all__ = ["SinkOptions", "sink_from_url", "sink_kind"]


@dataclass(frozen=True, slots=True)
class SinkOptions:
    """Options of every sink kind; each sink takes the ones that concern it.

    ``key_template`` None means the sink's default (``cxkit:{vendor}:{tenant}:{kind}`` for
    Redis, ``cxkit.{vendor}.{tenant}.{kind}`` for NATS). Secrets are never printed.
    """

    key_template: str | None = None
    redis_maxlen: int | None = 1_000_000
    redis_approximate: bool = True
    nats_stream: str = "CXKIT"
    nats_create_stream: bool = True
    nats_duplicate_window: float = 120.0
    nats_ack_timeout: float = 5.0
    password: str | None = None
    token: str | None = None
    webhook_secret: str | None = None
    jsonl_fsync: str = "interval"
    jsonl_rotate_bytes: int | None = None
    jsonl_rotate_keep: int | None = None

    def __repr__(self) -> str:
        return (
            f"SinkOptions(key_template={self.key_template!r}, "
            f"redis_maxlen={self.redis_maxlen!r}, nats_stream={self.nats_stream!r}, "
            f"jsonl_fsync={self.jsonl_fsync!r}, secrets=***)"
        )


def sink_kind(destination: str) -> str:
    """``redis``, ``nats``, ``webhook`` or ``jsonl`` for a destination string."""
    scheme = urlsplit(destination).scheme.lower() if "://" in destination else ""
    if scheme in ("redis", "rediss", "unix"):
        return "redis"
    if scheme in ("nats", "tls"):
        return "nats"
    if scheme in ("http", "https"):
        return "webhook"
    if scheme == "file" or (not scheme and destination.endswith((".jsonl", ".ndjson"))):
        return "jsonl"
    raise ConfigError.bad_value(
        "bridge.to",
        redact_url(destination),
        "redis://..., nats://..., http(s)://... or a path ending in .jsonl",
    )


def sink_from_url(destination: str, options: SinkOptions | None = None) -> Sink:
    """Build the sink for ``destination`` (see the module table)."""
    options = options or SinkOptions()
    kind = sink_kind(destination)
    if kind == "redis":
        from cxkit.bridge.sinks.redis_streams import RedisStreamSink

        return RedisStreamSink(
            destination,
            password=options.password,
            maxlen=options.redis_maxlen,
            approximate=options.redis_approximate,
            key_template=options.key_template,
        )
    if kind == "nats":
        from cxkit.bridge.sinks.nats_jetstream import JetStreamSink

        return JetStreamSink(
            destination,
            stream=options.nats_stream,
            create_stream=options.nats_create_stream,
            duplicate_window=options.nats_duplicate_window,
            ack_timeout=options.nats_ack_timeout,
            password=options.password,
            token=options.token,
            key_template=options.key_template,
        )
    if kind == "webhook":
        from cxkit.bridge.sinks.webhook import WebhookSink

        return WebhookSink(destination, secret=options.webhook_secret)
    from cxkit.bridge.sinks.jsonl import JsonlSink

    path = unquote(urlsplit(destination).path) if destination.startswith("file:") else destination
    return JsonlSink(
        path,
        fsync=options.jsonl_fsync,  # type: ignore[arg-type]
        rotate_bytes=options.jsonl_rotate_bytes,
        rotate_keep=options.jsonl_rotate_keep,
    )
