"""TokenCache single-flight, windows and auto refresh; Token and BearerAuth (no sockets)."""

from __future__ import annotations

import asyncio

import pytest

from cxkit.config import Secret
from cxkit.core.auth import ADVISORY_RETRY_INTERVAL, AuthProvider, BearerAuth, Token, TokenCache
from cxkit.errors import AuthError, InvalidCredentialsError, TokenRefreshError

SECRET = "tok-SECRET-0042"


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CountingFetch:
    """A fetch that hands out tok-1, tok-2, ... valid for ``lifetime`` clock seconds.

    ``gate`` (when set) holds every fetch until released; ``started`` is set when a fetch
    begins, so a test can await "the fetch is running" instead of sleeping.
    """

    def __init__(self, clock: FakeClock, lifetime: float = 100.0) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0
        self.previous: list[Token | None] = []
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()
        self.fail_with: BaseException | None = None

    async def __call__(self, previous: Token | None) -> Token:
        self.calls += 1
        self.previous.append(previous)
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return Token(Secret(f"tok-{self.calls}"), expires_at=self.clock.now + self.lifetime)


async def test_fifty_concurrent_callers_share_one_fetch() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    fetch.gate = asyncio.Event()
    cache = TokenCache(fetch, clock=clock)
    callers = [asyncio.ensure_future(cache.get()) for _ in range(50)]
    await asyncio.wait_for(fetch.started.wait(), 2)
    fetch.gate.set()
    tokens = await asyncio.wait_for(asyncio.gather(*callers), 2)
    assert fetch.calls == 1
    assert cache.fetch_count == 1
    assert {t.access_token.reveal() for t in tokens} == {"tok-1"}
    assert cache.current is tokens[0]


async def test_concurrent_refresh_of_the_same_stale_token_fetches_once() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    cache = TokenCache(fetch, clock=clock)
    stale = await cache.get()
    fetch.gate = asyncio.Event()
    refreshers = [asyncio.ensure_future(cache.refresh(stale)) for _ in range(50)]
    await asyncio.wait_for(fetch.started.wait(), 2)
    fetch.gate.set()
    renewed = await asyncio.wait_for(asyncio.gather(*refreshers), 2)
    assert fetch.calls == 2
    assert {t.access_token.reveal() for t in renewed} == {"tok-2"}
    assert fetch.previous[-1] is stale  # the fetch got the old token (for a refresh grant)
    # a late caller still holding the stale token gets the new one without a fetch
    assert (await cache.refresh(stale)).access_token == "tok-2"
    assert fetch.calls == 2


async def test_refresh_without_stale_forces_a_fetch() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    cache = TokenCache(fetch, clock=clock)
    await cache.get()
    await cache.refresh()
    assert fetch.calls == 2


async def test_advisory_window_refreshes_and_keeps_a_valid_token_on_failure() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock, lifetime=100.0)
    cache = TokenCache(fetch, clock=clock, advisory_window=10.0)
    first = await cache.get()
    clock.now = 50.0
    assert await cache.get() is first  # fresh: no fetch
    assert fetch.calls == 1

    clock.now = 92.0  # inside the advisory window, token still valid
    fetch.fail_with = TokenRefreshError("token endpoint down")
    assert await cache.get() is first
    assert fetch.calls == 2
    assert await cache.get() is first  # no new attempt right after a failure
    assert fetch.calls == 2

    clock.now = 92.0 + ADVISORY_RETRY_INTERVAL
    fetch.fail_with = None
    renewed = await cache.get()
    assert renewed.access_token == "tok-3"
    assert fetch.calls == 3


async def test_expired_token_refresh_failure_propagates() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock, lifetime=100.0)
    cache = TokenCache(fetch, clock=clock, advisory_window=10.0)
    await cache.get()
    clock.now = 100.0
    fetch.fail_with = InvalidCredentialsError("bad password")
    with pytest.raises(InvalidCredentialsError):  # AuthError subclasses pass through as is
        await cache.get()


async def test_foreign_fetch_errors_become_token_refresh_errors() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    fetch.fail_with = RuntimeError(f"boom with {SECRET}")
    cache = TokenCache(fetch, clock=clock)
    with pytest.raises(TokenRefreshError) as info:
        await cache.get()
    assert "RuntimeError" in str(info.value)
    assert SECRET not in str(info.value)
    assert cache.current is None


async def test_refresh_timeout_raises_token_refresh_error() -> None:
    never = asyncio.Event()

    async def hanging_fetch(previous: Token | None) -> Token:
        await never.wait()
        raise AssertionError("unreachable")

    cache = TokenCache(hanging_fetch, refresh_timeout=0.05)
    with pytest.raises(TokenRefreshError, match=r"longer than 0\.05s"):
        await asyncio.wait_for(cache.get(), 2)


async def test_fetch_returning_a_non_token_is_reported() -> None:
    async def bad_fetch(previous: Token | None) -> Token:
        return "not a token"  # type: ignore[return-value]

    with pytest.raises(TokenRefreshError, match="expected Token"):
        await TokenCache(bad_fetch).get()


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    fetch.gate = asyncio.Event()
    cache = TokenCache(fetch, clock=clock)
    quitter = asyncio.ensure_future(cache.get())
    stayer = asyncio.ensure_future(cache.get())
    await asyncio.wait_for(fetch.started.wait(), 2)
    quitter.cancel()
    fetch.gate.set()
    token = await asyncio.wait_for(stayer, 2)
    assert token.access_token == "tok-1"
    assert quitter.cancelled()
    assert fetch.calls == 1


