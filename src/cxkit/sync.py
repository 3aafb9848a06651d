"""The sync facade: the async objects of cxkit, used from plain blocking code.

There is no second, synchronous copy of any client. One generic mechanism does it all:

* a :class:`Portal` is an event loop running in a background daemon thread (started lazily on
  first use). Blocking calls hand coroutines to it and wait for the result;
* :func:`syncify` wraps any async object in a proxy that turns

  - coroutine methods into blocking calls,
  - methods returning async iterators / async generators into plain iterators (leaving a
    ``for`` loop early, or :meth:`SyncIterator.close`, calls ``aclose()`` on the loop),
  - async context managers into ``with`` blocks,
  - attribute values that are themselves async objects (namespaces such as
    ``client.agent``) into proxies, the same way;

  plain data (events, responses, numbers, strings) is returned as is;
* :func:`run` runs one coroutine on the default portal.

Example::

    from cxkit.sync import syncify

    with syncify(EventStream(session)) as stream:   # __aenter__ / __aexit__ on the portal
        for event in stream:                          # async for, driven from this thread
            print(event)

Everything runs on the portal's loop, so objects made through a proxy stay on one loop and
sync handlers registered through ``on()`` run in the portal's thread.

``isinstance``: a proxy is a :class:`SyncProxy` (and :class:`SyncIterator` for iterators), not
an instance of the wrapped class: ``isinstance(syncify(stream), EventStream)`` is False, on
purpose, since its methods block instead of returning coroutines. Use :func:`unwrap` (or the
proxy's ``__wrapped__``) to get the async object back.

A blocking call made from inside the portal's own loop would wait for itself: it raises
:class:`~cxkit.errors.UsageError` instead. ``KeyboardInterrupt`` or a timeout while waiting
cancels the underlying task.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import functools
import inspect
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

from cxkit.errors import UsageError

__all__ = [
    "Portal",
    "SyncIterator",
    "SyncProxy",
    "default_portal",
    "namespace",
    "run",
    "syncify",
    "unwrap",
]

T = TypeVar("T")
_Owner = TypeVar("_Owner")

_NOTHING = object()


class Portal:
    """An event loop in a background daemon thread, for blocking callers.

    Started lazily by the first call; :meth:`close` cancels what still runs on it, stops the
    loop and joins the thread. A closed portal cannot be used again. Usable as a context
    manager (``with Portal() as portal:``).
    """

    def __init__(self, name: str = "cxkit-portal") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # ------------------------------------------------------------------ lifecycle

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The portal's event loop (starting the thread if needed)."""
        return self._ensure_started()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def in_portal_thread(self) -> bool:
        """True when the caller runs in the portal's own thread (its loop)."""
        thread = self._thread
        return thread is not None and thread.ident == threading.get_ident()

    def _ensure_started(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is not None and not self._closed:
            return loop
        with self._lock:
            if self._closed:
                raise UsageError(f"portal {self._name!r} is closed")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._serve, args=(loop, ready), name=self._name, daemon=True
                )
                thread.start()
                ready.wait()
                self._thread = thread
                self._loop = loop
            return self._loop

    @staticmethod
    def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            loop.close()

    def close(self, timeout: float = 5.0) -> None:
        """Cancel the tasks still running, stop the loop and join the thread (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if thread.ident == threading.get_ident():
            raise UsageError("a portal cannot be closed from its own loop")
        future = asyncio.run_coroutine_threadsafe(_shutdown(loop), loop)
        with contextlib.suppress(Exception):
            future.result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "running" if self._loop else "idle"
        return f"<Portal {self._name!r} {state}>"

    # ------------------------------------------------------------------ calls

    def _check_not_own_loop(self, what: str) -> None:
        if self.in_portal_thread():
            raise UsageError(
                f"{what} is a blocking call made from inside the portal's own event loop, "
                "where it would wait for itself: await the async object instead"
            )

    def run(self, awaitable: Awaitable[T], *, timeout: float | None = None) -> T:
        """Run ``awaitable`` on the portal's loop and block until it finishes.

        Raises ``TimeoutError`` after ``timeout`` seconds; the timeout and
        ``KeyboardInterrupt`` both cancel the underlying task. Raises
        :class:`~cxkit.errors.UsageError` when called from the portal's own loop.
        """
        try:
            self._check_not_own_loop("Portal.run()")
            loop = self._ensure_started()
        except BaseException:
            _discard(awaitable)
            raise
        # The future exists before anything is scheduled, so a KeyboardInterrupt landing at
        # any point below can cancel it (asyncio.run_coroutine_threadsafe leaves a window
        # where the task already runs but the caller holds no future yet).
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        try:
            try:
                loop.call_soon_threadsafe(_start_task, awaitable, future)
            except RuntimeError:  # the loop was closed meanwhile
                _discard(awaitable)
                raise UsageError(f"portal {self._name!r} is closed") from None
            return future.result(timeout)
        except BaseException:
            # Timeout, KeyboardInterrupt, or the awaitable's own error. Cancelling a finished
            # future is a no-op; otherwise the task on the loop is cancelled as well.
            future.cancel()
            raise

    def call(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Call a plain function on the portal's loop thread and return its result.

        From the portal's own thread the function is simply called.
        """
        if self.in_portal_thread():
            return func(*args, **kwargs)

        async def invoke() -> T:
            return func(*args, **kwargs)

        return self.run(invoke())

    def submit(self, awaitable: Awaitable[Any]) -> None:
        """Start ``awaitable`` on the loop without waiting for it (errors are discarded)."""
        if self._closed or self._loop is None or self._loop.is_closed():
            _discard(awaitable)
            return
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.add_done_callback(_swallow)
        try:
            self._loop.call_soon_threadsafe(_start_task, awaitable, future)
        except RuntimeError:  # the loop stopped meanwhile
            _discard(awaitable)


