"""The durable spool: order, acks persisted across reopen, torn tails, bounds, locking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cxkit.bridge import BridgeError, Spool, SpoolCorruptError, SpoolFullError
from cxkit.bridge.envelope import Envelope, EventIds

from .conftest import make_events


def envelopes(count: int) -> list[Envelope]:
    ids = EventIds()
    return [ids.envelope(e) for e in make_events(count)]


def segments(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.suffix == ".seg")


def test_reads_in_order_and_ack_survives_reopen(tmp_path: Path) -> None:
    items = envelopes(50)
    spool = Spool(tmp_path)
    spool.append(items[:30])
    spool.append(items[30:])
    first, position = spool.read(20)
    assert first == items[:20]
    again, _ = spool.read(20)
    assert again == items[:20]  # reading does not consume
    spool.ack(position, 20)
    assert len(spool) == 30
    spool.close()

    reopened = Spool(tmp_path)
    assert len(reopened) == 30
    rest, position = reopened.read(100)
    assert rest == items[20:]
    reopened.ack(position, len(rest))
    assert len(reopened) == 0 and reopened.pending_bytes == 0
    assert segments(tmp_path) == []  # drained segments are deleted
    reopened.close()


def test_segments_roll_and_are_deleted_once_acked(tmp_path: Path) -> None:
    items = envelopes(200)
    spool = Spool(tmp_path, segment_bytes=4096, max_bytes=10_000_000)
    for n in range(0, 200, 10):
        spool.append(items[n : n + 10])
    before = segments(tmp_path)
    assert len(before) > 10
    got, position = spool.read(120)
    spool.ack(position, 120)
    after = segments(tmp_path)
    assert len(after) <= len(before) - 10 and after[-1] == before[-1]
    rest, position = spool.read(1000)
    assert got + rest == items
    spool.ack(position, len(rest))
    spool.close()


def test_partial_ack_with_position_after(tmp_path: Path) -> None:
    items = envelopes(10)
    spool = Spool(tmp_path)
    spool.append(items)
    spool.ack(spool.position_after(4), 4)
    assert spool.read(100)[0] == items[4:]
    spool.close()


def test_torn_tail_is_cut_on_open_and_earlier_records_kept(tmp_path: Path) -> None:
    items = envelopes(10)
    spool = Spool(tmp_path)
    spool.append(items)
    spool.close()
    (segment,) = segments(tmp_path)
    with open(tmp_path / segment, "ab") as handle:
        handle.write(b"\x40\x00\x00\x00\x01\x02")  # a crash in the middle of the next append
    reopened = Spool(tmp_path)
    assert len(reopened) == 10
    assert reopened.read(100)[0] == items
    reopened.append(items[:1])  # appends continue after the cut
    assert reopened.read(100)[0] == [*items, items[0]]
    reopened.close()


def test_damage_in_an_older_segment_is_an_error_not_a_silent_skip(tmp_path: Path) -> None:
    items = envelopes(100)
    spool = Spool(tmp_path, segment_bytes=2048)
    for n in range(0, 100, 5):
        spool.append(items[n : n + 5])
    spool.close()
    first = tmp_path / segments(tmp_path)[0]
    data = bytearray(first.read_bytes())
    data[20] ^= 0xFF
    first.write_bytes(bytes(data))
    with pytest.raises(SpoolCorruptError, match="bad record"):
        Spool(tmp_path, segment_bytes=2048)


def test_full_spool_raises_and_writes_nothing(tmp_path: Path) -> None:
    items = envelopes(100)
    spool = Spool(tmp_path, max_bytes=8192, fsync=False)
    written = 0
    with pytest.raises(SpoolFullError) as caught:
        for n in range(0, 100, 5):
            spool.append(items[n : n + 5])
            written += 5
    error = caught.value
    assert error.capacity == 8192 and error.used + error.needed > 8192
    assert str(tmp_path) in str(error) and "full" in str(error)
    assert len(spool) == written  # the refused append left nothing behind
    got, position = spool.read(1000)
    assert got == items[:written]
    spool.ack(position, written)
    spool.append(items[written : written + 5])  # room again once acked
    spool.close()


def test_one_process_per_spool_directory(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    with pytest.raises(BridgeError, match="in use by another process"):
        Spool(tmp_path)
    spool.close()
    Spool(tmp_path).close()


def test_bad_cursor_file_is_reported(tmp_path: Path) -> None:
    Spool(tmp_path).close()
    (tmp_path / "cursor").write_text("{not json")
    with pytest.raises(SpoolCorruptError, match="cursor"):
        Spool(tmp_path)


def test_fsync_off_still_survives_a_reopen(tmp_path: Path) -> None:
    items = envelopes(5)
    spool = Spool(tmp_path, fsync=False)
    spool.append(items)
    spool.close()
    assert os.path.exists(tmp_path / "cursor")
    assert Spool(tmp_path).read(10)[0] == items
