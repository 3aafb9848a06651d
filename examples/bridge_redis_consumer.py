"""Read events bridged into Redis Streams with a consumer group.

    python examples/bridge_redis_consumer.py redis://127.0.0.1:6379/0 --group wallboard

Every consumer of a group gets a share of the entries; an entry is acknowledged (XACK) after
it was handled, so a consumer that dies leaves its entries pending: on every round each
consumer first takes over (XAUTOCLAIM) entries that another consumer of the group received
but did not acknowledge for ``--claim-idle`` seconds, oldest first, then reads new ones.
Delivery is at least once: skip an event whose ``id`` field was already seen.
Run with ``--limit N`` to stop after N events (the tests do).
"""

from __future__ import annotations

import argparse
import asyncio
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from cxkit.events import UnifiedEvent, decode


async def consume(
    url: str,
    *,
    group: str = "cxkit-consumers",
    consumer: str = "consumer-1",
    pattern: str = "cxkit:*",
    limit: int | None = None,
    idle_rounds: int | None = None,
    block_ms: int = 1000,
    claim_idle_ms: int = 60_000,
    handle: Callable[[str, UnifiedEvent], object] = print,
) -> int:
    """Read with a consumer group until ``limit`` events (or ``idle_rounds`` empty reads)."""
    client = aioredis.Redis.from_url(url)
    seen: OrderedDict[str, None] = OrderedDict()  # recent ids, to drop at-least-once repeats
    handled = idle = 0

    async def take(key: bytes, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        nonlocal handled
        for entry_id, fields in entries:
            event_id = fields[b"id"].decode()
            if event_id not in seen:
                seen[event_id] = None
                if len(seen) > 100_000:
                    seen.popitem(last=False)
                handle(key.decode(), decode(fields[b"event"]))
                handled += 1
            await client.xack(key, group, entry_id)  # only once handled: at least once

    try:
        while limit is None or handled < limit:
            # new tenants / kinds make new streams: look for them on every round
            keys = [k async for k in client.scan_iter(match=pattern, _type="stream")]
            for key in keys:
                try:
                    await client.xgroup_create(key, group, id="0", mkstream=True)
                except ResponseError as exc:
                    if "BUSYGROUP" not in str(exc):  # the group exists already: fine
                        raise
            if not keys:
                await asyncio.sleep(block_ms / 1000)
                continue
            # entries a dead (or stuck) consumer of the group received and never acknowledged
            claimed = 0
            for key in keys:
                start: Any = "0-0"
                while True:
                    answer: Any = await client.xautoclaim(
                        key, group, consumer, min_idle_time=claim_idle_ms, start_id=start, count=100
                    )
                    start, entries = answer[0], [e for e in answer[1] if e[1]]
                    claimed += len(entries)
                    await take(key, entries)
                    if start in (b"0-0", "0-0"):
                        break
            answer = await client.xreadgroup(
                group, consumer, dict.fromkeys(keys, ">"), count=100, block=block_ms
            )
            if not answer and not claimed:
                idle += 1
                if idle_rounds is not None and idle >= idle_rounds:
                    break
                continue
            idle = 0
            for key, entries in answer or []:
                await take(key, entries)
    finally:
        await client.aclose()
    return handled


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("url", nargs="?", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--group", default="cxkit-consumers")
    parser.add_argument("--consumer", default="consumer-1")
    parser.add_argument("--pattern", default="cxkit:*")
    parser.add_argument("--limit", type=int)
    parser.add_argument(
        "--claim-idle", type=float, default=60.0, help="seconds before taking over an entry"
    )
    args = parser.parse_args()
    asyncio.run(
        consume(
            args.url,
            group=args.group,
            consumer=args.consumer,
            pattern=args.pattern,
            limit=args.limit,
            claim_idle_ms=int(args.claim_idle * 1000),
        )
    )


if __name__ == "__main__":
    main()
