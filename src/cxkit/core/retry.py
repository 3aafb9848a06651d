"""Pure retry and reconnect policy: *whether* to retry and *how long* to wait.

Nothing here does I/O or sleeps; the HTTP layer (:mod:`cxkit.core.http`) and the stream
runner (:mod:`cxkit.core.stream`) ask these functions and do the waiting themselves, so the
rules are unit-tested without sockets or clocks.

Counting: ``attempt`` is always the number of the retry (or reconnect) being decided, starting
at 1. ``decide(policy, attempt=1, ...)`` is asked after the first request failed, and a retry
is allowed only while ``attempt <= policy.max_retries``.

Delays:

* backoff delays use *full jitter* (uniform in ``[0, ceiling]``, with
  ``ceiling = min(max_wait, min_wait * factor ** (attempt - 1))``), so they are always within
  ``[0, max_wait]``; full jitter spreads a burst of clients that failed together;
* a ``Retry-After`` hint is obeyed exactly (delay == the hint) when it is at most
  ``policy.retry_after_cap``; a longer hint is not waited for at all: the decision is "do not
  retry" and the caller raises the :class:`~cxkit.errors.RateLimitError` at once. Where a
  vendor says when its limit resets instead (Five9's undocumented reset-time header, Genesys's
  ``inin-ratelimit-reset``), :func:`parse_rate_limit_reset` turns that into the same hint;
* a 429 with no hint at all waits ``policy.rate_limit_wait`` (3 s, as the Genesys SDKs do):
  backing off from half a second would only spend requests of a window that is exhausted;
* ``policy.max_elapsed`` bounds the retries: a retry whose wait would end more than that
  long after the first attempt started is not made (each attempt keeps its own timeout).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from cxkit.config import ReconnectPolicy, RetryPolicy
from cxkit.errors import TransportError, UsageError

__all__ = [
    "IDEMPOTENT_METHODS",
    "RetryDecision",
    "backoff_delay",
    "decide",
    "is_idempotent",
    "parse_number_header",
    "parse_rate_limit_reset",
    "parse_retry_after",
    "reconnect_delay",
]

IDEMPOTENT_METHODS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
"""Methods that may be sent twice without changing the outcome (RFC 9110 section 9.2.2)."""


def is_idempotent(method: str) -> bool:
    """Return True when ``method`` (any case) is idempotent by RFC 9110."""
    return method.upper() in IDEMPOTENT_METHODS


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a ``Retry-After`` header into seconds to wait.

    Accepts delta-seconds (``"120"``, and ``"1.5"`` which some gateways send) or an HTTP-date
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``), which is compared with ``now`` (Unix seconds;
    the wall clock when None). Returns None when absent or unparseable, and never a negative
    number (a date in the past means "retry now": 0.0).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT; obsolete formats may lack a zone
            return None
        reference = time.time() if now is None else now
        seconds = when.timestamp() - reference
    if not math.isfinite(seconds):  # "nan", "inf" parse as floats but mean nothing here
        return None
    return max(0.0, seconds)


_EPOCH_SECONDS_FROM: float = 1e9  # 2001-09-09: a bigger number is a moment, not a delay
_EPOCH_MILLIS_FROM: float = 1e12


def parse_number_header(value: str | None) -> float | None:
    """A header's value as a finite number, or None when absent or not a number."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_rate_limit_reset(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds until a rate limit resets, from a reset header, or None when unusable.

    Vendors spell the reset either as seconds to wait (Genesys ``inin-ratelimit-reset``) or
    as the moment of the reset in Unix seconds or milliseconds (the ``X-RateLimit-Reset``
    convention Five9 clients read); a number above 10^9 is taken as a moment (above 10^12:
    in milliseconds) and compared with ``now`` (Unix seconds; the wall clock when None).
    Never negative: a reset in the past means "retry now" (0.0).
    """
    number = parse_number_header(value)
    if number is None:
        return None
    if number >= _EPOCH_SECONDS_FROM:
        if number >= _EPOCH_MILLIS_FROM:
            number /= 1000.0
        number -= time.time() if now is None else now
    return max(0.0, number)


def backoff_delay(
    attempt: int,
    *,
    min_wait: float,
    max_wait: float,
    factor: float = 2.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Full-jitter exponential backoff for retry number ``attempt`` (1 = first retry).

    Returns a delay uniform in ``[0, min(max_wait, min_wait * factor ** (attempt - 1))]``.
    ``rand`` must return a float in ``[0, 1)``; values outside are clamped, so a bad random
    source can never produce a negative delay or one above ``max_wait``.
    """
    if attempt < 1:
        raise UsageError(f"backoff attempt must be >= 1, got {attempt}")
    try:
        ceiling = min(max_wait, min_wait * factor ** (attempt - 1))
    except OverflowError:  # factor ** huge: the cap applies long before
        ceiling = max_wait
    ceiling = max(0.0, ceiling)
    fraction = min(1.0, max(0.0, rand()))
    return min(ceiling, fraction * ceiling)


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """What to do after a failed attempt.

    Attributes:
        retry: True to send the request again after ``delay`` seconds.
        delay: seconds to wait before the retry (0.0 when not retrying).
        reason: a short human explanation, for logs and retry hooks.
    """

    retry: bool
    delay: float
    reason: str


