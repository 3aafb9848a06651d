"""The login host: ``/oauth/token``, ``/oauth/authorize``, ``/logout``.

Served twice on the same server: at the root (the API base URL, where the official SDKs
post when the host has no ``api.`` label to swap) and under the login prefix (``/login``,
the emulator's ``login_url``; SDK gateway mode ``path_params_login``).

``/oauth/authorize`` shows a login form for the tenant's demo user. Non-interactive
clients (tests) either add ``auto_approve=true`` to the authorize URL (an emulator-only
switch that approves as the demo user) or POST the form fields themselves
(``username``, ``password`` and the authorize parameters, ``action=approve|deny``).
Both answer ``302`` to the redirect URI.
"""

from __future__ import annotations

import base64
import binascii
import html
from collections.abc import Mapping
from urllib.parse import unquote

from aiohttp import web

from cxkit.emulator.genesys.ids import new_correlation_id
from cxkit.emulator.genesys.oauth import AuthorizePageError, ClientAuth, OAuthError
from cxkit.emulator.genesys.runtime import Runtime

__all__ = ["OAuthRoutes"]

_FORM_TYPE = "application/x-www-form-urlencoded"
_AUTHORIZE_FIELDS = (
    "client_id", "redirect_uri", "response_type", "state", "org", "provider", "prompt",
    "code_challenge", "code_challenge_method",
)  # fmt: skip


def _oauth_error(error: OAuthError) -> web.Response:
    response = web.json_response(error.body(), status=error.status)
    response.headers["ININ-Correlation-Id"] = new_correlation_id()
    return response


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote(client_id), unquote(secret)


def _page(title: str, body: str, status: int = 200) -> web.Response:
    document = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(text=document, status=status, content_type="text/html")


class OAuthRoutes:
    """Token, authorize and logout endpoints."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def routes(self, prefix: str = "") -> list[web.RouteDef]:
        """The route table under ``prefix`` ("" or the login prefix)."""
        return [
            web.post(f"{prefix}/oauth/token", self.token),
            web.get(f"{prefix}/oauth/authorize", self.authorize_page),
            web.post(f"{prefix}/oauth/authorize", self.authorize_submit),
            web.get(f"{prefix}/logout", self.logout),
        ]

    # ------------------------------------------------------------------ token

    async def token(self, request: web.Request) -> web.Response:
        """``POST /oauth/token`` (form-encoded; client via Basic or form fields)."""
        if request.content_type != _FORM_TYPE:
            return _oauth_error(
                OAuthError(400, "invalid_request", f"Content-Type must be {_FORM_TYPE}")
            )
        form = {k: str(v) for k, v in (await request.post()).items()}
        header = request.headers.get("Authorization")
        if header:
            pair = _basic(header)
            if pair is None:
                return _oauth_error(
                    OAuthError(
                        self.rt.live.current.oauth_error_status,
                        "invalid_client",
                        "authentication failed",
                    )
                )
            auth = ClientAuth(*pair)
        else:
            auth = ClientAuth(form.get("client_id"), form.get("client_secret"))
        try:
            body = self.rt.oauth.token(form, auth)
        except OAuthError as error:
            return _oauth_error(error)
        response = web.json_response(body)
        response.headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
        return response

    # ------------------------------------------------------------------ authorize

    def _form(
        self, params: Mapping[str, str], message: str = "", status: int = 200
    ) -> web.Response:
        hidden = "".join(
            f"<input type='hidden' name='{name}' value='{html.escape(params[name], quote=True)}'>"
            for name in _AUTHORIZE_FIELDS
            if params.get(name)
        )
        note = f"<p role='alert'>{html.escape(message)}</p>" if message else ""
        body = (
            f"{note}<form method='post'>{hidden}"
            "<label>Email <input name='username' autocomplete='username'></label>"
            "<label>Password <input name='password' type='password'></label>"
            "<button name='action' value='approve'>Sign in and approve</button>"
            "<button name='action' value='deny'>Deny</button></form>"
        )
        return _page("cxkit emulator - Genesys Cloud login", body, status)

    async def authorize_page(self, request: web.Request) -> web.StreamResponse:
        """``GET /oauth/authorize``: the login form, or an immediate redirect with
        ``auto_approve=true``."""
        params = dict(request.query.items())
        try:
            auth_request, error_url = self.rt.oauth.check_authorize(params)
        except AuthorizePageError as exc:
            return _page("Authorization error", f"<p>{html.escape(str(exc))}</p>", 400)
        if error_url is not None:
            raise web.HTTPFound(error_url)
        if params.get("auto_approve", "").lower() == "true":
            user = self.rt.state.users.get(self.rt.tenant.user.user_id)
            if user is None:
                return _page("Authorization error", "<p>demo user not found</p>", 400)
            raise web.HTTPFound(self.rt.oauth.approve(auth_request, user))
        return self._form(params)

    async def authorize_submit(self, request: web.Request) -> web.StreamResponse:
        """``POST /oauth/authorize``: the login form's answer."""
        form = {k: str(v) for k, v in (await request.post()).items()}
        params = {**dict(request.query.items()), **form}
        try:
            auth_request, error_url = self.rt.oauth.check_authorize(params)
        except AuthorizePageError as exc:
            return _page("Authorization error", f"<p>{html.escape(str(exc))}</p>", 400)
        if error_url is not None:
            raise web.HTTPFound(error_url)
        if params.get("action") == "deny":
            raise web.HTTPFound(
                auth_request.error_redirect("access_denied", "The user denied the request")
            )
        user = self.rt.oauth.login(params.get("username", ""), params.get("password", ""))
        if user is None:
            return self._form(params, "Invalid email or password.", status=401)
        raise web.HTTPFound(self.rt.oauth.approve(auth_request, user))

    async def logout(self, request: web.Request) -> web.StreamResponse:
        """``GET /logout?redirect_uri=``."""
        target = request.query.get("redirect_uri")
        if target:
            raise web.HTTPFound(target)
        return _page("Signed out", "<p>You are signed out.</p>")
