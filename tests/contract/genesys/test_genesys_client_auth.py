"""Every OAuth grant, token errors, and single-flight renewal, against the emulator."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from cxkit.config import Secret
from cxkit.emulator.server import EmulatorServer
from cxkit.errors import (
    BadRequestError,
    InvalidCredentialsError,
    TokenExpiredError,
    UnauthorizedError,
)
from cxkit.genesys.client import GenesysClient
from cxkit.genesys.oauth import (
    PKCE,
    AuthorizationCode,
    ClientCredentials,
    PKCEPair,
    RefreshToken,
    SAML2Bearer,
    authorize_url,
)
from cxkit.genesys.tokenstore import FileTokenStore, MemoryTokenStore, StoredToken

from .conftest import CC, FAST_RETRY, Admin, G, Target, emulator_client, start_emulator

pytestmark = pytest.mark.asyncio


async def get_code(emu: EmulatorServer, client_id: str, redirect: str, **extra: str) -> str:
    """Run /oauth/authorize as the demo user (the emulator's auto_approve switch)."""
    url = authorize_url(emu.url + "/login", client_id, redirect, **extra) + "&auto_approve=true"
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, allow_redirects=False) as resp,
    ):
        assert resp.status == 302, await resp.text()
        query = parse_qs(urlsplit(resp.headers["Location"]).query)
    return query["code"][0]


async def test_client_credentials_and_token_info(target: Target) -> None:
    info = await target.client.tokens.me()
    assert info.organization is not None and info.organization.id
    assert await target.client.tokens.verify()
    assert target.client.oauth.token_requests == 1


async def test_client_credentials_in_form_body(emu: EmulatorServer) -> None:
    grant = ClientCredentials(CC.client_id, Secret(CC.client_secret.reveal()), form_auth=True)
    async with GenesysClient(base_url=emu.url, grant=grant) as gc:
        info = await gc.tokens.me()
        assert info.oauth_client is not None and info.oauth_client.id == CC.client_id


@pytest.mark.parametrize(
    ("client_id", "secret", "description"),
    [
        (CC.client_id, "wrong-secret", "authentication failed"),
        ("no-such-client", "whatever", "client not found"),
    ],
)
async def test_wrong_credentials_raise_clear_auth_errors(
    emu: EmulatorServer, client_id: str, secret: str, description: str
) -> None:
    async with GenesysClient(base_url=emu.url, client_id=client_id, client_secret=secret) as gc:
        with pytest.raises(InvalidCredentialsError) as caught:
            await gc.users.list()
    error = caught.value
    assert str(error) == f"Auth Error: 401 - invalid_client ({description})"
    assert error.code == "invalid_client" and error.vendor == "genesys"
    # the OAuth error's parts, as the reference's AuthError has them
    assert (error.status, error.error, error.error_description) == (
        401,
        "invalid_client",
        description,
    )
    assert isinstance(error.body, dict) and error.body["error"] == "invalid_client"
    assert secret not in repr(error) and secret not in str(error)
    assert secret not in repr(gc) and secret not in repr(gc.oauth.grant)


async def test_authorization_code_then_refresh_on_401(emu: EmulatorServer, admin: Admin) -> None:
    cg = G.code_grant
    redirect = cg.redirect_uri or ""
    code = await get_code(emu, cg.client_id, redirect)
    grant = AuthorizationCode(
        cg.client_id, Secret(cg.client_secret.reveal()), Secret(code), redirect
    )
    async with GenesysClient(base_url=emu.url, grant=grant, retry=FAST_RETRY) as gc:
        me = await gc.users.me()
        assert me.email == G.user.email
        first = gc.oauth.cache.current
        assert first is not None and first.refresh_token is not None
        # The access token expires on the service's clock (the client's still trusts it).
        await admin.core("POST", "clock/advance", {"seconds": 86_400 + 60})
        me_again, response = await gc.with_response(gc.users.me())
        assert me_again.id == me.id
        assert response.attempts == 2  # 401, refresh, replay once
        assert gc.oauth.token_requests == 2
        renewed = gc.oauth.cache.current
        assert renewed is not None and renewed.access_token != first.access_token


