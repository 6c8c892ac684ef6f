"""Key latency benchmark: how long each reader key takes to be handled with a 100,000-item archive.

The real app (real services over a real SQLite archive; no polling, full text off so nothing waits on a
network), driven by Textual's Pilot. For each key: from posting the key event to the moment the screen and
its widgets have handled every message it caused, the workers it started (article loads, counts) are done,
and any animation it started has finished. The same measurement of a Textual app with one binding, in the
same run, is the floor.

    python benchmarks/keys.py [--size 100000] [--repeat 5] [--dir /tmp/reader-keys]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# (label, keys pressed before, the key measured)
CASES: list[tuple[str, list[str], str]] = [
    ("j (next row)", [], "j"),
    ("k (previous row)", [], "k"),
    ("pagedown (list)", [], "pagedown"),
    ("end (list: row 100,000)", [], "end"),
    ("home (list)", [], "home"),
    ("enter (open)", [], "enter"),
    ("n (next unread)", [], "n"),
    ("p (previous unread)", [], "p"),
    ("m (read/unread)", [], "m"),
    ("s (save)", [], "s"),
    ("u (undo)", [], "u"),
    ("f (unread only)", [], "f"),
    ("f (everything again)", [], "f"),
    ("z (focus mode)", [], "z"),
    ("z (back)", [], "z"),
    ("space (page down)", ["tab"], "space"),
    ("b (page up)", [], "b"),
    ("end (article)", [], "end"),
    ("home (article)", [], "home"),
    ("tab (next pane)", [], "tab"),
    ("/ (search opens)", ["escape", "escape"], "slash"),
    ("escape (search closes)", [], "escape"),
    ("S (Stories view)", [], "S"),
    ("escape (Stories closes)", [], "escape"),
    ("j (feed pane)", ["shift+tab"], "j"),
    ("enter (open a feed)", [], "enter"),
    ("enter (All again)", ["shift+tab", "home"], "enter"),
]


async def settled(app: Any) -> None:
    """Every worker done (one replaced by a newer one of its exclusive group counts as done)."""
    from textual.worker import WorkerCancelled

    while True:
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def handled(pilot: Any, key: str) -> float:
    """Seconds from posting `key` to everything it set off being done (see the module docstring)."""
    from textual import events

    app = pilot.app
    char = key if len(key) == 1 else None
    start = time.perf_counter()
    app.post_message(events.Key(key, char))
    await pilot._wait_for_screen()
    await settled(app)
    await pilot._wait_for_screen()
    await app.animator.wait_until_complete()
    return time.perf_counter() - start


async def run_reader(data: Path, config: Path, repeat: int) -> dict[str, list[float]]:
    from reader import startmode
    from reader.config.loader import load_config
    from reader.locations import resolve_locations
    from reader.services import ReaderServices
    from reader.ui.app import make_app
    from reader.ui.settings import UISettings

    # As the `reader` command starts the TUI: start-up mode until the first screen is drawn, which then
    # freezes what start-up made (the collector never scans it again: a full collection mid-key is short).
    startmode.begin()
    locations = resolve_locations(str(config), str(data), os.environ)
    services = ReaderServices(locations, load_config(locations.config_path, must_exist=True))
    app = make_app(services, UISettings(refresh_on_start=False, auto_refresh=None, state_path=None))
    times: dict[str, list[float]] = {label: [] for label, _, _ in CASES}
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(repeat):
            for label, before, key in CASES:
                for k in before:
                    await handled(pilot, k)
                times[label].append(await handled(pilot, key))
            await handled(pilot, "escape")
            await handled(pilot, "escape")
    return times


async def run_floor(repeat: int) -> list[float]:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Floor(App[None]):
        BINDINGS = [("j", "bump", "Bump")]

        def compose(self) -> ComposeResult:
            yield Static("0", id="n")

        def action_bump(self) -> None:
            n = self.query_one("#n", Static)
            n.update(str(int(str(n.content)) + 1))

    app = Floor()
    out: list[float] = []
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        for _ in range(repeat * 5):
            out.append(await handled(pilot, "j"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / f"reader-keys-{os.getuid()}"))
    opts = ap.parse_args()
    from startup import build_archive

    folder = Path(opts.dir)
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / f"archive-{opts.size}.db"
    if not archive.exists():
        build_archive(archive, opts.size)
    data = folder / "data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    shutil.copy(archive, data / "reader.db")  # a fresh copy: the run marks items
    config = folder / "config.toml"
    config.write_text(
        '[general]\nrefresh_on_start = false\nauto_refresh = "off"\n[fulltext]\npolicy = "off"\n'
    )

    floor = asyncio.run(run_floor(opts.repeat))
    times = asyncio.run(run_reader(data, config, opts.repeat))
    base = statistics.median(floor)
    print(
        f"\nkey handled, {opts.size:,} items, 140x40 (median and max of {opts.repeat}); floor: a one-binding app"
    )
    print(f"{'key':<26} {'median':>9} {'max':>9}")
    print(f"{'floor (textual, 1 binding)':<26} {base * 1000:>6.1f} ms {max(floor) * 1000:>6.1f} ms")
    for label, values in times.items():
        print(f"{label:<26} {statistics.median(values) * 1000:>6.1f} ms {max(values) * 1000:>6.1f} ms")
    worst = max(statistics.median(v) for v in times.values())
    print(f"\ntarget (issue 9): every key within 100 ms; slowest median here {worst * 1000:.0f} ms")


if __name__ == "__main__":
    main()
