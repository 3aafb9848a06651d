"""Webhook sink against a loopback receiver that checks the HMAC signature and fails the
first attempts: retried by the core policy, then spooled, delivered in order, signed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from aiohttp import web

from cxkit.bridge import Bridge, Spool, decode_envelope, encode_envelope
from cxkit.bridge.envelope import EventIds
from cxkit.bridge.errors import SinkUnavailable
from cxkit.bridge.sinks.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSink,
    sign,
    verify_signature,
)
from cxkit.config import RetryPolicy
from cxkit.errors import ConfigError
from tests.helpers.loopback import serve

from .conftest import FAST_RETRY, make_events
from .pipeline_ids import ids_of

T = 10.0
SECRET = "whsec-test-0123456789"
FAST = RetryPolicy(
    max_retries=3,
    min_wait=0.01,
    max_wait=0.02,
    retry_statuses=frozenset({500, 502, 503, 504}),
    retry_non_idempotent=True,
)


class Receiver:
    """Verifies signatures; answers ``fail_next`` 503s before accepting."""

    def __init__(self, fail_next: int = 0) -> None:
        self.fail_next = fail_next
        self.attempts = 0
        self.bad_signatures = 0
        self.ids: list[str] = []
        self.app = web.Application()
        self.app.router.add_post("/hooks/cx", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        body = await request.read()
        if not verify_signature(
            SECRET,
            body,
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
        ):
            self.bad_signatures += 1
            return web.Response(status=401)
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=503)
        payload = await request.json()
        self.ids.extend(item["id"] for item in payload["events"])
        assert payload["events"][0]["event"]["kind"] == payload["events"][0]["kind"]
        return web.Response(status=204)


async def test_signed_batches_survive_failing_first_attempts(tmp_path: Path) -> None:
    receiver = Receiver(fail_next=2)
    events = make_events(50)
    async with serve(receiver.app) as base:
        sink = WebhookSink(f"{base}/hooks/cx", secret=SECRET, retry=FAST)
        async with Bridge(sink, spool=Spool(tmp_path), batch_size=10, linger=0.01) as bridge:
            for event in events:
                await bridge.publish(event)
            await bridge.flush(T)
            assert bridge.stats.spooled == 0  # the core retries were enough
    assert receiver.bad_signatures == 0
    assert receiver.ids == ids_of(events)
    assert receiver.attempts == bridge.stats.batches + 2


async def test_receiver_down_longer_than_retries_spools_then_drains(tmp_path: Path) -> None:
    receiver = Receiver(fail_next=1000)
    events = make_events(40)
    async with serve(receiver.app) as base:
        sink = WebhookSink(f"{base}/hooks/cx", secret=SECRET, retry=FAST)
        async with Bridge(
            sink, spool=Spool(tmp_path), batch_size=10, linger=0, retry=FAST_RETRY
        ) as bridge:
            for event in events:
                await bridge.publish(event)
            await bridge.wait_until(lambda b: b.spooled == 40, T)
            receiver.fail_next = 0
            await bridge.flush(T)
            assert bridge.stats.drained == 40
    assert receiver.ids == ids_of(events)
    assert receiver.bad_signatures == 0  # re-signed on every resend


async def test_wrong_secret_is_refused_and_reported_without_the_secret() -> None:
    receiver = Receiver()
    async with serve(receiver.app) as base:
        sink = WebhookSink(f"{base}/hooks/cx", secret="not-the-secret-42", retry=FAST)
        ids = make_events(1)
        from cxkit.bridge.envelope import EventIds

        with pytest.raises(SinkUnavailable) as caught:
            await sink.send([EventIds().envelope(ids[0])])
        await sink.close()
    assert "401" in str(caught.value) and "not-the-secret-42" not in str(caught.value)
    assert "not-the-secret-42" not in repr(sink)
    assert receiver.bad_signatures == 1


def test_signature_rejects_tampering_and_stale_timestamps() -> None:
    body = b'{"events":[]}'
    now = time.time()
    stamp = str(int(now))
    good = sign(SECRET, stamp, body)
    assert good.startswith("sha256=") and len(good) == 7 + 64
    assert verify_signature(SECRET, body, stamp, good, now=now)
    assert not verify_signature(SECRET, body + b" ", stamp, good, now=now)
    assert not verify_signature("other", body, stamp, good, now=now)
    assert not verify_signature(SECRET, body, stamp, good, now=now + 301)
    assert not verify_signature(SECRET, body, None, good, now=now)
    assert not verify_signature(SECRET, body, "soon", good, now=now)


def test_envelope_json_round_trip() -> None:
    from cxkit.bridge.envelope import EventIds

    envelope = EventIds().envelope(make_events(1)[0])
    assert decode_envelope(encode_envelope(envelope)) == envelope


def test_bad_webhook_urls_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="http"):
        WebhookSink("ftp://example.com/x")
    with pytest.raises(ConfigError, match="user info") as caught:
        WebhookSink("https://user:pw-secret@example.com/x")
    assert "pw-secret" not in str(caught.value)


class LimitedReceiver(Receiver):
    """Accepts bodies up to ``limit`` bytes; answers 413 above (as a proxy in front would)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.sizes: list[int] = []
        self.too_large = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if len(body) > self.limit:
            self.too_large += 1
            return web.Response(status=413)
        self.sizes.append(len(body))
        return await super().handle(request)