def _is_retryable_error(error: BaseException) -> bool:
    # Only "no answer came" failures are retried: cxkit's transport errors (what the HTTP
    # layer passes), or raw OS/timeout errors from other callers. Cancellation, usage errors
    # and bugs must surface at once.
    return isinstance(error, (TransportError, OSError, TimeoutError))


def decide(
    policy: RetryPolicy,
    *,
    attempt: int,
    method: str,
    status: int | None = None,
    retry_after: float | None = None,
    error: BaseException | None = None,
    elapsed: float = 0.0,
    rand: Callable[[], float] = random.random,
) -> RetryDecision:
    """Decide whether to retry after a failed attempt, and how long to wait first.

    Args:
        policy: the retry policy in force for this request.
        attempt: the number of the retry being decided (1 after the first attempt failed).
        method: the HTTP method (any case).
        status: the HTTP status when the vendor answered.
        retry_after: the vendor's ``Retry-After`` in seconds (see :func:`parse_retry_after`).
        error: the error when no answer came (connect error, timeout).
        elapsed: seconds since the first attempt started (for ``policy.max_elapsed``).
        rand: random source for the jitter.

    Rules, in order: no retry once ``attempt > policy.max_retries``; after a connection error
    retry only if ``policy.retry_connection_errors``, and for a non-idempotent method (POST,
    PATCH) only if ``policy.retry_non_idempotent`` too, since the vendor may have acted on it;
    a status in ``policy.retry_statuses`` is retried whatever the method (the vendor refused
    it before acting), waiting ``retry_after`` when given and not above
    ``policy.retry_after_cap`` (above the cap: no retry), a 429 without it
    ``policy.rate_limit_wait``, else a jittered backoff; last, no retry when the wait would
    end after ``policy.max_elapsed``.
    """
    if error is not None:
        what = type(error).__name__
        if not _is_retryable_error(error):
            return RetryDecision(False, 0.0, f"{what} is not retryable")
        if attempt > policy.max_retries:
            return RetryDecision(False, 0.0, f"{what}: {policy.max_retries} retries exhausted")
        if not policy.retry_connection_errors:
            return RetryDecision(False, 0.0, f"{what}: connection errors are not retried")
        if not policy.retry_non_idempotent and not is_idempotent(method):
            return RetryDecision(
                False, 0.0, f"{what}: {method.upper()} is not idempotent, not retried"
            )
        delay = backoff_delay(
            attempt, min_wait=policy.min_wait, max_wait=policy.max_wait, rand=rand
        )
        return _within_time(policy, elapsed, RetryDecision(True, delay, f"{what}: backoff"))
    if status is None:
        return RetryDecision(False, 0.0, "nothing to retry")
    if status not in policy.retry_statuses:
        return RetryDecision(False, 0.0, f"status {status} is not retried")
    if attempt > policy.max_retries:
        return RetryDecision(False, 0.0, f"status {status}: {policy.max_retries} retries exhausted")
    if retry_after is not None:
        if retry_after > policy.retry_after_cap:
            return RetryDecision(
                False,
                0.0,
                f"status {status}: Retry-After {retry_after:g}s is above the cap "
                f"of {policy.retry_after_cap:g}s",
            )
        decision = RetryDecision(True, max(0.0, retry_after), f"status {status}: Retry-After")
    elif status == 429 and policy.rate_limit_wait is not None:
        wait = policy.rate_limit_wait
        if wait > policy.retry_after_cap:  # the same rule as for a stated Retry-After
            return RetryDecision(
                False,
                0.0,
                f"status {status}: the default wait {wait:g}s is above the cap "
                f"of {policy.retry_after_cap:g}s",
            )
        decision = RetryDecision(True, wait, f"status {status}: no Retry-After, default wait")
    else:
        delay = backoff_delay(
            attempt, min_wait=policy.min_wait, max_wait=policy.max_wait, rand=rand
        )
        decision = RetryDecision(True, delay, f"status {status}: backoff")
    return _within_time(policy, elapsed, decision)


def _within_time(policy: RetryPolicy, elapsed: float, decision: RetryDecision) -> RetryDecision:
    limit = policy.max_elapsed
    if limit is None or elapsed + decision.delay <= limit:
        return decision
    return RetryDecision(
        False,
        0.0,
        f"{decision.reason}: waiting {decision.delay:g}s would pass the {limit:g}s limit "
        f"({elapsed:.3g}s spent)",
    )


def reconnect_delay(
    policy: ReconnectPolicy, attempt: int, *, rand: Callable[[], float] = random.random
) -> float | None:
    """Delay before stream reconnect number ``attempt`` (1 = first), or None when exhausted.

    ``policy.max_attempts`` of 0 means reconnect forever. Delays are full-jitter exponential
    from ``policy.min_wait`` (factor ``policy.factor``), always within ``[0, max_wait]``.
    """
    if attempt < 1:
        raise UsageError(f"reconnect attempt must be >= 1, got {attempt}")
    if policy.max_attempts and attempt > policy.max_attempts:
        return None
    return backoff_delay(
        attempt,
        min_wait=policy.min_wait,
        max_wait=policy.max_wait,
        factor=policy.factor,
        rand=rand,
    )
