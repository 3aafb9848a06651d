"""Run the emulator from a command until SIGINT / SIGTERM, shared by ``serve`` and ``demo``."""

from __future__ import annotations

import asyncio
import errno
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxkit.emulator.server import EmulatorServer

__all__ = ["ReadyCallback", "run_emulator"]

ReadyCallback = Callable[["EmulatorServer", "str | None"], None]
"""Called once listening with the server and a note for the user (e.g. a port fallback)."""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _error(message: str) -> None:
    print(f"cxkit: error: {message}", file=sys.stderr, flush=True)


def run_emulator(
    *,
    host: str,
    port: int,
    allow_remote: bool,
    on_ready: ReadyCallback,
    fallback_to_free_port: bool = False,
    quiet: bool = False,
) -> int:
    """Serve the emulator until SIGINT or SIGTERM; return the process exit code.

    With ``fallback_to_free_port`` a busy ``port`` is replaced by a free one (and the note
    passed to ``on_ready`` says so). ``quiet`` keeps the stop message off stderr.
    """
    from cxkit.errors import UsageError

    try:
        return asyncio.run(
            _serve(
                host=host,
                port=port,
                allow_remote=allow_remote,
                on_ready=on_ready,
                fallback_to_free_port=fallback_to_free_port,
                quiet=quiet,
            )
        )
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            _error(f"port {port} on {host} is already in use (try --port 0 for a free one)")
        else:
            _error(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:  # platforms without loop signal handlers
        return EXIT_OK


async def _serve(
    *,
    host: str,
    port: int,
    allow_remote: bool,
    on_ready: ReadyCallback,
    fallback_to_free_port: bool,
    quiet: bool,
) -> int:
    from cxkit.emulator.server import EmulatorServer

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # Windows or not the main thread: Ctrl-C arrives as KeyboardInterrupt
    try:
        note: str | None = None
        server = EmulatorServer(host=host, port=port, allow_remote=allow_remote)
        try:
            await server.start()
        except OSError as exc:
            if not (fallback_to_free_port and port != 0 and exc.errno == errno.EADDRINUSE):
                raise
            server = EmulatorServer(host=host, port=0, allow_remote=allow_remote)
            await server.start()
            note = f"port {port} was busy, so the emulator took port {server.port}"
        try:
            on_ready(server, note)
            await stop.wait()
        finally:
            await server.stop()
        if not quiet:
            print("cxkit: emulator stopped", file=sys.stderr, flush=True)
        return EXIT_OK
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
