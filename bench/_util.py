"""What every benchmark shares: worker processes, CPU and RSS probes, the emulator process, the
machine description and the result model.

Every measured client runs in a fresh worker process (``python -m bench.<module> worker ...``)
that prints one JSON line, so its CPU time (``time.process_time()``, all threads) and RSS belong
to the client alone; servers (the emulator, the firehose) run in processes of their own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "ROOT",
    "Proc",
    "Ratio",
    "Row",
    "Section",
    "admin",
    "cpu_seconds",
    "emulator",
    "fmt",
    "machine",
    "median",
    "rss_bytes",
    "run_worker",
    "sdk_environment",
    "unlimited_genesys_options",
    "worker_entry",
]

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
_TICK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- probes


def cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds (user + system, all threads) used so far by ``pid`` (default: this one)."""
    if pid is None:
        return time.process_time()
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size now (``VmRSS``) of ``pid`` (default: this process)."""
    path = f"/proc/{pid or 'self'}/status"
    with open(path, encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS in {path}")


def median(values: Sequence[float]) -> float:
    """The median (0.0 for no values)."""
    return float(statistics.median(values)) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return float(ordered[index])


# --------------------------------------------------------------------------- processes


class Proc:
    """A child process speaking JSON lines on stdin/stdout (stderr goes to ours).

    ``read()`` returns the next JSON object it printed (lines that are not JSON are echoed to
    stderr, so stray prints never break the protocol); ``send()`` writes one JSON line.
    """

    def __init__(self, args: Sequence[str], *, env: Mapping[str, str] | None = None) -> None:
        self.args = list(args)
        self.popen = subprocess.Popen(
            self.args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=dict(env) if env is not None else None,
        )

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.popen.pid

    def read(self, timeout: float = 120.0) -> dict[str, Any]:
        """The next JSON line (raises TimeoutError / RuntimeError if none comes)."""
        stdout = self.popen.stdout
        assert stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer from {' '.join(self.args[:4])} in {timeout}s")
            ready, _, _ = select.select([stdout], [], [], left)
            if not ready:
                continue
            line = stdout.readline()
            if not line:
                code = self.popen.wait()
                raise RuntimeError(f"{' '.join(self.args[:4])} ended (exit {code}) without answer")
            line = line.strip()
            if line.startswith("{"):
                try:
                    value = json.loads(line)
                except ValueError:
                    pass
                else:
                    if isinstance(value, dict):
                        return value
            if line:
                print(f"[{Path(self.args[-1]).name}] {line}", file=sys.stderr)

    def send(self, message: Mapping[str, Any]) -> None:
        """Write one JSON line to the child's stdin."""
        stdin = self.popen.stdin
        assert stdin is not None
        stdin.write(json.dumps(message) + "\n")
        stdin.flush()

    def stop(self, timeout: float = 10.0) -> None:
        """Close stdin, SIGTERM this child, wait for it (SIGKILL after ``timeout``)."""
        with contextlib.suppress(OSError):
            if self.popen.stdin is not None:
                self.popen.stdin.close()
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout)
        if self.popen.stdout is not None:
            self.popen.stdout.close()

    def __enter__(self) -> Proc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_worker(
    module: str,
    args: Mapping[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 180.0,
) -> dict[str, Any]:
    """Run ``python -m bench.<module> worker '<json args>'`` and return its JSON answer."""
    with Proc([PYTHON, "-m", f"bench.{module}", "worker", json.dumps(args)], env=env) as proc:
        answer = proc.read(timeout)
    if "error" in answer:
        raise RuntimeError(f"bench.{module} worker failed: {answer['error']}")
    return answer


def worker_entry(workers: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]]) -> None:
    """``python -m bench.<module> worker '<json>'``: run ``workers[args["kind"]](args)`` and
    print its result as one JSON line (``{"error": ...}`` on failure, exit status 1)."""
    if len(sys.argv) != 3 or sys.argv[1] != "worker":
        raise SystemExit(f"usage: python -m {sys.argv[0]} worker '<json args>'")
    args = json.loads(sys.argv[2])
    try:
        result = workers[args["kind"]](args)
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        raise
    print(json.dumps(result), flush=True)


def cxkit_command() -> list[str]:
    """How to start the ``cxkit`` CLI of this environment."""
    script = Path(PYTHON).with_name("cxkit")
    if script.exists():
        return [str(script)]
    return [PYTHON, "-m", "cxkit.cli"]


