"""Import cost: ``import cxkit`` vs ``import PureCloudPlatformClientV2`` in fresh processes.

Each import runs in a new interpreter: the time is measured around the ``import`` statement
itself (interpreter start-up excluded, the same for both), the RSS right after it; both
also as the increase over the bare interpreter. The median of several runs is kept. For
honesty ``import cxkit.genesys`` (the Genesys client: aiohttp, msgspec, the models) is shown
too. The SDK is imported with its config live reload off (its best case: otherwise it starts
a thread watching the home directory).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from bench._util import PYTHON, ROOT, Ratio, Section, fmt, median, sdk_environment

__all__ = ["main", "measure_import", "run"]

_PROBE = """
import json, sys, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
before = rss()
started = time.perf_counter()
__import__(sys.argv[1])
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "rss": rss(), "rss_before": before}))
"""


def measure_import(module: str, *, sdk: bool = False) -> dict[str, float]:
    """Import ``module`` in a fresh interpreter: seconds, RSS after, RSS before."""
    done = subprocess.run(
        [PYTHON, "-c", _PROBE, module],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=sdk_environment() if sdk else None,
        timeout=120,
    )
    value: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return value


def run(quick: bool = False, *, include_sdk: bool = True) -> Section:
    """Median of ``runs`` fresh imports per target, interleaved."""
    runs = 1 if quick else 5
    targets: list[tuple[str, bool]] = [("cxkit", False), ("cxkit.genesys", False)]
    if include_sdk:
        targets.append(("PureCloudPlatformClientV2", True))
    samples: dict[str, list[dict[str, float]]] = {name: [] for name, _ in targets}
    for _ in range(runs):
        for name, sdk in targets:
            samples[name].append(measure_import(name, sdk=sdk))
    figures: dict[str, dict[str, float]] = {}
    for name, runs_of in samples.items():
        figures[name] = {
            "seconds": median([s["seconds"] for s in runs_of]),
            "rss": median([s["rss"] for s in runs_of]),
            "added": median([s["rss"] - s["rss_before"] for s in runs_of]),
        }
    section = Section(
        "Import cost (fresh interpreter, median)",
        ["import time", "RSS after", "RSS added", "time vs SDK", "RSS vs SDK"],
    )
    reference = figures.get("PureCloudPlatformClientV2")
    for name, got in figures.items():
        cells: dict[str, Any] = {
            "import time": f"{got['seconds'] * 1000:,.1f} ms",
            "RSS after": f"{got['rss'] / 2**20:.1f} MiB",
            "RSS added": f"{got['added'] / 2**20:.1f} MiB",
        }
        if reference is not None:
            cells["time vs SDK"] = f"{got['seconds'] / reference['seconds']:.3f}x"
            cells["RSS vs SDK"] = f"{got['rss'] / reference['rss']:.3f}x"
        section.add(f"import {name}", cells)
    if reference is not None:
        cx = figures["cxkit"]
        section.ratios += [
            Ratio("import cxkit / SDK (time)", cx["seconds"] / reference["seconds"], 0.1, False),
            Ratio("import cxkit / SDK (RSS)", cx["rss"] / reference["rss"], 0.1, False),
            Ratio(
                "import cxkit / SDK (RSS added)",
                cx["added"] / reference["added"],
                0.1,
                False,
                note="over the bare interpreter",
            ),
        ]
        genesys = figures["cxkit.genesys"]
        section.notes.append(
            f"import cxkit.genesys (the Genesys client) costs {fmt(genesys['seconds'] * 1000)} ms"
            f" and {genesys['rss'] / 2**20:.0f} MiB: "
            f"{genesys['seconds'] / reference['seconds']:.2f}x / "
            f"{genesys['rss'] / reference['rss']:.2f}x the SDK"
        )
    section.notes.append(f"median of {runs} run(s) per target, interleaved")
    return section


def main(quick: bool = False) -> str:
    """Run and return the section as text."""
    return run(quick).text()


if __name__ == "__main__":
    import sys

    print(main("--quick" in sys.argv))