async def test_a_413_splits_the_batch_and_keeps_the_order(tmp_path: Path) -> None:
    events = make_events(60)
    envelope_size = len(WebhookSink("http://h/x").body([EventIds().envelope(events[0])]))
    receiver = LimitedReceiver(limit=envelope_size * 7)  # about 6 events per POST
    async with serve(receiver.app) as base:
        sink = WebhookSink(f"{base}/hooks/cx", secret=SECRET, retry=FAST)
        async with Bridge(sink, spool=Spool(tmp_path), batch_size=60, linger=0.05) as bridge:
            for event in events:
                await bridge.publish(event)
            await bridge.flush(T)
            assert bridge.stats.spooled == 0 and bridge.stats.failures == 0
    assert receiver.ids == ids_of(events)
    assert receiver.bad_signatures == 0  # every part is signed on its own
    assert sink.splits > 0 and receiver.too_large == sink.splits
    assert max(receiver.sizes) <= receiver.limit


async def test_an_event_too_large_for_the_receiver_is_spooled_not_dropped(
    tmp_path: Path,
) -> None:
    events = make_events(5)
    receiver = LimitedReceiver(limit=10)
    async with serve(receiver.app) as base:
        sink = WebhookSink(f"{base}/hooks/cx", secret=SECRET, retry=FAST)
        async with Bridge(
            sink, spool=Spool(tmp_path), batch_size=5, linger=0.05, retry=FAST_RETRY
        ) as bridge:
            for event in events:
                await bridge.publish(event)
            await bridge.wait_until(lambda b: b.spooled == 5, T)
            assert "too large" in (bridge.stats.last_error or "")
            receiver.limit = 1 << 20  # the receiver's limit is raised: it all goes through
            await bridge.flush(T)
    assert receiver.ids == ids_of(events)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_long_retry_after_spools_and_is_honoured_by_the_bridge(tmp_path: Path) -> None:
    pauses = 1

    async def paused(request: web.Request) -> web.Response:
        nonlocal pauses
        if pauses:
            pauses -= 1
            return web.Response(status=429, headers={"Retry-After": "60"})
        return await receiver.handle(request)

    receiver = Receiver()
    receiver.app = web.Application()
    receiver.app.router.add_post("/hooks/cx", paused)
    events = make_events(20)
    clock = FakeClock()
    async with serve(receiver.app) as base:
        sink = WebhookSink(f"{base}/hooks/cx", secret=SECRET)  # the default policy
        async with Bridge(
            sink, spool=Spool(tmp_path), batch_size=20, linger=0.05, retry=FAST_RETRY, clock=clock
        ) as bridge:
            for event in events:
                await bridge.publish(event)
            await bridge.wait_until(lambda b: b.spooled == 20, T)
            # 60 s is above the webhook's in-place cap: not waited for inside the sink (the
            # source is never held back), but the bridge waits that long before trying again
            assert receiver.attempts == 0 and pauses == 0
            assert bridge.retry_in == 60.0
            assert "asks to wait 60s" in (bridge.stats.last_error or "")
            clock.now += 30
            assert bridge.retry_in == 30.0
            bridge.retry_now()  # an operator (or the test) knows the receiver is back
            await bridge.flush(T)
    assert receiver.ids == ids_of(events)
