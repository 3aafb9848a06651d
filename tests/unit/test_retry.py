"""Property and example tests of the pure retry policy (cxkit.core.retry)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxkit.config import ReconnectPolicy, RetryPolicy
from cxkit.core.retry import (
    backoff_delay,
    decide,
    is_idempotent,
    parse_rate_limit_reset,
    parse_retry_after,
    reconnect_delay,
)
from cxkit.errors import ConfigError, ConnectError, TransportTimeout, UsageError

waits = st.floats(min_value=0.0, max_value=600.0, allow_nan=False)
rands = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
attempts = st.integers(min_value=1, max_value=10_000)
methods = st.sampled_from(["GET", "get", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"])
retry_statuses = st.sampled_from([429, 502, 503, 504])


@st.composite
def policies(draw: st.DrawFn) -> RetryPolicy:
    low = draw(waits)
    high = draw(st.floats(min_value=low, max_value=low + 600.0, allow_nan=False))
    return RetryPolicy(
        max_retries=draw(st.integers(min_value=0, max_value=10)),
        min_wait=low,
        max_wait=high,
        retry_after_cap=draw(st.floats(min_value=0.0, max_value=3600.0)),
        retry_connection_errors=draw(st.booleans()),
        retry_non_idempotent=draw(st.booleans()),
        rate_limit_wait=draw(st.none() | waits),
    )


# --------------------------------------------------------------------------- parse_retry_after


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-5", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_is_relative_to_now() -> None:
    when = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    header = format_datetime(when, usegmt=True)
    assert header == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert parse_retry_after(header, now=when.timestamp() - 30) == pytest.approx(30.0)
    assert parse_retry_after(header, now=when.timestamp() + 30) == 0.0  # past: retry now


@given(st.text(max_size=60))
def test_parse_retry_after_never_raises_nor_goes_negative(value: str) -> None:
    result = parse_retry_after(value, now=0.0)
    assert result is None or result >= 0.0


# --------------------------------------------------------------------------- backoff


@given(attempt=attempts, low=waits, extra=waits, factor=st.floats(1.0, 10.0), r=rands)
def test_backoff_delay_within_zero_and_ceiling(
    attempt: int, low: float, extra: float, factor: float, r: float
) -> None:
    high = low + extra
    delay = backoff_delay(attempt, min_wait=low, max_wait=high, factor=factor, rand=lambda: r)
    assert 0.0 <= delay <= high
    # the ceiling grows from min_wait: retry 1 never waits more than min_wait
    if attempt == 1:
        assert delay <= low


@given(r=st.floats(allow_nan=False, allow_infinity=True))
def test_backoff_delay_clamps_a_bad_random_source(r: float) -> None:
    delay = backoff_delay(5, min_wait=1.0, max_wait=10.0, rand=lambda: r)
    assert 0.0 <= delay <= 10.0


def test_backoff_ceiling_doubles_then_caps() -> None:
    top = [backoff_delay(n, min_wait=0.5, max_wait=3.0, rand=lambda: 1.0) for n in range(1, 6)]
    assert top == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_backoff_rejects_attempt_zero() -> None:
    with pytest.raises(UsageError, match="attempt"):
        backoff_delay(0, min_wait=1.0, max_wait=2.0)


# --------------------------------------------------------------------------- decide


@given(policy=policies(), attempt=attempts, method=methods, status=retry_statuses, r=rands)
def test_backoff_decisions_stay_within_max_wait(
    policy: RetryPolicy, attempt: int, method: str, status: int, r: float
) -> None:
    decision = decide(policy, attempt=attempt, method=method, status=status, rand=lambda: r)
    fixed = policy.rate_limit_wait if status == 429 else None
    above_cap = fixed is not None and fixed > policy.retry_after_cap
    assert decision.retry == (attempt <= policy.max_retries and not above_cap)
    if not decision.retry:
        assert decision.delay == 0.0
    elif fixed is not None:
        # a 429 that gives no hint waits the fixed rate-limit wait, not a backoff
        assert decision.delay == fixed
    else:
        assert 0.0 <= decision.delay <= policy.max_wait


@given(
    policy=policies(),
    attempt=attempts,
    method=methods,
    status=retry_statuses,
    retry_after=st.floats(min_value=0.0, max_value=7200.0),
)
def test_retry_after_is_honoured_up_to_the_cap(
    policy: RetryPolicy, attempt: int, method: str, status: int, retry_after: float
) -> None:
    decision = decide(
        policy, attempt=attempt, method=method, status=status, retry_after=retry_after
    )
    if attempt > policy.max_retries or retry_after > policy.retry_after_cap:
        assert not decision.retry
        assert decision.delay == 0.0
    else:
        assert decision.retry
        assert decision.delay == retry_after


def test_retry_after_above_cap_is_not_waited_for() -> None:
    policy = RetryPolicy(max_retries=5, retry_after_cap=60.0)
    decision = decide(policy, attempt=1, method="GET", status=429, retry_after=61.0)
    assert decision == decision.__class__(False, 0.0, decision.reason)
    assert "above the cap" in decision.reason


@given(policy=policies(), r=rands, method=methods, status=retry_statuses)
def test_a_retry_loop_never_exceeds_max_retries(
    policy: RetryPolicy, r: float, method: str, status: int
) -> None:
    retries = 0
    while decide(policy, attempt=retries + 1, method=method, status=status, rand=lambda: r).retry:
        retries += 1
        assert retries <= policy.max_retries
    refused = status == 429 and (policy.rate_limit_wait or 0.0) > policy.retry_after_cap
    # a retryable status is retried exactly that often (unless its wait is above the cap)
    assert retries == (0 if refused else policy.max_retries)


@given(
    policy=policies(),
    attempt=st.integers(1, 12),
    method=methods,
    error=st.sampled_from([ConnectError("refused"), TransportTimeout("slow"), OSError("reset")]),
    r=rands,
)
def test_connection_error_rules(
    policy: RetryPolicy, attempt: int, method: str, error: Exception, r: float
) -> None:
    decision = decide(policy, attempt=attempt, method=method, error=error, rand=lambda: r)
    allowed = (
        attempt <= policy.max_retries
        and policy.retry_connection_errors
        and (is_idempotent(method) or policy.retry_non_idempotent)
    )
    assert decision.retry == allowed
    assert 0.0 <= decision.delay <= policy.max_wait


@pytest.mark.parametrize("method", ["POST", "PATCH", "post"])
def test_non_idempotent_methods_not_retried_after_connection_errors(method: str) -> None:
    policy = RetryPolicy(max_retries=3)
    no = decide(policy, attempt=1, method=method, error=ConnectError("refused"))
    assert not no.retry
    assert "not idempotent" in no.reason
    opted_in = policy.replace(retry_non_idempotent=True)
    assert decide(opted_in, attempt=1, method=method, error=ConnectError("refused")).retry
    # a 503 means the vendor did not act: always safe to retry, even a POST
    assert decide(policy, attempt=1, method=method, status=503).retry


@pytest.mark.parametrize(
    "error",
    [asyncio.CancelledError(), ValueError("bug"), UsageError("misuse"), KeyboardInterrupt()],
)
def test_non_transport_errors_are_never_retried(error: BaseException) -> None:
    policy = RetryPolicy(max_retries=3, retry_non_idempotent=True)
    assert not decide(policy, attempt=1, method="GET", error=error).retry


@pytest.mark.parametrize("status", [200, 400, 401, 404, 500, 501])
def test_other_statuses_are_not_retried(status: int) -> None:
    assert not decide(RetryPolicy(), attempt=1, method="GET", status=status).retry


def test_custom_retry_statuses() -> None:
    policy = RetryPolicy(retry_statuses=frozenset({500}))
    assert decide(policy, attempt=1, method="GET", status=500, rand=lambda: 0.5).retry
    assert not decide(policy, attempt=1, method="GET", status=503).retry


def test_nothing_to_retry() -> None:
    assert not decide(RetryPolicy(), attempt=1, method="GET").retry


# --------------------------------------------------------------------------- reconnect


@given(
    attempt=attempts,
    low=waits,
    extra=waits,
    factor=st.floats(1.0, 10.0),
    limit=st.integers(0, 20),
    r=rands,
)
def test_reconnect_delay(
    *, attempt: int, low: float, extra: float, factor: float, limit: int, r: float
) -> None:
    policy = ReconnectPolicy(min_wait=low, max_wait=low + extra, factor=factor, max_attempts=limit)
    delay = reconnect_delay(policy, attempt, rand=lambda: r)
    if limit and attempt > limit:
        assert delay is None
    else:
        assert delay is not None
        assert 0.0 <= delay <= policy.max_wait


def test_reconnect_forever_when_max_attempts_is_zero() -> None:
    policy = ReconnectPolicy(min_wait=1.0, max_wait=60.0, max_attempts=0)
    assert reconnect_delay(policy, 1_000_000, rand=lambda: 0.999) == pytest.approx(59.94)
    with pytest.raises(UsageError):
        reconnect_delay(policy, 0)


# --------------------------------------------------------------------------- rate limits


def test_a_429_without_retry_after_waits_the_rate_limit_wait() -> None:
    decision = decide(RetryPolicy(), attempt=1, method="GET", status=429)
    assert decision.retry and decision.delay == 3.0  # as the Genesys SDKs
    backoff = decide(
        RetryPolicy(rate_limit_wait=None), attempt=1, method="GET", status=429, rand=lambda: 0.5
    )
    assert backoff.retry and backoff.delay == 0.25  # half of min_wait 0.5: the jittered backoff
    capped = decide(RetryPolicy(rate_limit_wait=200.0), attempt=1, method="GET", status=429)
    assert not capped.retry and "above the cap" in capped.reason  # as a stated Retry-After
    # a 503 without Retry-After still backs off
    assert (
        decide(RetryPolicy(), attempt=1, method="GET", status=503, rand=lambda: 0.5).delay == 0.25
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12.0),  # Genesys inin-ratelimit-reset: seconds to go
        ("0.5", 0.5),
        ("1700000030", 30.0),  # a Unix moment in seconds
        ("1700000030000", 30.0),  # ... or in milliseconds
        ("1699999990", 0.0),  # already past: retry now
        ("-4", 0.0),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_rate_limit_reset(value: str | None, expected: float | None) -> None:
    assert parse_rate_limit_reset(value, now=1_700_000_000.0) == expected


def test_max_elapsed_stops_a_retry_whose_wait_would_pass_it() -> None:
    policy = RetryPolicy(max_retries=10, max_elapsed=10.0)
    assert decide(policy, attempt=1, method="GET", status=429, retry_after=4.0, elapsed=6.0).retry
    late = decide(policy, attempt=2, method="GET", status=429, retry_after=4.0, elapsed=6.5)
    assert not late.retry and late.delay == 0.0 and "10s limit" in late.reason
    error = decide(
        policy, attempt=1, method="GET", error=OSError("reset"), elapsed=9.9, rand=lambda: 0.9
    )
    assert not error.retry  # 0.45 s of backoff would end after 10 s


@pytest.mark.parametrize(
    "changes",
    [{"rate_limit_wait": -1.0}, {"max_elapsed": 0.0}, {"max_elapsed": float("nan")}],
)
def test_bad_rate_limit_settings_are_config_errors(changes: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        RetryPolicy(**changes)  # type: ignore[arg-type]
