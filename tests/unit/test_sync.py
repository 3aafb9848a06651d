"""The sync facade: one portal thread, one generic proxy, no per-class code."""

from __future__ import annotations

import asyncio
import collections.abc
import signal
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cxkit.errors import UsageError
from cxkit.sync import (
    Portal,
    SyncIterator,
    SyncProxy,
    default_portal,
    namespace,
    run,
    syncify,
    unwrap,
)

TIMEOUT = 5.0  # safety net for waits on threading events


class Agent:
    """A namespace of an async client (like ``client.agent``)."""

    def __init__(self, owner: Client) -> None:
        self._owner = owner

    async def state(self) -> str:
        await asyncio.sleep(0)
        return self._owner.state

    async def set_state(self, state: str) -> None:
        self._owner.state = state


class Client:
    """A stand-in async client: coroutine methods, an async context manager, async
    generators, a namespace, plain data and a plain method."""

    def __init__(self) -> None:
        self.state = "ready"
        self.agent = Agent(self)
        self.entered = 0
        self.exited_with: type[BaseException] | str | None = "not yet"
        self.generator_closed = threading.Event()

    async def __aenter__(self) -> Client:
        self.entered += 1
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.exited_with = exc_type

    async def where(self) -> tuple[int, int]:
        return threading.get_ident(), id(asyncio.get_running_loop())

    async def fail(self) -> None:
        raise KeyError("vendor said no")

    async def events(self, n: int) -> AsyncIterator[dict[str, int]]:
        try:
            for i in range(n):
                await asyncio.sleep(0)
                yield {"i": i}
        finally:
            self.generator_closed.set()

    def numbers(self, n: int) -> AsyncIterator[int]:
        """A plain method returning an async iterator."""
        return _count(n)

    async def hang(self, started: threading.Event, cancelled: threading.Event) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    def version(self) -> str:
        return "1.0"

    @property
    def info(self) -> dict[str, int]:
        return {"answer": 42}

    def __repr__(self) -> str:
        return "<Client tenant='t1'>"


async def _count(n: int) -> AsyncIterator[int]:
    for i in range(n):
        yield i


class Ticker:
    """An async iterable (``__aiter__`` only)."""

    def __aiter__(self) -> AsyncIterator[int]:
        return _count(3)


@pytest.fixture
def portal() -> Any:
    with Portal("test-portal") as p:
        yield p


def test_coroutine_methods_block_and_run_on_the_portal_loop(portal: Portal) -> None:
    client = syncify(Client(), portal=portal)
    thread, loop = client.where()
    assert thread != threading.get_ident()
    assert client.where() == (thread, loop)  # one loop, reused
    assert portal.loop is not None and id(portal.loop) == loop
    with pytest.raises(KeyError, match="vendor said no"):
        client.fail()


def test_async_context_manager_becomes_with(portal: Portal) -> None:
    raw = Client()
    with syncify(raw, portal=portal) as client:
        assert isinstance(client, SyncProxy)
        assert unwrap(client) is raw  # __aenter__ returned the object: same proxy back
        assert raw.entered == 1
    assert raw.exited_with is None
    with pytest.raises(RuntimeError), syncify(raw, portal=portal):
        raise RuntimeError("inside")
    assert raw.exited_with is RuntimeError


def test_nested_namespace_and_plain_data(portal: Portal) -> None:
    raw = Client()
    client = syncify(raw, portal=portal)
    assert isinstance(client.agent, SyncProxy)
    assert client.agent.state() == "ready"
    client.agent.set_state("not_ready")
    assert raw.state == "not_ready"
    assert client.state == "not_ready"  # plain attribute values as they are
    assert client.info == {"answer": 42}
    assert client.version() == "1.0"
    client.state = "ready"  # attribute writes reach the async object
    assert raw.state == "ready"


class Owner:
    """A client whose namespaces are declared with ``@namespace`` (fixed after __init__)."""

    def __init__(self) -> None:
        self._agent = Agent(self)  # type: ignore[arg-type]
        self.state = "ready"
        self.namespace_reads = 0
        self.property_reads = 0

    @namespace
    def agent(self) -> Agent:
        self.namespace_reads += 1
        return self._agent

    @property
    def current(self) -> Agent:
        self.property_reads += 1
        return self._agent

    async def aclose(self) -> None:
        """A coroutine method: what makes the owner an async object for syncify."""


def test_namespace_properties_are_read_once_by_a_proxy(portal: Portal) -> None:
    raw = Owner()
    assert raw.agent is raw._agent  # still a plain read-only property for async code
    raw.namespace_reads = 0
    client = syncify(raw, portal=portal)
    first = client.agent
    assert client.agent is first  # cached: no second round trip to the loop
    assert first.state() == "ready"
    assert first.state is first.state  # blocking method wrappers are cached too
    assert raw.namespace_reads == 1
    client.current.state()
    client.current.state()
    assert raw.property_reads == 2  # an ordinary property is read every time
    with pytest.raises(AttributeError):
        raw.agent = Agent(raw)  # type: ignore[misc, arg-type]


