"""The bridge benchmark runs end to end (tiny sizes): the emulator as the source, real brokers,
every sink, the outage and the drain. Figures are not asserted (they belong to bench/), only
that every measured path ran and delivered everything."""

from __future__ import annotations

import pytest

from bench import bridge_bench

from .brokers import broker_binaries


async def test_quick_run_measures_every_path(capsys: pytest.CaptureFixture[str]) -> None:
    broker_binaries()  # skips, with the reason, where the brokers cannot be installed
    await bridge_bench.main(quick=True)
    out = capsys.readouterr().out
    for path in (
        "source: emulator -> five9 client",
        "source: emulator -> genesys client",
        "redis streams (bridge)",
        "nats jetstream (bridge)",
        "webhook (HMAC, loopback)",
        "jsonl (fsync batch)",
        "live: emulator -> redis",
        "live: emulator -> nats",
        "live: emulator -> webhook",
        "live: emulator -> jsonl",
        "redis back: spool drain",
        "nats back: spool drain",
    ):
        assert path in out, path
    assert "redis: bridge / raw client = " in out and "load average" in out
