"""401 handling over loopback: one shared refresh, one replay, a second 401 raises."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from cxkit.config import RetryPolicy, Secret
from cxkit.core.auth import BearerAuth, Token, TokenCache
from cxkit.core.http import HTTPClient, VendorProfile
from cxkit.errors import TokenRefreshError, UnauthorizedError
from tests.helpers.loopback import serve

GENESYS = VendorProfile("genesys")


class TokenServer:
    """Accepts only the Authorization values in ``valid``; counts what it saw."""

    def __init__(self) -> None:
        self.valid: set[str] = set()
        self.seen: list[str | None] = []
        self.expect = 0
        self.all_in = asyncio.Event()  # set once ``expect`` requests have arrived
        self.all_in.set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization")
        self.seen.append(auth)
        if len(self.seen) >= self.expect:
            self.all_in.set()
        if auth in self.valid:
            return web.json_response({"path": request.path})
        return web.json_response(
            {"message": "Invalid login credentials.", "code": "authentication.required"},
            status=401,
            headers={"ININ-Correlation-Id": f"corr-{len(self.seen)}"},
        )


class Issuer:
    """The token endpoint stand-in: hands out tok-1, tok-2, ... and tells the server."""

    def __init__(self, server: TokenServer, *, accept_new: bool = True) -> None:
        self.server = server
        self.accept_new = accept_new
        self.calls = 0

    async def __call__(self, previous: Token | None) -> Token:
        self.calls += 1
        # hold the refresh until every first attempt reached the server, so the other
        # 401s arrive while this fetch is in flight
        await self.server.all_in.wait()
        value = f"tok-{self.calls}"
        if self.accept_new:
            self.server.valid.add(f"Bearer {value}")
        return Token(Secret(value))


@asynccontextmanager
async def token_server() -> AsyncIterator[tuple[str, TokenServer]]:
    server = TokenServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    async with serve(app) as url:
        yield url, server


async def test_concurrent_401s_share_one_refresh_and_each_request_replays_once() -> None:
    async with token_server() as (url, server):
        server.expect = 20
        server.all_in.clear()
        issuer = Issuer(server)
        cache = TokenCache(issuer)
        cache.set(Token(Secret("expired-by-the-vendor")))  # looks valid locally, vendor says 401
        async with HTTPClient(url, vendor=GENESYS, auth=BearerAuth(cache)) as http:
            responses = await asyncio.wait_for(
                asyncio.gather(*(http.get(f"/api/v2/item/{i}") for i in range(20))), 5
            )
    assert issuer.calls == 1
    assert cache.fetch_count == 1
    assert [r.status for r in responses] == [200] * 20
    assert {r.attempts for r in responses} == {2}
    assert server.seen.count("Bearer expired-by-the-vendor") == 20
    assert server.seen.count("Bearer tok-1") == 20


async def test_second_401_raises_unauthorized_after_exactly_one_replay() -> None:
    async with token_server() as (url, server):
        issuer = Issuer(server, accept_new=False)  # the vendor keeps refusing
        cache = TokenCache(issuer)
        cache.set(Token(Secret("old")))
        async with HTTPClient(url, vendor=GENESYS, auth=BearerAuth(cache)) as http:
            with pytest.raises(UnauthorizedError) as info:
                await asyncio.wait_for(http.get("/api/v2/me"), 5)
    assert server.seen == ["Bearer old", "Bearer tok-1"]
    assert issuer.calls == 1
    error = info.value
    assert error.status == 401
    assert error.code == "authentication.required"
    assert error.correlation_id == "corr-2"
    assert "tok-1" not in str(error) and "tok-1" not in repr(error)


async def test_no_replay_when_the_provider_could_not_renew() -> None:
    async def same_token(previous: Token | None) -> Token:
        return Token(Secret("same"))

    async with token_server() as (url, server):
        cache = TokenCache(same_token)
        async with HTTPClient(url, vendor=GENESYS, auth=BearerAuth(cache)) as http:
            with pytest.raises(UnauthorizedError):
                await http.get("/x")
    assert server.seen == ["Bearer same"]  # on_unauthorized said False: not replayed


async def test_a_failing_refresh_surfaces_as_an_auth_error() -> None:
    calls = 0

    async def flaky(previous: Token | None) -> Token:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise RuntimeError("token endpoint down")
        return Token(Secret("first"))

    async with (
        token_server() as (url, server),
        HTTPClient(url, vendor=GENESYS, auth=BearerAuth(TokenCache(flaky))) as http,
    ):
        with pytest.raises(TokenRefreshError):
            await http.get("/x")
    assert server.seen == ["Bearer first"]


async def test_auth_false_sends_no_credentials_and_does_not_refresh() -> None:
    async with token_server() as (url, server):
        issuer = Issuer(server)
        async with HTTPClient(
            url, vendor=GENESYS, auth=BearerAuth(TokenCache(issuer)), retry=RetryPolicy()
        ) as http:
            with pytest.raises(UnauthorizedError):
                await http.post("/oauth/token", data={"grant_type": "x"}, auth=False)
    assert server.seen == [None]
    assert issuer.calls == 0


async def test_five9_style_header_is_sent() -> None:
    async with token_server() as (url, server):
        server.valid.add("Bearer-tok-1")
        issuer = Issuer(server, accept_new=False)
        auth = BearerAuth(TokenCache(issuer), separator="-")
        async with HTTPClient(url, vendor=VendorProfile("five9"), auth=auth) as http:
            response = await http.get("/appsvcs/rs/svc/auth/metadata")
    assert response.ok
    assert server.seen == ["Bearer-tok-1"]
