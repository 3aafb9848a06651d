"""``auth/*`` endpoints on both roots: login, metadata, logout, SSO and small lookups."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cxkit.emulator.five9.core import Five9Core
from cxkit.emulator.five9.errors import bad_credentials, bad_request, not_logged_in
from cxkit.emulator.five9.router import Call, Router, empty, json_response
from cxkit.emulator.five9.sessions import AuthSession

__all__ = ["SSO_TOKENS", "add_auth_routes"]

SSO_TOKENS = {
    "cxkit-demo-sso-agent": "agent",
    "cxkit-demo-sso-supervisor": "supervisor",
}
"""Identity-provider access tokens ``auth/login_by_token`` accepts (emulator-only)."""

_POLICIES = ("ForceIn", "AttachExisting")


def _login_response(
    core: Five9Core, token: str, session: AuthSession, *, sso: bool
) -> web.Response:
    response = json_response(core.login_body(token, session))
    # Five9 sets host-only cookies; the client may authenticate with them alone (§1.5).
    response.set_cookie("Authorization", f"Bearer-{token}", path="/", httponly=True)
    response.set_cookie("farmId", core.farm_id(), path="/")
    if sso:
        dc = core.dcs.active(core.base_url)
        response.set_cookie("apiRouteKey", dc.route_keys["API"], path="/")
        response.set_cookie("f9-sessionId", session.session_id, path="/")
    if session.lb_cookies:
        for name, value in session.lb_cookies.items():
            response.set_cookie(name, value, path="/")
    return response


def _policy(body: dict[str, Any]) -> str:
    policy = body.get("policy", "AttachExisting")
    if policy not in _POLICIES:
        raise bad_request(f"Unknown login policy {policy!r} (allowed: ForceIn, AttachExisting)")
    return str(policy)


def _start(core: Five9Core, call: Call, user_id: str, policy: str) -> tuple[str, AuthSession]:
    user = core.tenant.user(user_id)
    host = call.request.host.lower()
    token, session = core.sessions.login(user, policy=policy, now=core.monotonic(), host=host)
    on_dc_host = host != core.login_host()
    if on_dc_host and core.options.dc_login == "reject_state":
        session.reject_login_state = True  # BC: a login on the DC host breaks login_state
    if not on_dc_host:
        session.lb_cookies = {
            "BIGipServerpool_app_prod": core.ids.cookie_value(),
            "TS01b2c3d4": core.ids.cookie_value(),
        }
    call.session = session
    return token, session


def add_auth_routes(router: Router, core: Five9Core) -> None:
    """Register login, metadata, logout and the other ``auth/*`` endpoints."""

    def login(call: Call) -> web.StreamResponse:
        body = call.json_object()
        creds = body.get("passwordCredentials")
        if not isinstance(creds, dict):
            raise bad_request("passwordCredentials is required")
        username, password = creds.get("username"), creds.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise bad_request("passwordCredentials.username and password are required")
        policy = _policy(body)
        user = core.tenant.user_by_name(username)
        if user is None or user.password != password or core.wrong_region(call.request):
            raise bad_credentials()  # a user sent to another region's host is unknown there
        token, session = _start(core, call, user.id, policy)
        return _login_response(core, token, session, sso=False)

    def login_by_token(call: Call) -> web.StreamResponse:
        header = call.request.headers.get("Authorization", "")
        idp_token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        who = SSO_TOKENS.get(idp_token)
        if who is None or core.wrong_region(call.request):
            raise bad_credentials()
        policy = _policy(call.json_object())
        demo_user = core.demo.agent if who == "agent" else core.demo.supervisor
        token, session = _start(core, call, demo_user.user_id, policy)
        return _login_response(core, token, session, sso=True)

    def metadata(call: Call) -> web.StreamResponse:
        token, session = core.authenticate(call.request, count=False)
        return json_response(core.login_body(token, session))

    def logout(call: Call) -> web.StreamResponse:
        found = core.token_of(call.request)
        if found is None:
            raise not_logged_in()
        core.sessions.end(found[1])
        return empty(204)

    def permissions(call: Call) -> web.StreamResponse:
        _token, session = core.authenticate(call.request)
        return json_response(list(core.tenant.user(session.user_id).permissions))

    def roles(call: Call) -> web.StreamResponse:
        _token, session = core.authenticate(call.request)
        return json_response(list(core.tenant.user(session.user_id).roles))

    def login_page_info(call: Call) -> web.StreamResponse:
        return json_response({"freedomUrl": core.options.freedom_url, "ssoEnabled": False})

    def settings(call: Call) -> web.StreamResponse:
        core.authenticate(call.request)
        return json_response({"sessionTimeout": 1_800_000, "locale": "en-US"})

    def exceptions(call: Call) -> web.StreamResponse:
        return empty(204)

    def anon(call: Call) -> web.StreamResponse:
        return json_response({"tokenId": core.ids.token_id()})

    for method, pattern, handler in (
        ("POST", "auth/login", login),
        ("POST", "auth/login_by_token", login_by_token),
        ("GET", "auth/metadata", metadata),
        ("POST", "auth/logout", logout),
        ("PUT", "auth/logout", logout),  # PP's docstrings say PUT
        ("GET", "auth/permissions", permissions),
        ("GET", "auth/roles", roles),
        ("GET", "auth/login_page_info", login_page_info),
        ("GET", "auth/settings", settings),
        ("PUT", "auth/exceptions", exceptions),
        ("GET", "auth/anon", anon),
        ("POST", "auth/anon", anon),
    ):
        # auth/* checks credentials itself (cookie-only metadata must work, §5 item 6)
        router.add(method, pattern, handler, auth=False, working=False)