async def test_pkce_grant_keeps_and_uses_its_refresh_token(
    emu: EmulatorServer, admin: Admin
) -> None:
    pk = G.pkce
    redirect = pk.redirect_uri or ""
    pair = PKCEPair.new()
    code = await get_code(emu, pk.client_id, redirect, code_challenge=pair.challenge)
    grant = PKCE(pk.client_id, pair.verifier, Secret(code), redirect)
    async with GenesysClient(base_url=emu.url, grant=grant, retry=FAST_RETRY) as gc:
        assert (await gc.users.me()).email == G.user.email
        token = gc.oauth.cache.current
        assert token is not None and token.refresh_token is not None
        await admin.core("POST", "clock/advance", {"seconds": 86_400 + 60})
        assert (await gc.users.me()).email == G.user.email
        assert gc.oauth.token_requests == 2


async def test_pkce_with_wrong_verifier_is_refused(emu: EmulatorServer) -> None:
    pk = G.pkce
    redirect = pk.redirect_uri or ""
    pair = PKCEPair.new()
    code = await get_code(emu, pk.client_id, redirect, code_challenge=pair.challenge)
    grant = PKCE(pk.client_id, Secret(PKCEPair.new().verifier), Secret(code), redirect)
    async with GenesysClient(base_url=emu.url, grant=grant) as gc:
        with pytest.raises(InvalidCredentialsError) as caught:
            await gc.login()
    assert caught.value.code == "invalid_grant"


async def test_refresh_token_grant_from_stored_token(emu: EmulatorServer) -> None:
    cg = G.code_grant
    redirect = cg.redirect_uri or ""
    code = await get_code(emu, cg.client_id, redirect)
    secret = Secret(cg.client_secret.reveal())
    async with GenesysClient(
        base_url=emu.url, grant=AuthorizationCode(cg.client_id, secret, Secret(code), redirect)
    ) as gc:
        token = await gc.login()
    refresh = token.refresh_token
    async with GenesysClient(
        base_url=emu.url, grant=RefreshToken(cg.client_id, refresh, secret)
    ) as gc2:
        assert (await gc2.users.me()).email == G.user.email


async def test_saml2_bearer(emu: EmulatorServer) -> None:
    cg = G.code_grant
    assertion = base64.b64encode(
        f"<saml:Assertion><saml:NameID>{G.user.email}</saml:NameID></saml:Assertion>".encode()
    ).decode()
    grant = SAML2Bearer(
        cg.client_id, Secret(cg.client_secret.reveal()), G.org_name, Secret(assertion)
    )
    async with GenesysClient(base_url=emu.url, grant=grant) as gc:
        assert (await gc.users.me()).email == G.user.email


