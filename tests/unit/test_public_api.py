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


def test_exports_all_and_type_checking_imports_agree() -> None:
    """One list of public names: the lazy table, ``__all__`` and the imports type checkers
    read must name the same things, each from the module that defines it."""
    import ast
    import importlib
    import inspect

    exports: dict[str, str] = cxkit._EXPORTS  # type: ignore[attr-defined]
    assert set(exports) == set(cxkit.__all__) - {"__version__"}

    tree = ast.parse(inspect.getsource(cxkit))
    checked: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.module is not None
                for alias in stmt.names:
                    checked[alias.name] = stmt.module
    assert checked == exports
    for name, module in exports.items():
        assert getattr(importlib.import_module(module), name) is getattr(cxkit, name), name


def test_the_main_entry_points_are_top_level() -> None:
    from cxkit.bridge.pipeline import Bridge
    from cxkit.core.http import HTTPClient
    from cxkit.core.stream import EventStream
    from cxkit.emulator.server import EmulatorServer
    from cxkit.five9.client import Five9Client
    from cxkit.genesys.client import GenesysClient

    assert cxkit.Five9Client is Five9Client and cxkit.GenesysClient is GenesysClient
    assert cxkit.EmulatorServer is EmulatorServer and cxkit.Bridge is Bridge
    assert cxkit.HTTPClient is HTTPClient and cxkit.EventStream is EventStream
