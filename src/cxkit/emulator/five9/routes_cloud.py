"""Five9's cloud APIs reached from a VCC login (reference §1.11, §3.14, §5 item 43).

* ``POST {cloudClientUrl}/cloudauthsvcs/v1/domains/{orgId}/exchangefdmtoken`` -- the VCC
  authorization (``Authorization: Bearer-{tokenId}`` + farm header, ``Bearer {tokenId}``, or
  the login cookie: sources disagree, all are accepted) is exchanged for
  ``{access_token: <JWT>, token_type: "Bearer", expires_in}``;
* ``GET {cloudClientUrl}/acl/v1/domains/{orgId}/my-ui-permissions`` with
  ``Authorization: Bearer <JWT>`` -- the user's UI permissions (shape inferred).

The login body's ``context.cloudClientUrl`` points at the emulator itself by default. Tokens
are HS256-shaped JWTs signed with a per-emulator key; they expire on the emulator clock.
Error bodies use ``five9ExceptionDetail`` (the cloud APIs' own error shape is unrecorded).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from cxkit.emulator.five9.core import Five9Core
from cxkit.emulator.five9.errors import Five9Error, forbidden

__all__ = ["CloudTokens", "add_cloud_routes"]

EXCHANGE = "/cloudauthsvcs/v1/domains/{orgId}/exchangefdmtoken"
PERMISSIONS = "/acl/v1/domains/{orgId}/my-ui-permissions"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class _Issued:
    user_id: str
    expires_at: float  # emulator epoch seconds


class CloudTokens:
    """The cloud JWTs the emulator issued (rebuilt with the core on reset)."""

    def __init__(self, core: Five9Core) -> None:
        self.core = core
        self._key = hashlib.sha256(f"cxkit-five9-cloud-{core.options.seed}".encode()).digest()
        self._issued: dict[str, _Issued] = {}

    def issue(self, user_id: str) -> tuple[str, int]:
        """A new JWT for ``user_id`` and its lifetime in seconds."""
        now = self.core.ctx.now()
        ttl = int(self.core.options.cloud_token_ttl)
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {
            "sub": user_id,
            "domainId": self.core.tenant.org_id,
            "iat": int(now),
            "exp": int(now) + ttl,
            "jti": self.core.ids.token_id(),
        }
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(hmac.new(self._key, f"{header}.{body}".encode(), "sha256").digest())
        token = f"{header}.{body}.{signature}"
        self._issued[token] = _Issued(user_id, now + ttl)
        return token, ttl

    def user_of(self, token: str) -> str | None:
        """The user of a live token (None: unknown or expired)."""
        issued = self._issued.get(token)
        if issued is None:
            return None
        if self.core.ctx.now() >= issued.expires_at:
            del self._issued[token]
            return None
        return issued.user_id


def _cloud_unauthorized(message: str) -> Five9Error:
    return Five9Error(401, 401, message, "UNAUTHORIZED")


def add_cloud_routes(
    router: web.UrlDispatcher, core: Five9Core, tokens_of: Callable[[], CloudTokens]
) -> None:
    """Serve the token exchange and the UI-permissions API on the emulator's own host
    (``tokens_of()`` gives the current token registry: a reset replaces it)."""

    def check_org(request: web.Request) -> None:
        org = request.match_info["orgId"]
        if org != core.tenant.org_id:
            raise forbidden(f"Not a member of domain {org}", org)

    async def exchange(request: web.Request) -> web.StreamResponse:
        try:
            check_org(request)
            _token, session = core.authenticate(request, count=False)
            access, ttl = tokens_of().issue(session.user_id)
        except Five9Error as exc:
            return exc.response(core.now_ms())
        return web.json_response(
            {"access_token": access, "token_type": "Bearer", "expires_in": ttl}
        )

    async def permissions(request: web.Request) -> web.StreamResponse:
        try:
            check_org(request)
            header = request.headers.get("Authorization", "")
            if header[:7].lower() != "bearer ":
                raise _cloud_unauthorized("A cloud token (Authorization: Bearer <jwt>) is needed")
            user_id = tokens_of().user_of(header[7:].strip())
            if user_id is None:
                raise _cloud_unauthorized("The cloud token is unknown or expired")
            user = core.tenant.user(user_id)
        except Five9Error as exc:
            return exc.response(core.now_ms())
        return web.json_response(
            {
                "domainId": core.tenant.org_id,
                "userId": user.id,
                "roles": list(user.roles),
                "permissions": list(user.permissions),
            }
        )

    async def wrong_method(request: web.Request) -> web.StreamResponse:
        # A vendor-shaped answer, never aiohttp's plain-text 405 page.
        allowed = "POST" if "exchangefdmtoken" in request.path else "GET"
        error = Five9Error(
            405,
            405,
            f"Method {request.method} is not allowed for {request.path} (allowed: {allowed})",
            "METHOD_NOT_ALLOWED",
            headers={"Allow": allowed},
        )
        return error.response(core.now_ms())

    router.add_post(EXCHANGE, exchange)
    router.add_get(PERMISSIONS, permissions)
    router.add_route("*", EXCHANGE, wrong_method)
    router.add_route("*", PERMISSIONS, wrong_method)
