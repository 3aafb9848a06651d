"""Which :class:`~cxkit.core.http.APIResponse` belongs to which call.

A client keeps one :class:`ResponseRecorder`: every response it receives is recorded as the
client's latest (``client.last_response``, handy in a script, wrong under concurrency), and
:meth:`ResponseRecorder.with_response` runs one call with a context-local list so the
response it gets back is the one of *that* call, however many other calls run meanwhile.
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

from cxkit.core.http import APIResponse
from cxkit.errors import UsageError

__all__ = ["CapturesResponses", "ResponseRecorder"]

T = TypeVar("T")


class ResponseRecorder:
    """The latest response of a client, and per-call capture (see the module docstring)."""

    __slots__ = ("_holder", "last")

    def __init__(self, name: str) -> None:
        """``name`` names the context variable (one per client class is enough)."""
        self.last: APIResponse | None = None
        self._holder: contextvars.ContextVar[list[APIResponse] | None] = contextvars.ContextVar(
            name, default=None
        )

    def record(self, response: APIResponse) -> None:
        """Note ``response`` as the latest, and as the current captured call's."""
        self.last = response
        holder = self._holder.get()
        if holder is not None:
            holder.append(response)

    async def with_response(self, call: Any, /, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        """Run ``call`` (an awaitable, or a coroutine function and its arguments) and return
        ``(data, APIResponse)`` with the last response that call received."""
        holder: list[APIResponse] = []
        token = self._holder.set(holder)
        try:
            wrapped = getattr(call, "__wrapped__", None)
            if inspect.iscoroutinefunction(wrapped) and not inspect.iscoroutinefunction(call):
                # Through cxkit.sync the method arrives as its blocking wrapper (which cannot
                # block here, on the loop): call the coroutine function behind it.
                call = wrapped
            awaitable = call(*args, **kwargs) if callable(call) else call
            data = await awaitable
        finally:
            self._holder.reset(token)
        if not holder:
            raise UsageError("with_response(): the call made no HTTP request")
        return data, holder[-1]


class CapturesResponses:
    """Mixin of the vendor clients: ``last_response`` and ``with_response()`` over the
    client's ``_responses`` recorder (which the client feeds with every answer)."""

    __slots__ = ()
    _responses: ResponseRecorder

    @property
    def last_response(self) -> APIResponse | None:
        """The answer to the latest call made through this client (any task): the raw body
        of a typed call, fields the models do not know included."""
        return self._responses.last

    @overload
    async def with_response(self, call: Awaitable[T], /) -> tuple[T, APIResponse]: ...

    @overload
    async def with_response(
        self, call: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any
    ) -> tuple[T, APIResponse]: ...

    async def with_response(self, call: Any, /, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        """Run one call and return ``(data, APIResponse)``:
        ``users, resp = await client.with_response(client.users.list())`` (or pass the method
        and its arguments). Safe under concurrency: the response is the one of *this* call
        (its last answer, when it makes several)."""
        return await self._responses.with_response(call, *args, **kwargs)
