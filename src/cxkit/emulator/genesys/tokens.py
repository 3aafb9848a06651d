"""Issued access tokens, refresh tokens and authorization codes; validation and revocation.

Token values are opaque random strings and never appear in reprs. Revocation observers (the
notification hub) hear about every revoked token so channels created with it can be told and
closed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cxkit.emulator.genesys.ids import new_secret
from cxkit.emulator.genesys.settings import LiveOptions

__all__ = ["AuthCode", "TokenProblem", "TokenRecord", "TokenStore"]


@dataclass(slots=True)
class TokenRecord:
    """One issued access token. ``grant`` is the OrgOAuthClient ``authorizedGrantType``
    (CLIENT-CREDENTIALS, CODE, TOKEN, SAML2-BEARER); ``user_id`` is None for client
    credentials."""

    serial: int
    value: str = field(repr=False)
    client_id: str
    grant: str
    issued_at: float
    expires_at: float
    user_id: str | None = None
    refresh_token: str | None = field(default=None, repr=False)
    revoked: bool = False

    @property
    def key(self) -> str:
        """A printable handle (never the token itself): ``tok-<serial>``."""
        return f"tok-{self.serial}"

    def expires_in(self, now: float) -> int:
        """Whole seconds left (never negative)."""
        return max(0, int(self.expires_at - now))


@dataclass(slots=True)
class AuthCode:
    """An authorization code waiting to be exchanged."""

    code: str = field(repr=False)
    client_id: str
    user_id: str
    redirect_uri: str
    expires_at: float
    challenge: str | None = field(default=None, repr=False)
    challenge_method: str | None = None


class TokenProblem(Exception):
    """Why a bearer token was refused: the Platform API error code to answer with."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # bad.credentials | credentials.expired


class TokenStore:
    """Every token and code the emulated login host has issued."""

    def __init__(self, live: LiveOptions, clock: Callable[[], float]) -> None:
        self._live = live
        self._clock = clock
        self._serial = itertools.count(1)
        self._tokens: dict[str, TokenRecord] = {}
        self._refresh: dict[str, TokenRecord] = {}
        self._codes: dict[str, AuthCode] = {}
        self._revoke_observers: list[Callable[[TokenRecord], None]] = []
        self._last_issued: dict[str, float] = {}  # user id -> latest token issued to them

    def on_revoke(self, observer: Callable[[TokenRecord], None]) -> None:
        """Call ``observer`` with every token revoked from now on."""
        self._revoke_observers.append(observer)

    def clear(self) -> None:
        """Forget every token and code (emulator reset)."""
        self._tokens.clear()
        self._refresh.clear()
        self._codes.clear()
        self._last_issued.clear()

    # ------------------------------------------------------------------ tokens

    def issue(
        self,
        client_id: str,
        grant: str,
        *,
        user_id: str | None = None,
        refresh_token: str | None = None,
        with_refresh: bool = False,
    ) -> TokenRecord:
        """Issue an access token living ``token_lifetime`` seconds."""
        now = self._clock()
        record = TokenRecord(
            serial=next(self._serial),
            value=new_secret(64),
            client_id=client_id,
            grant=grant,
            issued_at=now,
            expires_at=now + self._live.current.token_lifetime,
            user_id=user_id,
            refresh_token=refresh_token or (new_secret(48) if with_refresh else None),
        )
        self._tokens[record.value] = record
        if record.refresh_token:
            self._refresh[record.refresh_token] = record
        if user_id is not None:
            self._last_issued[user_id] = now
        return record

    def last_issued_to(self, user_id: str) -> float | None:
        """When the latest token was issued to ``user_id`` (a login), None if never."""
        return self._last_issued.get(user_id)

    def check(self, value: str) -> TokenRecord:
        """The live record of a bearer token, or TokenProblem."""
        record = self._tokens.get(value)
        if record is None or record.revoked:
            raise TokenProblem("bad.credentials")
        if record.expires_at <= self._clock():
            raise TokenProblem("credentials.expired")
        return record

    def by_refresh_token(self, refresh_token: str) -> TokenRecord | None:
        """The token a refresh token was issued with (None when unknown)."""
        return self._refresh.get(refresh_token)

    def retire_refresh_token(self, refresh_token: str) -> None:
        """Stop accepting a refresh token (rotation)."""
        self._refresh.pop(refresh_token, None)

    def live_tokens(self) -> list[TokenRecord]:
        """Tokens neither revoked nor expired."""
        now = self._clock()
        return [t for t in self._tokens.values() if not t.revoked and t.expires_at > now]

    def find(
        self,
        *,
        token: str | None = None,
        key: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
        everything: bool = False,
    ) -> list[TokenRecord]:
        """Live tokens matching any given selector (``everything`` = all of them)."""
        return [
            t
            for t in self.live_tokens()
            if everything
            or (token is not None and t.value == token)
            or (key is not None and t.key == key)
            or (user_id is not None and t.user_id == user_id)
            or (client_id is not None and t.client_id == client_id)
        ]

    def revoke(self, records: Iterable[TokenRecord]) -> list[TokenRecord]:
        """Revoke tokens (and their refresh tokens); observers hear about each one."""
        revoked = []
        for record in records:
            if record.revoked:
                continue
            record.revoked = True
            if record.refresh_token:
                self._refresh.pop(record.refresh_token, None)
            revoked.append(record)
            for observer in list(self._revoke_observers):
                observer(record)
        return revoked

    # ------------------------------------------------------------------ codes

    def new_code(
        self,
        client_id: str,
        user_id: str,
        redirect_uri: str,
        *,
        challenge: str | None = None,
        challenge_method: str | None = None,
    ) -> str:
        """Issue a single-use authorization code."""
        code = new_secret(24)
        self._codes[code] = AuthCode(
            code=code,
            client_id=client_id,
            user_id=user_id,
            redirect_uri=redirect_uri,
            expires_at=self._clock() + self._live.current.auth_code_lifetime,
            challenge=challenge,
            challenge_method=challenge_method,
        )
        return code

    def take_code(self, code: str) -> AuthCode | None:
        """Remove and return a live code (codes are single use); None when unknown/expired."""
        found = self._codes.pop(code, None)
        if found is None or found.expires_at <= self._clock():
            return None
        return found
