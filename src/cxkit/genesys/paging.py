"""Async paginators for every Genesys paging style.

``async for item in paginator`` yields items; ``async for page in paginator.pages()`` yields
pages. Styles (``style=``):

* ``"page"`` — ``pageNumber``/``pageSize`` listings: stop on an empty page, at ``pageCount``,
  or (listings without totals) when ``nextUri`` is null;
* ``"cursor"`` — ``cursors.after`` / ``cursor`` values sent back as ``after`` / ``cursor``
  parameters, or ``nextUri`` followed as is;
* ``"next_uri"`` — follow ``nextUri`` until it is null;
* ``"index"`` — SCIM: ``startIndex`` (1-based) and ``count`` parameters, ``Resources`` and
  ``totalResults`` in the answer; stop on an empty page or past ``totalResults``;
* ``"auto"`` — decide per page like the Genesys CLI's autopager (cursor if a cursor is set or
  ``nextUri`` carries one; page numbers if ``pageCount``/``pageNumber`` are present; index
  if ``startIndex`` is; else ``nextUri``).

Items are taken from ``entities`` (listings), ``Resources`` (SCIM), ``conversations``
(analytics job results) or ``results`` (searches), whichever the page has.

Cursor and ``nextUri`` paging stop after 3 consecutive empty pages (some endpoints hand out an
endless ``nextUri``) and when a ``nextUri`` repeats. :class:`AnalyticsPaginator` pages the
analytics details query through its body (``paging {pageSize, pageNumber}``) and drops
conversations already seen, since pages shift while data arrives. :class:`BodyPaginator`
pages other POST queries whose ``pageNumber``/``pageSize`` travel in the body (users search).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, Literal, TypeVar

import msgspec

from cxkit.errors import UsageError
from cxkit.genesys.models import AnalyticsConversation, AnalyticsConversationQueryResponse

if TYPE_CHECKING:
    from cxkit.genesys.client import GenesysClient

__all__ = ["EMPTY_PAGE_LIMIT", "AnalyticsPaginator", "BodyPaginator", "Paginator", "Style"]

T = TypeVar("T")

EMPTY_PAGE_LIMIT: Final = 3
"""Consecutive empty cursor pages after which paging stops."""

Style = Literal["auto", "page", "cursor", "next_uri", "index"]
_STYLES: Final = ("auto", "page", "cursor", "next_uri", "index")
_ITEM_FIELDS: Final = ("entities", "resources", "conversations", "results")


def _entities(page: Any) -> list[Any]:
    for name in _ITEM_FIELDS:
        items = getattr(page, name, None)
        if isinstance(items, list):
            return items
    return []


def _detect(page: Any) -> Style:
    cursors = getattr(page, "cursors", None)
    next_uri = getattr(page, "next_uri", None) or ""
    if (
        (cursors is not None and cursors.after)
        or getattr(page, "cursor", None)
        or "cursor=" in next_uri
        or "after=" in next_uri
    ):
        return "cursor"
    if getattr(page, "page_count", None) is not None or getattr(page, "page_number", None):
        return "page"
    if getattr(page, "start_index", None):
        return "index"
    return "next_uri"


class Paginator(Generic[T]):
    """Pages through a GET listing. See the module docstring.

    Args:
        client: the client that makes the calls.
        path: the listing's path.
        listing_type: the page type (``EntityListing[User]``).
        params: query parameters of the first page.
        page_size: ``pageSize`` to ask for (None: the endpoint's default).
        style: the paging style (``"auto"`` by default).
        items: how to take the items out of a page (default: ``page.entities``).
        max_pages: stop after this many pages (None: no limit).
    """

    def __init__(
        self,
        client: GenesysClient,
        path: str,
        listing_type: Any,
        *,
        params: Mapping[str, Any] | None = None,
        page_size: int | None = None,
        style: Style = "auto",
        items: Callable[[Any], list[T]] = _entities,
        max_pages: int | None = None,
    ) -> None:
        if style not in _STYLES:
            raise UsageError(f"unknown paging style {style!r} (one of {', '.join(_STYLES)})")
        self._client = client
        self._path = path
        self._type = listing_type
        self._params = {k: v for k, v in (params or {}).items() if v is not None}
        if page_size is not None:
            self._params["count" if style == "index" else "pageSize"] = page_size
        self._style: Style = style
        self._items = items
        self._max_pages = max_pages
        self.pages_fetched = 0

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iter_items()

    async def _iter_items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in self._items(page):
                yield item

    async def collect(self, limit: int | None = None) -> list[T]:
        """All items (or the first ``limit``) as a list."""
        out: list[T] = []
        async for item in self:
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
        return out

    async def pages(self) -> AsyncIterator[Any]:
        """Yield whole pages (with their paging fields)."""
        params = dict(self._params)
        url = self._path
        page_number = int(params.get("pageNumber", 1) or 1)
        empty_run = 0
        seen_next: set[str] = set()
        while True:
            page = await self._client.call("GET", url, self._type, params=params or None)
            self.pages_fetched += 1
            yield page
            if self._max_pages is not None and self.pages_fetched >= self._max_pages:
                return
            count = len(self._items(page))
            empty_run = 0 if count else empty_run + 1
            style = self._style if self._style != "auto" else _detect(page)
            if style == "page":
                if count == 0:
                    return
                page_count = getattr(page, "page_count", None)
                if page_count is not None:
                    if page_number >= page_count:
                        return
                elif not getattr(page, "next_uri", None):
                    return
                page_number += 1
                params["pageNumber"] = page_number
                url = self._path
                continue
            if style == "index":
                start = getattr(page, "start_index", None) or int(params.get("startIndex", 1))
                total = getattr(page, "total_results", None)
                following = start + count
                if count == 0 or (total is not None and following > total):
                    return
                params["startIndex"] = following
                url = self._path
                continue
            if empty_run >= EMPTY_PAGE_LIMIT:
                return
            cursors = getattr(page, "cursors", None)
            after = cursors.after if cursors is not None else None
            cursor = getattr(page, "cursor", None)
            next_uri = getattr(page, "next_uri", None)
            if style == "cursor" and after:
                params["after"] = after
                url = self._path
            elif style == "cursor" and cursor:
                params["cursor"] = cursor
                url = self._path
            elif next_uri:
                if next_uri in seen_next:
                    return
                seen_next.add(next_uri)
                url, params = next_uri, {}
            else:
                return


class AnalyticsPaginator:
    """Pages ``POST /api/v2/analytics/conversations/details/query`` through the body's
    ``paging``; yields each conversation once (deduplicated by ``conversationId``)."""

    def __init__(
        self,
        client: GenesysClient,
        query: Any,
        *,
        page_size: int = 100,
        path: str = "/api/v2/analytics/conversations/details/query",
        dedupe: bool = True,
        max_pages: int | None = None,
    ) -> None:
        body = query if isinstance(query, dict) else msgspec.to_builtins(query)
        if not isinstance(body, dict):
            raise UsageError("the analytics query must be a JSON object (dict or model)")
        self._client = client
        self._query = body
        self._page_size = page_size
        self._path = path
        self._dedupe = dedupe
        self._max_pages = max_pages
        self.pages_fetched = 0
        self.duplicates = 0

    def __aiter__(self) -> AsyncIterator[AnalyticsConversation]:
        return self._iter_items()

    async def collect(self) -> list[AnalyticsConversation]:
        """Every conversation as a list."""
        return [conversation async for conversation in self]

    async def _iter_items(self) -> AsyncIterator[AnalyticsConversation]:
        seen: set[str] = set()
        async for page in self.pages():
            for conversation in page.conversations:
                key = conversation.conversation_id
                if self._dedupe and key is not None:
                    if key in seen:
                        self.duplicates += 1
                        continue
                    seen.add(key)
                yield conversation

    async def pages(self) -> AsyncIterator[AnalyticsConversationQueryResponse]:
        """Yield the raw pages."""
        page_number = 1
        while True:
            body = dict(self._query)
            body["paging"] = {"pageSize": self._page_size, "pageNumber": page_number}
            page = await self._client.call(
                "POST", self._path, AnalyticsConversationQueryResponse, json=body
            )
            self.pages_fetched += 1
            yield page
            if not page.conversations:
                return
            if self._max_pages is not None and self.pages_fetched >= self._max_pages:
                return
            if len(page.conversations) < self._page_size:
                return
            total = page.total_hits
            # Trust totalHits only while pages are stable: once a duplicate showed that
            # pages moved, keep going until a short page.
            if total is not None and page_number * self._page_size >= total and not self.duplicates:
                return
            page_number += 1


class BodyPaginator(Generic[T]):
    """Pages a POST query whose ``pageNumber``/``pageSize`` go in the body (top level, or
    under ``paging_key``) and whose answers carry ``pageCount`` and/or a next-page link.

    Args:
        client: the client that makes the calls.
        path: the query's path.
        body: the query (dict or model); its paging fields are set per page.
        response_type: the page type (``UsersSearchResponse``).
        page_size: the page size to ask for.
        items: how to take the items out of a page (``results``/``entities``... by default).
        paging_key: None (``pageNumber`` at the top level) or the nested object's name.
        max_pages: stop after this many pages.
    """

    def __init__(
        self,
        client: GenesysClient,
        path: str,
        body: Any,
        response_type: Any,
        *,
        page_size: int = 100,
        items: Callable[[Any], list[T]] = _entities,
        paging_key: str | None = None,
        max_pages: int | None = None,
    ) -> None:
        query = body if isinstance(body, dict) else msgspec.to_builtins(body)
        if not isinstance(query, dict):
            raise UsageError("the query must be a JSON object (dict or model)")
        self._client = client
        self._path = path
        self._query = query
        self._type = response_type
        self._page_size = page_size
        self._items = items
        self._paging_key = paging_key
        self._max_pages = max_pages
        self.pages_fetched = 0

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iter_items()

    async def _iter_items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in self._items(page):
                yield item

    async def collect(self, limit: int | None = None) -> list[T]:
        """All items (or the first ``limit``) as a list."""
        out: list[T] = []
        async for item in self:
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
        return out

    async def pages(self) -> AsyncIterator[Any]:
        """Yield whole pages."""
        number = 1
        while True:
            body = dict(self._query)
            paging = {"pageSize": self._page_size, "pageNumber": number}
            if self._paging_key is None:
                body.update(paging)
            else:
                body[self._paging_key] = paging
            page = await self._client.call("POST", self._path, self._type, json=body)
            self.pages_fetched += 1
            yield page
            count = len(self._items(page))
            limit = self._max_pages
            if count == 0 or (limit is not None and self.pages_fetched >= limit):
                return
            page_count = getattr(page, "page_count", None)
            has_next = getattr(page, "next_page", None) or getattr(page, "next_uri", None)
            if page_count is not None:
                if number >= page_count:
                    return
            elif not has_next and count < self._page_size:
                return
            number += 1
