"""Progress on stderr while a command works (only on a terminal; never in ``--json`` mode
on stdout, so machine output stays clean)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Progress", "progress", "stdout_console"]


class Progress:
    """A spinner line on stderr: :meth:`update` changes its text."""

    def __init__(self, status: Any | None) -> None:
        self._status = status

    def update(self, message: str) -> None:
        """Show ``message`` (no-op when not on a terminal)."""
        if self._status is not None:
            self._status.update(message)

    def counter(self, noun: str) -> Callable[[int], None]:
        """A callback showing ``N noun`` as items arrive."""
        return lambda count: self.update(f"{count} {noun}…")


@contextmanager
def progress(message: str, *, enabled: bool = True) -> Iterator[Progress]:
    """A transient spinner on stderr while the block runs (when stderr is a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield Progress(None)
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status(message) as status:
        yield Progress(status)


def stdout_console(**options: Any) -> Any:
    """A rich Console on stdout that raises :class:`BrokenPipeError` when the reader goes away
    (rich itself would raise ``SystemExit(1)`` from inside whatever task was printing), so
    ``cxkit tail ... | head`` ends quietly with exit code 0."""
    from rich.console import Console

    class _PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _PipeConsole(**options)
