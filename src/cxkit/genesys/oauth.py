"""Genesys Cloud OAuth: every grant, PKCE helpers, and a self-renewing token provider.

Grants (form fields exactly as the official SDKs send them to ``POST <login>/oauth/token``):

=====================  ===================  =============================================
grant                  client auth          form
=====================  ===================  =============================================
:class:`ClientCredentials`  Basic (or form)  ``grant_type=client_credentials``
:class:`SAML2Bearer`   Basic                ``grant_type=urn:ietf:params:oauth:grant-type:
                                            saml2-bearer``, ``orgName``, ``assertion``
:class:`AuthorizationCode`  Basic           ``grant_type=authorization_code``, ``code``,
                                            ``redirect_uri``
:class:`PKCE`          none                 ``authorization_code`` + ``code_verifier``,
                                            ``client_id``, ``redirect_uri``
:class:`RefreshToken`  Basic (or form id)   ``grant_type=refresh_token``, ``refresh_token``
:class:`AccessToken`   (none: a token you already hold; never renewed)
=====================  ===================  =============================================

:class:`OAuth` is the :class:`cxkit.core.auth.AuthProvider` a :class:`~cxkit.genesys.client.
GenesysClient` uses. Unlike the official SDKs it renews every grant the same way: tokens are
fetched once for any number of concurrent callers (single flight), client-credentials and
SAML tokens are renewed proactively before they expire (never crashing the process, unlike
Go's ``AutomaticTokenRefresh``), code and PKCE tokens are refreshed with their refresh token
(PKCE's is kept, unlike Python's SDK) when a call gets a 401, and the call is replayed once
(never an unbounded recursion).
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import logging
import secrets
import string
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from cxkit.config import DEFAULTS, RetryPolicy, Secret
from cxkit.core.auth import Token, TokenCache
from cxkit.errors import (
    AuthError,
    InvalidCredentialsError,
    TokenExpiredError,
    TokenRefreshError,
    UsageError,
)
from cxkit.genesys.tokenstore import StoredToken, TokenStore
from cxkit.genesys.transport import DefaultTransport, HttpRequestOptions

if TYPE_CHECKING:
    from cxkit.core.http import APIResponse, HTTPClient

__all__ = [
    "PKCE",
    "PKCE_ALPHABET",
    "AccessToken",
    "AuthorizationCode",
    "ClientCredentials",
    "Grant",
    "OAuth",
    "PKCEPair",
    "RefreshToken",
    "SAML2Bearer",
    "authorize_url",
    "compute_pkce_code_challenge",
    "generate_pkce_code_verifier",
    "logout_url",
    "token_error",
]

log = logging.getLogger("cxkit.genesys.oauth")

_VENDOR = "genesys"

# --------------------------------------------------------------------------- PKCE

PKCE_ALPHABET = string.ascii_letters + string.digits + "-._~"
"""RFC 7636 unreserved characters (Go's alphabet; Python's SDK forgets ``~``)."""


def generate_pkce_code_verifier(length: int = 128) -> str:
    """A PKCE code verifier of ``length`` (43..128) characters from a CSPRNG (``secrets``).

    The official Python SDK uses ``random.choice``, which is predictable; this does not.
    """
    if isinstance(length, bool) or not isinstance(length, int) or not 43 <= length <= 128:
        raise UsageError(f"PKCE code verifier length must be 43..128, got {length!r}")
    return "".join(secrets.choice(PKCE_ALPHABET) for _ in range(length))


def compute_pkce_code_challenge(verifier: str) -> str:
    """The S256 challenge: base64url(SHA-256(verifier)) without ``=`` padding."""
    if not 43 <= len(verifier) <= 128:
        raise UsageError(f"PKCE code verifier length must be 43..128, got {len(verifier)}")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class PKCEPair:
    """A fresh verifier and its S256 challenge (``PKCEPair.new()``)."""

    verifier: Secret
    challenge: str
    method: str = "S256"

    @classmethod
    def new(cls, length: int = 128) -> PKCEPair:
        """Generate a verifier of ``length`` characters and compute its challenge."""
        verifier = generate_pkce_code_verifier(length)
        return cls(Secret(verifier), compute_pkce_code_challenge(verifier))


def authorize_url(
    login_url: str,
    client_id: str,
    redirect_uri: str,
    *,
    response_type: str = "code",
    state: str | None = None,
    org: str | None = None,
    provider: str | None = None,
    prompt_login: bool = False,
    code_challenge: str | None = None,
    code_challenge_method: str = "S256",
) -> str:
    """Build the browser URL of ``/oauth/authorize`` (code, implicit ``token`` or PKCE).

    The implicit grant (``response_type="token"``) is being retired by Genesys (new OAuth
    clients lose it in 2026): prefer code + PKCE.
    """
    if response_type not in ("code", "token"):
        raise UsageError(f"response_type must be 'code' or 'token', got {response_type!r}")
    query: dict[str, str] = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": response_type,
    }
    if state:
        query["state"] = state
    if org:
        query["org"] = org
    if provider:
        query["provider"] = provider
    if prompt_login:
        query["prompt"] = "login"
    if code_challenge:
        query["code_challenge"] = code_challenge
        query["code_challenge_method"] = code_challenge_method
    return f"{login_url.rstrip('/')}/oauth/authorize?{urlencode(query)}"


def logout_url(login_url: str, redirect_uri: str | None = None) -> str:
    """Build the browser URL of ``/logout`` (optionally redirecting afterwards)."""
    base = f"{login_url.rstrip('/')}/logout"
    return f"{base}?{urlencode({'redirect_uri': redirect_uri})}" if redirect_uri else base


# --------------------------------------------------------------------------- grants


def _basic(client_id: str, client_secret: Secret | str) -> str:
    raw = f"{client_id}:{Secret(client_secret).reveal()}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _secret(value: Secret | str) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        # a bytes or None secret would be sent as "b'...'" / "None": say so instead
        raise UsageError(f"a secret must be a str, got {type(value).__name__}")
    return Secret(value)


def _optional_secret(value: Secret | str | None) -> Secret | None:
    return None if value is None else _secret(value)


def _init(obj: object, **values: Any) -> None:
    """Set the fields of a frozen dataclass from a hand-written ``__init__``."""
    for name, value in values.items():
        object.__setattr__(obj, name, value)


# The grants are frozen dataclasses with a hand-written ``__init__``: secrets may be given as
# plain ``str`` (what type checkers accept) and are always stored as :class:`Secret` (what
# the attributes are typed as), so a grant never shows a secret in its repr.


@dataclass(frozen=True, slots=True, init=False)
class ClientCredentials:
    """Server-to-server grant. ``form_auth`` sends the id and secret in the form body
    instead of a Basic header (observed to work; not documented)."""

    client_id: str
    client_secret: Secret = field(repr=False)
    form_auth: bool = False
    reusable: ClassVar[bool] = True

    def __init__(
        self, client_id: str, client_secret: str | Secret, form_auth: bool = False
    ) -> None:
        """``client_secret`` may be a plain string; it is kept as a :class:`Secret`."""
        _init(self, client_id=client_id, client_secret=_secret(client_secret), form_auth=form_auth)

    def request(self) -> tuple[dict[str, str], str | None]:
        """The token request: (form, Authorization header or None)."""
        if self.form_auth:
            form = {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret.reveal(),
            }
            return form, None
        return {"grant_type": "client_credentials"}, _basic(self.client_id, self.client_secret)


@dataclass(frozen=True, slots=True, init=False)
class SAML2Bearer:
    """Exchange a SAML2 assertion from your identity provider for a token."""

    client_id: str
    client_secret: Secret = field(repr=False)
    org_name: str
    assertion: Secret = field(repr=False)
    reusable: ClassVar[bool] = True  # the assertion may be re-presented until it expires

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        org_name: str,
        assertion: str | Secret,
    ) -> None:
        """``client_secret`` and ``assertion`` (base64 SAML) are kept as :class:`Secret`."""
        _init(
            self,
            client_id=client_id,
            client_secret=_secret(client_secret),
            org_name=org_name,
            assertion=_secret(assertion),
        )

    def request(self) -> tuple[dict[str, str], str | None]:
        """The token request: (form, Authorization header or None)."""
        form = {
            "grant_type": "urn:ietf:params:oauth:grant-type:saml2-bearer",
            "orgName": self.org_name,
            "assertion": self.assertion.reveal(),
        }
        return form, _basic(self.client_id, self.client_secret)


@dataclass(frozen=True, slots=True, init=False)
class AuthorizationCode:
    """Exchange the ``code`` your redirect URI received; renewed later by refresh token."""

    client_id: str
    client_secret: Secret = field(repr=False)
    code: Secret = field(repr=False)
    redirect_uri: str
    reusable: ClassVar[bool] = False  # a code is single-use

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        code: str | Secret,
        redirect_uri: str,
    ) -> None:
        """``client_secret`` and ``code`` are kept as :class:`Secret`."""
        _init(
            self,
            client_id=client_id,
            client_secret=_secret(client_secret),
            code=_secret(code),
            redirect_uri=redirect_uri,
        )

    def request(self) -> tuple[dict[str, str], str | None]:
        """The token request: (form, Authorization header or None)."""
        form = {
            "grant_type": "authorization_code",
            "code": self.code.reveal(),
            "redirect_uri": self.redirect_uri,
        }
        return form, _basic(self.client_id, self.client_secret)


@dataclass(frozen=True, slots=True, init=False)
class PKCE:
    """Public-client code exchange with the verifier behind the ``code_challenge`` you sent
    to ``/oauth/authorize``. No client secret and no Basic header."""

    client_id: str
    code_verifier: Secret = field(repr=False)
    code: Secret = field(repr=False)
    redirect_uri: str
    reusable: ClassVar[bool] = False
    client_secret: ClassVar[None] = None

    def __init__(
        self,
        client_id: str,
        code_verifier: str | Secret,
        code: str | Secret,
        redirect_uri: str,
    ) -> None:
        """``code_verifier`` and ``code`` are kept as :class:`Secret`."""
        _init(
            self,
            client_id=client_id,
            code_verifier=_secret(code_verifier),
            code=_secret(code),
            redirect_uri=redirect_uri,
        )

    def request(self) -> tuple[dict[str, str], str | None]:
        """The token request: (form, Authorization header or None)."""
        form = {
            "grant_type": "authorization_code",
            "code": self.code.reveal(),
            "code_verifier": self.code_verifier.reveal(),
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
        }
        return form, None


@dataclass(frozen=True, slots=True, init=False)
class RefreshToken:
    """Start from a refresh token you stored earlier. ``client_secret`` None = a public
    (PKCE) client: the id goes in the form, no Basic header."""

    client_id: str
    refresh_token: Secret = field(repr=False)
    client_secret: Secret | None = field(default=None, repr=False)
    reusable: ClassVar[bool] = False

    def __init__(
        self,
        client_id: str,
        refresh_token: str | Secret,
        client_secret: str | Secret | None = None,
    ) -> None:
        """``refresh_token`` and ``client_secret`` are kept as :class:`Secret`."""
        _init(
            self,
            client_id=client_id,
            refresh_token=_secret(refresh_token),
            client_secret=_optional_secret(client_secret),
        )

    def request(self) -> tuple[dict[str, str], str | None]:
        """The token request: (form, Authorization header or None)."""
        return _refresh_request(self.client_id, self.client_secret, self.refresh_token)


@dataclass(frozen=True, slots=True, init=False)
class AccessToken:
    """A token obtained elsewhere (the official SDKs' ``access_token`` setting). It is used
    as is and never renewed: a 401 surfaces as :class:`cxkit.errors.UnauthorizedError`."""

    access_token: Secret = field(repr=False)
    expires_in: float | None = None
    reusable: ClassVar[bool] = False
    client_id: ClassVar[None] = None
    client_secret: ClassVar[None] = None

    def __init__(self, access_token: str | Secret, expires_in: float | None = None) -> None:
        """``access_token`` is kept as a :class:`Secret`."""
        _init(self, access_token=_secret(access_token), expires_in=expires_in)


Grant = ClientCredentials | SAML2Bearer | AuthorizationCode | PKCE | RefreshToken | AccessToken
"""Any way to obtain a token."""


def _refresh_request(
    client_id: str, client_secret: Secret | None, refresh_token: Secret | str
) -> tuple[dict[str, str], str | None]:
    form = {"grant_type": "refresh_token", "refresh_token": Secret(refresh_token).reveal()}
    if client_secret is None:
        form["client_id"] = client_id
        return form, None
    return form, _basic(client_id, client_secret)


# --------------------------------------------------------------------------- errors


_CREDENTIAL_ERRORS = frozenset(
    {"invalid_client", "unauthorized_client", "access_denied", "invalid_scope", "invalid_request"}
)


def token_error(status: int, body: Any, *, refreshing: bool = False) -> AuthError:
    """Turn a login-host error answer (``{error, description, error_description}``) into an
    :class:`cxkit.errors.AuthError` formatted like Go's ``Auth Error: <status> - <error>
    (<error_description>)``: wrong client id/secret/code → InvalidCredentialsError; a refresh
    token that is no longer valid → TokenExpiredError; anything else → TokenRefreshError."""
    error: str | None = None
    description: str | None = None
    if isinstance(body, Mapping):
        raw_error = body.get("error")
        error = raw_error if isinstance(raw_error, str) else None
        for key in ("error_description", "description", "message"):
            value = body.get(key)
            if isinstance(value, str) and value:
                description = value
                break
    message = f"Auth Error: {status} - {error or 'unknown_error'}"
    if description:
        message += f" ({description})"
    fields: dict[str, Any] = {
        "vendor": _VENDOR,
        "code": error,
        "status": status,
        "description": description,
        "body": body,
    }
    if error == "invalid_grant" and refreshing:
        return TokenExpiredError(message, **fields)
    if error in _CREDENTIAL_ERRORS or error == "invalid_grant" or status in (400, 401, 403):
        return InvalidCredentialsError(message, **fields)
    return TokenRefreshError(message, **fields)


# --------------------------------------------------------------------------- provider

_FORM = "application/x-www-form-urlencoded"

# The token endpoint is retried on throttling and gateway errors only; a 4xx is final.
_TOKEN_RETRY = RetryPolicy(max_retries=2, min_wait=0.2, max_wait=5.0)


class OAuth:
    """Obtains, caches and renews the bearer token of one :data:`Grant`.

    Implements :class:`cxkit.core.auth.AuthProvider`: ``auth_headers()`` gives the
    ``Authorization`` header (fetching a token on first use, single flight) and
    ``on_unauthorized()`` renews after a 401 so the HTTP layer replays the call once.

    Args:
        http: the client's HTTP layer (the token call goes to ``login_url``, without auth).
        login_url: the OAuth host (``https://login.<domain>`` or the emulator/gateway).
        grant: how to obtain the first token (None: call :meth:`authorize` later).
        refresh_enabled: refresh code/PKCE tokens with their refresh token (the official
            SDKs' ``should_refresh_access_token`` / ``reauthentication.refresh_access_token``).
        auto_refresh: renew client-credentials and SAML tokens before they expire, in the
            background (Go's ``AutomaticTokenRefresh``, without its panic).
        advisory_window: renew this many seconds before expiry (60 s as in Go).
        refresh_timeout: how long concurrent callers wait for a renewal (the SDKs'
            ``refresh_token_wait_time``, 10 s).
        clock: monotonic seconds (tests inject a fake clock).
        wall: wall-clock epoch seconds (stored tokens carry wall-clock expiry).
        token_store: where tokens are kept between runs (:mod:`cxkit.genesys.tokenstore`):
            asked once before the first token request, told about every new token.
        send: how token requests are sent (the client passes its hook- and transport-aware
            ``send``; default: straight through ``http``).
    """

    def __init__(
        self,
        http: HTTPClient,
        login_url: str,
        grant: Grant | None = None,
        *,
        refresh_enabled: bool = True,
        auto_refresh: bool = True,
        advisory_window: float = DEFAULTS.token_advisory_window,
        refresh_timeout: float = DEFAULTS.token_refresh_timeout,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        token_store: TokenStore | None = None,
        send: Callable[[HttpRequestOptions], Awaitable[APIResponse]] | None = None,
    ) -> None:
        self._http = http
        self._send = send if send is not None else DefaultTransport(http).do
        self.login_url = login_url.rstrip("/")
        self._grant: Grant | None = grant
        self._grant_used = False
        self.refresh_enabled = refresh_enabled
        self.auto_refresh = auto_refresh
        self._clock = clock
        self._wall = wall
        self.token_store = token_store
        self._store_checked = token_store is None
        self.cache = TokenCache(
            self._fetch,
            advisory_window=advisory_window,
            refresh_timeout=refresh_timeout,
            clock=clock,
        )
        self._auto_started = False
        self._header_token: Token | None = None
        self._headers: Mapping[str, str] = {}
        self.token_requests = 0
        self.on_token: Callable[[Token], Any] | None = None
        """Called with every token obtained from the login host (e.g. to persist it)."""

    def __repr__(self) -> str:
        return f"OAuth(login_url={self.login_url!r}, grant={type(self._grant).__name__})"

    # ----------------------------------------------------------------- state

    def clock(self) -> float:
        """Now on the clock token expiries are measured on."""
        return self._clock()

    @property
    def grant(self) -> Grant | None:
        """The grant tokens come from."""
        return self._grant

    @property
    def can_renew(self) -> bool:
        """True when a revoked or expired token can be replaced without the user."""
        token = self.cache.current
        if isinstance(self._grant, (ClientCredentials, SAML2Bearer)):
            return True
        return bool(self.refresh_enabled and token is not None and token.refresh_token)

    def set_grant(self, grant: Grant) -> None:
        """Use another grant from now on (the current token is dropped)."""
        self._grant = grant
        self._grant_used = False
        self.cache.invalidate()

    def set_access_token(self, access_token: str, *, expires_in: float | None = None) -> None:
        """Use a token you obtained elsewhere (never renewed)."""
        self.set_grant(AccessToken(Secret(access_token), expires_in))

    # ----------------------------------------------------------------- AuthProvider

    async def token(self) -> Token:
        """The current valid token (fetched or renewed when needed, single flight)."""
        token = await self.cache.get()
        if (
            not self._auto_started
            and self.auto_refresh
            and isinstance(self._grant, (ClientCredentials, SAML2Bearer))
        ):
            self._auto_started = True
            self.cache.start_auto_refresh()
        return token

    async def auth_headers(self) -> Mapping[str, str]:
        """``{"Authorization": "Bearer <token>"}`` (built once per token, not per call)."""
        token = await self.token()
        if token is not self._header_token:
            self._headers = {"Authorization": f"Bearer {token.access_token.reveal()}"}
            self._header_token = token
        return self._headers

    async def on_unauthorized(self, sent: Mapping[str, str]) -> bool:
        """A call got 401 with ``sent`` headers: renew once if this grant can; True = replay."""
        current = self.cache.current
        if current is None:
            return False
        if sent.get("Authorization") != f"Bearer {current.access_token.reveal()}":
            return True  # someone renewed meanwhile: replay with the new token
        if not self.can_renew:
            return False
        try:
            await self.cache.refresh(current)
        except AuthError as exc:
            log.warning("token renewal after 401 failed: %s", exc)
            return False
        return True

    async def authorize(self, grant: Grant | None = None) -> Token:
        """Obtain a token now (with ``grant``, or the configured one) and return it.

        Raises :class:`cxkit.errors.InvalidCredentialsError` for wrong credentials."""
        if grant is not None:
            self.set_grant(grant)
        if self._grant is None:
            raise UsageError("no OAuth grant configured: pass grant= or client_id/client_secret")
        self.cache.invalidate()
        return await self.token()

    async def refresh(self) -> Token:
        """Renew the token now (e.g. after ``v2.system.token_revoked``)."""
        return await self.cache.refresh(self.cache.current)

    async def close(self) -> None:
        """Stop the background renewal."""
        if self._auto_started:
            await self.cache.stop()
            self._auto_started = False

    # ----------------------------------------------------------------- fetching

    async def _fetch(self, previous: Token | None) -> Token:
        grant = self._grant
        if grant is None:
            raise UsageError("no OAuth grant configured: pass grant= or client_id/client_secret")
        if isinstance(grant, AccessToken):
            if self._grant_used:
                raise TokenExpiredError(
                    "the access token expired or was rejected and cannot be renewed "
                    "(configure a grant to renew automatically)",
                    vendor=_VENDOR,
                )
            self._grant_used = True
            expires_at = None if grant.expires_in is None else self._clock() + grant.expires_in
            return Token(access_token=grant.access_token, expires_at=expires_at)
        if previous is None and not self._store_checked:
            self._store_checked = True
            stored = await self._from_store(grant)
            if stored is not None:
                return stored
        refresh_token = previous.refresh_token if previous is not None else None
        if refresh_token and self.refresh_enabled and grant.client_id is not None:
            form, basic = _refresh_request(grant.client_id, grant.client_secret, refresh_token)
            try:
                return await self._request(form, basic, refreshing=True, previous=previous)
            except TokenExpiredError:
                if not grant.reusable:
                    raise
        elif self._grant_used and not grant.reusable:
            raise TokenExpiredError(
                "the token expired and this grant cannot be renewed "
                f"({type(grant).__name__} gave no refresh token or refresh is disabled)",
                vendor=_VENDOR,
            )
        form, basic = grant.request()
        token = await self._request(form, basic, refreshing=isinstance(grant, RefreshToken))
        self._grant_used = True
        return token

    async def _from_store(self, grant: Grant) -> Token | None:
        """A usable token from the store: as is while valid, else renewed with its refresh
        token; None to go on with the grant. A broken store is logged, not fatal."""
        store = self.token_store
        if store is None:
            return None
        try:
            loaded = store.load()
            stored = await loaded if inspect.isawaitable(loaded) else loaded
        except Exception as exc:
            log.warning("token store %r could not be read, using the grant: %s", store, exc)
            return None
        if not isinstance(stored, StoredToken):
            return None
        if stored.client_id is not None and stored.client_id != grant.client_id:
            return None  # another OAuth client's token
        wall, now = self._wall(), self._clock()
        if not stored.expired(wall, margin=self.cache.advisory_window):
            log.debug("using the stored token")
            return stored.to_token(clock=now, wall=wall)
        if stored.refresh_token and self.refresh_enabled and grant.client_id is not None:
            form, basic = _refresh_request(
                grant.client_id, grant.client_secret, stored.refresh_token
            )
            previous = stored.to_token(clock=now, wall=wall)
            try:
                return await self._request(form, basic, refreshing=True, previous=previous)
            except TokenExpiredError:
                log.info("the stored refresh token is no longer valid; using the grant")
        return None

    async def _save(self, token: Token) -> None:
        store = self.token_store
        if store is None:
            return
        grant = self._grant
        stored = StoredToken.from_token(
            token,
            client_id=grant.client_id if grant is not None else None,
            clock=self._clock(),
            wall=self._wall(),
        )
        try:
            saved = store.save(stored)
            if inspect.isawaitable(saved):
                await saved
        except Exception as exc:
            # the token works all the same; the next run just logs in again
            log.warning("token store %r could not be written: %s", store, exc)

    async def _request(
        self,
        form: dict[str, str],
        basic: str | None,
        *,
        refreshing: bool,
        previous: Token | None = None,
    ) -> Token:
        self.token_requests += 1
        headers = {"Accept": "application/json", "Content-Type": _FORM}
        if basic is not None:
            headers["Authorization"] = basic
        response = await self._send(
            HttpRequestOptions(
                method="POST",
                url=f"{self.login_url}/oauth/token",
                headers=headers,
                body=urlencode(form).encode(),
                auth=False,
                raise_for_status=False,
                retry=_TOKEN_RETRY,
            )
        )
        body = response.body
        if not 200 <= response.status < 300:
            raise token_error(response.status, body, refreshing=refreshing)
        if not isinstance(body, Mapping) or not isinstance(body.get("access_token"), str):
            raise TokenRefreshError(
                f"the token endpoint answered {response.status} without an access_token",
                vendor=_VENDOR,
            )
        token = Token.from_oauth(body, now=self._clock())
        if token.refresh_token is None and previous is not None and previous.refresh_token:
            # Genesys may not rotate refresh tokens: keep the one we have.
            token = Token(
                access_token=token.access_token,
                token_type=token.token_type,
                expires_at=token.expires_at,
                refresh_token=previous.refresh_token,
                scope=token.scope,
                extra=token.extra,
            )
        await self._save(token)
        hook = self.on_token
        if hook is not None:
            try:
                hook(token)
            except Exception:
                log.exception("on_token hook raised; the token is used anyway")
        return token
