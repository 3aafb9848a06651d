"""Page-number listings (``pageSize``/``pageNumber`` query, ``*EntityListing`` answers).

URIs are paths with the request's other query parameters kept; ``nextUri``/``previousUri``
are left out at the ends (the service omits null fields).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from cxkit.emulator.genesys.errors import invalid_value

__all__ = ["Page", "page_listing", "read_page"]


class Page:
    """A requested page: ``number`` (1-based) and ``size``."""

    __slots__ = ("number", "size")

    def __init__(self, number: int, size: int) -> None:
        self.number = number
        self.size = size


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_value(name, raw, f"an integer {low}-{high}") from None
    if not low <= value <= high:
        raise invalid_value(name, raw, f"an integer {low}-{high}")
    return value


def read_page(request: web.Request, *, max_size: int = 500, default_size: int = 25) -> Page:
    """Read ``pageSize`` (default 25) and ``pageNumber`` (default 1); out of range -> 400."""
    return Page(
        _int(request, "pageNumber", 1, 1, 1_000_000),
        _int(request, "pageSize", default_size, 1, max_size),
    )


def _uri(path: str, query: Mapping[str, str], size: int, number: int) -> str:
    params = {k: v for k, v in query.items() if k not in ("pageSize", "pageNumber")}
    params.update(pageSize=str(size), pageNumber=str(number))
    return f"{path}?{urlencode(params)}"


def page_listing(
    request: web.Request,
    items: Sequence[Any],
    page: Page,
    *,
    totals: bool = True,
    render: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """The listing for ``page`` of ``items`` (already rendered, or rendered by ``render``
    for the page's items only: a 10,000-user org pages without drawing every user).
    ``totals=False`` leaves out ``total``, ``pageCount`` and ``lastUri``
    (QueueMemberEntityListing)."""
    path = request.path
    query = {k: ",".join(request.query.getall(k)) for k in request.query}
    count = len(items)
    pages = max(1, math.ceil(count / page.size))
    start = (page.number - 1) * page.size
    body: dict[str, Any] = {
        "entities": [
            item if render is None else render(item) for item in items[start : start + page.size]
        ],
        "pageSize": page.size,
        "pageNumber": page.number,
        "firstUri": _uri(path, query, page.size, 1),
        "selfUri": _uri(path, query, page.size, page.number),
    }
    if totals:
        body.update(total=count, pageCount=pages, lastUri=_uri(path, query, page.size, pages))
    if start + page.size < count:
        body["nextUri"] = _uri(path, query, page.size, page.number + 1)
    if page.number > 1:
        body["previousUri"] = _uri(path, query, page.size, min(page.number - 1, pages))
    return body
