"""The bridge's public names: everything in ``__all__`` resolves, and the broker sinks (with
their optional client libraries) load only when asked for."""

from __future__ import annotations

import subprocess
import sys

import pytest

import cxkit.bridge


def test_every_public_name_resolves() -> None:
    missing = [name for name in cxkit.bridge.__all__ if not hasattr(cxkit.bridge, name)]
    assert missing == []
    assert list(cxkit.bridge.__all__) == sorted(cxkit.bridge.__all__)


def test_broker_sinks_load_their_clients_only_when_used() -> None:
    code = (
        "import sys, cxkit.bridge\n"
        "print('redis' in sys.modules, 'nats' in sys.modules)\n"
        "from cxkit.bridge import RedisStreamSink, JetStreamSink\n"
        "print('redis' in sys.modules, 'nats' in sys.modules)\n"
        "print(RedisStreamSink.__module__, JetStreamSink.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after, modules = out.stdout.splitlines()
    assert before == "False False" and after == "True True"
    assert modules == "cxkit.bridge.sinks.redis_streams cxkit.bridge.sinks.nats_jetstream"


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchSink"):
        _ = cxkit.bridge.NoSuchSink  # type: ignore[attr-defined]