def _start_task(awaitable: Awaitable[T], future: concurrent.futures.Future[T]) -> None:
    """Run on the loop: start ``awaitable`` as a task whose outcome lands in ``future``,
    and whose cancellation follows ``future``'s."""
    if future.cancelled():  # the caller gave up before the task could start
        _discard(awaitable)
        return
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(
        awaitable if inspect.iscoroutine(awaitable) else _as_coroutine(awaitable)
    )

    def on_future_done(done: concurrent.futures.Future[T]) -> None:
        # Runs in the thread that cancelled (or in the loop when the task finished).
        if done.cancelled() and not task.done():
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(task.cancel)

    def on_task_done(done: asyncio.Future[T]) -> None:
        if done.cancelled():
            future.cancel()
            return
        if not future.set_running_or_notify_cancel():
            return  # the caller cancelled meanwhile
        exc = done.exception()
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(done.result())

    future.add_done_callback(on_future_done)
    task.add_done_callback(on_task_done)


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _discard(awaitable: Awaitable[Any]) -> None:
    """Close an awaitable that will never run (no "never awaited" warning)."""
    close = getattr(awaitable, "close", None)
    if inspect.iscoroutine(awaitable) and callable(close):
        close()


def _swallow(future: concurrent.futures.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieve it, so it is never reported as unhandled


async def _shutdown(loop: asyncio.AbstractEventLoop) -> None:
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks(loop) if task is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await loop.shutdown_asyncgens()


_default_lock = threading.Lock()
_default: Portal | None = None


def default_portal() -> Portal:
    """The shared portal every :func:`syncify` proxy uses unless given another."""
    global _default  # noqa: PLW0603 - one lazily created process-wide portal
    with _default_lock:
        if _default is None or _default.closed:
            _default = Portal("cxkit-portal")
        return _default


@atexit.register
def _close_default_portal() -> None:
    portal = _default
    if portal is not None and portal._loop is not None:
        portal.close(timeout=2.0)


def run(
    awaitable: Awaitable[T], *, timeout: float | None = None, portal: Portal | None = None
) -> T:
    """Run one coroutine on the (default) portal and return its result.

    Unlike ``asyncio.run`` the loop lives on, so objects created by earlier calls stay usable.
    """
    return (portal or default_portal()).run(awaitable, timeout=timeout)


# ---------------------------------------------------------------------- what is "async"


_async_types: dict[type, bool] = {}


class namespace(Generic[_Owner, T]):
    """Declare a read-only attribute whose value never changes after ``__init__`` (a client's
    resource namespace, such as ``client.routing``).

    It behaves as a read-only ``@property`` (and is typed as the getter's return type); sync
    proxies (:func:`syncify`) additionally cache the wrapped value, so
    ``sync_client.routing.get_queue(...)`` makes one portal round trip (the call) instead of
    two (the attribute read, then the call).
    """

    def __init__(self, fget: Callable[[_Owner], T]) -> None:
        self.fget = fget
        self.name = fget.__name__
        self.__doc__ = fget.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, obj: _Owner, owner: type | None = None) -> T: ...

    def __get__(self, obj: _Owner | None, owner: type | None = None) -> T | Self:
        if obj is None:
            return self
        return self.fget(obj)

    def __set__(self, obj: _Owner, value: T) -> None:
        raise AttributeError(f"{self.name!r} is a read-only namespace")


def _is_async_type(cls: type) -> bool:
    """True for classes with async behaviour: async iteration, async context management,
    or a public coroutine / async-generator method. Cached per class."""
    known = _async_types.get(cls)
    if known is None:
        known = _async_types[cls] = _scan_async_type(cls)
    return known


