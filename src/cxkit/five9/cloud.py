"""``client.cloud``: Five9's newer cloud APIs, reached with a token exchanged from a VCC login.

Flow (reference §1.11, §3.14): the login's ``context.cloudClientUrl`` names the cloud host;
``POST {cloudClientUrl}/cloudauthsvcs/v1/domains/{orgId}/exchangefdmtoken`` with the VCC
authorization answers ``{access_token: <JWT>, expires_in, ...}``; cloud calls then send
``Authorization: Bearer <JWT>`` (e.g. ``GET .../acl/v1/domains/{orgId}/my-ui-permissions``).

Which header the exchange wants is a conflict between sources: the VCC form
``Bearer-{tokenId}`` (with the farm header; default, ``header="vcc"``) or ``Bearer {tokenId}``
(``header="bearer"``). The JWT is cached and renewed before it expires (single flight); a
401 from a cloud call renews it once and replays.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from cxkit.core.auth import Token, TokenCache
from cxkit.core.http import APIResponse
from cxkit.errors import ConfigError, UnauthorizedError, UsageError

if TYPE_CHECKING:
    from cxkit.five9.client import Five9Client

__all__ = ["CloudAPI", "CloudHeader"]

CloudHeader = Literal["vcc", "bearer"]


class CloudAPI:
    """Cloud APIs of a :class:`~cxkit.five9.client.Five9Client` (``client.cloud``).

    Args:
        client: the VCC client whose login is exchanged.
        header: ``"vcc"`` (``Authorization: Bearer-{tokenId}`` + farm header) or
            ``"bearer"`` (``Authorization: Bearer {tokenId}``) for the exchange.
        clock: monotonic seconds (the JWT's expiry is kept on it).
    """

    def __init__(
        self,
        client: Five9Client,
        *,
        header: CloudHeader = "vcc",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if header not in ("vcc", "bearer"):
            raise ConfigError.bad_value("five9.cloud_header", header, "vcc or bearer")
        self._client = client
        self.header: CloudHeader = header
        self._clock = clock
        self._tokens = TokenCache(self._exchange, clock=clock)

    def __repr__(self) -> str:
        return f"<Five9 cloud API of {self._client!r}, exchange header {self.header!r}>"

    @property
    def exchanges(self) -> int:
        """How many token exchanges were made (a renewal counts)."""
        return self._tokens.fetch_count

    async def base_url(self) -> str:
        """``context.cloudClientUrl`` of the login (logs in first when needed)."""
        await self._client.ensure_login()
        url = self._client.cloud_client_url
        if not url:
            raise UsageError(
                "this Five9 login has no context.cloudClientUrl: the cloud APIs are not "
                "available for this domain"
            )
        return url.rstrip("/")

    async def token(self) -> Token:
        """The cloud JWT (exchanged on first use, renewed before it expires)."""
        return await self._tokens.get()

    async def _exchange(self, stale: Token | None) -> Token:
        base = await self.base_url()
        client = self._client

        def headers() -> dict[str, str]:
            if self.header == "bearer":
                return {"Authorization": f"Bearer {client.token_value()}"}
            return client.auth_headers(force=True)

        response = await client.send_with_recovery(
            "POST",
            f"{base}/cloudauthsvcs/v1/domains/{client.org_id}/exchangefdmtoken",
            headers=headers,
        )
        body = response.body
        if not isinstance(body, Mapping):
            raise UsageError("the Five9 token exchange answered without a JSON object")
        return Token.from_oauth(body, now=self._clock())

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> APIResponse:
        """Call a cloud API with the JWT (``path`` relative to ``cloudClientUrl``, or an
        absolute URL); a 401 renews the JWT once and replays."""
        base = await self.base_url()
        url = path if path.startswith(("http://", "https://")) else f"{base}/{path.lstrip('/')}"
        url = url.replace("{orgId}", self._client.org_id)
        kwargs: dict[str, Any] = {"params": params}
        if json is not None:
            kwargs["json"] = json
        token = await self._tokens.get()
        for attempt in (1, 2):
            header = {"Authorization": f"Bearer {token.access_token.reveal()}"}
            try:
                return await self._client._send(method, url, headers=header, **kwargs)
            except UnauthorizedError:
                if attempt == 2:
                    raise
                token = await self._tokens.refresh(token)
        raise AssertionError("unreachable")  # pragma: no cover

    async def ui_permissions(self) -> Any:
        """``GET acl/v1/domains/{orgId}/my-ui-permissions`` (the JSON body)."""
        response = await self.request("GET", "acl/v1/domains/{orgId}/my-ui-permissions")
        return response.body

    def invalidate(self) -> None:
        """Forget the JWT (the next call exchanges again)."""
        self._tokens.invalidate()