def test_async_generator_method_becomes_iterator(portal: Portal) -> None:
    raw = Client()
    client = syncify(raw, portal=portal)
    assert list(client.events(3)) == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert list(client.numbers(4)) == [0, 1, 2, 3]  # plain method returning an async iterator


def test_leaving_a_for_loop_early_closes_the_async_generator(portal: Portal) -> None:
    raw = Client()
    client = syncify(raw, portal=portal)
    for item in client.events(100):
        if item["i"] == 2:
            break
    assert raw.generator_closed.wait(TIMEOUT)  # aclose() ran on the loop


def test_closing_a_sync_iterator_acloses_at_once(portal: Portal) -> None:
    raw = Client()
    with syncify(raw, portal=portal).events(100) as events:
        assert next(events) == {"i": 0}
    assert raw.generator_closed.is_set()  # closed synchronously by __exit__
    assert list(events) == []


def test_async_iterator_objects_and_iterables(portal: Portal) -> None:
    it = syncify(_count(3), portal=portal)
    assert isinstance(it, SyncIterator)
    assert list(it) == [0, 1, 2]
    ticker = syncify(Ticker(), portal=portal)
    assert list(ticker) == [0, 1, 2]
    assert isinstance(ticker, collections.abc.Iterable)
    # The proxy has exactly the target's protocols.
    assert not isinstance(syncify(Client(), portal=portal), collections.abc.Iterable)
    with pytest.raises(TypeError), syncify(Ticker(), portal=portal):
        pass


def test_coroutine_functions_and_plain_values() -> None:
    async def add(a: int, b: int) -> int:
        return a + b

    assert syncify(add)(2, 3) == 5
    assert syncify({"plain": True}) == {"plain": True}
    assert syncify("text") == "text"


def test_blocking_call_from_the_portal_loop_raises_instead_of_deadlocking(
    portal: Portal,
) -> None:
    client = syncify(Client(), portal=portal)

    async def misuse() -> Any:
        return client.where()  # a blocking wrapper inside the portal's own loop

    with pytest.raises(UsageError, match="own event loop"):
        portal.run(misuse(), timeout=TIMEOUT)

    async def misuse_run() -> Any:
        return portal.run(asyncio.sleep(0))

    with pytest.raises(UsageError):
        portal.run(misuse_run(), timeout=TIMEOUT)

    async def plain_call_is_fine() -> str:
        return str(client.version())  # no waiting involved: allowed

    assert portal.run(plain_call_is_fine(), timeout=TIMEOUT) == "1.0"


def test_timeout_cancels_the_underlying_task(portal: Portal) -> None:
    started, cancelled = threading.Event(), threading.Event()
    client = syncify(Client(), portal=portal, timeout=0.05)
    with pytest.raises(TimeoutError):
        client.hang(started, cancelled)
    assert started.is_set()
    assert cancelled.wait(TIMEOUT)


@pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    or threading.current_thread() is not threading.main_thread(),
    reason="needs Python's default SIGINT handler in the main thread",
)
def test_keyboard_interrupt_cancels_the_underlying_task(portal: Portal) -> None:
    started, cancelled = threading.Event(), threading.Event()
    main = threading.main_thread().ident
    assert main is not None

    async def interrupted() -> None:
        started.set()
        signal.pthread_kill(main, signal.SIGINT)  # Ctrl-C while the caller waits
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(KeyboardInterrupt):
        portal.run(interrupted())
    assert started.is_set()
    assert cancelled.wait(TIMEOUT)


def test_proxies_show_the_wrapped_repr_and_are_not_instances_of_it(portal: Portal) -> None:
    raw = Client()
    client = syncify(raw, portal=portal)
    assert repr(client) == "syncify(<Client tenant='t1'>)"
    assert isinstance(client, SyncProxy) and not isinstance(client, Client)
    assert unwrap(client) is raw and client.__wrapped__ is raw
    assert "agent" in dir(client)


def test_run_and_the_default_portal() -> None:
    async def loop_id() -> int:
        return id(asyncio.get_running_loop())

    assert run(loop_id()) == run(loop_id())  # the same loop lives on between calls
    assert default_portal() is default_portal()
    with pytest.raises(UsageError, match="run"):
        syncify(loop_id())  # a coroutine object: use run()


def test_portal_starts_lazily_and_closes() -> None:
    portal = Portal("lazy")
    assert "idle" in repr(portal)

    async def thread_name() -> str:
        return threading.current_thread().name

    assert portal.run(thread_name()) == "lazy"
    assert "running" in repr(portal)
    thread = portal._thread
    assert thread is not None and thread.daemon
    portal.close()
    portal.close()  # idempotent
    assert not thread.is_alive()
    with pytest.raises(UsageError, match="closed"):
        portal.run(thread_name())


def test_close_cancels_what_still_runs() -> None:
    started, cancelled = threading.Event(), threading.Event()
    portal = Portal("closing")
    client = syncify(Client(), portal=portal)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            client.hang(started, cancelled)
        except BaseException as exc:  # what the blocked caller gets
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    assert started.wait(TIMEOUT)
    portal.close()
    assert cancelled.is_set()
    caller.join(TIMEOUT)
    assert not caller.is_alive()
    assert len(outcome) == 1  # the caller was released, not left hanging