def _scan_async_type(cls: type) -> bool:
    if any(hasattr(cls, name) for name in ("__aenter__", "__aiter__", "__anext__")):
        return True
    for klass in cls.__mro__:
        if klass is object:
            continue
        for name, attr in vars(klass).items():
            if name.startswith("_"):
                continue
            func = attr.__func__ if isinstance(attr, (staticmethod, classmethod)) else attr
            if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
                return True
    return False


_PLAIN_TYPES = (str, bytes, bytearray, int, float, complex, bool, type(None), list, dict, tuple)


def _wrap(value: Any, portal: Portal, timeout: float | None) -> Any:
    """Give a value back to sync code: async things wrapped, plain data as is."""
    if isinstance(value, (*_PLAIN_TYPES, SyncProxy, SyncIterator)):
        return value
    if inspect.iscoroutine(value) or isinstance(value, type):
        return value
    if inspect.iscoroutinefunction(value) or inspect.isasyncgenfunction(value):
        return _blocking(value, portal, timeout)
    if inspect.isasyncgen(value):
        return SyncIterator(value, portal)
    if _is_async_type(type(value)):
        if hasattr(value, "__anext__") and not hasattr(value, "__aenter__"):
            return SyncIterator(value, portal)
        return _make_proxy(value, portal, timeout)
    if callable(value) and (inspect.ismethod(value) or inspect.isfunction(value)):
        return _blocking(value, portal, timeout)
    return value


