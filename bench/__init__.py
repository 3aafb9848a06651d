"""cxkit benchmarks: cxkit and its peers on the same loopback workload, side by side.

``make bench`` (``python -m bench``) runs every benchmark in one run and prints ratios;
``python -m bench --quick`` does the same with tiny sizes (a smoke run). Absolute figures drift
on a shared machine; the ratios are measured in interleaved rounds so that they do not.
Results of a full run are written to ``bench/RESULTS.md``.

Modules: :mod:`bench.rest_bench` (Genesys REST: official SDK vs cxkit sync/async),
:mod:`bench.import_bench` (import cost), :mod:`bench.ingest_bench` (event ingest: cxkit vs a
peer-style client vs the raw limit), :mod:`bench.fanout_bench` (emulator fan-out to 100
sockets), :mod:`bench.memory_bench` (RSS of 10,000 topics / 10,000 agents). Shared pieces:
:mod:`bench._util` (processes, CPU and RSS probes, machine description), :mod:`bench.frames`
(realistic frames rendered by the emulator's own code), :mod:`bench.firehose` (a loopback
WebSocket server that pushes frames as fast as the client reads).
"""
