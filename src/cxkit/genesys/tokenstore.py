"""Pluggable token storage: keep tokens between runs or share them between processes.

A :class:`TokenStore` is asked once for a stored token before the first token request
(``load``) and told about every new token (``save``). With a store, a restarted process goes
on with the token (or refresh token) it had instead of logging in again, which matters for the
authorization-code and PKCE grants (a code is single-use: without the refresh token the user
must sign in again) and spares token requests for client credentials. It is the counterpart of
the JavaScript SDK's ``setPersistSettings`` (which keeps tokens in ``localStorage``).

Both methods may be plain or ``async``. Two stores come with cxkit: :class:`MemoryTokenStore`
(one process, e.g. several clients of one org) and :class:`FileTokenStore` (a JSON file
written atomically with mode 0600). Expiry is stored as wall-clock epoch seconds, so a stored
token means the same thing in another process.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cxkit.config import Secret
from cxkit.core.auth import Token
from cxkit.errors import ConfigError

__all__ = ["FileTokenStore", "MemoryTokenStore", "StoredToken", "TokenStore"]


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A token as stored: expiry on the wall clock, secrets as :class:`Secret` (never in
    ``repr``).

    Attributes:
        access_token: the bearer token.
        refresh_token: the refresh token of code / PKCE grants, if any.
        expires_at: wall-clock epoch seconds when the access token expires (None: unknown).
        token_type: as the login host said (``bearer``).
        client_id: the OAuth client the token belongs to (a store shared by several clients
            only hands a token to its own client).
    """

    access_token: Secret = field(repr=False)
    refresh_token: Secret | None = field(default=None, repr=False)
    expires_at: float | None = None
    token_type: str = "bearer"
    client_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "access_token", Secret(self.access_token))
        if self.refresh_token is not None:
            object.__setattr__(self, "refresh_token", Secret(self.refresh_token))

    @classmethod
    def from_token(
        cls, token: Token, *, client_id: str | None, clock: float, wall: float
    ) -> StoredToken:
        """Convert a cache :class:`~cxkit.core.auth.Token` (whose expiry is on the clock that
        read ``clock``) to wall-clock time (``wall`` read at the same moment)."""
        expires = None if token.expires_at is None else wall + (token.expires_at - clock)
        return cls(
            access_token=token.access_token,
            refresh_token=token.refresh_token,
            expires_at=expires,
            token_type=token.token_type,
            client_id=client_id,
        )

    def to_token(self, *, clock: float, wall: float) -> Token:
        """Back to a cache token on the clock that read ``clock``."""
        expires = None if self.expires_at is None else clock + (self.expires_at - wall)
        return Token(
            access_token=self.access_token,
            token_type=self.token_type,
            expires_at=expires,
            refresh_token=self.refresh_token,
        )

    def expired(self, wall: float, margin: float = 0.0) -> bool:
        """True when the access token is (or within ``margin`` seconds will be) expired."""
        return self.expires_at is not None and wall >= self.expires_at - margin

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, secrets revealed (for a store's own file or database)."""
        return {
            "access_token": self.access_token.reveal(),
            "refresh_token": self.refresh_token.reveal() if self.refresh_token else None,
            "expires_at": self.expires_at,
            "token_type": self.token_type,
            "client_id": self.client_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoredToken:
        """Parse :meth:`to_dict` output; :class:`cxkit.errors.ConfigError` names a bad field."""
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise ConfigError.bad_value("token_store.access_token", "<missing>", "a string")
        refresh = data.get("refresh_token")
        if refresh is not None and not isinstance(refresh, str):
            raise ConfigError.bad_value("token_store.refresh_token", "<hidden>", "a string")
        expires = data.get("expires_at")
        if expires is not None and (
            isinstance(expires, bool) or not isinstance(expires, (int, float))
        ):
            raise ConfigError.bad_value("token_store.expires_at", expires, "epoch seconds")
        client_id = data.get("client_id")
        return cls(
            access_token=Secret(access),
            refresh_token=Secret(refresh) if refresh else None,
            expires_at=float(expires) if expires is not None else None,
            token_type=str(data.get("token_type") or "bearer"),
            client_id=client_id if isinstance(client_id, str) else None,
        )


@runtime_checkable
class TokenStore(Protocol):
    """Where tokens are kept (see the module docstring). Methods may be sync or async."""

    def load(self) -> StoredToken | Awaitable[StoredToken | None] | None:
        """The stored token, or None."""
        ...

    def save(self, token: StoredToken) -> Awaitable[None] | None:
        """Keep ``token`` (replacing the previous one)."""
        ...


class MemoryTokenStore:
    """Keeps the latest token in memory (share one between clients of the same org)."""

    __slots__ = ("token",)

    def __init__(self, token: StoredToken | None = None) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"MemoryTokenStore(token={'set' if self.token else None})"

    def load(self) -> StoredToken | None:
        """The token saved last."""
        return self.token

    def save(self, token: StoredToken) -> None:
        """Replace the token."""
        self.token = token


class FileTokenStore:
    """Keeps the token in a JSON file, written atomically (temporary file + rename) and
    readable by the owner only (0600). A missing file means no token; a broken one is an
    error naming the file (never silently ignored, unlike the official SDK's config file)."""

    __slots__ = ("path",)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def load(self) -> StoredToken | None:
        """The token in the file, or None when there is no file."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            raise ConfigError(f"token store {self.path} is not JSON") from None
        if not isinstance(data, dict):
            raise ConfigError(f"token store {self.path} does not hold a JSON object")
        return StoredToken.from_dict(data)

    def save(self, token: StoredToken) -> None:
        """Write the file (atomically, mode 0600)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".token-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(token.to_dict(), handle)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
