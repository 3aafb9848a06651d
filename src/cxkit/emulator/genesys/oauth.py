"""The login host's logic: every OAuth grant, the authorize step and its errors (no HTTP).

Grants per demo client (``cxkit.emulator.tenant.GenesysTenant``), as real Genesys OAuth
clients have one grant family each:

- ``client_credentials`` client: ``client_credentials`` and SAML2 bearer;
- ``code_grant`` client (confidential): authorization code (optionally with PKCE), refresh
  token, SAML2 bearer;
- ``pkce`` client (public, no secret): authorization code with PKCE (S256 only), refresh
  token, implicit (``response_type=token``).

Errors use the login host's shape ``{error, description, error_description}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

from cxkit.emulator.genesys.model import User
from cxkit.emulator.genesys.settings import LiveOptions
from cxkit.emulator.genesys.state import OrgState
from cxkit.emulator.genesys.tokens import TokenRecord, TokenStore
from cxkit.emulator.tenant import GenesysOAuthClient, GenesysTenant

__all__ = [
    "SAML2_GRANT",
    "AuthorizePageError",
    "AuthorizeRequest",
    "ClientAuth",
    "OAuthError",
    "OAuthServer",
    "pkce_challenge",
]

SAML2_GRANT: Final = "urn:ietf:params:oauth:grant-type:saml2-bearer"
_LOOPBACK_HOSTS: Final = ("127.0.0.1", "localhost", "[::1]", "::1")


class OAuthError(Exception):
    """An OAuth error answer: HTTP status plus ``error`` and its description."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        """The login host's error body (Go SDK ``AuthErrorResponse``)."""
        return {
            "error": self.error,
            "description": self.description,
            "error_description": self.description,
        }


class AuthorizePageError(Exception):
    """An authorize request so broken that it cannot be redirected (bad client or
    redirect URI): shown as an error page."""


@dataclass(frozen=True, slots=True)
class ClientAuth:
    """How the client identified itself on ``/oauth/token``."""

    client_id: str | None
    client_secret: str | None = None


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    """A validated ``/oauth/authorize`` request."""

    client: GenesysOAuthClient
    redirect_uri: str
    response_type: str
    state: str | None
    challenge: str | None
    challenge_method: str | None

    def redirect(self, params: Mapping[str, Any]) -> str:
        """The redirect URL carrying ``params`` (query for code, fragment for token)."""
        values = {k: str(v) for k, v in params.items() if v is not None}
        if self.state is not None:
            values["state"] = self.state
        encoded = urlencode(values)
        if self.response_type == "token":
            return f"{self.redirect_uri}#{encoded}"
        joiner = "&" if "?" in self.redirect_uri else "?"
        return f"{self.redirect_uri}{joiner}{encoded}"

    def error_redirect(self, error: str, description: str) -> str:
        """The redirect URL carrying an OAuth error (in the hash for the implicit grant)."""
        return self.redirect({"error": error, "error_description": description})


