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


def _drawn_tree(doc: str) -> dict[str, str | None]:
    """``{class name: drawn parent}`` from a box-drawing tree in a module docstring."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []  # (column of the name, name)
    in_tree = False
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped == "CxkitError":
            in_tree = True
            stack = [(line.index("CxkitError"), "CxkitError")]
            parents["CxkitError"] = None
            continue
        if not in_tree:
            continue
        if not stripped:
            in_tree = False
            continue
        marker = max(line.find("├── "), line.find("└── "))
        if marker < 0:
            continue  # a continuation line of a description
        column = marker + 4
        name = line[column:].split()[0]
        while stack and stack[-1][0] >= column:
            stack.pop()
        parents[name] = stack[-1][1]
        stack.append((column, name))
    return parents


def _error_classes(module: object) -> dict[str, type[BaseException]]:
    return {
        name: obj
        for name, obj in vars(module).items()
        if isinstance(obj, type)
        and issubclass(obj, e.CxkitError)
        and obj.__module__ == getattr(module, "__name__", None)
    }


def test_the_drawn_tree_is_the_class_tree() -> None:
    from cxkit.bridge import errors as bridge_errors

    for module in (e, bridge_errors):
        drawn = _drawn_tree(module.__doc__ or "")
        classes = _error_classes(module)
        assert set(classes) <= set(drawn), (module.__name__, set(classes) - set(drawn))
        for name, parent in drawn.items():
            if name == "CxkitError":
                continue
            cls = getattr(module, name, None) or getattr(e, name)
            assert cls.__bases__[0].__name__ == parent, (name, parent)


def test_every_error_elsewhere_is_named_in_the_root_docstring() -> None:
    import importlib
    import pkgutil

    import cxkit

    # import every library module so that every subclass is registered (not the CLI's
    # command modules, which only join the others)
    for info in pkgutil.walk_packages(cxkit.__path__, "cxkit."):
        if not info.name.startswith("cxkit.cli") and not info.name.endswith("__main__"):
            importlib.import_module(info.name)

    def walk(cls: type[BaseException]) -> list[type[BaseException]]:
        out = []
        for sub in cls.__subclasses__():
            out += [sub, *walk(sub)]
        return out

    doc = e.__doc__ or ""
    outside = {cls for cls in walk(e.CxkitError) if cls.__module__.startswith("cxkit.")} - set(
        _error_classes(e).values()
    )
    assert outside  # the vendor packages and the bridge do extend the tree
    for cls in outside:
        assert f":mod:`{cls.__module__}`" in doc, (cls.__module__, cls.__name__)
