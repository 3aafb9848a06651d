"""The error tree: classes by status, attributes carried, no secrets in messages."""

from __future__ import annotations

import pytest

from cxkit import errors as e


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, e.BadRequestError),
        (401, e.UnauthorizedError),
        (403, e.ForbiddenError),
        (404, e.NotFoundError),
        (409, e.ConflictError),
        (413, e.BadRequestError),
        (429, e.RateLimitError),
        (435, e.VendorStateError),
        (500, e.ServerError),
        (503, e.ServerError),
        (599, e.ServerError),
        (418, e.APIStatusError),
    ],
)
def test_api_error_class_by_status(status: int, cls: type[e.APIStatusError]) -> None:
    assert e.api_error_class(status) is cls


def test_every_error_is_a_cxkit_error() -> None:
    for name in e.__all__:
        obj = getattr(e, name)
        if isinstance(obj, type):
            assert issubclass(obj, e.CxkitError), name


def test_api_status_error_carries_vendor_details() -> None:
    err = e.RateLimitError(
        "429 too.many.requests",
        vendor="genesys",
        status=429,
        correlation_id="abc-123",
        body={"code": "too.many.requests"},
        code="too.many.requests",
        retry_after=3.0,
    )
    assert isinstance(err, e.APIStatusError)
    assert (err.vendor, err.status, err.correlation_id, err.code, err.retry_after) == (
        "genesys",
        429,
        "abc-123",
        "too.many.requests",
        3.0,
    )
    assert "abc-123" in repr(err)


def test_config_error_names_key_value_allowed_and_hides_secrets() -> None:
    err = e.ConfigError.bad_value("retry.retry_max", "lots", "an integer >= 0")
    assert "retry.retry_max" in str(err) and "'lots'" in str(err) and "integer" in str(err)
    assert isinstance(err, ValueError)
    hidden = e.ConfigError.bad_value("proxy.auth-password", "hunter2", "a string", secret=True)
    assert "hunter2" not in str(hidden) and hidden.value is None


def test_connection_closed_and_protocol_error_fields() -> None:
    closed = e.ConnectionClosed("closed", code=3000, reason="duplicate")
    assert (closed.code, closed.reason) == (3000, "duplicate")
    proto = e.StreamProtocolError("bad frame", frame="x" * 5000)
    assert proto.frame is not None and len(proto.frame) == 512
