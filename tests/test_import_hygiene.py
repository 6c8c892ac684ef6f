"""The core never imports Textual or Rich: it must run headless (cron) and stay testable alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CORE = sorted(
    p.stem
    for p in (Path(__file__).parent.parent / "reader").glob("*.py")
    if p.stem not in {"app", "cli", "__main__", "__init__"}
)


def test_core_modules_do_not_import_textual_or_rich() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {CORE!r}:\n"
        "    importlib.import_module('reader.' + name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported: {out.stdout.strip()}"
    assert "store" in CORE and "poller" in CORE


def test_cli_fetch_path_does_not_import_textual() -> None:
    # `reader fetch` from cron should not pay for the UI.
    code = (
        "import sys\n"
        "import reader.cli, reader.cli_fetch\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
