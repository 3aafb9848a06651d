"""End-to-end tests: a real browser (Debian's headless ``chromium``) against real servers.

The ``chromium`` fixture makes sure the browser is there: when it is missing it runs
``scripts/browser.sh`` (``apt-get install -y chromium``, idempotent). The tests skip, saying
why, only when the browser cannot be installed (not root, no apt-get); anywhere it can be
installed -- CI included -- they run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .cdp import find_chromium

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = ROOT / "scripts" / "browser.sh"
CANNOT_INSTALL = 2  # scripts/browser.sh's exit code for "no root / no apt-get"


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a runnable Chromium (installed on first use when possible)."""
    found = find_chromium()
    if found is not None:
        return found
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode == CANNOT_INSTALL:
        pytest.skip(f"chromium is not installed and cannot be: {result.stderr.strip()}")
    if result.returncode != 0:
        pytest.fail(
            f"scripts/browser.sh failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    found = find_chromium()
    if found is None:
        pytest.fail("scripts/browser.sh succeeded but no chromium executable was found")
    return found
