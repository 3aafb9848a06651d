"""Pieces shared by ``call`` and ``request``: ``key=value`` pairs, request bodies, answers."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["check_method", "parse_assignments", "parse_data", "response_document"]

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def parse_assignments(pairs: Sequence[str] | None, option: str) -> dict[str, str]:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}``.

    Raises:
        UsageError: a pair without ``=`` or with an empty key.
    """
    from cxkit.errors import UsageError

    out: dict[str, str] = {}
    for pair in pairs or ():
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"{option} wants key=value, got {pair!r}")
        out[key.strip()] = value
    return out


def parse_data(text: str | None) -> Any:
    """The ``--data`` body: JSON text, ``@file`` (a JSON file) or ``-`` (JSON on stdin).

    Raises:
        UsageError: unreadable file or text that is not JSON.
    """
    from cxkit.errors import UsageError

    if text is None:
        return None
    source = "--data"
    if text == "-":
        text, source = sys.stdin.read(), "stdin"
    elif text.startswith("@"):
        path = Path(text[1:])
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise UsageError(f"--data: cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--data ({source}) is not JSON: {exc}") from None


def check_method(method: str) -> str:
    """An HTTP method, upper-cased.

    Raises:
        UsageError: not a method cxkit sends.
    """
    from cxkit.errors import UsageError

    upper = method.upper()
    if upper not in HTTP_METHODS:
        raise UsageError(f"unknown HTTP method {method!r} (one of {', '.join(HTTP_METHODS)})")
    return upper


def response_document(response: Any, *, include: bool) -> Any:
    """What ``request`` prints: the body, or with ``include`` the status, correlation id,
    rate limit and timing around it (response headers are left out: they carry cookies)."""
    if not include:
        return response.body
    from cxkit.core.httplog import redact_url

    rate = response.rate_limit
    return {
        "status": response.status,
        "method": response.method,
        "url": redact_url(str(response.url)),
        "correlation_id": response.correlation_id,
        "rate_limit": None
        if rate is None
        else {"count": rate.count, "allowed": rate.allowed, "reset": rate.reset},
        "elapsed_ms": round(response.elapsed * 1000, 1),
        "attempts": response.attempts,
        "body": response.body,
    }
