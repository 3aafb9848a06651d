"""How a command fails: exit codes, one-line messages, and secrets scrubbed from everything.

Every command runs its work through :func:`run_async`, which turns errors into a one-line
``cxkit: error: ...`` on stderr and an exit code (never a traceback unless ``cxkit --debug``):

====  ======================================================================================
code  meaning
====  ======================================================================================
0     done (a long-running command stopped by Ctrl-C / SIGTERM also exits 0)
1     the vendor, the network or a stream failed (API status, auth, transport, stream)
2     the command was used wrongly: bad option, bad config value, missing credentials
130   a one-shot command was interrupted with Ctrl-C
====  ======================================================================================

Credentials the CLI resolves are registered with :func:`register_secret`; every message,
traceback and log line this module prints goes through :func:`scrub`, so a password can never
be echoed even if some layer put it in an error by mistake.

Only the standard library is imported here: ``cxkit --help`` must stay fast.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "FLAGS",
    "Flags",
    "describe",
    "enable_debug_logging",
    "exit_code_for",
    "fail",
    "print_error",
    "register_secret",
    "run_async",
    "scrub",
]

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

_MASK = "***"
_SECRETS: set[str] = set()
# shorter values would mask ordinary words; no real password or secret is this short
_MIN_SECRET_LENGTH = 4


class Flags:
    """Process-wide switches set by the root command (``cxkit --debug``)."""

    __slots__ = ("debug",)

    def __init__(self) -> None:
        self.debug = self.debug_from_env()

    @staticmethod
    def debug_from_env() -> bool:
        """True when ``CXKIT_DEBUG`` asks for debug output."""
        return os.environ.get("CXKIT_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


FLAGS = Flags()
"""The switches of this process."""


def register_secret(value: str | None) -> None:
    """Remember a credential so that :func:`scrub` masks it wherever it would be printed."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        _SECRETS.add(str.__str__(value))


def scrub(text: str) -> str:
    """``text`` with every registered credential replaced by ``***``."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, _MASK)
    return text


def _strip_query(url: str) -> str:
    """A URL without its query and fragment (they may carry ids or codes)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, for a user (no traceback, no secret)."""
    from cxkit.errors import APIStatusError, ConfigError, TransportError

    if isinstance(exc, APIStatusError):
        what = f"{exc.vendor} answered {exc.status}"
        if exc.code:
            what += f" {exc.code}"
        detail = exc.vendor_message or str(exc)
        parts = [f"{what}: {detail}" if detail else what]
        if exc.method and exc.url:
            parts.append(f"({exc.method} {_strip_query(exc.url)})")
        if exc.correlation_id:
            parts.append(f"[correlation id {exc.correlation_id}]")
        text = " ".join(parts)
    elif isinstance(exc, TransportError):
        text = str(exc) or type(exc).__name__
        if exc.url and exc.url not in text:
            text += f" ({_strip_query(exc.url)})"
    elif isinstance(exc, ConfigError):
        text = str(exc)
    elif isinstance(exc, OSError):
        text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    else:
        text = str(exc) or type(exc).__name__
    return scrub(" ".join(text.split()))


def exit_code_for(exc: BaseException) -> int:
    """The exit code of a failure (see the module docstring)."""
    from cxkit.errors import ConfigError, UsageError

    if isinstance(exc, (ConfigError, UsageError)):
        return EXIT_USAGE
    return EXIT_FAILED


def print_error(message: str) -> None:
    """Print ``cxkit: error: message`` on stderr (scrubbed)."""
    print(f"cxkit: error: {scrub(message)}", file=sys.stderr, flush=True)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print an error and leave the command with ``code``."""
    import typer

    print_error(message)
    raise typer.Exit(code)


class _ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def enable_debug_logging() -> None:
    """Send cxkit's log records (DEBUG and up) to stderr, credentials scrubbed (once)."""
    logger = logging.getLogger("cxkit")
    if any(isinstance(h.formatter, _ScrubbingFormatter) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def _report(exc: BaseException) -> int:
    from cxkit.errors import CxkitError

    if FLAGS.debug:
        text = "".join(traceback.format_exception(exc))
        print(scrub(text), file=sys.stderr, end="", flush=True)
    known = isinstance(exc, (CxkitError, OSError, TimeoutError))
    message = describe(exc) if known else f"{type(exc).__name__}: {describe(exc)}"
    if not known and not FLAGS.debug:
        message += " (run 'cxkit --debug ...' for the traceback)"
    print_error(message)
    return exit_code_for(exc)


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` in a new event loop; leave the command with a clear error on failure.

    Returns the coroutine's result. Raises :class:`typer.Exit` with the exit code of the
    failure (see the module docstring) after printing one line; Ctrl-C exits 130.
    """
    import asyncio

    import typer

    async def main() -> T:
        return await work()

    try:
        return asyncio.run(main())
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        print("cxkit: interrupted", file=sys.stderr, flush=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        # the reader went away (`cxkit tail ... | head`): not an error of ours
        _silence_stdout()
        raise typer.Exit(EXIT_OK) from None
    except Exception as exc:
        raise typer.Exit(_report(exc)) from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
