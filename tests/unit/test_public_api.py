"""The curated top-level API: every name in __all__ resolves, and import stays lazy."""

from __future__ import annotations

import subprocess
import sys

import cxkit


def test_all_names_resolve() -> None:
    missing = [name for name in cxkit.__all__ if not hasattr(cxkit, name)]
    assert missing == []


def test_all_is_sorted_and_unique() -> None:
    assert len(set(cxkit.__all__)) == len(cxkit.__all__)
    assert list(cxkit.__all__) == sorted(cxkit.__all__)


def test_dir_lists_public_names() -> None:
    assert set(dir(cxkit)) >= set(cxkit.__all__) - {"__version__"}


def test_unknown_attribute_raises() -> None:
    try:
        _ = cxkit.NoSuchThing  # type: ignore[attr-defined]
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_import_does_not_load_aiohttp() -> None:
    # `import cxkit` must stay cheap: heavy dependencies load on first use only.
    code = "import sys, cxkit; print('aiohttp' in sys.modules, 'msgspec' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
