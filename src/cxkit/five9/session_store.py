"""Reuse a Five9 login across processes and pods: a pluggable session store.

Every Five9 login costs a round trip, a state-machine walk and, with ``ForceIn``, invalidates
the user's other sessions. A service that restarts often, or runs in several pods, should reuse
one login while it is valid (one peer keeps it in a database with a 30-minute TTL). The client
asks its store for a saved session before logging in, saves every fresh login, and deletes the
entry on logout; a saved session the server no longer accepts (401) is replaced by a fresh
login transparently.

:class:`SessionStore` is the protocol (three coroutines). Two stores ship:

* :class:`MemorySessionStore` -- in this process (tests; several clients of one process);
* :class:`FileSessionStore` -- one JSON file per key in a directory, written atomically with
  mode 0600, with a TTL. Point several processes of one host at the same directory.

A stored session holds the token and the session cookies: treat the store like a password
file. ``repr`` of a :class:`StoredSession` never shows them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import msgspec

from cxkit.errors import ConfigError

__all__ = ["FileSessionStore", "MemorySessionStore", "SessionStore", "StoredSession"]

logger = logging.getLogger("cxkit.five9")

DEFAULT_TTL = 1800.0
"""Seconds a stored session is offered for reuse (one peer uses 30 minutes)."""


class StoredSession(msgspec.Struct, kw_only=True):
    """A Five9 login as saved for reuse.

    Attributes:
        login: the login / ``auth/metadata`` body as received (holds ``tokenId``).
        api_base: the REST base URL the login chose (the active data center).
        farm_id: the farm id in force.
        cookies: the session cookies (``Authorization``, ``farmId``, ``apiRouteKey``,
            ``f9-sessionId``) by name.
        saved_at: when the store saved it (the store's clock: epoch seconds by default).
    """

    login: msgspec.Raw
    api_base: str
    farm_id: str | None = None
    cookies: dict[str, str] = {}
    saved_at: float = 0.0

    def __repr__(self) -> str:
        return (
            f"StoredSession(api_base={self.api_base!r}, farm_id={self.farm_id!r}, "
            f"cookies=<{len(self.cookies)}>, saved_at={self.saved_at!r})"
        )


@runtime_checkable
class SessionStore(Protocol):
    """Where Five9 logins are kept for reuse, by key (login host + user)."""

    async def load(self, key: str) -> StoredSession | None:
        """The saved session for ``key``, or None (missing or expired)."""
        ...

    async def save(self, key: str, session: StoredSession) -> None:
        """Save (replace) the session for ``key``."""
        ...

    async def delete(self, key: str) -> None:
        """Forget the session for ``key`` (no error when there is none)."""
        ...


def _check_ttl(ttl: float) -> float:
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0:
        raise ConfigError.bad_value("five9.session_ttl", ttl, "a number of seconds > 0")
    return float(ttl)


class MemorySessionStore:
    """Sessions kept in this process (shared by the clients given the same store)."""

    def __init__(self, *, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.time):
        self.ttl = _check_ttl(ttl)
        self._clock = clock
        self._sessions: dict[str, StoredSession] = {}

    def __repr__(self) -> str:
        return f"MemorySessionStore(entries={len(self._sessions)}, ttl={self.ttl})"

    async def load(self, key: str) -> StoredSession | None:
        """The session for ``key`` unless older than the TTL."""
        found = self._sessions.get(key)
        if found is None:
            return None
        if self._clock() - found.saved_at >= self.ttl:
            del self._sessions[key]
            return None
        return found

    async def save(self, key: str, session: StoredSession) -> None:
        """Keep ``session`` for ``key`` (stamped with the store's clock)."""
        self._sessions[key] = msgspec.structs.replace(session, saved_at=self._clock())

    async def delete(self, key: str) -> None:
        """Drop the session for ``key``."""
        self._sessions.pop(key, None)


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(StoredSession)


class FileSessionStore:
    """One JSON file per key in ``directory`` (created with mode 0700), each written
    atomically with mode 0600. Entries older than ``ttl`` seconds are ignored and removed.

    File I/O runs in a worker thread so a slow disk never blocks the event loop. A file that
    cannot be read or parsed is treated as missing (and logged), never as an error: the
    client then simply logs in.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(directory)
        self.ttl = _check_ttl(ttl)
        self._clock = clock

    def __repr__(self) -> str:
        return f"FileSessionStore({str(self.directory)!r}, ttl={self.ttl})"

    def path_for(self, key: str) -> Path:
        """The file of ``key`` (the key is hashed: user names never appear in file names)."""
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return self.directory / f"five9-session-{digest}.json"

    async def load(self, key: str) -> StoredSession | None:
        """Read the session of ``key`` (None when missing, unreadable or expired)."""
        return await asyncio.to_thread(self._load, key)

    async def save(self, key: str, session: StoredSession) -> None:
        """Write the session of ``key`` atomically (temp file + rename), mode 0600."""
        await asyncio.to_thread(self._save, key, session)

    async def delete(self, key: str) -> None:
        """Remove the file of ``key``."""
        await asyncio.to_thread(self._delete, key)

    def _load(self, key: str) -> StoredSession | None:
        path = self.path_for(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            logger.warning("five9: cannot read the stored session %s: %s", path, exc)
            return None
        try:
            session = _decoder.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            logger.warning("five9: the stored session %s is not readable; ignoring it", path)
            self._delete(key)
            return None
        if self._clock() - session.saved_at >= self.ttl:
            self._delete(key)
            return None
        return session

    def _save(self, key: str, session: StoredSession) -> None:
        session = msgspec.structs.replace(session, saved_at=self._clock())
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.path_for(key)
        fd, tmp = tempfile.mkstemp(prefix=".five9-session-", dir=self.directory)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(_encoder.encode(session))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_for(key).unlink()
