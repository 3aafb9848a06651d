"""A small path router for the VCC REST roots, with Five9's auth and login-state gating.

aiohttp sends everything under ``/{appsvcs|supsvcs|strsvcs}/rs/svc/`` to one handler; this
router matches the rest of the path against the endpoint table, so that *every* miss (unknown
path, wrong method) still answers a ``five9ExceptionDetail`` body and never an HTML page.

A route declares which roots serve it, whether it needs a login, which role's login state
gates it (``agent`` / ``supervisor``; ``None`` = derived from the root for ``orgs/*``) and
whether it needs that state to be ``WORKING`` (otherwise 435, as Five9 answers).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web

from cxkit.emulator.five9.errors import Five9Error, bad_request, not_found

if TYPE_CHECKING:
    from cxkit.emulator.five9.sessions import AuthSession

__all__ = ["ALL_ROOTS", "Call", "Handler", "Route", "Router", "empty", "json_response"]

ALL_ROOTS = frozenset({"appsvcs", "supsvcs"})

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(slots=True)
class Call:
    """One REST request as a handler sees it."""

    request: web.Request
    root: str
    params: dict[str, str]
    body_bytes: bytes
    session: AuthSession | None = None
    role: str | None = None
    _json: Any = field(default=None)
    _parsed: bool = False

    def json(self, *, default: Any = None) -> Any:
        """The decoded JSON body (``default`` when empty); 400 when it is not JSON."""
        if not self._parsed:
            raw = self.body_bytes.strip()
            if not raw:
                self._json = default
            else:
                try:
                    self._json = msgspec.json.decode(raw)
                except msgspec.DecodeError as exc:
                    raise bad_request(f"Malformed JSON body: {exc}") from None
            self._parsed = True
        return self._json

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object (``{}`` when empty); 400 otherwise."""
        value = self.json(default={})
        if not isinstance(value, dict):
            raise bad_request("The request body must be a JSON object")
        return value

    @property
    def user_id(self) -> str:
        """The logged-in user's id (routes with ``auth=True`` only)."""
        assert self.session is not None
        return self.session.user_id

    def query(self, name: str, default: str | None = None) -> str | None:
        """A query parameter."""
        return self.request.query.get(name, default)


Handler = Callable[[Call], web.StreamResponse | Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint of the table."""

    method: str
    pattern: str
    handler: Handler
    roots: frozenset[str]
    auth: bool
    role: str | None
    working: bool
    op: str
    regex: re.Pattern[str]


class Router:
    """The endpoint table of the emulated VCC REST API."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        method: str,
        pattern: str,
        handler: Handler,
        *,
        roots: frozenset[str] | tuple[str, ...] = ALL_ROOTS,
        auth: bool = True,
        role: str | None = None,
        working: bool = True,
        op: str | None = None,
    ) -> None:
        """Register ``method pattern`` (``{name}`` segments become path parameters)."""
        regex = re.compile("^" + _PARAM.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", pattern) + "$")
        if role is None:
            if pattern.startswith("agents/"):
                role = "agent"
            elif pattern.startswith("supervisors/"):
                role = "supervisor"
        self.routes.append(
            Route(
                method=method.upper(),
                pattern=pattern,
                handler=handler,
                roots=frozenset(roots),
                auth=auth,
                role=role,
                working=working,
                op=op or _op_name(method, pattern),
                regex=regex,
            )
        )

    def match(self, root: str, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route and path parameters for a request; a Five9 404/405 otherwise."""
        path = path.strip("/")
        allowed: set[str] = set()
        for route in self.routes:
            if root not in route.roots:
                continue
            found = route.regex.match(path)
            if found is None:
                continue
            if route.method != method.upper():
                allowed.add(route.method)
                continue
            return route, found.groupdict()
        if allowed:
            methods = ", ".join(sorted(allowed))
            raise Five9Error(
                405,
                405,
                f"Method {method} is not allowed for {path} (allowed: {methods})",
                "METHOD_NOT_ALLOWED",
            )
        raise not_found(f"Resource not found: /{root}/rs/svc/{path}")

    def catalogue(self) -> list[tuple[str, str, list[str]]]:
        """(method, pattern, roots) of every route, for docs and tests."""
        return [(r.method, r.pattern, sorted(r.roots)) for r in self.routes]


def _op_name(method: str, pattern: str) -> str:
    """A Java-ish operation name for 435 messages: ``GET orgs/{orgId}/users`` → ``getUsers``."""
    words = [w for w in pattern.split("/") if w and not w.startswith("{")]
    last = words[-1] if words else "resource"
    parts = last.split("_")
    camel = parts[0] + "".join(p.title() for p in parts[1:])
    verb = {"GET": "get", "PUT": "update", "POST": "create", "DELETE": "delete"}[method.upper()]
    return (
        verb + camel[:1].upper() + camel[1:] if method.upper() == "GET" or len(words) < 2 else camel
    )


def json_response(body: Any, status: int = 200) -> web.Response:
    """A JSON answer encoded with msgspec (key order kept)."""
    return web.Response(
        status=status, body=msgspec.json.encode(body), content_type="application/json"
    )


def empty(status: int = 204) -> web.Response:
    """An answer without a body (204 No Content by default)."""
    return web.Response(status=status)