def pkce_challenge(verifier: str) -> str:
    """``base64url(sha256(verifier))`` without padding (RFC 7636 S256)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class OAuthServer:
    """Grant logic over the tenant's clients, the org's users and the token store."""

    def __init__(
        self, tenant: GenesysTenant, state: OrgState, tokens: TokenStore, live: LiveOptions
    ) -> None:
        self.tenant = tenant
        self.state = state
        self.tokens = tokens
        self._live = live

    # ------------------------------------------------------------------ helpers

    def _invalid_client(self, description: str) -> OAuthError:
        return OAuthError(self._live.current.oauth_error_status, "invalid_client", description)

    def _grants_of(self, client: GenesysOAuthClient) -> frozenset[str]:
        if client.client_id == self.tenant.client_credentials.client_id:
            return frozenset({"client_credentials", SAML2_GRANT})
        if client.client_id == self.tenant.pkce.client_id:
            return frozenset({"authorization_code", "refresh_token", "token"})
        return frozenset({"authorization_code", "refresh_token", SAML2_GRANT})

    def authenticate(
        self, auth: ClientAuth, grant: str, form: Mapping[str, str]
    ) -> GenesysOAuthClient:
        """Identify the client: a secret (Basic or form) for confidential clients; the bare
        ``client_id`` only for the public client's PKCE code exchange and refresh."""
        client = self.tenant.client(auth.client_id) if auth.client_id else None
        if client is None:
            raise self._invalid_client("client not found")
        if auth.client_secret is not None:
            expected = client.client_secret.reveal() if client.client_secret else None
            if expected is None or not hmac.compare_digest(
                expected.encode(), auth.client_secret.encode()
            ):
                raise self._invalid_client("authentication failed")
        elif client.client_secret is not None or not (
            grant == "refresh_token" or form.get("code_verifier")
        ):
            raise self._invalid_client("authentication failed")
        if grant not in self._grants_of(client):
            raise OAuthError(400, "unauthorized_client", "client is not authorized for this grant")
        return client

    def _success(self, record: TokenRecord) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": record.value,
            "token_type": "bearer",
            "expires_in": record.expires_in(record.issued_at),
        }
        if record.refresh_token:
            body["refresh_token"] = record.refresh_token
        return body

    # ------------------------------------------------------------------ /oauth/token

    def token(self, form: Mapping[str, str], auth: ClientAuth) -> dict[str, Any]:
        """Run the grant named by ``grant_type``; returns the success body or raises."""
        grant = form.get("grant_type", "")
        if not grant:
            raise OAuthError(400, "invalid_request", "grant_type is required")
        if grant not in ("client_credentials", "authorization_code", "refresh_token", SAML2_GRANT):
            raise OAuthError(400, "unsupported_grant_type", f"grant type {grant} not supported")
        client = self.authenticate(auth, grant, form)
        if grant == "client_credentials":
            return self._success(self.tokens.issue(client.client_id, "CLIENT-CREDENTIALS"))
        if grant == "authorization_code":
            return self._code_grant(client, form)
        if grant == "refresh_token":
            return self._refresh_grant(client, form)
        return self._saml2_grant(client, form)

    def _code_grant(self, client: GenesysOAuthClient, form: Mapping[str, str]) -> dict[str, Any]:
        code_value, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code_value or not redirect_uri:
            raise OAuthError(400, "invalid_request", "code and redirect_uri are required")
        code = self.tokens.take_code(code_value)
        if code is None or code.client_id != client.client_id:
            raise OAuthError(400, "invalid_grant", "authorization code is invalid or expired")
        if code.redirect_uri != redirect_uri:
            raise OAuthError(400, "invalid_grant", "redirect_uri does not match")
        verifier = form.get("code_verifier")
        if code.challenge is not None:
            if not verifier or not 43 <= len(verifier) <= 128:
                raise OAuthError(400, "invalid_grant", "code_verifier must be 43-128 characters")
            if not hmac.compare_digest(pkce_challenge(verifier), code.challenge):
                raise OAuthError(400, "invalid_grant", "code_verifier does not match")
        elif client.client_secret is None:
            raise OAuthError(400, "invalid_grant", "code was not issued with a code_challenge")
        record = self.tokens.issue(
            client.client_id, "CODE", user_id=code.user_id, with_refresh=True
        )
        return self._success(record)

    def _refresh_grant(self, client: GenesysOAuthClient, form: Mapping[str, str]) -> dict[str, Any]:
        refresh = form.get("refresh_token")
        if not refresh:
            raise OAuthError(400, "invalid_request", "refresh_token is required")
        old = self.tokens.by_refresh_token(refresh)
        if old is None or old.client_id != client.client_id:
            raise OAuthError(400, "invalid_grant", "refresh token is invalid")
        rotate = self._live.current.rotate_refresh_tokens
        if rotate:
            self.tokens.retire_refresh_token(refresh)
        record = self.tokens.issue(
            client.client_id,
            old.grant,
            user_id=old.user_id,
            refresh_token=None if rotate else refresh,
            with_refresh=True,
        )
        return self._success(record)

    def _saml2_grant(self, client: GenesysOAuthClient, form: Mapping[str, str]) -> dict[str, Any]:
        org_name, assertion = form.get("orgName"), form.get("assertion")
        if not org_name or not assertion:
            raise OAuthError(400, "invalid_request", "orgName and assertion are required")
        if org_name.lower() != self.state.org_name.lower():
            raise OAuthError(400, "invalid_grant", "organization not found")
        user = self._saml_subject(assertion)
        if user is None:
            raise OAuthError(400, "invalid_grant", "SAML assertion is not valid")
        return self._success(self.tokens.issue(client.client_id, "SAML2-BEARER", user_id=user.id))

    def _saml_subject(self, assertion: str) -> User | None:
        """The user an assertion names. The emulator checks no signature: an assertion is
        accepted when it (or its base64 decoding) contains a known user's email, e.g. in
        ``<saml:NameID>``."""
        texts = [assertion]
        padded = assertion + "=" * (-len(assertion) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                texts.append(decode(padded).decode("utf-8", "replace"))
            except (binascii.Error, ValueError):
                continue
        for text in texts:
            lowered = text.lower()
            for email, user in self.state.users_by_email.items():
                if email in lowered:
                    return user
        return None

    # ------------------------------------------------------------------ /oauth/authorize

    def _redirect_allowed(self, client: GenesysOAuthClient, uri: str) -> bool:
        if client.redirect_uri and uri == client.redirect_uri:
            return True
        parts = urlsplit(uri)
        return (
            self._live.current.allow_loopback_redirects
            and parts.scheme == "http"
            and (parts.hostname or "") in _LOOPBACK_HOSTS
        )

    def check_authorize(self, params: Mapping[str, str]) -> tuple[AuthorizeRequest, str | None]:
        """Validate an authorize request. Returns the request and, when it must fail in the
        redirect, the error redirect URL; raises AuthorizePageError when no redirect is safe."""
        client = self.tenant.client(params.get("client_id", ""))
        if client is None:
            raise AuthorizePageError("client not found")
        redirect_uri = params.get("redirect_uri") or client.redirect_uri or ""
        if not redirect_uri or not self._redirect_allowed(client, redirect_uri):
            raise AuthorizePageError("redirect_uri is not registered for this client")
        response_type = params.get("response_type", "")
        request = AuthorizeRequest(
            client=client,
            redirect_uri=redirect_uri,
            response_type="token" if response_type == "token" else "code",
            state=params.get("state"),
            challenge=params.get("code_challenge") or None,
            challenge_method=params.get("code_challenge_method") or None,
        )
        problem: tuple[str, str] | None = None
        if response_type not in ("code", "token"):
            problem = ("unsupported_response_type", "response_type must be code or token")
        elif (response_type == "code" and "authorization_code" not in self._grants_of(client)) or (
            response_type == "token" and "token" not in self._grants_of(client)
        ):
            problem = ("unauthorized_client", "client is not authorized for this response_type")
        elif request.challenge is not None and request.challenge_method != "S256":
            problem = ("invalid_request", "code_challenge_method must be S256")
        elif response_type == "code" and client.client_secret is None and not request.challenge:
            problem = ("invalid_request", "a public client must send a PKCE code_challenge")
        return request, None if problem is None else request.error_redirect(*problem)

    def login(self, username: str, password: str) -> User | None:
        """The user whose email and password match (only users with a password can log in)."""
        user = self.state.users_by_email.get(username.strip().lower())
        if user is None or user.password is None:
            return None
        if not hmac.compare_digest(user.password.encode(), password.encode()):
            return None
        return user

    def approve(self, request: AuthorizeRequest, user: User) -> str:
        """Issue a code (or, for the implicit grant, a token) and build the redirect."""
        if request.response_type == "token":
            record = self.tokens.issue(request.client.client_id, "TOKEN", user_id=user.id)
            return request.redirect(
                {
                    "access_token": record.value,
                    "token_type": "bearer",
                    "expires_in": record.expires_in(record.issued_at),
                }
            )
        code = self.tokens.new_code(
            request.client.client_id,
            user.id,
            request.redirect_uri,
            challenge=request.challenge,
            challenge_method=request.challenge_method,
        )
        return request.redirect({"code": code})
