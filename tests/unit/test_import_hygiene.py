"""The core never imports Textual, Rich or the UI: it must run headless (cron) and stay testable alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2] / "reader"
UI_PARTS = {"ui", "cli", "__main__"}


def _core_modules() -> list[str]:
    names = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[0] in UI_PARTS:
            continue
        names.append(".".join(("reader", *parts)).removesuffix(".__init__"))
    return names


def _imported_after(imports: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for name in {imports!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_modules_do_not_import_textual_rich_or_the_ui() -> None:
    core = _core_modules()
    assert {"reader.store.feeds", "reader.fetch.poller", "reader.extract.pipeline", "reader.services"} <= set(
        core
    )
    loaded = _imported_after(core)
    bad = sorted(
        m
        for m in loaded
        if m.split(".")[0] in ("textual", "rich") or m.startswith(("reader.ui", "reader.cli"))
    )
    assert bad == [], f"core imported: {bad}"


def test_cli_fetch_path_does_not_import_textual() -> None:
    # `reader fetch` from cron should not pay for the UI.
    loaded = _imported_after(["reader.cli.commands", "reader.cli.fetch"])
    assert not [m for m in loaded if m.split(".")[0] == "textual"]


def test_the_image_stack_is_imported_only_when_the_viewer_opens() -> None:
    # Pillow and textual-image cost start-up time (and textual-image asks the terminal questions on import):
    # the app, its screens and the core load without them; the viewer's own module does too.
    loaded = _imported_after(
        [
            "reader.ui.app",
            "reader.ui.screens.main",
            "reader.ui.screens.imageview",
            "reader.services",
            *_core_modules(),
        ]
    )
    assert not [m for m in loaded if m.split(".")[0] in ("PIL", "textual_image")]
