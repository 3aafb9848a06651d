"""Config objects validate themselves and never print secrets."""

from __future__ import annotations

import pytest

from cxkit.config import (
    DEFAULTS,
    LogFormat,
    LoggingConfig,
    LogLevel,
    ProxyConfig,
    ReconnectPolicy,
    RetryPolicy,
    Secret,
    Timeouts,
)
from cxkit.errors import ConfigError


def test_defaults_are_valid_and_in_one_place() -> None:
    assert DEFAULTS.retry.max_retries >= 0
    assert DEFAULTS.five9_ping_interval == 15.0
    assert DEFAULTS.five9_missed_pongs == 2
    assert DEFAULTS.genesys_heartbeat_interval == 30.0
    assert DEFAULTS.logging.level is LogLevel.NONE


@pytest.mark.parametrize(
    ("factory", "key"),
    [
        (lambda: RetryPolicy(max_retries=-1), "retry.max_retries"),
        (lambda: RetryPolicy(max_retries=True), "retry.max_retries"),
        (lambda: RetryPolicy(min_wait=5, max_wait=1), "retry.max_wait"),
        (lambda: RetryPolicy(retry_statuses=frozenset({42})), "retry.retry_statuses"),
        (lambda: Timeouts(connect=0), "timeouts.connect"),
        (lambda: Timeouts(read=float("nan")), "timeouts.read"),
        (lambda: ReconnectPolicy(factor=0.5), "reconnect.factor"),
        (lambda: ReconnectPolicy(max_attempts=-2), "reconnect.max_attempts"),
        (lambda: LoggingConfig(level="verbose"), "logging.log_level"),  # type: ignore[arg-type]
        (lambda: LoggingConfig(format="xml"), "logging.log_format"),  # type: ignore[arg-type]
        (lambda: ProxyConfig(host="p", port=70000), "proxy.port"),
        (lambda: ProxyConfig(host=""), "proxy.host"),
    ],
)
def test_bad_values_name_the_key(factory: object, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        factory()  # type: ignore[operator]
    assert info.value.key == key
    assert key in str(info.value) and "allowed" in str(info.value)


def test_logging_accepts_strings_case_insensitively() -> None:
    cfg = LoggingConfig(level="TRACE", format="Json")  # type: ignore[arg-type]
    assert cfg.level is LogLevel.TRACE and cfg.format is LogFormat.JSON


def test_proxy_from_url_hides_password() -> None:
    proxy = ProxyConfig.from_url("http://alice:s3cr%40t@proxy.local:3128")
    assert proxy.url == "http://proxy.local:3128"
    assert proxy.password is not None and proxy.password.reveal() == "s3cr@t"
    assert "s3cr" not in repr(proxy)
    assert proxy.url_with_credentials() == "http://alice:s3cr%40t@proxy.local:3128"


def test_secret_repr_is_hidden() -> None:
    s = Secret("tok-123")
    assert repr(s) == "'***'" and "tok-123" not in repr({"t": s}) and s.reveal() == "tok-123"


def test_retry_policy_replace_validates() -> None:
    assert RetryPolicy().replace(max_retries=7).max_retries == 7
    with pytest.raises(ConfigError):
        RetryPolicy().replace(max_retries=-3)


def test_core_signatures_take_their_defaults_from_defaults() -> None:
    """Every knob has one default: the core classes' keyword defaults are DEFAULTS' values."""
    import inspect

    from cxkit.core.auth import TokenCache
    from cxkit.core.http import HTTPClient
    from cxkit.core.stream import EventStream

    expected = {
        HTTPClient: {
            "timeouts": DEFAULTS.timeouts,
            "retry": DEFAULTS.retry,
            "logging": DEFAULTS.logging,
            "user_agent": DEFAULTS.user_agent,
            "pool_size": DEFAULTS.pool_size,
        },
        EventStream: {
            "reconnect": DEFAULTS.reconnect,
            "max_queue": DEFAULTS.stream_max_queue,
            "connect_timeout": DEFAULTS.stream_connect_timeout,
            "close_timeout": DEFAULTS.stream_close_timeout,
        },
        TokenCache: {
            "advisory_window": DEFAULTS.token_advisory_window,
            "refresh_timeout": DEFAULTS.token_refresh_timeout,
        },
    }
    for cls, knobs in expected.items():
        parameters = inspect.signature(cls).parameters
        for name, value in knobs.items():
            assert parameters[name].default is value, (cls.__name__, name)
