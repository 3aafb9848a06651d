"""Long-running commands (``demo``, ``tail``, ``emulator serve``) stop cleanly on Ctrl-C or
SIGTERM: the signal sets an :class:`asyncio.Event`, the command closes what it opened, and the
process exits 0."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

__all__ = ["stop_on_signals", "wait_for_stop"]


@contextlib.asynccontextmanager
async def stop_on_signals(duration: float | None = None) -> AsyncIterator[asyncio.Event]:
    """An event set by SIGINT / SIGTERM, or after ``duration`` seconds when given."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # Windows or not the main thread: Ctrl-C arrives as KeyboardInterrupt
    timer = loop.call_later(duration, stop.set) if duration is not None else None
    try:
        yield stop
    finally:
        if timer is not None:
            timer.cancel()
        for sig in installed:
            loop.remove_signal_handler(sig)


async def wait_for_stop(stop: asyncio.Event, *tasks: asyncio.Task[object]) -> None:
    """Wait until ``stop`` is set or one of ``tasks`` ends (its error is raised)."""
    waiter = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    for task in done:
        if task is not waiter:
            task.result()
