"""The structure rules that keep the project easy to live in."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "photocompare.core",
    "photocompare.core.errors",
    "photocompare.core.model_file",
    "photocompare.core.quiet",
    "photocompare.settings",
    "photocompare.library",
    "photocompare.library.migrations",
]


def test_core_imports_no_pyside6():
    """Importing the whole core (and the library) in a fresh interpreter loads no PySide6."""
    import pkgutil

    import photocompare.core
    import photocompare.library

    names = list(CORE_MODULES)
    for pkg in (photocompare.core, photocompare.library):
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
    code = (
        "import importlib, sys\n"
        f"for name in {sorted(set(names))!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core pulled in Qt: {out.stdout.strip()}"
    assert len(names) >= len(CORE_MODULES)
