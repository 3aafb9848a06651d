"""The login host: every grant, its error bodies, token lifetime, checks and revocation."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import aiohttp

from cxkit.emulator.server import EmulatorServer

from .conftest import CC, CODE, PKCE, USER, Genesys, basic, start_emulator

SAML2 = "urn:ietf:params:oauth:grant-type:saml2-bearer"
CC_AUTH = basic(CC.client_id, CC.client_secret.reveal())  # type: ignore[union-attr]
CODE_AUTH = basic(CODE.client_id, CODE.client_secret.reveal())  # type: ignore[union-attr]


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def authorize(
    gc: Genesys, params: dict[str, str], *, method: str = "GET", form: dict[str, str] | None = None
) -> str:
    """Run /oauth/authorize and return the redirect Location."""
    url = gc.base + "/login/oauth/authorize"
    if method == "GET":
        ctx = gc.http.get(url, params=params, allow_redirects=False)
    else:
        ctx = gc.http.post(url, data={**params, **(form or {})}, allow_redirects=False)
    async with ctx as resp:
        assert resp.status == 302, (resp.status, await resp.text())
        return resp.headers["Location"]


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def fragment_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


async def test_client_credentials_with_basic_on_both_hosts(gc: Genesys) -> None:
    for path in ("/login/oauth/token", "/oauth/token"):
        status, body = await gc.oauth({"grant_type": "client_credentials"}, auth=CC_AUTH, path=path)
        assert status == 200
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 86_400
        assert "refresh_token" not in body
        assert (await gc.ok("GET", "/users", token=body["access_token"]))["entities"]


async def test_client_credentials_in_form_fields(gc: Genesys) -> None:
    status, body = await gc.oauth(
        {
            "grant_type": "client_credentials",
            "client_id": CC.client_id,
            "client_secret": CC.client_secret.reveal(),  # type: ignore[union-attr]
        }
    )
    assert status == 200 and body["access_token"]


async def test_invalid_client_bodies(gc: Genesys) -> None:
    status, body = await gc.oauth(
        {"grant_type": "client_credentials"}, auth=basic("no-such-client", "x")
    )
    assert status == 401
    assert body == {
        "error": "invalid_client",
        "description": "client not found",
        "error_description": "client not found",
    }
    status, body = await gc.oauth(
        {"grant_type": "client_credentials"}, auth=basic(CC.client_id, "wrong")
    )
    assert (status, body["error"], body["description"]) == (
        401,
        "invalid_client",
        "authentication failed",
    )


async def test_oauth_error_status_is_configurable() -> None:
    emu = await start_emulator(oauth_error_status=400)
    try:
        async with aiohttp.ClientSession() as http:
            status, body = await Genesys(emu, http).oauth(
                {"grant_type": "client_credentials"}, auth=basic(CC.client_id, "wrong")
            )
            assert (status, body["error"]) == (400, "invalid_client")
    finally:
        await emu.stop()


async def test_token_request_errors(gc: Genesys) -> None:
    async with gc.http.post(
        gc.base + "/login/oauth/token", json={"grant_type": "client_credentials"}
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"] == "invalid_request"
    status, body = await gc.oauth({}, auth=CC_AUTH)
    assert (status, body["error"]) == (400, "invalid_request")
    status, body = await gc.oauth({"grant_type": "password"}, auth=CC_AUTH)
    assert (status, body["error"]) == (400, "unsupported_grant_type")
    # a grant the client is not registered for
    status, body = await gc.oauth({"grant_type": "client_credentials"}, auth=CODE_AUTH)
    assert (status, body["error"]) == (400, "unauthorized_client")


async def test_authorization_code_grant_with_refresh(gc: Genesys) -> None:
    location = await authorize(
        gc,
        {
            "client_id": CODE.client_id,
            "redirect_uri": CODE.redirect_uri or "",
            "response_type": "code",
            "state": "xyz",
            "auto_approve": "true",
        },
    )
    assert location.startswith(CODE.redirect_uri or "")
    params = query_of(location)
    assert params["state"] == "xyz"
    form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": CODE.redirect_uri or "",
    }
    status, body = await gc.oauth(form, auth=CODE_AUTH)
    assert status == 200 and body["refresh_token"]
    me = await gc.ok("GET", "/users/me", token=body["access_token"])
    assert (me["id"], me["email"]) == (USER.user_id, USER.email)
    # a code is single use
    status, again = await gc.oauth(form, auth=CODE_AUTH)
    assert (status, again["error"]) == (400, "invalid_grant")
    status, refreshed = await gc.oauth(
        {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}, auth=CODE_AUTH
    )
    assert status == 200 and refreshed["access_token"] != body["access_token"]
    me = await gc.ok("GET", "/users/me", token=refreshed["access_token"])
    assert me["id"] == USER.user_id
    status, bad = await gc.oauth(
        {"grant_type": "refresh_token", "refresh_token": "nope"}, auth=CODE_AUTH
    )
    assert (status, bad["error"]) == (400, "invalid_grant")


async def test_authorize_form_post_login_and_errors(gc: Genesys) -> None:
    params = {
        "client_id": CODE.client_id,
        "redirect_uri": CODE.redirect_uri or "",
        "response_type": "code",
    }
    async with gc.http.get(gc.base + "/login/oauth/authorize", params=params) as resp:
        assert resp.status == 200 and resp.content_type == "text/html"
        assert "password" in await resp.text()
    async with gc.http.post(
        gc.base + "/login/oauth/authorize",
        data={**params, "username": USER.email, "password": "wrong", "action": "approve"},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 401
    location = await authorize(
        gc,
        params,
        method="POST",
        form={"username": USER.email, "password": USER.password.reveal(), "action": "approve"},
    )
    assert "code" in query_of(location)
    denied = await authorize(gc, params, method="POST", form={"action": "deny"})
    assert query_of(denied)["error"] == "access_denied"
    async with gc.http.get(
        gc.base + "/login/oauth/authorize",
        params={**params, "redirect_uri": "https://evil.example/cb"},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 400  # never redirect to an unregistered URI


async def test_pkce_grant_checks_the_s256_verifier(gc: Genesys) -> None:
    verifier = "v" * 20 + "-._" + "x" * 30
    location = await authorize(
        gc,
        {
            "client_id": PKCE.client_id,
            "redirect_uri": PKCE.redirect_uri or "",
            "response_type": "code",
            "code_challenge": challenge(verifier),
            "code_challenge_method": "S256",
            "auto_approve": "true",
        },
    )
    code = query_of(location)["code"]
    base = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": PKCE.client_id,
        "redirect_uri": PKCE.redirect_uri or "",
    }
    status, body = await gc.oauth({**base, "code_verifier": "w" * 50})
    assert (status, body["error"]) == (400, "invalid_grant")
    # a failed exchange burns the code, as single-use codes do
    status, body = await gc.oauth({**base, "code_verifier": verifier})
    assert (status, body["error"]) == (400, "invalid_grant")

    location = await authorize(
        gc,
        {
            "client_id": PKCE.client_id,
            "redirect_uri": PKCE.redirect_uri or "",
            "response_type": "code",
            "code_challenge": challenge(verifier),
            "code_challenge_method": "S256",
            "auto_approve": "true",
        },
    )
    status, body = await gc.oauth(
        {**base, "code": query_of(location)["code"], "code_verifier": verifier}
    )
    assert status == 200 and body["refresh_token"]
    assert (await gc.ok("GET", "/users/me", token=body["access_token"]))["id"] == USER.user_id
    # a public client needs a challenge, and only S256
    no_challenge = await authorize(
        gc,
        {
            "client_id": PKCE.client_id,
            "redirect_uri": PKCE.redirect_uri or "",
            "response_type": "code",
        },
    )
    assert query_of(no_challenge)["error"] == "invalid_request"
    plain = await authorize(
        gc,
        {
            "client_id": PKCE.client_id,
            "redirect_uri": PKCE.redirect_uri or "",
            "response_type": "code",
            "code_challenge": verifier,
            "code_challenge_method": "plain",
        },
    )
    assert query_of(plain)["error"] == "invalid_request"


async def test_implicit_grant_returns_the_token_in_the_fragment(gc: Genesys) -> None:
    location = await authorize(
        gc,
        {
            "client_id": PKCE.client_id,
            "redirect_uri": "http://127.0.0.1:9999/cb",  # loopback redirects are accepted
            "response_type": "token",
            "state": "s1",
            "auto_approve": "true",
        },
    )
    values = fragment_of(location)
    assert values["token_type"] == "bearer" and values["state"] == "s1"
    assert (await gc.ok("GET", "/users/me", token=values["access_token"]))["id"] == USER.user_id
    wrong = await authorize(
        gc,
        {
            "client_id": PKCE.client_id,
            "redirect_uri": PKCE.redirect_uri or "",
            "response_type": "x",
        },
    )
    assert fragment_of(wrong) == {} and query_of(wrong)["error"] == "unsupported_response_type"


async def test_saml2_bearer_grant(gc: Genesys) -> None:
    xml = f"<saml:Assertion><saml:NameID>{USER.email}</saml:NameID></saml:Assertion>"
    assertion = base64.b64encode(xml.encode()).decode()
    status, body = await gc.oauth(
        {"grant_type": SAML2, "orgName": "cxkit-demo", "assertion": assertion}, auth=CC_AUTH
    )
    assert status == 200
    assert (await gc.ok("GET", "/users/me", token=body["access_token"]))["id"] == USER.user_id
    status, body = await gc.oauth(
        {"grant_type": SAML2, "orgName": "other-org", "assertion": assertion}, auth=CC_AUTH
    )
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await gc.oauth(
        {"grant_type": SAML2, "orgName": "cxkit-demo", "assertion": "bm9ib2R5"}, auth=CC_AUTH
    )
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_api_token_checks_and_lifetime() -> None:
    emu = await start_emulator(token_lifetime=600)
    try:
        async with aiohttp.ClientSession() as http:
            gc = Genesys(emu, http)
            status, body = await gc.oauth({"grant_type": "client_credentials"}, auth=CC_AUTH)
            assert body["expires_in"] == 600
            gc.token = body["access_token"]
            status, err, _ = await gc.call("GET", "/users", headers={"Authorization": ""})
            assert (status, err["code"]) == (401, "authentication.required")
            status, err, _ = await gc.call("GET", "/users", token="not-a-token")
            assert (status, err["code"]) == (401, "bad.credentials")
            await gc.advance(601)
            status, err, _ = await gc.call("GET", "/users")
            assert (status, err["code"]) == (401, "credentials.expired")
            # the lifetime can change while running
            await gc.admin("configure", {"token_lifetime": 1200})
            status, body = await gc.oauth({"grant_type": "client_credentials"}, auth=CC_AUTH)
            assert body["expires_in"] == 1200
    finally:
        await emu.stop()


async def test_tokens_me_probe_and_self_revocation(gc: Genesys) -> None:
    info = await gc.ok("GET", "/tokens/me", params={"preserveIdleTTL": "true"})
    assert info["organization"]["name"] == "cxkit-demo"
    assert info["OAuthClient"]["id"] == CC.client_id
    assert info["OAuthClient"]["authorizedGrantType"] == "CLIENT-CREDENTIALS"
    status, _, _ = await gc.call("HEAD", "/tokens/me")
    assert status == 200
    status, _, _ = await gc.call("DELETE", "/tokens/me")
    assert status == 204
    status, err, _ = await gc.call("GET", "/users")
    assert (status, err["code"]) == (401, "bad.credentials")
    status, _, _ = await gc.call("HEAD", "/tokens/me")
    assert status == 401


async def test_admin_revoke_token_by_user(gc: Genesys) -> None:
    user_token = await gc.user_login()
    client_token = await gc.login()
    result = await gc.admin("revoke_token", {"user_id": USER.user_id})
    assert result["revoked"] == 1
    status, _, _ = await gc.call("GET", "/users/me", token=user_token)
    assert status == 401
    assert (await gc.ok("GET", "/users", token=client_token))["entities"]
    async with gc.http.post(f"{gc.base}/_emulator/genesys/revoke_token", json={}) as resp:
        assert resp.status == 400  # say which token(s)


async def test_client_credentials_token_is_not_a_user(gc: Genesys) -> None:
    status, err, _ = await gc.call("GET", "/users/me")
    assert (status, err["code"]) == (400, "not.a.user")
    listing = await gc.ok("GET", "/conversations")
    assert listing["entities"] == [] and listing["total"] == 0


async def test_logout_redirects(emu: EmulatorServer, http: aiohttp.ClientSession) -> None:
    async with http.get(
        emu.url + "/login/logout",
        params={"redirect_uri": "http://localhost:8080/bye"},
        allow_redirects=False,
    ) as resp:
        assert (resp.status, resp.headers["Location"]) == (302, "http://localhost:8080/bye")


async def test_info_reports_urls(emu: EmulatorServer) -> None:
    info = emu.info()["vendors"]["genesys"]
    assert info["api_url"] == emu.url
    assert info["login_url"] == emu.url + "/login"
    assert info["ws"] == emu.ws_url
    assert info["tenant"]["clientCredentials"]["clientId"] == CC.client_id
