"""The current token: ``/api/v2/tokens/me``."""

from __future__ import annotations

from cxkit.genesys.api._base import Resource
from cxkit.genesys.models import TokenInfo

__all__ = ["TokensAPI"]


class TokensAPI(Resource):
    """``client.tokens``."""

    __slots__ = ()

    async def me(self, *, preserve_idle_ttl: bool | None = None) -> TokenInfo:
        """``GET /api/v2/tokens/me``: org, scopes and OAuth client of the token."""
        return await self._client.call(
            "GET", "/api/v2/tokens/me", TokenInfo, params={"preserveIdleTTL": preserve_idle_ttl}
        )

    async def verify(self) -> bool:
        """``HEAD /api/v2/tokens/me``: True when the *current* token is valid (no renewal)."""
        headers = await self._client.oauth.auth_headers()
        response = await self._client.request(
            "HEAD", "/api/v2/tokens/me", headers=headers, auth=False, raise_for_status=False
        )
        return 200 <= response.status < 300

    async def revoke(self) -> None:
        """``DELETE /api/v2/tokens/me``: revoke the current token (the next call fetches a new
        one when the grant can; channels made with it receive ``token_revoked``)."""
        await self._client.request("DELETE", "/api/v2/tokens/me")
        self._client.oauth.cache.invalidate()
