"""``/api/v2/tokens/me``: probe (GET/HEAD) and revoke (DELETE) the current token."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cxkit.emulator.genesys.api import json_response, token_of
from cxkit.emulator.genesys.runtime import Runtime
from cxkit.emulator.genesys.timefmt import iso

__all__ = ["TokenRoutes"]

_SCOPES = ["analytics", "conversations", "notifications", "presence", "routing", "users"]


class TokenRoutes:
    """TokenInfo, token verification and self-revocation."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def routes(self) -> list[web.RouteDef]:
        """The route table."""
        return [
            web.get("/tokens/me", self.get_me, allow_head=False),
            web.head("/tokens/me", self.head_me),
            web.delete("/tokens/me", self.delete_me),
        ]

    async def get_me(self, request: web.Request) -> web.Response:
        """``GET /api/v2/tokens/me`` -> TokenInfo (``preserveIdleTTL`` accepted)."""
        token = token_of(request)
        tenant, state = self.rt.tenant, self.rt.state
        org = {
            "id": state.org_id,
            "name": state.org_name,
            "selfUri": f"/api/v2/organizations/{state.org_id}",
        }
        client = tenant.client(token.client_id)
        body: dict[str, Any] = {
            "organization": org,
            "homeOrganization": org,
            "authorizedScope": list(_SCOPES),
            "dateTokenIdles": iso(token.expires_at),
            "OAuthClient": {
                "id": token.client_id,
                "name": client.name if client else token.client_id,
                "authorizedGrantType": token.grant,
                "state": "active",
                "organization": org,
                "dateCreated": iso(token.issued_at),
                "selfUri": f"/api/v2/oauth/clients/{token.client_id}",
            },
        }
        return json_response(body)

    async def head_me(self, request: web.Request) -> web.Response:
        """``HEAD /api/v2/tokens/me``: 200 while the token is valid (401 otherwise)."""
        token_of(request)
        return web.Response(status=200)

    async def delete_me(self, request: web.Request) -> web.Response:
        """``DELETE /api/v2/tokens/me``: revoke this token (its channels get
        ``v2.system.token_revoked``)."""
        self.rt.tokens.revoke([token_of(request)])
        return web.Response(status=204)