def _blocking(
    func: Callable[..., Any], portal: Portal, timeout: float | None
) -> Callable[..., Any]:
    """A blocking version of ``func``: run on the loop, awaited there if it returns an
    awaitable, and the result wrapped."""
    is_coroutine_function = inspect.iscoroutinefunction(func)

    @functools.wraps(func)
    def blocking(*args: Any, **kwargs: Any) -> Any:
        if portal.in_portal_thread():
            if is_coroutine_function:
                portal._check_not_own_loop(f"sync {getattr(func, '__qualname__', func)!r}()")
            result = func(*args, **kwargs)
            if inspect.isawaitable(result):
                _discard(result)
                portal._check_not_own_loop(f"sync {getattr(func, '__qualname__', func)!r}()")
            return _wrap(result, portal, timeout)

        if is_coroutine_function:
            # Calling a coroutine function runs none of its code: the coroutine object can be
            # made here and handed to the loop as is (one task, no wrapper coroutine).
            return _wrap(portal.run(func(*args, **kwargs), timeout=timeout), portal, timeout)

        async def invoke() -> Any:
            result = func(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result

        return _wrap(portal.run(invoke(), timeout=timeout), portal, timeout)

    return blocking


# ---------------------------------------------------------------------- proxies


class SyncIterator(Iterator[Any]):
    """A plain iterator over an async iterator, driven on a portal.

    ``close()`` (or leaving a ``with`` block, or dropping the iterator) calls the async
    iterator's ``aclose()`` on the loop. Waiting for the next item has no timeout: a stream
    is supposed to wait for its next event.
    """

    __slots__ = ("__wrapped__", "_closed", "_portal")

    def __init__(self, iterator: AsyncIterator[Any], portal: Portal | None = None) -> None:
        self.__wrapped__ = iterator
        self._portal = portal or default_portal()
        self._closed = False

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Any:
        if self._closed:
            raise StopIteration
        item = self._portal.run(_anext(self.__wrapped__))
        if item is _NOTHING:
            self._closed = True
            raise StopIteration
        return _wrap(item, self._portal, None)

    def close(self) -> None:
        """Stop iterating: ``aclose()`` the async iterator on the loop (idempotent)."""
        if self._closed:
            return
        self._closed = True
        aclose = getattr(self.__wrapped__, "aclose", None)
        if aclose is not None:
            self._portal.run(aclose())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # Leaving a for loop early drops the iterator: close the async one on its loop,
        # without blocking (this may run in any thread, even the loop's).
        if getattr(self, "_closed", True):
            return
        self._closed = True
        aclose = getattr(self.__wrapped__, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                self._portal.submit(aclose())

    def __repr__(self) -> str:
        return f"syncify({self.__wrapped__!r})"


async def _anext(iterator: AsyncIterator[Any]) -> Any:
    # StopAsyncIteration must not cross the future (it would turn into a RuntimeError).
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _NOTHING


class SyncProxy:
    """A blocking view of an async object. See the module docstring.

    Attribute reads are forwarded (evaluated on the portal's loop, since async objects are
    not thread-safe), callables become blocking, and results are wrapped again. Attribute
    writes are forwarded too. ``with`` works when the object is an async context manager,
    ``for`` when it is async-iterable (the proxy's class then has ``__enter__`` /
    ``__iter__``; build proxies with :func:`syncify`).
    """

    __slots__ = ("__wrapped__", "_cx_cache", "_cx_portal", "_cx_timeout")

    def __init__(
        self, target: Any, *, portal: Portal | None = None, timeout: float | None = None
    ) -> None:
        object.__setattr__(self, "__wrapped__", target)
        object.__setattr__(self, "_cx_portal", portal or default_portal())
        object.__setattr__(self, "_cx_timeout", timeout)
        # name -> blocking method or namespace proxy: both are fixed for the target's life,
        # so a second ``client.routing.get_queue`` costs no portal round trip and no wrapper.
        object.__setattr__(self, "_cx_cache", {})

    def __getattr__(self, name: str) -> Any:
        cache: dict[str, Any] = self._cx_cache
        found = cache.get(name, _NOTHING)
        if found is not _NOTHING:
            return found
        target = self.__wrapped__
        portal: Portal = self._cx_portal
        timeout: float | None = self._cx_timeout
        if name.startswith("__"):
            raise AttributeError(name)
        static = inspect.getattr_static(type(target), name, _NOTHING)
        if inspect.isfunction(static):
            # A plain method: bind it here, no round trip to the loop needed.
            cache[name] = wrapped = _blocking(getattr(target, name), portal, timeout)
            return wrapped
        value = _wrap(portal.call(getattr, target, name), portal, timeout)
        if isinstance(static, namespace):
            cache[name] = value
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self._cx_cache.pop(name, None)
        self._cx_portal.call(setattr, self.__wrapped__, name, value)

    def __dir__(self) -> list[str]:
        return dir(self.__wrapped__)

    def __repr__(self) -> str:
        return f"syncify({self.__wrapped__!r})"


class _ContextManagerMixin:
    """``with`` for an async context manager."""

    __slots__ = ()
    __wrapped__: Any
    _cx_portal: Portal
    _cx_timeout: float | None

    def __enter__(self) -> Any:
        target = self.__wrapped__
        result = self._cx_portal.run(target.__aenter__(), timeout=self._cx_timeout)
        return self if result is target else _wrap(result, self._cx_portal, self._cx_timeout)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        exit_ = self.__wrapped__.__aexit__(exc_type, exc, tb)
        return self._cx_portal.run(exit_, timeout=self._cx_timeout)  # type: ignore[no-any-return]


class _IterableMixin:
    """``for`` for an async iterable."""

    __slots__ = ()
    __wrapped__: Any
    _cx_portal: Portal

    def __iter__(self) -> SyncIterator:
        return SyncIterator(self._cx_portal.call(self.__wrapped__.__aiter__), self._cx_portal)


class _ContextProxy(_ContextManagerMixin, SyncProxy):
    __slots__ = ()


class _IterableProxy(_IterableMixin, SyncProxy):
    __slots__ = ()


class _ContextIterableProxy(_ContextManagerMixin, _IterableMixin, SyncProxy):
    __slots__ = ()


def _make_proxy(target: Any, portal: Portal, timeout: float | None) -> SyncProxy:
    # The proxy class has exactly the protocols of the target, so ``with``/``for`` on a
    # proxy that cannot serve them fails the usual way (TypeError), and
    # isinstance(proxy, collections.abc.Iterable) tells the truth.
    cls = type(target)
    has_cm, has_iter = hasattr(cls, "__aenter__"), hasattr(cls, "__aiter__")
    proxy_class: type[SyncProxy] = (
        _ContextIterableProxy
        if has_cm and has_iter
        else _ContextProxy
        if has_cm
        else _IterableProxy
        if has_iter
        else SyncProxy
    )
    return proxy_class(target, portal=portal, timeout=timeout)


def syncify(obj: Any, *, portal: Portal | None = None, timeout: float | None = None) -> Any:
    """Return a blocking view of ``obj``, driven on ``portal`` (the default portal if None).

    * an async object (client, namespace, stream) → a :class:`SyncProxy`;
    * an async iterator / async generator object → a :class:`SyncIterator`;
    * a coroutine function (or async generator function) → a blocking function;
    * anything else is returned unchanged (plain data).

    ``timeout`` (seconds) bounds every blocking method call made through the proxy (not the
    wait for the next item of an iterator); it cancels the call and raises ``TimeoutError``.
    Passing a coroutine object is a mistake (it can run only once): use :func:`run`.
    """
    if inspect.iscoroutine(obj):
        _discard(obj)
        raise UsageError("syncify() got a coroutine object: use cxkit.sync.run(coro) instead")
    return _wrap(obj, portal or default_portal(), timeout)


def unwrap(obj: Any) -> Any:
    """The async object behind a proxy or sync iterator (anything else as is)."""
    if isinstance(obj, (SyncProxy, SyncIterator)):
        return obj.__wrapped__
    return getattr(obj, "__wrapped__", obj) if callable(obj) else obj
