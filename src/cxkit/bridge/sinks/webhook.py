"""HTTP webhook sink: one signed ``POST`` per batch, retried with the core retry policy.

Body (``Content-Type: application/json``)::

    {"events": [{"id": "...", "vendor": "five9", "tenant": "...", "kind": "agent.state",
                 "event": {...}}, ...]}

Headers:

* ``X-Cxkit-Timestamp``: Unix seconds when the request was signed;
* ``X-Cxkit-Signature``: ``sha256=`` + hex HMAC-SHA256 of ``"{timestamp}." + body`` under the
  shared secret. Signing the timestamp with the body lets a receiver refuse replays older
  than a few minutes (:func:`verify_signature` does both checks, in constant time).

A ``2xx`` acknowledges the whole batch. Failures are retried by
:class:`cxkit.core.http.HTTPClient` with :data:`WEBHOOK_RETRY` (408/425/429/5xx and
connection errors, ``Retry-After`` up to 10 s honoured in place; a POST is safe to repeat here
because consumers deduplicate by event id); when those retries are spent, or the receiver asks
for a longer pause, the bridge spools the batch (honouring the receiver's ``Retry-After``, see
:data:`cxkit.bridge.pipeline.RETRY_AFTER_CAP`) and sends it again later, re-signed with a new
timestamp. So a slow or paused receiver never holds the source back for long.

A ``413 Payload Too Large`` splits the batch: its halves are sent in order (each signed), down
to single events, and the prefix that went through is reported if a later part fails. Any
other answer below 500 is a refusal that retrying may not cure (a wrong secret, a missing
route): the batch is spooled and retried all the same, never dropped, and the error names
the status. The secret never appears in logs or errors.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Final
from urllib.parse import urlsplit

from cxkit.bridge.envelope import Envelope, encode_envelopes
from cxkit.bridge.errors import SinkUnavailable
from cxkit.bridge.sinks.base import Sink
from cxkit.config import RetryPolicy, Secret, Timeouts
from cxkit.core.http import HTTPClient, VendorProfile
from cxkit.core.httplog import redact_url
from cxkit.core.retry import parse_retry_after
from cxkit.errors import APIStatusError, ConfigError, RateLimitError, TransportError

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOK_RETRY",
    "WEBHOOK_TIMEOUTS",
    "WebhookSink",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER: Final = "X-Cxkit-Signature"
TIMESTAMP_HEADER: Final = "X-Cxkit-Timestamp"

WEBHOOK_RETRY: Final = RetryPolicy(
    max_retries=4,
    min_wait=0.2,
    max_wait=5.0,
    retry_after_cap=10.0,
    retry_statuses=frozenset({408, 425, 429, 500, 502, 503, 504}),
    retry_non_idempotent=True,
)
"""Default retries of one webhook POST before the batch is spooled (a ``Retry-After`` above
10 s is not waited for in place: the bridge spools and waits for it instead)."""

WEBHOOK_TIMEOUTS: Final = Timeouts(connect=5.0, read=15.0, total=20.0)
"""Default timeouts of one webhook POST (a receiver that stops answering costs at most these
times the retries before the batch is spooled; the bridge's ``send_timeout`` bounds it too)."""

_PROFILE: Final = VendorProfile(name="webhook", correlation_headers=("X-Request-Id",))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=<hex HMAC-SHA256 of "{timestamp}." + body>``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    tolerance: float = 300.0,
    now: float | None = None,
) -> bool:
    """True when ``signature`` signs ``body`` and ``timestamp`` is within ``tolerance`` s.

    For receivers: pass the raw request body and the two headers.
    """
    if not timestamp or not signature:
        return False
    try:
        sent = float(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class _TooLarge(Exception):
    """The receiver answered 413 to a batch."""


class WebhookSink(Sink):
    """POST batches to an HTTP(S) endpoint, signed (see the module docs).

    Args:
        url: the endpoint (``http://`` or ``https://``).
        secret: the shared HMAC secret (None: unsigned, not recommended).
        retry: retries of one POST (default :data:`WEBHOOK_RETRY`).
        timeouts: HTTP timeouts.
        headers: extra request headers.
        clock: the signing clock (Unix seconds), injectable for tests.
        ssl: an ``ssl.SSLContext``, or False to skip certificate checks (tests only).
    """

    def __init__(
        self,
        url: str,
        *,
        secret: str | None = None,
        retry: RetryPolicy = WEBHOOK_RETRY,
        timeouts: Timeouts = WEBHOOK_TIMEOUTS,
        headers: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        ssl: object = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError.bad_value("bridge.webhook.url", redact_url(url), "an http(s) URL")
        if parts.username or parts.password:
            raise ConfigError.bad_value(
                "bridge.webhook.url",
                redact_url(url),
                "a URL without user info (the body is signed with the secret instead)",
            )
        self.url = url
        self.name = redact_url(url)
        self._secret = Secret(secret) if secret is not None else None
        self._clock = clock
        self.splits = 0
        """How many times a batch was split after a 413."""
        self.http = HTTPClient(
            f"{parts.scheme}://{parts.netloc}",
            vendor=_PROFILE,
            retry=retry,
            timeouts=timeouts,
            headers=headers,
            user_agent="cxkit-bridge",
            ssl=ssl,  # type: ignore[arg-type]
        )

    def __repr__(self) -> str:
        signed = "signed" if self._secret is not None else "unsigned"
        return f"WebhookSink({self.name!r}, {signed})"

    def body(self, batch: Sequence[Envelope]) -> bytes:
        """The JSON body for a batch."""
        return b'{"events":' + encode_envelopes(list(batch)) + b"}"

    async def send(self, batch: Sequence[Envelope]) -> None:
        """POST the batch (retried per policy); raise SinkUnavailable when it keeps failing.

        A 413 splits the batch in halves, sent in order (see the module docs).
        """
        if not batch:
            return
        try:
            await self._post(batch)
        except _TooLarge:
            if len(batch) == 1:
                raise SinkUnavailable(
                    f"webhook {self.name} answered 413: one event of "
                    f"{len(self.body(batch))} bytes is too large for the receiver",
                    sink=self.name,
                ) from None
            self.splits += 1
            half = len(batch) // 2
            await self.send(batch[:half])
            try:
                await self.send(batch[half:])
            except SinkUnavailable as exc:
                exc.delivered += half  # the first half went through
                raise

    async def _post(self, batch: Sequence[Envelope]) -> None:
        body = self.body(batch)
        headers = {"Content-Type": "application/json"}
        if self._secret is not None:
            timestamp = str(int(self._clock()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = sign(self._secret.reveal(), timestamp, body)
        try:
            await self.http.request("POST", self.url, content=body, headers=headers)
        except APIStatusError as exc:
            if exc.status == 413:
                raise _TooLarge from None
            retry_after = (
                exc.retry_after
                if isinstance(exc, RateLimitError)
                else parse_retry_after(exc.headers.get("Retry-After"))
            )
            wait = f", asks to wait {retry_after:g}s" if retry_after is not None else ""
            raise SinkUnavailable(
                f"webhook {self.name} answered {exc.status}{wait}",
                sink=self.name,
                retry_after=retry_after,
            ) from None
        except TransportError as exc:
            raise SinkUnavailable(
                f"webhook {self.name} is unreachable: {type(exc).__name__}", sink=self.name
            ) from None

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.http.close()