async def test_user_endpoint_with_client_credentials_is_not_a_user(client: GenesysClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        await client.users.me()
    assert caught.value.code == "not.a.user"
    assert caught.value.correlation_id


async def test_fifty_concurrent_calls_share_one_token_request(client: GenesysClient) -> None:
    results = await asyncio.wait_for(
        asyncio.gather(*(client.users.list(page_size=1) for _ in range(50))), 10
    )
    assert len(results) == 50
    assert client.oauth.token_requests == 1


async def test_fifty_concurrent_401s_share_one_renewal(client: GenesysClient, admin: Admin) -> None:
    await client.users.list(page_size=1)
    token = client.oauth.cache.current
    assert token is not None
    await admin("revoke_token", {"token": token.access_token.reveal()})
    await asyncio.wait_for(asyncio.gather(*(client.users.list(page_size=1) for _ in range(50))), 10)
    assert client.oauth.token_requests == 2


async def test_static_access_token_is_not_renewed(emu: EmulatorServer, admin: Admin) -> None:
    async with emulator_client(emu) as gc:
        token = await gc.login()
    async with GenesysClient(base_url=emu.url, access_token=token.access_token.reveal()) as gc:
        assert await gc.tokens.verify()
        # Revoked elsewhere: the 401 surfaces, nothing is retried or renewed.
        await admin("revoke_token", {"token": token.access_token.reveal()})
        assert not await gc.tokens.verify()
        with pytest.raises(UnauthorizedError):
            await gc.users.list()
    # A static token the client already used and dropped cannot come back.
    async with GenesysClient(base_url=emu.url, access_token="x") as gc:
        gc.oauth.cache.invalidate()
        await gc.oauth.token()
        gc.oauth.cache.invalidate()
        with pytest.raises(TokenExpiredError):
            await gc.users.list()


async def test_client_credentials_are_renewed_before_expiry() -> None:
    emu = await start_emulator(token_lifetime=2.0)
    try:
        async with emulator_client(emu, advisory_window=1.5) as gc:
            renewed = asyncio.Event()
            gc.oauth.on_token = lambda token: renewed.set()
            await gc.users.list(page_size=1)
            first = gc.oauth.cache.current
            assert first is not None
            renewed.clear()
            await asyncio.wait_for(renewed.wait(), 5)
            assert gc.oauth.cache.current is not first
            # The background renewal happened without any call failing.
            assert gc.oauth.token_requests >= 2
            await gc.users.list(page_size=1)
    finally:
        await emu.stop()


async def test_revoke_then_next_call_gets_a_new_token(client: GenesysClient) -> None:
    await client.tokens.me()
    await client.tokens.revoke()
    info = await client.tokens.me()
    assert info.organization is not None
    assert client.oauth.token_requests == 2


async def test_a_stored_token_is_used_and_renewed_in_the_store(
    emu: EmulatorServer, admin: Admin, tmp_path: Path
) -> None:
    store = FileTokenStore(tmp_path / "token.json")
    async with emulator_client(emu, token_store=store) as first:
        await first.users.list()
        assert first.oauth.token_requests == 1
    saved = store.load()
    assert saved is not None and saved.client_id == CC.client_id
    assert (tmp_path / "token.json").stat().st_mode & 0o777 == 0o600
    # a second process starts from the stored token: no login
    async with emulator_client(emu, token_store=store) as second:
        assert (await second.users.list()).entities
        assert second.oauth.token_requests == 0
        # the stored token is revoked: the grant renews it, and the store follows
        await admin("revoke_token", {"token": saved.access_token.reveal()})
        assert (await second.users.list()).entities
        assert second.oauth.token_requests == 1
    renewed = store.load()
    assert renewed is not None and renewed.access_token != saved.access_token


async def test_a_stored_refresh_token_outlives_its_single_use_code(emu: EmulatorServer) -> None:
    cg = G.code_grant
    redirect = cg.redirect_uri or ""
    code = await get_code(emu, cg.client_id, redirect)
    grant = AuthorizationCode(cg.client_id, Secret(cg.client_secret.reveal()), code, redirect)
    store = MemoryTokenStore()
    async with GenesysClient(base_url=emu.url, grant=grant, token_store=store) as gc:
        me = await gc.users.me()
    stored = store.token
    assert stored is not None and stored.refresh_token is not None
    # the access token is stale by now, the code is spent: the refresh token carries on
    store.save(dataclasses.replace(stored, expires_at=time.time() - 1))
    async with GenesysClient(base_url=emu.url, grant=grant, token_store=store) as again:
        assert (await again.users.me()).id == me.id
        assert again.oauth.token_requests == 1  # the refresh grant, not the spent code
    assert store.token is not None and store.token.access_token != stored.access_token
    # another OAuth client's stored token is never used
    async with emulator_client(emu, token_store=store) as other:
        await other.users.list()
        assert other.oauth.token_requests == 1


async def test_async_token_stores_and_broken_ones(emu: EmulatorServer, tmp_path: Path) -> None:
    class AsyncStore:
        def __init__(self) -> None:
            self.inner = MemoryTokenStore()
            self.saves = 0

        async def load(self) -> StoredToken | None:
            await asyncio.sleep(0)
            return self.inner.load()

        async def save(self, token: StoredToken) -> None:
            await asyncio.sleep(0)
            self.saves += 1
            self.inner.save(token)

    store = AsyncStore()
    async with emulator_client(emu, token_store=store) as first:
        await first.users.list()
    async with emulator_client(emu, token_store=store) as second:
        await second.users.list()
        assert second.oauth.token_requests == 0 and store.saves == 1
    # a corrupt store is reported in the log and the grant takes over: calls keep working
    broken = tmp_path / "token.json"
    broken.write_text("{not json")
    async with emulator_client(emu, token_store=FileTokenStore(broken)) as third:
        assert (await third.users.list()).entities
    assert FileTokenStore(broken).load() is not None  # rewritten with the new token
