"""PKCE helpers, authorize/logout URLs, token error mapping, regions and gateways."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from cxkit.errors import (
    ConfigError,
    InvalidCredentialsError,
    TokenExpiredError,
    TokenRefreshError,
    UsageError,
)
from cxkit.genesys.oauth import (
    PKCE,
    PKCE_ALPHABET,
    AuthorizationCode,
    ClientCredentials,
    PKCEPair,
    RefreshToken,
    SAML2Bearer,
    authorize_url,
    compute_pkce_code_challenge,
    generate_pkce_code_verifier,
    logout_url,
    token_error,
)
from cxkit.genesys.regions import REGIONS, GatewayConfig, login_url_for, region, resolve_hosts
from cxkit.settings import GatewayConfig as SettingsGateway


def test_pkce_verifier_is_random_and_in_range() -> None:
    verifiers = {generate_pkce_code_verifier(43) for _ in range(50)}
    assert len(verifiers) == 50
    assert all(len(v) == 43 and set(v) <= set(PKCE_ALPHABET) for v in verifiers)
    assert len(generate_pkce_code_verifier()) == 128
    for bad in (42, 129, 0, True):
        with pytest.raises(UsageError):
            generate_pkce_code_verifier(bad)


def test_pkce_challenge_is_unpadded_base64url_sha256() -> None:
    verifier = "a" * 43
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert compute_pkce_code_challenge(verifier) == expected.rstrip(b"=").decode()
    # RFC 7636 appendix B test vector.
    rfc = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert compute_pkce_code_challenge(rfc) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    pair = PKCEPair.new()
    assert pair.challenge == compute_pkce_code_challenge(pair.verifier.reveal())
    assert pair.verifier.reveal() not in repr(pair)


def test_grant_forms_match_the_official_sdks() -> None:
    form, basic = ClientCredentials("id", "secret").request()
    assert form == {"grant_type": "client_credentials"}
    assert basic == "Basic " + base64.b64encode(b"id:secret").decode()
    form, basic = ClientCredentials("id", "secret", form_auth=True).request()
    assert basic is None and form["client_secret"] == "secret"
    form, basic = PKCE("id", "v" * 43, "code", "http://x/cb").request()
    assert basic is None
    assert form == {
        "grant_type": "authorization_code",
        "code": "code",
        "code_verifier": "v" * 43,
        "client_id": "id",
        "redirect_uri": "http://x/cb",
    }
    form, basic = AuthorizationCode("id", "s", "c", "http://x/cb").request()
    assert form["grant_type"] == "authorization_code" and basic is not None
    form, _ = SAML2Bearer("id", "s", "org", "assertion").request()
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:saml2-bearer"
    assert form["orgName"] == "org"
    form, basic = RefreshToken("id", "r").request()
    assert basic is None and form["client_id"] == "id" and form["refresh_token"] == "r"
    for grant in (ClientCredentials("id", "topsecret"), SAML2Bearer("i", "topsecret", "o", "a")):
        assert "topsecret" not in repr(grant)


def test_authorize_and_logout_urls() -> None:
    url = authorize_url(
        "https://login.mypurecloud.ie",
        "cid",
        "http://localhost/cb",
        state="s1",
        org="acme",
        prompt_login=True,
        code_challenge="ch",
    )
    parts = urlsplit(url)
    assert parts.netloc == "login.mypurecloud.ie" and parts.path == "/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "client_id": "cid",
        "redirect_uri": "http://localhost/cb",
        "response_type": "code",
        "state": "s1",
        "org": "acme",
        "prompt": "login",
        "code_challenge": "ch",
        "code_challenge_method": "S256",
    }
    with pytest.raises(UsageError):
        authorize_url("https://l", "c", "r", response_type="id_token")
    assert logout_url("https://login.x/") == "https://login.x/logout"
    assert (
        logout_url("https://login.x", "http://a/b")
        == "https://login.x/logout?redirect_uri=http%3A%2F%2Fa%2Fb"
    )


def test_token_errors_map_to_the_error_tree() -> None:
    body = {
        "error": "invalid_client",
        "description": "client not found",
        "error_description": "client not found",
    }
    error = token_error(401, body)
    assert isinstance(error, InvalidCredentialsError)
    assert str(error) == "Auth Error: 401 - invalid_client (client not found)"
    assert isinstance(
        token_error(400, {"error": "invalid_grant"}, refreshing=True), TokenExpiredError
    )
    assert isinstance(token_error(400, {"error": "invalid_grant"}), InvalidCredentialsError)
    assert isinstance(token_error(500, "<html>oops</html>"), TokenRefreshError)
    assert str(token_error(503, None)) == "Auth Error: 503 - unknown_error"


def test_every_region_derives_its_hosts() -> None:
    assert len(REGIONS) == 18
    ie = region("eu-west-1")
    assert (ie.api_url, ie.login_url) == (
        "https://api.mypurecloud.ie",
        "https://login.mypurecloud.ie",
    )
    assert ie.streaming_url == "wss://streaming.mypurecloud.ie"
    assert region("edee1.eusc-pure.cloud").name == "eusc_de_east_1"
    assert region("US_EAST_1").api_url == "https://api.mypurecloud.com"
    with pytest.raises(ConfigError, match="eu_west_1"):
        region("mars_north_1")


def test_resolve_hosts_for_regions_urls_and_gateways() -> None:
    hosts = resolve_hosts("https://API.usw2.pure.cloud/")
    assert hosts.api_url == "https://API.usw2.pure.cloud"
    assert hosts.login_url == "https://login.usw2.pure.cloud"
    assert hosts.region is not None and hosts.region.name == "us_west_2"
    local = resolve_hosts("http://127.0.0.1:8080")
    assert local.login_url == local.api_url == "http://127.0.0.1:8080" and local.region is None
    assert resolve_hosts(None).api_url == "https://api.mypurecloud.com"
    assert login_url_for("https://api.mypurecloud.de") == "https://login.mypurecloud.de"
    gateway = GatewayConfig.from_object(
        {"host": "gw.local", "port": "443", "path-params": "login:auth,api:platform"}
    )
    hosts = resolve_hosts("eu_west_1", gateway=gateway)
    assert (hosts.api_url, hosts.login_url) == (
        "https://gw.local/platform",
        "https://gw.local/auth",
    )
    go_style = GatewayConfig.from_object(
        {
            "host": "gw",
            "protocol": "http",
            "port": 8080,
            "auth": {"username": "u", "password": "pw"},
            "pathParams": [{"pathName": "login", "pathValue": "l"}],
        }
    )
    assert go_style.login_url == "http://gw:8080/l" and go_style.api_url == "http://gw:8080"
    assert "pw" not in repr(go_style)
    from_settings = GatewayConfig.from_object(
        SettingsGateway(host="gw", path_params={"api": "a", "login": "b"})
    )
    assert from_settings.api_url == "https://gw/a"
    with pytest.raises(ConfigError):
        GatewayConfig.from_object({"host": "gw", "port": "eighty"})
