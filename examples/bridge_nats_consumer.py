"""Read events bridged into NATS JetStream with a durable pull consumer.

    python examples/bridge_nats_consumer.py nats://127.0.0.1:4222 --durable wallboard

The durable consumer remembers what was acknowledged: restart this script and it goes on
where it stopped. Several processes with the same ``--durable`` share the messages.
``--subject`` narrows what is read, e.g. ``cxkit.five9.*.agent.>`` (every Five9 tenant's
agent events). JetStream already dropped resends with a known ``Nats-Msg-Id`` within its
duplicate window; a consumer that must be exact keeps recent ids as well, as here.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import OrderedDict
from collections.abc import Callable

import nats

from cxkit.events import UnifiedEvent, decode


async def consume(
    url: str,
    *,
    stream: str = "CXKIT",
    durable: str = "cxkit-consumer",
    subject: str = "cxkit.>",
    limit: int | None = None,
    idle_rounds: int | None = None,
    fetch_timeout: float = 1.0,
    handle: Callable[[str, UnifiedEvent], object] = print,
) -> int:
    """Fetch and ack until ``limit`` events (or ``idle_rounds`` empty fetches)."""
    nc = await nats.connect(url)
    seen: OrderedDict[str, None] = OrderedDict()
    handled = idle = 0
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(subject, durable=durable, stream=stream)
        while limit is None or handled < limit:
            try:
                messages = await sub.fetch(100, timeout=fetch_timeout)
            except TimeoutError:  # nats-py raises its own subclass or asyncio's
                idle += 1
                if idle_rounds is not None and idle >= idle_rounds:
                    break
                continue
            idle = 0
            for msg in messages:
                event_id = (msg.headers or {}).get("Nats-Msg-Id", "")
                if event_id not in seen:
                    seen[event_id] = None
                    if len(seen) > 100_000:
                        seen.popitem(last=False)
                    handle(msg.subject, decode(msg.data))
                    handled += 1
                await msg.ack()
    finally:
        await nc.close()
    return handled


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("url", nargs="?", default="nats://127.0.0.1:4222")
    parser.add_argument("--stream", default="CXKIT")
    parser.add_argument("--durable", default="cxkit-consumer")
    parser.add_argument("--subject", default="cxkit.>")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    asyncio.run(
        consume(
            args.url,
            stream=args.stream,
            durable=args.durable,
            subject=args.subject,
            limit=args.limit,
        )
    )


if __name__ == "__main__":
    main()