async def test_set_and_invalidate() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    cache = TokenCache(fetch, clock=clock)
    given = Token(Secret("from-login"))  # never expires
    cache.set(given)
    assert await cache.get() is given
    cache.invalidate()
    assert cache.current is None
    assert (await cache.get()).access_token == "tok-1"


async def test_auto_refresh_renews_before_expiry() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock, lifetime=100.0)
    slept: list[float] = []
    renewed = asyncio.Event()

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds  # time passes only when the task waits
        await asyncio.sleep(0)

    async def watched_fetch(previous: Token | None) -> Token:
        token = await fetch(previous)
        if fetch.calls >= 2:
            renewed.set()
        return token

    cache = TokenCache(watched_fetch, clock=clock, advisory_window=10.0, sleep=fake_sleep)
    cache.start_auto_refresh()
    cache.start_auto_refresh()  # idempotent
    cache.set(Token(Secret("initial"), expires_at=100.0))
    await asyncio.wait_for(renewed.wait(), 2)
    await cache.stop()
    assert slept[0] == pytest.approx(90.0)  # woke at expires_at - advisory_window
    assert fetch.previous[0] is not None and fetch.previous[0].access_token == "initial"
    assert cache.current is not None and cache.current.access_token.startswith("tok-")
    await cache.stop()  # idempotent


def test_token_repr_and_str_hide_secrets() -> None:
    token = Token.from_oauth(
        {
            "access_token": SECRET,
            "refresh_token": SECRET + "-r",
            "id_token": SECRET + "-id",
            "expires_in": 3600,
            "token_type": "bearer",
            "scope": "users:read",
        },
        now=10.0,
    )
    assert token.expires_at == 3610.0
    assert token.token_type == "bearer"
    assert token.scope == "users:read"
    assert token.access_token.reveal() == SECRET
    assert token.refresh_token == SECRET + "-r"
    assert token.extra["id_token"] == SECRET + "-id"
    assert token.expires_in(3600.0) == 10.0
    for text in (repr(token), str(token), repr([token]), f"{token}"):
        assert SECRET not in text
    assert "id_token" in repr(token)


@pytest.mark.parametrize(
    "body",
    [{}, {"access_token": ""}, {"access_token": 5}, {"access_token": "x", "expires_in": "soon"}],
)
def test_from_oauth_rejects_malformed_responses(body: dict[str, object]) -> None:
    with pytest.raises(AuthError):
        Token.from_oauth(body, now=0.0)


async def test_bearer_auth_headers_for_both_vendors() -> None:
    clock = FakeClock()
    cache = TokenCache(CountingFetch(clock), clock=clock)
    genesys = BearerAuth(cache)
    five9 = BearerAuth(cache, separator="-")
    assert isinstance(genesys, AuthProvider)
    assert dict(await genesys.auth_headers()) == {"Authorization": "Bearer tok-1"}
    assert dict(await five9.auth_headers()) == {"Authorization": "Bearer-tok-1"}
    assert await genesys.auth_headers() is await genesys.auth_headers()  # built once per token
    assert "tok-1" not in repr(genesys)


async def test_bearer_auth_on_unauthorized() -> None:
    clock = FakeClock()
    fetch = CountingFetch(clock)
    auth = BearerAuth(TokenCache(fetch, clock=clock))
    sent = await auth.auth_headers()
    assert await auth.on_unauthorized(sent) is True  # refreshed tok-1 -> tok-2
    assert fetch.calls == 2
    assert await auth.on_unauthorized(sent) is True  # tok-1 already replaced: no fetch
    assert fetch.calls == 2
    assert dict(await auth.auth_headers()) == {"Authorization": "Bearer tok-2"}


async def test_bearer_auth_reports_no_renewal_when_the_vendor_returns_the_same_token() -> None:
    async def same(previous: Token | None) -> Token:
        return Token(Secret("same"))

    auth = BearerAuth(TokenCache(same))
    sent = await auth.auth_headers()
    assert await auth.on_unauthorized(sent) is False


@pytest.mark.parametrize(
    ("now", "window"),
    [(100.0, 10.0), (95.0, 10.0)],
    ids=["expired: mandatory refresh", "advisory window"],
)
async def test_fifty_concurrent_callers_share_one_refresh(now: float, window: float) -> None:
    """Not only the first fetch: renewing a token under load is one fetch too."""
    clock = FakeClock()
    fetch = CountingFetch(clock, lifetime=100.0)
    cache = TokenCache(fetch, clock=clock, advisory_window=window)
    first = await cache.get()
    assert fetch.calls == 1
    clock.now = now
    fetch.gate = asyncio.Event()
    fetch.started = asyncio.Event()
    callers = [asyncio.ensure_future(cache.get()) for _ in range(50)]
    await asyncio.wait_for(fetch.started.wait(), 2)
    for _ in range(5):  # let every caller reach the shared fetch while it is held
        await asyncio.sleep(0)
    fetch.gate.set()
    tokens = await asyncio.wait_for(asyncio.gather(*callers), 2)
    assert fetch.calls == 2 and cache.fetch_count == 2  # exactly one refresh for 50 callers
    assert {t.access_token.reveal() for t in tokens} == {"tok-2"}
    assert fetch.previous[-1] is first  # the refresh got the old token (refresh grant)
