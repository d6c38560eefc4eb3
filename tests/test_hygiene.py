"""Architecture rules that keep the domain free of the dashboard (STYLE.md, the shape)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import soda_tui

PACKAGE_DIR = Path(soda_tui.__file__).parent


def _domain_modules() -> list[str]:
    names = []
    for module in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="soda_tui."):
        if module.name.startswith("soda_tui.tui") or module.name.endswith("__main__"):
            continue
        if module.name in {"soda_tui.agents.demo_agent"}:
            continue
        names.append(module.name)
    return names


def test_domain_imports_without_textual_or_rich() -> None:
    modules = _domain_modules()
    assert "soda_tui.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"domain code imported: {result.stdout.strip()}"


def test_no_module_is_a_god_file() -> None:
    too_long = {
        str(path.relative_to(PACKAGE_DIR)): count
        for path in PACKAGE_DIR.rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert too_long == {}
