"""The Platform API's conventions, applied to every ``/api/v2`` response by one middleware:
bearer-token checks, the per-key rate limit (429 + ``Retry-After``), ``ININ-Correlation-Id``,
``inin-ratelimit-*`` and cache headers, and ErrorBody for every error. Also the request
helpers the route modules share.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

import msgspec
from aiohttp import web

from cxkit.emulator.genesys.errors import ApiError, bad_request, error_body, invalid_value
from cxkit.emulator.genesys.ids import new_correlation_id
from cxkit.emulator.genesys.model import User
from cxkit.emulator.genesys.ratelimit import RateVerdict
from cxkit.emulator.genesys.runtime import Runtime
from cxkit.emulator.genesys.state import StateError
from cxkit.emulator.genesys.tokens import TokenProblem, TokenRecord
from cxkit.emulator.genesys.usage import UsageRecord, template_uri

__all__ = [
    "TOKEN_KEY",
    "api_middleware",
    "json_body",
    "json_response",
    "query_bool",
    "query_list",
    "token_of",
    "user_of",
]

_log = logging.getLogger(__name__)
_ENCODER: Final = msgspec.json.Encoder()
TOKEN_KEY: Final = web.RequestKey("genesys.token", TokenRecord)
_CACHE_HEADERS: Final = {
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "0",
}
_STATUS_CODES: Final = {
    400: "bad.request",
    404: "not.found",
    405: "method.not.allowed",
    413: "request.too.large",
    415: "unsupported.media.type",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON response encoded with msgspec."""
    return web.Response(body=_ENCODER.encode(data), status=status, content_type="application/json")


def _authenticate(rt: Runtime, request: web.Request) -> TokenRecord:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise ApiError(401, "authentication.required")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "authentication.required")
    try:
        return rt.tokens.check(value.strip())
    except TokenProblem as problem:
        raise ApiError(401, problem.code) from None


def _too_many(verdict: RateVerdict, limit_key: str) -> ApiError:
    after = str(verdict.retry_after)
    return ApiError(
        429,
        "too.many.requests",
        {"retryAfter": after},
        limit={"key": limit_key, "namespace": "platform.api", "value": verdict.allowed},
        headers={"Retry-After": after},
    )


def _template(request: web.Request) -> str | None:
    """The matched route as ``/api/v2/users/{userId}`` (None for unknown paths)."""
    resource = request.match_info.route.resource
    if resource is None or resource.canonical.endswith("{tail}"):
        return None
    canonical = resource.canonical
    # Under a gateway prefix (/gw/api/api/v2/...) the template still starts at /api/v2.
    return "/" + template_uri(canonical[max(0, canonical.find("/api/v2")) :])


def _rate(rt: Runtime, token: TokenRecord, endpoint: str | None) -> RateVerdict:
    """Count the request against every layer that applies; the first exhausted one answers
    429. The headers report the per-app-and-user budget (the one clients pace against)."""
    options = rt.live.current
    if options.rate_limit_key == "client_user":
        key = f"{token.client_id}/{token.user_id or '-'}"
    else:
        key = f"token/{token.serial}"
    verdict = rt.limiter.hit(key)
    if verdict.exceeded:
        raise _too_many(verdict, "org.app.user.rate.per.minute")
    if token.user_id is not None:
        per_user = rt.user_limiter.hit(f"user/{token.user_id}")
        if per_user.exceeded:
            raise _too_many(per_user, "org.user.rate.per.minute")
    budget = options.endpoint_rate_limits.get(endpoint) if endpoint else None
    if budget is not None and endpoint is not None:
        per_endpoint = rt.endpoint_limiter.hit(f"{key} {endpoint}", budget)
        if per_endpoint.exceeded:
            raise _too_many(per_endpoint, f"{endpoint} rate.per.minute")
    return verdict


def _error_response(error: ApiError, correlation: str) -> web.Response:
    response = json_response(error_body(error, correlation), status=error.status)
    response.headers.update(error.headers)
    return response


def _from_http_exception(exc: web.HTTPException) -> ApiError:
    code = _STATUS_CODES.get(
        exc.status, "internal.server.error" if exc.status >= 500 else "bad.request"
    )
    return ApiError(exc.status, code)


def _from_state_error(exc: StateError) -> ApiError:
    if exc.kind == "not_found":
        return ApiError(
            404, "not.found", message=f"The requested resource was not found: {exc.message}"
        )
    if exc.kind == "conflict":
        return ApiError(409, "conflict", {"reason": exc.message})
    return bad_request(exc.message)


def api_middleware(rt: Runtime) -> Any:
    """The ``/api/v2`` middleware (conventions on every response, errors included)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        correlation = new_correlation_id()
        verdict: RateVerdict | None = None
        token: TokenRecord | None = None
        template = _template(request)
        try:
            limit = rt.live.current.max_body_bytes
            if request.content_length is not None and request.content_length > limit:
                raise ApiError(413, "request.too.large", {"limit": str(limit)})
            token = _authenticate(rt, request)
            request[TOKEN_KEY] = token
            verdict = _rate(rt, token, f"{request.method} {template}" if template else None)
            response = await handler(request)
        except ApiError as exc:
            response = _error_response(exc, correlation)
        except StateError as exc:
            response = _error_response(_from_state_error(exc), correlation)
        except web.HTTPException as exc:
            response = _error_response(_from_http_exception(exc), correlation)
        except Exception:
            route = request.match_info.route.resource
            where = route.canonical if route is not None else "?"
            _log.exception("genesys emulator: unexpected error on %s %s", request.method, where)
            response = _error_response(ApiError(500, "internal.server.error"), correlation)
        response.headers["ININ-Correlation-Id"] = correlation
        response.headers["Genesys-Correlation-Id"] = correlation
        response.headers.update(_CACHE_HEADERS)
        if verdict is None:
            verdict = RateVerdict(
                0, rt.live.current.rate_limit, rt.live.current.rate_limit_window, False
            )
        response.headers.update(verdict.headers())
        if token is not None and template is not None:
            rt.usage.record(
                UsageRecord(
                    rt.now(),
                    token.client_id,
                    token.user_id,
                    template.lstrip("/"),
                    request.method,
                    response.status,
                )
            )
        return response

    return middleware


# --------------------------------------------------------------------------- helpers


def token_of(request: web.Request) -> TokenRecord:
    """The request's (already validated) token."""
    return request[TOKEN_KEY]


def user_of(rt: Runtime, request: web.Request) -> User:
    """The token's user; 400 ``not.a.user`` for client-credentials tokens."""
    token = token_of(request)
    if token.user_id is None or token.user_id not in rt.state.users:
        raise ApiError(400, "not.a.user")
    return rt.state.users[token.user_id]


async def json_body(request: web.Request) -> Any:
    """The JSON body: 415 for another content type, 400 ``bad.request`` when malformed."""
    raw = await request.read()
    if not raw:
        raise bad_request("A request body is required")
    if request.content_type not in (
        "application/json",
        "text/json",
    ) and not request.content_type.endswith("+json"):
        raise ApiError(415, "unsupported.media.type")
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "bad.request") from None


def query_list(request: web.Request, name: str) -> list[str]:
    """A list parameter, repeated (``id=a&id=b``) and/or comma-joined (``id=a,b``)."""
    return [part for value in request.query.getall(name, []) for part in value.split(",") if part]


def query_bool(request: web.Request, name: str, default: bool) -> bool:
    """A boolean parameter (``true``/``false``, any case)."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise invalid_value(name, raw, "true, false")
