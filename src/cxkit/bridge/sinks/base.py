"""What every sink implements: :class:`Sink`."""

from __future__ import annotations

import abc
from collections.abc import Sequence

from cxkit.bridge.envelope import Envelope

__all__ = ["Sink"]


class Sink(abc.ABC):
    """Somewhere envelopes go: a broker, a webhook, a file.

    A sink delivers a batch in order and returns once the destination has acknowledged all of
    it. When it cannot (the broker is down, a timeout, the webhook keeps failing) it raises
    :class:`~cxkit.bridge.errors.SinkUnavailable` with ``delivered`` set to the acknowledged
    prefix, and the bridge spools the rest and retries later; any other exception is treated
    the same way (logged with its traceback). Sinks never drop an event themselves.

    ``name`` describes the destination without credentials (for logs and errors).
    """

    name: str = "sink"

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Connect (called before the first send and after a failure); may raise
        SinkUnavailable."""

    @abc.abstractmethod
    async def send(self, batch: Sequence[Envelope]) -> None:
        """Deliver ``batch`` in order (see the class docs)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and files (idempotent)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
