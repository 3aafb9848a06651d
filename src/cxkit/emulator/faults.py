"""Fault injection: make the next N matching requests fail, stall or lose their connection.

A :class:`FaultRule` matches requests by a regular expression on the path (``re.search``,
so anchor it with ``^`` / ``$`` when needed) and optionally by method. While it has uses
left, each matching request is answered by the rule instead of the vendor plugin:

- ``status`` (with optional ``headers`` and ``body``): answer that, the plugin never sees it;
- ``delay`` alone: wait, then pass the request through to the plugin (a slow vendor);
- ``delay`` with ``status``: wait, then answer the status;
- ``reset``: cut the TCP connection without an answer (a dropped connection).

The first rule (in the order they were added) that matches takes the request; a rule whose
count is used up is removed. Admin requests (``/_emulator/...``) are never subject to rules.

The injector is one aiohttp middleware (:meth:`FaultInjector.middleware`). Taking a use is a
check-and-decrement under a lock with no ``await`` in between, so two concurrent requests
can never both take the last use of a rule.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from cxkit.errors import ConfigError

if TYPE_CHECKING:
    from aiohttp import web
    from aiohttp.typedefs import Handler, Middleware

__all__ = ["NO_BODY", "FaultInjector", "FaultRule"]

HTTP_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MAX_DELAY: Final = 3600.0
_RULE_KEYS: Final = frozenset(
    {"match", "method", "count", "status", "headers", "body", "delay", "reset"}
)


class _NoBody:
    """Marker: the rule answers with an empty body (distinct from a JSON ``null`` body)."""

    _instance: _NoBody | None = None

    def __new__(cls) -> _NoBody:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY: Final = _NoBody()
"""Default ``body`` of a rule: answer with no body at all."""


@dataclass(slots=True)
class FaultRule:
    """One fault rule. Build rules with :meth:`FaultInjector.add` (it validates)."""

    id: str
    pattern: re.Pattern[str]
    method: str | None
    remaining: int | None  # None: unlimited, until removed
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = NO_BODY
    delay: float = 0.0
    reset: bool = False
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """True when this rule applies to ``method path``."""
        return (self.method is None or self.method == method) and bool(self.pattern.search(path))

    def to_json(self) -> dict[str, Any]:
        """The rule as ``GET /_emulator/faults`` shows it."""
        out: dict[str, Any] = {
            "id": self.id,
            "match": self.pattern.pattern,
            "method": self.method,
            "remaining": self.remaining,
            "hits": self.hits,
            "status": self.status,
            "headers": dict(self.headers),
            "delay": self.delay,
            "reset": self.reset,
        }
        if self.body is not NO_BODY:
            out["body"] = self.body
        return out

    def response(self) -> web.Response:
        """The answer this rule gives (requires ``status``)."""
        from aiohttp import web

        assert self.status is not None
        headers = dict(self.headers)
        content_type_given = any(k.lower() == "content-type" for k in headers)
        payload: bytes | None
        if self.body is NO_BODY or self.status in (204, 304):
            payload = None
        elif isinstance(self.body, str):
            payload = self.body.encode()
            if not content_type_given:
                headers["Content-Type"] = "text/plain; charset=utf-8"
        else:
            payload = json.dumps(self.body).encode()
            if not content_type_given:
                headers["Content-Type"] = "application/json"
        return web.Response(status=self.status, headers=headers, body=payload)


class FaultInjector:
    """The active fault rules and the middleware that applies them."""

    def __init__(self, *, exempt_prefix: str = "/_emulator") -> None:
        self._exempt_prefix = exempt_prefix.rstrip("/")
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # -- rules

    def add(
        self,
        *,
        match: str,
        method: str | None = None,
        count: int | None = 1,
        status: int | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = NO_BODY,
        delay: float = 0.0,
        reset: bool = False,
    ) -> FaultRule:
        """Validate and add a rule; return it. ``count`` None keeps it until removed.

        Raises :class:`cxkit.errors.ConfigError` whose ``key`` names the bad field.
        """
        if not isinstance(match, str):
            raise ConfigError.bad_value("match", match, "a regular expression (string)")
        try:
            pattern = re.compile(match)
        except re.error as exc:
            raise ConfigError.bad_value(
                "match", match, f"a valid regular expression ({exc})"
            ) from None
        if method is not None:
            if not isinstance(method, str) or method.upper() not in HTTP_METHODS:
                raise ConfigError.bad_value(
                    "method", method, "null or one of " + ", ".join(sorted(HTTP_METHODS))
                )
            method = method.upper()
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 1
        ):
            raise ConfigError.bad_value("count", count, "an integer >= 1, or null for unlimited")
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599
        ):
            raise ConfigError.bad_value("status", status, "an HTTP status 200-599")
        clean_headers = _check_headers(headers)
        if (
            isinstance(delay, bool)
            or not isinstance(delay, (int, float))
            or not math.isfinite(delay)
            or not 0 <= delay <= MAX_DELAY
        ):
            raise ConfigError.bad_value("delay", delay, f"seconds, 0-{MAX_DELAY:g}")
        if not isinstance(reset, bool):
            raise ConfigError.bad_value("reset", reset, "true or false")
        if reset and status is not None:
            raise ConfigError.bad_value("reset", reset, "false when status is given")
        if status is None and (clean_headers or body is not NO_BODY):
            raise ConfigError.bad_value("status", None, "a status when headers or body are given")
        if status is None and not reset and delay == 0:
            raise ConfigError.bad_value("status", None, "a status, a delay > 0 or reset: true")
        rule = FaultRule(
            id=f"f{next(self._ids)}",
            pattern=pattern,
            method=method,
            remaining=count,
            status=status,
            headers=clean_headers,
            body=body,
            delay=float(delay),
            reset=reset,
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def add_json(self, spec: Mapping[str, Any]) -> FaultRule:
        """Add a rule from the JSON body of ``POST /_emulator/faults``."""
        unknown = sorted(set(spec) - _RULE_KEYS)
        if unknown:
            raise ConfigError.bad_value(
                unknown[0], spec[unknown[0]], "one of the keys " + ", ".join(sorted(_RULE_KEYS))
            )
        if "match" not in spec:
            raise ConfigError.bad_value("match", None, "a regular expression on the path")
        return self.add(
            match=spec["match"],
            method=spec.get("method"),
            count=spec.get("count", 1),
            status=spec.get("status"),
            headers=spec.get("headers"),
            body=spec.get("body", NO_BODY),
            delay=0.0 if spec.get("delay") is None else spec["delay"],
            reset=False if spec.get("reset") is None else spec["reset"],
        )

    def rules(self) -> list[FaultRule]:
        """A snapshot of the active rules, in matching order."""
        with self._lock:
            return list(self._rules)

    def remove(self, rule_id: str) -> bool:
        """Remove one rule; False when there is no such rule."""
        with self._lock:
            for i, rule in enumerate(self._rules):
                if rule.id == rule_id:
                    del self._rules[i]
                    return True
        return False

    def clear(self) -> int:
        """Remove every rule; return how many there were."""
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
        return count

    def take(self, method: str, path: str) -> FaultRule | None:
        """Use up one use of the first rule matching ``method path`` and return it
        (None when no rule matches). A rule whose count reaches zero is removed."""
        with self._lock:
            for i, rule in enumerate(self._rules):
                if not rule.matches(method, path):
                    continue
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        del self._rules[i]
                return rule
        return None

    def exempt(self, path: str) -> bool:
        """True for admin paths, which faults never touch."""
        prefix = self._exempt_prefix
        return path == prefix or path.startswith(prefix + "/")

    # -- middleware

    def middleware(self) -> Middleware:
        """The aiohttp middleware that applies the rules."""
        from aiohttp import web

        @web.middleware
        async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            if self.exempt(request.path):
                return await handler(request)
            rule = self.take(request.method, request.path)
            if rule is None:
                return await handler(request)
            if rule.delay:
                await asyncio.sleep(rule.delay)
            if rule.reset:
                transport = request.transport
                if transport is not None:
                    # abort: RST-like, no answer at all (not even a clean FIN after a reply)
                    transport.abort()
                raise web.HTTPServiceUnavailable()  # never reaches the peer
            if rule.status is None:
                return await handler(request)
            return rule.response()

        return fault_middleware


def _check_headers(headers: Mapping[str, Any] | None) -> dict[str, str]:
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ConfigError.bad_value("headers", headers, "an object of header name -> value")
    clean: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not name or any(c in name for c in "\r\n:"):
            raise ConfigError.bad_value("headers", name, "header names without ':' or newlines")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ConfigError.bad_value(f"headers.{name}", value, "a string or a number")
        text = str(value)
        if "\r" in text or "\n" in text:
            raise ConfigError.bad_value(f"headers.{name}", value, "a value without newlines")
        clean[name] = text
    return clean
