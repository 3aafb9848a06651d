"""JSON-lines sink: one envelope per line, fsync policies, rotation."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxkit.bridge import Bridge, decode_envelope
from cxkit.bridge.sinks import sink_from_url
from cxkit.bridge.sinks.jsonl import JsonlSink
from cxkit.errors import ConfigError

from .conftest import make_events
from .pipeline_ids import ids_of

T = 10.0


def rotated_files(directory: Path, name: str) -> list[Path]:
    """Rotated files of ``name``, oldest (highest number) first."""
    return sorted(directory.glob(f"{name}.*"), key=lambda p: -int(p.suffix[1:]))


def read_ids(path: Path) -> list[str]:
    return [decode_envelope(line).id for line in path.read_bytes().splitlines()]


async def test_lines_are_envelopes_in_order_and_fsynced_per_batch(tmp_path: Path) -> None:
    path = tmp_path / "out" / "events.jsonl"
    events = make_events(30)
    sink = JsonlSink(path, fsync="batch")
    async with Bridge(sink, batch_size=10, linger=0.01) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.flush(T)
        batches = bridge.stats.batches
    assert read_ids(path) == ids_of(events)
    assert sink.fsyncs == batches
    first = decode_envelope(path.read_bytes().splitlines()[0])
    assert first.decode_event() == events[0]


async def test_interval_fsync_follows_the_clock(tmp_path: Path) -> None:
    now = [0.0]
    sink = JsonlSink(tmp_path / "e.jsonl", fsync="interval", fsync_interval=5, clock=lambda: now[0])
    from cxkit.bridge.envelope import EventIds

    ids = EventIds()
    batch = [ids.envelope(e) for e in make_events(3)]
    await sink.send(batch)
    assert sink.fsyncs == 0
    now[0] = 5.0
    await sink.send(batch)
    assert sink.fsyncs == 1
    await sink.close()  # flushes the rest
    assert sink.fsyncs == 1  # nothing written since the last fsync
    never = JsonlSink(tmp_path / "n.jsonl", fsync="never")
    await never.send(batch)
    await never.close()
    assert never.fsyncs == 0 and len(read_ids(tmp_path / "n.jsonl")) == 3


async def test_rotation_keeps_order_across_files_and_bounds_their_number(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    events = make_events(200)
    sink = JsonlSink(path, rotate_bytes=8 * 1024, rotate_keep=100)
    async with Bridge(sink, batch_size=10, linger=0) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.flush(T)
    rotated = rotated_files(tmp_path, "events.jsonl")
    assert len(rotated) == sink.rotations >= 3
    lines: list[str] = []
    for part in [*rotated, path]:  # oldest (highest number) first
        lines.extend(read_ids(part))
    assert lines == ids_of(events)

    kept = tmp_path / "kept.jsonl"
    small = JsonlSink(kept, rotate_bytes=4 * 1024, rotate_keep=2)
    async with Bridge(small, batch_size=10, linger=0) as bridge:
        for event in events:
            await bridge.publish(event)
        await bridge.flush(T)
    kept_names = [p.name for p in rotated_files(tmp_path, "kept.jsonl")]
    assert kept_names == ["kept.jsonl.2", "kept.jsonl.1"]


def test_factory_picks_the_sink_from_the_destination(tmp_path: Path) -> None:
    assert isinstance(sink_from_url(str(tmp_path / "a.jsonl")), JsonlSink)
    sink = sink_from_url(f"file://{tmp_path}/b.ndjson")
    assert isinstance(sink, JsonlSink) and sink.path == tmp_path / "b.ndjson"
    assert type(sink_from_url("redis://127.0.0.1:1/0")).__name__ == "RedisStreamSink"
    assert type(sink_from_url("nats://127.0.0.1:1")).__name__ == "JetStreamSink"
    assert type(sink_from_url("https://example.com/hook")).__name__ == "WebhookSink"
    with pytest.raises(ConfigError, match=r"bridge\.to") as caught:
        sink_from_url("kafka://user:hunter2@broker:9092")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ConfigError, match="fsync"):
        JsonlSink(tmp_path / "x.jsonl", fsync="sometimes")  # type: ignore[arg-type]
