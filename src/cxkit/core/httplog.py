"""HTTP exchange logging in the style of the official Genesys Cloud SDKs, always redacted.

Levels (:class:`cxkit.config.LogLevel`):

* ``none`` (default): nothing is built or formatted at all;
* ``error``: only failed exchanges (status >= 400, or no answer), with the response body
  when ``log_response_body``;
* ``debug``: every exchange, without response headers;
* ``trace``: every exchange with everything, response headers included.

Successful exchanges are logged at the matching Python level (``TRACE`` = 5, registered with
:func:`logging.addLevelName`, or ``DEBUG``), failed ones at ``ERROR``. Bodies are opt-in
(``log_request_body`` / ``log_response_body``). The format is a text block or one JSON object
per line with the keys ``date, level, method, url, requestHeaders, responseHeaders,
correlationId, statusCode, requestBody, responseBody`` (plus ``error`` when no answer came).

Each :class:`HTTPLogger` owns its own handlers (stderr and/or a file opened in append mode),
so a client that gets a new :class:`~cxkit.config.LoggingConfig` at runtime (live reload)
closes the old handlers and opens new ones without touching other clients. Every record is
also handed to the standard ``cxkit.http`` logger, so an application's own handlers (and
pytest's ``caplog``) see the same redacted records when that logger is enabled.

Redaction happens before any text is built, whatever the level: the ``Authorization``,
``Proxy-Authorization``, ``Cookie`` and ``Set-Cookie`` headers and any header whose name
contains token/secret/password/api-key; JSON and form fields (nested, any case) named like
password, secret, token, assertion, code, code_verifier, tokenId, sessionId; the same names
in URL query strings and fragments; credentials in URLs; ``Bearer`` values in free text.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import msgspec

from cxkit.config import LogFormat, LoggingConfig, LogLevel

__all__ = [
    "LOGGER_NAME",
    "REDACTED",
    "TRACE",
    "HTTPLogger",
    "is_secret_name",
    "redact_body",
    "redact_headers",
    "redact_text",
    "redact_url",
]

TRACE = 5
"""The custom ``TRACE`` logging level (below ``DEBUG``)."""
logging.addLevelName(TRACE, "TRACE")

LOGGER_NAME = "cxkit.http"
"""The standard logger every HTTP exchange record is passed to."""

REDACTED = "[REDACTED]"
"""What a secret value is replaced with."""

# A library must not make Python print its records through the "last resort" handler.
logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())

# Names are compared after lower-casing and dropping "_" and "-", so "client_secret",
# "Client-Secret" and "clientSecret" are one name. "code" is matched exactly only: error
# bodies carry "errorCode"/"contextCode" that are diagnostics, not secrets.
_SECRET_EXACT = frozenset(
    {"code", "codeverifier", "pwd", "pass", "auth", "credentials", "signature", "sig"}
)
_SECRET_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "assertion",
    "apikey",
    "sessionid",
    "authorization",
    "cookie",
)


@functools.lru_cache(maxsize=2048)
def is_secret_name(name: str) -> bool:
    """Return True when a header, field or query parameter named ``name`` holds a secret."""
    norm = name.lower().replace("_", "").replace("-", "")
    return norm in _SECRET_EXACT or any(part in norm for part in _SECRET_PARTS)


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> dict[str, str]:
    """Return a plain dict of ``headers`` with secret values replaced by ``[REDACTED]``.

    Repeated headers (``Set-Cookie``) are joined with ``", "`` so none is lost from the log.
    """
    if headers is None:
        return {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        shown = REDACTED if is_secret_name(name) else str(value)
        if name in out:
            out[name] = f"{out[name]}, {shown}"
        else:
            out[name] = shown
    return out


def _redact_pairs(query: str) -> str:
    """Redact ``name=value`` pairs of a query string / form body, keeping the original text."""
    if not query:
        return query
    pieces = query.split("&")
    changed = False
    for i, piece in enumerate(pieces):
        name, eq, _value = piece.partition("=")
        if eq and is_secret_name(unquote_plus(name)):
            pieces[i] = f"{name}={REDACTED}"
            changed = True
    return "&".join(pieces) if changed else query


def redact_url(url: str) -> str:
    """Return ``url`` without credentials: user info, secret query and fragment parameters."""
    if "?" not in url and "@" not in url and "#" not in url:
        return url  # the common case costs one scan
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    # OAuth implicit grant returns the token in the fragment: #access_token=...
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            parts.path,
            _redact_pairs(parts.query),
            _redact_pairs(parts.fragment),
        )
    )


_JSON_PAIR = re.compile(r'"(?P<key>[^"\\]{1,80})"\s*:\s*(?P<value>"(?:[^"\\]|\\.)*"|[^,}\]\s]+)')
_FORM_PAIR = re.compile(r"(?P<key>[A-Za-z0-9_.\-]{1,80})=(?P<value>[^&\s;,\"']*)")
# A credential after an auth scheme: at least 8 characters with a digit, so prose such as
# "Bearer token expired" is left alone while tokens, UUIDs and base64 blobs are not.
_SCHEME_VALUE = re.compile(
    r"(?i)\b(?P<scheme>bearer|basic)(?P<sep>[\s-]+)(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}"
)


def _json_pair(match: re.Match[str]) -> str:
    if is_secret_name(match.group("key")):
        return f'"{match.group("key")}": "{REDACTED}"'
    return match.group(0)


def _form_pair(match: re.Match[str]) -> str:
    if is_secret_name(match.group("key")):
        return f"{match.group('key')}={REDACTED}"
    return match.group(0)


def redact_text(text: str) -> str:
    """Best-effort redaction of free text (a body that is neither JSON nor a form, a message).

    Catches ``"name": "value"`` and ``name=value`` pairs with secret names, and
    ``Bearer <value>`` / ``Basic <value>`` / Five9's ``Bearer-<value>``.
    """
    text = _JSON_PAIR.sub(_json_pair, text)
    text = _FORM_PAIR.sub(_form_pair, text)
    return _SCHEME_VALUE.sub(lambda m: f"{m.group('scheme')}{m.group('sep')}{REDACTED}", text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(key, str) and is_secret_name(key) else _redact_value(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact_value(item) for item in value]
    if isinstance(value, str):
        # a string field may itself carry an encoded form or a header value
        return redact_text(value)
    return value


def redact_body(body: bytes | str | None, content_type: str | None = None) -> str | None:
    """Return a body as text for a log, with secret fields redacted.

    JSON (nested objects and arrays) and ``application/x-www-form-urlencoded`` bodies are
    redacted field by field; anything else goes through :func:`redact_text`.
    """
    if body is None:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text:
        return ""
    ctype = (content_type or "").lower()
    if "x-www-form-urlencoded" in ctype:
        return _redact_pairs(text)
    if "json" in ctype or text.lstrip()[:1] in ("{", "["):
        try:
            decoded = msgspec.json.decode(text)
        except msgspec.DecodeError:
            pass
        else:
            return msgspec.json.encode(_redact_value(decoded)).decode()
    return redact_text(text)


_LEVEL_NAMES = {TRACE: "trace", logging.DEBUG: "debug", logging.ERROR: "error"}


class HTTPLogger:
    """Logs HTTP exchanges for one client according to one :class:`LoggingConfig`.

    Create a new one when the config changes and :meth:`close` the old one (its file handle).
    """

    __slots__ = ("_handlers", "_logger", "_ok_level", "config", "enabled", "errors_only")

    def __init__(self, config: LoggingConfig, *, logger_name: str = LOGGER_NAME) -> None:
        """Open the sinks ``config`` asks for (stderr, a file in append mode)."""
        self.config = config
        self.enabled = config.level is not LogLevel.NONE
        self.errors_only = config.level is LogLevel.ERROR
        self._ok_level = TRACE if config.level is LogLevel.TRACE else logging.DEBUG
        self._logger = logging.getLogger(logger_name)
        self._handlers: list[logging.Handler] = []
        if not self.enabled:
            return
        formatter = logging.Formatter("%(message)s")
        if config.to_console:
            self._handlers.append(logging.StreamHandler(sys.stderr))
        if config.file_path:
            self._handlers.append(
                logging.FileHandler(config.file_path, mode="a", encoding="utf-8", delay=True)
            )
        for handler in self._handlers:
            handler.setLevel(TRACE)
            handler.setFormatter(formatter)

    def wants(self, failed: bool) -> bool:
        """Cheap check: would an exchange that ``failed`` (status >= 400 / no answer) be logged?"""
        return self.enabled and (failed or not self.errors_only)

    def log_exchange(
        self,
        *,
        method: str,
        url: str,
        request_headers: Mapping[str, str] | None,
        request_body: bytes | None,
        request_content_type: str | None,
        status: int | None,
        response_headers: Mapping[str, str] | None,
        response_body: bytes | None,
        response_content_type: str | None,
        correlation_id: str | None,
        error: BaseException | None = None,
    ) -> None:
        """Log one request/response exchange (or a request that got no answer), redacted."""
        failed = status is None or status >= 400
        if not self.wants(failed):
            return
        cfg = self.config
        levelno = logging.ERROR if failed else self._ok_level
        entry: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": _LEVEL_NAMES[levelno],
            "method": method,
            "url": redact_url(url),
            "requestHeaders": redact_headers(request_headers),
            "responseHeaders": (
                redact_headers(response_headers)
                if cfg.level is LogLevel.TRACE and response_headers is not None
                else None
            ),
            "correlationId": correlation_id,
            "statusCode": status,
            "requestBody": (
                redact_body(request_body, request_content_type) if cfg.log_request_body else None
            ),
            "responseBody": (
                redact_body(response_body, response_content_type) if cfg.log_response_body else None
            ),
        }
        if error is not None:
            entry["error"] = redact_text(f"{type(error).__name__}: {error}")
        if cfg.format is LogFormat.JSON:
            message = msgspec.json.encode(entry).decode()
        else:
            message = _format_text(entry)
        self._emit(levelno, message)

    def _emit(self, levelno: int, message: str) -> None:
        record = self._logger.makeRecord(
            self._logger.name, levelno, "(cxkit.http)", 0, message, (), None
        )
        for handler in self._handlers:
            handler.handle(record)
        if self._logger.isEnabledFor(levelno):
            self._logger.handle(record)

    def close(self) -> None:
        """Flush and close this logger's own handlers (the file, if any)."""
        for handler in self._handlers:
            handler.close()
        self._handlers.clear()


def _format_headers(headers: Mapping[str, str]) -> str:
    return "".join(f"\n    {name}: {value}" for name, value in headers.items())


def _format_text(entry: Mapping[str, Any]) -> str:
    lines = [
        f"{entry['level'].upper()}: {entry['date']}",
        "=== REQUEST ===",
        f"URL: {entry['url']}",
        f"Method: {entry['method']}",
        f"Headers:{_format_headers(entry['requestHeaders'])}",
    ]
    if entry["requestBody"] is not None:
        lines.append(f"Body: {entry['requestBody']}")
    lines.append("=== RESPONSE ===")
    if entry.get("error") is not None:
        lines.append(f"Error: {entry['error']}")
    else:
        lines.append(f"Status: {entry['statusCode']}")
    if entry["responseHeaders"] is not None:
        lines.append(f"Headers:{_format_headers(entry['responseHeaders'])}")
    lines.append(f"CorrelationId: {entry['correlationId']}")
    if entry["responseBody"] is not None:
        lines.append(f"Body: {entry['responseBody']}")
    return "\n".join(lines)
