"""A local, durable, bounded FIFO of envelopes: where events wait while a broker is down.

Layout of a spool directory::

    00000000000000000001.seg   append-only segments of records
    00000000000000000002.seg
    cursor                     {"segment": 1, "offset": 4096}: the first record not yet acked
    lock                       held (flock) by the one process using the spool

A record is ``<u32 length><u32 crc32>`` (little endian) followed by the msgpack-encoded
:class:`~cxkit.bridge.envelope.Envelope`. Appends go to the last segment (a new one starts
past ``segment_bytes``); :meth:`Spool.read` returns records from the cursor on, in order, and
:meth:`Spool.ack` moves the cursor past what a broker acknowledged, persists it (write to a
temporary file, fsync, rename) and deletes segments it has left behind. So a crash at any
point re-delivers at most what was read and not yet acked (at least once), and never loses an
appended record.

On open, the cursor is read back and the segments after it are scanned: a torn record at the
end of the *last* segment (the process died in the middle of an append) is cut off, since
that append was never confirmed to anyone; a bad record anywhere else raises
:class:`~cxkit.bridge.errors.SpoolCorruptError`.

``max_bytes`` bounds the bytes not yet acknowledged (disk use may exceed it by at most one
segment until the cursor leaves that segment). An append that would pass it raises
:class:`~cxkit.bridge.errors.SpoolFullError` and writes nothing (an append is all or nothing).

With ``fsync`` (default) every append and every cursor update is flushed to disk before it
returns, so a power cut loses nothing confirmed; without it, a process crash still loses
nothing (the data is in the OS page cache), only a machine crash can.

The class is synchronous and not thread-safe; :class:`cxkit.bridge.Bridge` calls it from one
task at a time (in a worker thread, so fsync never blocks the event loop).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Final, NamedTuple

import msgspec

from cxkit.bridge.envelope import Envelope
from cxkit.bridge.errors import BridgeError, SpoolCorruptError, SpoolFullError
from cxkit.errors import ConfigError

__all__ = ["Position", "Spool"]

logger = logging.getLogger("cxkit.bridge.spool")

_HEADER: Final = struct.Struct("<II")
_SUFFIX: Final = ".seg"
_MAX_RECORD: Final = 64 * 1024 * 1024
_encoder: Final = msgspec.msgpack.Encoder()
_decoder: Final = msgspec.msgpack.Decoder(Envelope)


class Position(NamedTuple):
    """A place in the spool: a segment number and a byte offset in it."""

    segment: int
    offset: int


def _segment_name(index: int) -> str:
    return f"{index:020d}{_SUFFIX}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    """An append-only segment log with a persisted read cursor (see the module docs).

    Args:
        path: the spool directory (created if missing). One process at a time.
        max_bytes: bound of the bytes not yet acknowledged (default 256 MiB).
        segment_bytes: size at which a new segment file starts (default 8 MiB).
        fsync: flush appends and cursor updates to disk before returning.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_bytes: int = 256 * 1024 * 1024,
        segment_bytes: int = 8 * 1024 * 1024,
        fsync: bool = True,
    ) -> None:
        for key, value in (("max_bytes", max_bytes), ("segment_bytes", segment_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
                raise ConfigError.bad_value(f"bridge.spool.{key}", value, "an integer >= 1024")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        self.fsync = bool(fsync)
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.path / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock_fd)
            raise BridgeError(
                f"spool {self.path} is in use by another process (each bridge needs its own "
                "spool directory)"
            ) from None
        self._writer: BinaryIO | None = None
        self._reader: BinaryIO | None = None
        self._reader_segment = -1
        self._reader_offset = -1
        self._closed = False
        self._cursor = self._load_cursor()
        self._segments: list[int] = []
        self._sizes: dict[int, int] = {}
        self.pending = 0  # records not yet acknowledged
        self.pending_bytes = 0
        self._recover()

    # ------------------------------------------------------------------ state

    def __repr__(self) -> str:
        return (
            f"Spool({str(self.path)!r}, pending={self.pending}, "
            f"pending_bytes={self.pending_bytes}, max_bytes={self.max_bytes})"
        )

    def __len__(self) -> int:
        return self.pending

    @property
    def cursor(self) -> Position:
        """The position of the first record not yet acknowledged."""
        return self._cursor

    @property
    def used_bytes(self) -> int:
        """Bytes of the segment files on disk."""
        return sum(self._sizes.values())

    def _load_cursor(self) -> Position:
        try:
            data = json.loads((self.path / "cursor").read_text())
            return Position(int(data["segment"]), int(data["offset"]))
        except FileNotFoundError:
            return Position(0, 0)
        except (ValueError, KeyError, TypeError) as exc:
            raise SpoolCorruptError(
                f"spool cursor {self.path / 'cursor'} is unreadable ({exc})",
                path=str(self.path / "cursor"),
                offset=0,
            ) from None

    def _save_cursor(self, position: Position) -> None:
        tmp = self.path / "cursor.tmp"
        with open(tmp, "w") as handle:
            handle.write(json.dumps({"segment": position.segment, "offset": position.offset}))
            if self.fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, self.path / "cursor")
        if self.fsync:
            _fsync_dir(self.path)

    # ------------------------------------------------------------------ recovery

    def _recover(self) -> None:
        found = sorted(
            int(p.name[: -len(_SUFFIX)])
            for p in self.path.iterdir()
            if p.name.endswith(_SUFFIX) and p.name[: -len(_SUFFIX)].isdigit()
        )
        cursor = self._cursor
        for index in found:
            if index < cursor.segment:  # acked, left behind by a crash before deletion
                with contextlib.suppress(FileNotFoundError):
                    (self.path / _segment_name(index)).unlink()
        self._segments = [i for i in found if i >= cursor.segment]
        if self._segments and self._segments[0] != cursor.segment:
            cursor = Position(self._segments[0], 0)
            self._cursor = cursor
        for index in self._segments:
            segment_path = self.path / _segment_name(index)
            last = index == self._segments[-1]
            start = cursor.offset if index == cursor.segment else 0
            good_end, count, nbytes = self._scan(segment_path, start, repair=last)
            self._sizes[index] = good_end
            self.pending += count
            self.pending_bytes += nbytes
        if self.pending:
            logger.info("spool %s: %d events waiting from a previous run", self.path, self.pending)

    def _scan(self, segment_path: Path, start: int, *, repair: bool) -> tuple[int, int, int]:
        """Validate records from ``start``; return (end of the last good record, count, bytes)."""
        size = segment_path.stat().st_size
        count = nbytes = 0
        offset = start
        with open(segment_path, "rb") as handle:
            handle.seek(start)
            while offset < size:
                header = handle.read(_HEADER.size)
                bad = len(header) < _HEADER.size
                if not bad:
                    length, crc = _HEADER.unpack(header)
                    payload = handle.read(length) if length <= _MAX_RECORD else b""
                    bad = len(payload) != length or zlib.crc32(payload) != crc
                if bad:
                    if not repair:
                        raise SpoolCorruptError(
                            f"spool segment {segment_path} has a bad record at byte {offset}",
                            path=str(segment_path),
                            offset=offset,
                        )
                    logger.warning(
                        "spool %s: cutting a torn record at byte %d (an append that never "
                        "completed)",
                        segment_path,
                        offset,
                    )
                    with open(segment_path, "r+b") as fix:
                        fix.truncate(offset)
                        if self.fsync:
                            os.fsync(fix.fileno())
                    return offset, count, nbytes
                record = _HEADER.size + length
                offset += record
                count += 1
                nbytes += record
        return offset, count, nbytes

    # ------------------------------------------------------------------ append

    def append(self, envelopes: Sequence[Envelope]) -> None:
        """Append envelopes at the end, all or none; raise SpoolFullError past ``max_bytes``."""
        self._check_open()
        if not envelopes:
            return
        chunks: list[bytes] = []
        for envelope in envelopes:
            payload = _encoder.encode(envelope)
            chunks.append(_HEADER.pack(len(payload), zlib.crc32(payload)))
            chunks.append(payload)
        data = b"".join(chunks)
        if self.pending_bytes + len(data) > self.max_bytes:
            raise SpoolFullError(
                f"spool {self.path} is full: {self.pending_bytes} of {self.max_bytes} bytes "
                f"hold undelivered events and {len(envelopes)} more need {len(data)} bytes; "
                "the sink has been unreachable too long (raise max_bytes or fix the sink)",
                path=str(self.path),
                used=self.pending_bytes,
                capacity=self.max_bytes,
                needed=len(data),
            )
        writer = self._writer_for(len(data))
        writer.write(data)
        writer.flush()
        if self.fsync:
            os.fsync(writer.fileno())
        last = self._segments[-1]
        self._sizes[last] += len(data)
        self.pending += len(envelopes)
        self.pending_bytes += len(data)

    def _writer_for(self, size: int) -> BinaryIO:
        if not self._segments:
            self._start_segment(max(self._cursor.segment, 1))
        elif self._sizes[self._segments[-1]] and (
            self._sizes[self._segments[-1]] + size > self.segment_bytes
        ):
            self._start_segment(self._segments[-1] + 1)
        if self._writer is None:
            self._writer = open(self.path / _segment_name(self._segments[-1]), "ab")  # noqa: SIM115
        return self._writer

    def _start_segment(self, index: int) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        (self.path / _segment_name(index)).touch()
        if self.fsync:
            _fsync_dir(self.path)
        self._segments.append(index)
        self._sizes[index] = 0
        if not self.pending:
            # an empty spool starts reading where the new segment starts
            self._cursor = Position(index, 0)
            self._save_cursor(self._cursor)

    # ------------------------------------------------------------------ read / ack

    def read(self, max_records: int) -> tuple[list[Envelope], Position]:
        """Up to ``max_records`` envelopes from the cursor on, and the position after them.

        Reading does not move the cursor: call :meth:`ack` with the returned position once
        the envelopes are delivered (or with an earlier one for a delivered prefix, see
        :meth:`position_after`).
        """
        self._check_open()
        out: list[Envelope] = []
        position = self._cursor
        while len(out) < max_records and self.pending > len(out):
            if position.segment not in self._sizes:
                break
            if position.offset >= self._sizes[position.segment]:
                later = [i for i in self._segments if i > position.segment]
                if not later:
                    break
                position = Position(later[0], 0)
                continue
            reader = self._reader_at(position)
            header = reader.read(_HEADER.size)
            length, crc = _HEADER.unpack(header) if len(header) == _HEADER.size else (0, 0)
            payload = reader.read(length)
            if len(header) != _HEADER.size or len(payload) != length or zlib.crc32(payload) != crc:
                self._reader_segment = -1
                raise SpoolCorruptError(
                    f"spool segment {self.path / _segment_name(position.segment)} has a bad "
                    f"record at byte {position.offset}",
                    path=str(self.path / _segment_name(position.segment)),
                    offset=position.offset,
                )
            try:
                out.append(_decoder.decode(payload))
            except msgspec.DecodeError as exc:
                raise SpoolCorruptError(
                    f"spool record at byte {position.offset} of segment {position.segment} "
                    f"does not decode ({exc})",
                    path=str(self.path / _segment_name(position.segment)),
                    offset=position.offset,
                ) from None
            position = Position(position.segment, position.offset + _HEADER.size + length)
            self._reader_offset = position.offset
        return out, position

    def _reader_at(self, position: Position) -> BinaryIO:
        if self._reader is None or self._reader_segment != position.segment:
            if self._reader is not None:
                self._reader.close()
            self._reader = open(self.path / _segment_name(position.segment), "rb")  # noqa: SIM115
            self._reader_segment = position.segment
            self._reader_offset = -1
        if self._reader_offset != position.offset:
            self._reader.seek(position.offset)
            self._reader_offset = position.offset
        return self._reader

    def position_after(self, count: int) -> Position:
        """The position after the first ``count`` unacknowledged records (for a partial ack)."""
        if count <= 0:
            return self._cursor
        _records, position = self.read(count)
        return position

    def ack(self, position: Position, count: int) -> None:
        """Mark the ``count`` records before ``position`` delivered; persist the cursor and
        delete the segments left behind."""
        self._check_open()
        if count <= 0:
            return
        if count > self.pending or position < self._cursor:
            raise BridgeError(f"spool ack out of range ({count} of {self.pending}, {position})")
        before = self._cursor
        freed = self._bytes_between(before, position)
        self.pending -= count
        self.pending_bytes -= freed
        if self.pending == 0:
            # drained: the next append starts a fresh segment and the old ones go
            position = Position(self._segments[-1] + 1 if self._segments else 1, 0)
            self.pending_bytes = 0
        self._cursor = position
        self._save_cursor(position)
        for index in [i for i in self._segments if i < position.segment]:
            if index == self._reader_segment and self._reader is not None:
                self._reader.close()
                self._reader = None
                self._reader_segment = -1
            if self._writer is not None and index == self._segments[-1]:
                self._writer.close()
                self._writer = None
            with contextlib.suppress(FileNotFoundError):
                (self.path / _segment_name(index)).unlink()
            self._segments.remove(index)
            del self._sizes[index]

    def _bytes_between(self, start: Position, end: Position) -> int:
        if start.segment == end.segment:
            return end.offset - start.offset
        total = self._sizes.get(start.segment, 0) - start.offset
        for index in self._segments:
            if start.segment < index < end.segment:
                total += self._sizes[index]
        return total + end.offset

    # ------------------------------------------------------------------ close

    def _check_open(self) -> None:
        if self._closed:
            raise BridgeError(f"spool {self.path} is closed")

    def close(self) -> None:
        """Close the files and release the directory lock (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for handle in (self._writer, self._reader):
            if handle is not None:
                handle.close()
        self._writer = self._reader = None
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        os.close(self._lock_fd)
