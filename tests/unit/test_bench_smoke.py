"""Smoke tests of the benchmarks (``bench/``): each measured path runs with tiny sizes and gives
sane, checked figures. Correctness only -- no timing is asserted.

Measured clients run in-process here (the benchmark runs them in worker processes), against
an in-process emulator or firehose on loopback; the fan-out benchmark runs end to end (its
processes and their JSON-lines protocol) with 10 clients. The official SDK is left out (its
import alone takes seconds); ``python -m bench --quick`` covers it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bench import fanout_bench, ingest_bench, memory_bench, rest_bench
from bench.__main__ import END, START, _markdown, _write_results
from bench._util import Ratio, Section, unlimited_genesys_options
from bench.firehose import Firehose, encode_text_frame
from bench.frames import five9_snapshot_for_agents
from bench.import_bench import measure_import
from cxkit.emulator.config import EmulatorConfig
from cxkit.emulator.server import EmulatorServer


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    config = EmulatorConfig(
        vendor_options={"genesys": unlimited_genesys_options(users=rest_bench.USERS)}
    )
    async with EmulatorServer(config) as server:
        yield server


def _credentials(server: EmulatorServer) -> dict[str, str]:
    cc = server.info()["vendors"]["genesys"]["tenant"]["clientCredentials"]
    return {"url": server.url, "client_id": cc["clientId"], "client_secret": cc["clientSecret"]}


def test_text_frames_are_encoded_for_every_length() -> None:
    for size, header in ((5, 2), (200, 4), (70_000, 10)):
        frame = encode_text_frame("x" * size)
        assert frame[0] == 0x81 and len(frame) == header + size


async def test_every_ingest_client_reads_the_firehose() -> None:
    firehose = Firehose(five9_steps=12, genesys_steps=20)
    await firehose.start()
    try:
        for vendor in ingest_bench.VENDORS:
            for client in ingest_bench.CLIENTS:
                got = await asyncio.wait_for(
                    ingest_bench.measure(client, vendor, firehose.url(vendor, 40), 40, 5), 20
                )
                assert got["events"] == 35 and got["rate"] > 0, (client, vendor)
                if vendor == "five9" and client != "raw":
                    assert got["agents"] > 0  # the 5000 and the 5012s reached the cache
                if (client, vendor) == ("cxkit", "genesys"):
                    assert got["typed"] == 40  # every body decoded into its Struct
                if (client, vendor) == ("cxkit", "five9"):
                    assert got["malformed"] == 0
    finally:
        await firehose.close()


async def test_rest_async_and_sync_clients_measure(emulator: EmulatorServer) -> None:
    args: dict[str, Any] = {**_credentials(emulator), "seconds": 0.05, "emulator_pid": os.getpid()}
    args["queue_id"] = await asyncio.to_thread(
        rest_bench._queue_id, args["url"], args["client_id"], args["client_secret"]
    )
    async_figures = await rest_bench._async_main(args)
    sync_figures = await asyncio.to_thread(rest_bench._sync_worker, args)
    for figures in (async_figures, sync_figures):
        for workload in rest_bench.WORKLOADS:
            assert figures[workload]["requests"] > 0
            assert figures[workload]["cpu_us"] > 0
    # a users listing is 4 pages: request counts are whole listings
    assert sync_figures["users"]["requests"] % (rest_bench.USERS // rest_bench.PAGE_SIZE) == 0


def test_import_probe_reports_time_and_rss() -> None:
    got = measure_import("cxkit")
    assert got["seconds"] > 0 and got["rss"] >= got["rss_before"] > 0


def test_stats_cache_memory_workers(tmp_path: Path) -> None:
    frame = tmp_path / "snapshot.json"
    frame.write_text(five9_snapshot_for_agents(50))
    for client in ("cxkit", "peer"):
        got = memory_bench._cache_worker({"client": client, "frame": str(frame)})
        assert got["agents"] == 50 and got["after"] > 0


async def test_hub_memory_worker_subscribes_every_topic(emulator: EmulatorServer) -> None:
    got = await memory_bench._hub_main({**_credentials(emulator), "topics": 40})
    assert got["topics"] == 40 and got["channels"] == 1


def test_fanout_runs_end_to_end() -> None:
    section = fanout_bench.run(quick=True)
    throughput, latency = section.rows
    assert float(throughput.cells["deliveries/s"].replace(",", "")) > 0
    assert latency.cells["p50"].endswith(" ms") and latency.cells["p99"].endswith(" ms")
    assert not any("arrived" in note for note in section.notes)  # nothing lost


def test_results_file_keeps_the_hand_written_analysis(tmp_path: Path) -> None:
    section = Section("demo", ["req/s"])
    section.add("cxkit", {"req/s": "10"})
    section.ratios.append(Ratio("cxkit / peer", 2.5, 2.0))
    section.ratios.append(Ratio("import", 0.2, 0.1, higher=False))
    assert [r.met for r in section.ratios] == [True, False]
    path = tmp_path / "RESULTS.md"
    path.write_text(f"# title\n\n{START}\nold figures\n{END}\n\n## Analysis\nkept\n")
    _write_results(path, _markdown({"cpu": "test cpu"}, [section], [("x_bench", "out")], 1, True))
    text = path.read_text()
    assert "old figures" not in text and "## Analysis\nkept" in text
    assert "| cxkit / peer | 2.50x | >= 2x | met |" in text
    assert "| import | 0.20x | <= 0.1x | **missed** |" in text
    assert "| cpu | test cpu |" in text and "### x_bench" in text
