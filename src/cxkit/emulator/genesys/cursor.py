"""Cursor listings (``before``/``after`` query, ``{entities, nextUri, selfUri, previousUri}``).

The Platform API's newer listings (teams, skill groups, assessments...) page with opaque
cursors instead of page numbers: ``pageSize`` (default 25, at most 200) and ``after`` or
``before``, the cursor taken from the previous answer's ``nextUri`` / ``previousUri``. The
cursor here is the position in the (stably sorted) result, base64url-encoded, so it means
nothing to clients. URIs keep the request's other query parameters.

Some real endpoints keep handing out a ``nextUri`` after the last page (empty pages follow);
the ``endless_cursor_pages`` switch reproduces that so clients can prove they stop (the
Genesys CLI stops after 3 empty pages).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from aiohttp import web

from cxkit.emulator.genesys.errors import invalid_value

__all__ = ["MAX_CURSOR_PAGE_SIZE", "CursorPage", "cursor_listing", "read_cursor_page"]

MAX_CURSOR_PAGE_SIZE: Final = 200
_PREFIX: Final = "pos:"


def _encode(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode().rstrip("=")


def _decode(name: str, cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(_PREFIX):
            raise ValueError(cursor)
        position = int(text[len(_PREFIX) :])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_value(name, cursor, "a cursor from a previous answer") from None
    if position < 0:
        raise invalid_value(name, cursor, "a cursor from a previous answer")
    return position


@dataclass(frozen=True, slots=True)
class CursorPage:
    """A requested page: ``size`` items after position ``after`` or before ``before``."""

    size: int
    after: int | None = None
    before: int | None = None


def read_cursor_page(request: web.Request, *, default_size: int = 25) -> CursorPage:
    """Read ``pageSize`` (1-200; more answers 400 as the service does) and one of
    ``after`` / ``before``."""
    raw = request.query.get("pageSize")
    size = default_size
    if raw:
        try:
            size = int(raw)
        except ValueError:
            raise invalid_value("pageSize", raw, f"an integer 1-{MAX_CURSOR_PAGE_SIZE}") from None
        if not 1 <= size <= MAX_CURSOR_PAGE_SIZE:
            raise invalid_value("pageSize", raw, f"an integer 1-{MAX_CURSOR_PAGE_SIZE}")
    after, before = request.query.get("after"), request.query.get("before")
    if after and before:
        raise invalid_value("before", before, "either after or before, not both")
    return CursorPage(
        size=size,
        after=_decode("after", after) if after else None,
        before=_decode("before", before) if before else None,
    )


def _uri(path: str, query: Mapping[str, str], size: int, key: str, position: int) -> str:
    params = {k: v for k, v in query.items() if k not in ("pageSize", "after", "before")}
    params.update({"pageSize": str(size), key: _encode(position)})
    return f"{path}?{urlencode(params)}"


def cursor_listing(
    request: web.Request, items: Sequence[Any], page: CursorPage, *, endless: bool = False
) -> dict[str, Any]:
    """The listing for ``page`` of ``items`` (already rendered and sorted)."""
    count = len(items)
    if page.before is not None:
        end = min(page.before, count)
        start = max(0, end - page.size)
    else:
        start = page.after or 0
        end = min(start + page.size, count) if start < count else start
    query = {k: ",".join(request.query.getall(k)) for k in request.query}
    self_query = {k: v for k, v in query.items() if k not in ("after", "before")}
    if start:
        self_query["after"] = _encode(start)
    body: dict[str, Any] = {
        "entities": list(items[start:end]),
        "selfUri": f"{request.path}?{urlencode(self_query)}" if self_query else request.path,
    }
    if end < count or (endless and page.before is None):
        # endless: past the end the service keeps pointing one page further
        following = end if end > start or end < count else start + page.size
        body["nextUri"] = _uri(request.path, query, page.size, "after", following)
    if start > 0:
        body["previousUri"] = _uri(request.path, query, page.size, "before", min(start, count))
    return body
