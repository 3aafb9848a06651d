"""A loopback WebSocket server that pushes realistic frames as fast as the client reads them.

The ingest benchmark must measure the *client*: the server has to be nearly free. So this is
not an aiohttp app but a minimal RFC 6455 server on asyncio streams: every frame of
:mod:`bench.frames` is encoded once (unmasked text frame: header + UTF-8 payload), and frames
go out in ~256 KiB ``write()`` batches, paced only by TCP backpressure (``drain()``). The server
thus spends well under a microsecond per frame, whoever the client is.

No extension is negotiated (no permessage-deflate), for every client alike: compression would
add the same work to each client and hide the differences being measured.

``GET /five9?count=N`` sends the 5000 snapshot, then ``N`` 5012 deltas (cycling through the
scenario's); ``GET /genesys?count=N`` sends ``N`` topic events. The server answers pings and
the closing handshake, ignores client text frames (keepalive pings), and keeps the connection
open after the last frame until the client closes it.

Run alone: ``python -m bench.firehose`` prints ``{"port": ...}`` and serves until its stdin
closes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import sys
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from bench.frames import five9_frames, genesys_frames

__all__ = ["Firehose", "encode_text_frame"]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_BATCH = 256 * 1024


def encode_text_frame(text: str) -> bytes:
    """One unmasked, final text frame (server to client)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 65_536:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


def _control(opcode: int, payload: bytes) -> bytes:
    return bytes((0x80 | opcode, len(payload))) + payload


class Firehose:
    """The server; frames are rendered (by the emulator's code) when it is created."""

    def __init__(self, five9_steps: int = 60, genesys_steps: int = 200) -> None:
        snapshot, deltas = five9_frames(five9_steps)
        self.five9_snapshot = encode_text_frame(snapshot)
        self.five9 = [encode_text_frame(f) for f in deltas]
        self.genesys = [encode_text_frame(f) for f in genesys_frames(genesys_steps)]
        self._server: asyncio.Server | None = None
        self.port = 0

    def describe(self) -> dict[str, float]:
        """Frame counts and mean sizes (bytes on the wire)."""
        return {
            "five9_frames": len(self.five9),
            "five9_mean_bytes": sum(map(len, self.five9)) / len(self.five9),
            "five9_snapshot_bytes": len(self.five9_snapshot),
            "genesys_frames": len(self.genesys),
            "genesys_mean_bytes": sum(map(len, self.genesys)) / len(self.genesys),
        }

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen; returns the port."""
        self._server = await asyncio.start_server(self._handle, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop listening and drop open connections."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                self._server.close_clients()  # type: ignore[attr-defined]
            await self._server.wait_closed()

    def url(self, vendor: str, count: int) -> str:
        """The WebSocket URL that streams ``count`` frames of ``vendor``."""
        return f"ws://127.0.0.1:{self.port}/{vendor}?count={count}"

    # ------------------------------------------------------------------ connection

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        target = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        key = headers.get("sec-websocket-key", "")
        parts = urlsplit(target)
        vendor = parts.path.strip("/")
        count = int(parse_qs(parts.query).get("count", ["1000"])[0])
        if not key or vendor not in ("five9", "genesys"):
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            writer.close()
            return
        accept = base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()
        writer.write(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        closed = asyncio.Event()
        receiver = asyncio.create_task(self._receive(reader, writer, closed))
        try:
            if vendor == "five9":
                writer.write(self.five9_snapshot)
                await self._send(writer, self.five9, count, closed)
            else:
                await self._send(writer, self.genesys, count, closed)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closed.wait(), 60)
        except ConnectionError:
            pass
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await receiver
            writer.close()

    @staticmethod
    async def _send(
        writer: asyncio.StreamWriter, frames: Sequence[bytes], count: int, closed: asyncio.Event
    ) -> None:
        batch: list[bytes] = []
        size = 0
        total = len(frames)
        for index in range(count):
            frame = frames[index % total]
            batch.append(frame)
            size += len(frame)
            if size >= _BATCH:
                writer.write(b"".join(batch))
                batch, size = [], 0
                await writer.drain()
                if closed.is_set():
                    return
        if batch:
            writer.write(b"".join(batch))
            await writer.drain()

    @staticmethod
    async def _receive(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, closed: asyncio.Event
    ) -> None:
        """Read client frames: answer pings and the close, ignore the rest."""
        try:
            while True:
                first, second = await reader.readexactly(2)
                opcode, size = first & 0x0F, second & 0x7F
                if size == 126:
                    size = int.from_bytes(await reader.readexactly(2), "big")
                elif size == 127:
                    size = int.from_bytes(await reader.readexactly(8), "big")
                mask = await reader.readexactly(4) if second & 0x80 else b"\0\0\0\0"
                data = await reader.readexactly(size)
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data)) if size else b""
                if opcode == 0x8:  # close: answer with the same code, then we are done
                    writer.write(_control(0x8, payload[:2]))
                    closed.set()
                    return
                if opcode == 0x9:  # ping
                    writer.write(_control(0xA, payload[:125]))
        except (asyncio.IncompleteReadError, ConnectionError):
            closed.set()


async def _main() -> None:
    firehose = Firehose()
    port = await firehose.start()
    print(json.dumps({"port": port, **firehose.describe()}), flush=True)
    loop = asyncio.get_running_loop()
    # Serve until the parent closes our stdin (or terminates us).
    await loop.run_in_executor(None, sys.stdin.read)
    await firehose.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())
