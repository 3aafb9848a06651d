"""Serve the emulator from a command until SIGINT / SIGTERM (``cxkit emulator serve``)."""

from __future__ import annotations

import asyncio
import errno
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cxkit.cli.failures import EXIT_FAILED, EXIT_OK, EXIT_USAGE, describe, print_error

if TYPE_CHECKING:
    from cxkit.emulator.config import EmulatorConfig
    from cxkit.emulator.server import EmulatorServer

__all__ = ["ReadyCallback", "run_emulator"]

ReadyCallback = Callable[["EmulatorServer", "str | None"], None]
"""Called once listening with the server and a note for the user (e.g. a port fallback)."""


def run_emulator(
    *,
    host: str,
    port: int,
    allow_remote: bool,
    on_ready: ReadyCallback,
    config: EmulatorConfig | None = None,
    faults: Sequence[Mapping[str, Any]] = (),
    fallback_to_free_port: bool = False,
    duration: float | None = None,
    quiet: bool = False,
) -> int:
    """Serve the emulator until SIGINT or SIGTERM (or ``duration`` seconds); return the exit
    code.

    With ``fallback_to_free_port`` a busy ``port`` is replaced by a free one (and the note
    passed to ``on_ready`` says so). ``faults`` are installed before ``on_ready``. ``quiet``
    keeps the stop message off stderr.
    """
    from cxkit.errors import ConfigError, UsageError

    try:
        return asyncio.run(
            _serve(
                host=host,
                port=port,
                allow_remote=allow_remote,
                on_ready=on_ready,
                config=config,
                faults=faults,
                fallback_to_free_port=fallback_to_free_port,
                duration=duration,
                quiet=quiet,
            )
        )
    except (UsageError, ConfigError) as exc:
        print_error(describe(exc))
        return EXIT_USAGE
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print_error(f"port {port} on {host} is already in use (try --port 0 for a free one)")
        else:
            print_error(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:  # platforms without loop signal handlers
        return EXIT_OK


async def _serve(
    *,
    host: str,
    port: int,
    allow_remote: bool,
    on_ready: ReadyCallback,
    config: EmulatorConfig | None,
    faults: Sequence[Mapping[str, Any]],
    fallback_to_free_port: bool,
    duration: float | None,
    quiet: bool,
) -> int:
    from cxkit.cli.embedded import install_faults, start_emulator
    from cxkit.cli.lifecycle import stop_on_signals
    from cxkit.emulator.config import EmulatorConfig

    async with stop_on_signals(duration) as stop:
        server, note = await start_emulator(
            config or EmulatorConfig(),
            host=host,
            port=port,
            allow_remote=allow_remote,
            fallback_to_free_port=fallback_to_free_port,
        )
        try:
            install_faults(server, faults)
            on_ready(server, note)
            await stop.wait()
        finally:
            await server.stop()
    if not quiet:
        print("cxkit: emulator stopped", file=sys.stderr, flush=True)
    return EXIT_OK
