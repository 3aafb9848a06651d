"""JSON-lines file sink: one envelope per line, appended; optional fsync and rotation.

Each line is :func:`cxkit.bridge.envelope.encode_envelope` (read back with
:func:`~cxkit.bridge.envelope.decode_envelope`). ``fsync`` says when lines reach the disk:

* ``"batch"``: after every batch (nothing acknowledged is lost, even by a power cut);
* ``"interval"`` (default): at most every ``fsync_interval`` seconds, and on close;
* ``"never"``: left to the OS (a process crash loses nothing, a machine crash may).

With ``rotate_bytes`` the file is renamed ``events.jsonl.1`` (older ones shift to ``.2``...)
once it passes that size and a new file is started; ``rotate_keep`` bounds how many rotated
files are kept (the oldest are deleted). Rotation happens between batches, never inside one.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, Literal

from cxkit.bridge.envelope import Envelope, encode_envelope
from cxkit.bridge.errors import SinkUnavailable
from cxkit.bridge.sinks.base import Sink
from cxkit.errors import ConfigError

__all__ = ["FsyncPolicy", "JsonlSink"]

FsyncPolicy = Literal["batch", "interval", "never"]


class JsonlSink(Sink):
    """Append envelopes to a JSON-lines file (see the module docs)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fsync: FsyncPolicy = "interval",
        fsync_interval: float = 1.0,
        rotate_bytes: int | None = None,
        rotate_keep: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if fsync not in ("batch", "interval", "never"):
            raise ConfigError.bad_value("bridge.jsonl.fsync", fsync, "batch, interval or never")
        if rotate_bytes is not None and (
            isinstance(rotate_bytes, bool) or not isinstance(rotate_bytes, int) or rotate_bytes < 1
        ):
            raise ConfigError.bad_value("bridge.jsonl.rotate_bytes", rotate_bytes, "bytes >= 1")
        if rotate_keep is not None and (not isinstance(rotate_keep, int) or rotate_keep < 1):
            raise ConfigError.bad_value("bridge.jsonl.rotate_keep", rotate_keep, "an integer >= 1")
        self.path = Path(path)
        self.name = str(self.path)
        self.fsync: FsyncPolicy = fsync
        self.fsync_interval = fsync_interval
        self.rotate_bytes = rotate_bytes
        self.rotate_keep = rotate_keep
        self._clock = clock
        self._file: BinaryIO | None = None
        self._size = 0
        self._last_sync = clock()
        self._dirty = False
        self.fsyncs = 0
        self.rotations = 0

    async def open(self) -> None:
        """Open (create) the file for appending."""
        if self._file is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = await asyncio.to_thread(open, self.path, "ab")
        except OSError as exc:
            raise SinkUnavailable(
                f"cannot open {self.path}: {exc.strerror or exc}", sink=self.name
            ) from None
        self._size = self._file.tell()

    async def send(self, batch: Sequence[Envelope]) -> None:
        """Append the batch's lines; fsync and rotate per policy."""
        await self.open()
        handle = self._file
        assert handle is not None
        data = b"".join(encode_envelope(envelope) + b"\n" for envelope in batch)
        try:
            handle.write(data)
            handle.flush()
            self._size += len(data)
            self._dirty = True
            now = self._clock()
            if self.fsync == "batch" or (
                self.fsync == "interval" and now - self._last_sync >= self.fsync_interval
            ):
                await asyncio.to_thread(os.fsync, handle.fileno())
                self._last_sync = now
                self._dirty = False
                self.fsyncs += 1
            if self.rotate_bytes is not None and self._size >= self.rotate_bytes:
                await asyncio.to_thread(self._rotate)
        except OSError as exc:
            # a partial line may have been written: the next write starts a clean line
            await self._reset()
            raise SinkUnavailable(
                f"cannot write {self.path}: {exc.strerror or exc}", sink=self.name
            ) from None

    def _rotate(self) -> None:
        handle = self._file
        assert handle is not None
        if self.fsync != "never":
            os.fsync(handle.fileno())
        handle.close()
        self._file = None
        rotated = sorted(
            (int(p.name.rsplit(".", 1)[1]), p)
            for p in self.path.parent.glob(self.path.name + ".*")
            if p.name.rsplit(".", 1)[1].isdigit()
        )
        for number, old in reversed(rotated):
            if self.rotate_keep is not None and number >= self.rotate_keep:
                old.unlink()
            else:
                old.rename(self.path.with_name(f"{self.path.name}.{number + 1}"))
        self.path.rename(self.path.with_name(f"{self.path.name}.1"))
        self._file = open(self.path, "ab")  # noqa: SIM115
        self._size = 0
        self.rotations += 1

    async def _reset(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            try:
                handle.write(b"\n")
                handle.close()
            except OSError:
                pass

    async def close(self) -> None:
        """fsync (unless ``never``) and close."""
        handle, self._file = self._file, None
        if handle is None:
            return
        if self._dirty and self.fsync != "never":
            handle.flush()
            await asyncio.to_thread(os.fsync, handle.fileno())
            self.fsyncs += 1
        handle.close()