def admin(base_url: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
    """POST ``body`` (JSON) to an emulator admin path and return the decoded answer."""
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


@contextlib.contextmanager
def emulator(genesys: Mapping[str, Any] | None = None) -> Iterator[tuple[Proc, dict[str, Any]]]:
    """``cxkit emulator serve --port 0 --json`` in its own process, every Genesys rate limit
    raised out of the way (admin ``configure``) plus the ``genesys`` options given; the org is
    then rebuilt (admin ``reset``) so options such as ``users`` apply. Yields the process and
    its ``/_emulator/info`` document."""
    with Proc([*cxkit_command(), "emulator", "serve", "--port", "0", "--json"]) as proc:
        info = proc.read(60)
        base = info["base_url"]
        options = info["vendors"]["genesys"]["options"]
        # Whatever budgets this emulator version has (rate_limit, user_rate_limit, ...).
        changes: dict[str, Any] = {
            key: 1_000_000_000
            for key, value in options.items()
            if key.endswith("rate_limit") and isinstance(value, int)
        }
        changes.update(genesys or {})
        admin(base, "/_emulator/genesys/configure", changes)
        admin(base, "/_emulator/reset", {})
        yield proc, admin_info(base)


def unlimited_genesys_options(**extra: Any) -> dict[str, Any]:
    """``vendor_options["genesys"]`` for an in-process emulator with every rate budget of this
    emulator version (``rate_limit``, ``user_rate_limit``, ...) out of the way."""
    from dataclasses import fields

    from cxkit.emulator.genesys.settings import GenesysOptions

    options: dict[str, Any] = {
        f.name: 1_000_000_000
        for f in fields(GenesysOptions)
        if f.name.endswith("rate_limit") and f.type == "int"
    }
    options.update(extra)
    return options


def admin_info(base_url: str) -> dict[str, Any]:
    """``GET /_emulator/info``."""
    with urllib.request.urlopen(base_url + "/_emulator/info", timeout=30) as response:
        value: dict[str, Any] = json.loads(response.read())
    return value


_SDK_HOME: str | None = None


def sdk_environment() -> dict[str, str]:
    """The environment the official SDK runs in: ``HOME`` holds a config file that turns off
    its config live reload. Without it, importing the SDK starts a watchdog thread watching
    ``~`` recursively, which would only make the SDK slower; we give it the best case."""
    global _SDK_HOME  # noqa: PLW0603 - one temporary home per benchmark run
    if _SDK_HOME is None or not Path(_SDK_HOME).exists():
        _SDK_HOME = tempfile.mkdtemp(prefix="cxkit-bench-sdk-")
        config = Path(_SDK_HOME) / ".genesyscloudpython"
        config.mkdir()
        (config / "config").write_text("[general]\nlive_reload_config = false\n")
    return {**os.environ, "HOME": _SDK_HOME}


def cleanup_sdk_home() -> None:
    """Remove the SDK's temporary home."""
    global _SDK_HOME  # noqa: PLW0603
    if _SDK_HOME is not None:
        shutil.rmtree(_SDK_HOME, ignore_errors=True)
        _SDK_HOME = None


# --------------------------------------------------------------------------- machine


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """CPU model, cores, Python and library versions, load and date of this run."""
    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "cpu": model,
        "cores": f"{os.cpu_count()} (usable {len(os.sched_getaffinity(0))})",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "aiohttp": _version("aiohttp"),
        "msgspec": _version("msgspec"),
        "websockets": _version("websockets"),
        "PureCloudPlatformClientV2": _version("PureCloudPlatformClientV2"),
        "cxkit": _version("cxkit"),
        "load average at start": load,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# --------------------------------------------------------------------------- results


def fmt(value: float, unit: str = "") -> str:
    """A number for a table: thousands separators, 3 significant digits below 100."""
    if value >= 100:
        text = f"{value:,.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


@dataclass(slots=True)
class Row:
    """One measured line: what, and its figures as (column, text) pairs."""

    name: str
    cells: dict[str, str]


@dataclass(slots=True)
class Ratio:
    """A ratio checked against a target (``higher`` True: the ratio must be >= target)."""

    name: str
    value: float
    target: float
    higher: bool = True
    note: str = ""

    @property
    def met(self) -> bool:
        """Whether the target holds."""
        return self.value >= self.target if self.higher else self.value <= self.target

    @property
    def shown(self) -> str:
        """The value with 3 significant digits (``4.20x``, ``0.0034x``)."""
        return f"{self.value:.2f}x" if self.value >= 0.1 else f"{self.value:.2g}x"

    def text(self) -> str:
        """``4.20x (target >= 5x) MISSED``."""
        sign = ">=" if self.higher else "<="
        verdict = "ok" if self.met else "MISSED"
        return f"{self.shown} (target {sign} {self.target:g}x) {verdict}"


@dataclass(slots=True)
class Section:
    """The outcome of one benchmark: a table, ratios against targets, and notes."""

    title: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, cells: Mapping[str, str]) -> None:
        """Add a row: ``cells`` maps column names to their text."""
        self.rows.append(Row(name, dict(cells)))

    def table(self, *, markdown: bool = False) -> str:
        """The rows as a text (or Markdown) table."""
        header = ["", *self.columns]
        body = [[row.name, *(row.cells.get(c, "") for c in self.columns)] for row in self.rows]
        if markdown:
            lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(cells) + " |" for cells in body]
            return "\n".join(lines)
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        out = [
            "  ".join(
                h.ljust(w) if i == 0 else h.rjust(w)
                for i, (h, w) in enumerate(zip(header, widths, strict=True))
            )
        ]
        for cells in body:
            out.append(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(cells, widths, strict=True))
                )
            )
        return "\n".join(out)

    def text(self) -> str:
        """Title, table, ratios and notes for the terminal."""
        parts = [f"== {self.title}", self.table()]
        parts += [
            f"  {r.name}: {r.text()}" + (f"  ({r.note})" if r.note else "") for r in self.ratios
        ]
        parts += [f"  note: {n}" for n in self.notes]
        return "\n".join(parts)

    def markdown(self) -> str:
        """The section for RESULTS.md."""
        parts = [f"### {self.title}", "", self.table(markdown=True), ""]
        if self.ratios:
            parts += ["| ratio | measured | target | |", "|---|---|---|---|"]
            for r in self.ratios:
                sign = ">=" if r.higher else "<="
                verdict = "met" if r.met else "**missed**"
                parts.append(f"| {r.name} | {r.shown} | {sign} {r.target:g}x | {verdict} |")
            parts.append("")
        parts += [f"- {n}" for n in self.notes]
        return "\n".join(parts).rstrip() + "\n"
