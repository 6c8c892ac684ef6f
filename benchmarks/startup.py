"""Startup benchmark: time from process launch to the first headlines painted, and peak RSS, by archive size.

Builds archives of 1,000, 10,000 and 100,000 items (cached under a temp dir between runs), then launches the
app headless in a fresh process for each and reports the median of a few runs, next to a Textual
hello-world measured the same way in the same run.

    python benchmarks/startup.py [--runs 3] [--sizes 1000,10000,100000] [--dir /tmp/reader-bench]
"""

from __future__ import annotations

import argparse
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FEEDS = 100


def build_archive(path: Path, size: int) -> None:
    """`size` items over FEEDS feeds, through the Store API in big ParsedFeed batches."""
    from reader.models import FetchOutcome, ParsedFeed, ParsedItem
    from reader.store.feeds import Store

    now = datetime(2026, 1, 1, tzinfo=UTC)
    tmp = path.with_suffix(".partial")
    tmp.unlink(missing_ok=True)
    with Store.open(tmp) as store:
        per_feed = size // FEEDS
        for f in range(FEEDS):
            feed = store.add_feed(f"https://feed{f}.example/rss", f"Feed number {f}", [f"tag{f % 7}"])
            items = tuple(
                ParsedItem(
                    key=f"{f}-{n}",
                    title=f"Headline {n} of feed {f}: something about policy and technology",
                    link=f"https://feed{f}.example/{n}",
                    summary="<p>" + "Some words of summary text. " * 20 + "</p>",
                    published=now - timedelta(minutes=n * FEEDS + f),
                    content_hash=str(n),
                )
                for n in range(per_feed)
            )
            parsed = ParsedFeed(title=None, site_url=None, items=items)
            store.apply_fetch(
                feed, FetchOutcome(feed_url=feed.url, status=200, parsed=parsed, fetched_at=now)
            )
    os.replace(tmp, path)


def child_reader(db: str) -> None:
    """Run in the measured process: the real app over `db`, exiting on the first painted headline rows."""
    from reader.models import Article
    from reader.store.feeds import Store
    from reader.ui.app import BENCH_ENV, make_app
    from reader.ui.protocol import ArticleLoad, PollSummary
    from reader.ui.settings import UISettings

    class BenchServices:
        def open_store(self) -> Store:
            return Store.open(db)

        def poll(
            self,
            feed_ids: Sequence[int] | None,
            progress: Callable[[int, int, int], None],
            *,
            due_only: bool = False,
        ) -> PollSummary:
            return PollSummary()

        def load_article(self, item_id: int, *, page: bool = False) -> ArticleLoad:
            return ArticleLoad(None, "benchmark")

        def cached_article(self, item_id: int) -> Article | None:
            return None

        def fulltext_policy(self, feed_id: int) -> str:
            return "off"

    os.environ[BENCH_ENV] = "1"
    app = make_app(BenchServices(), UISettings(refresh_on_start=False, auto_refresh=None))
    app.run(headless=True, size=(140, 40))
    print(f"FIRST_PAINT {app.first_paint_at!r}", flush=True)


def child_cli(db: str) -> None:
    """Run in the measured process: the real `reader` command (config, services, parse workers, app)."""
    from reader.cli.commands import main as cli_main
    from reader.ui.app import BENCH_ENV

    os.environ[BENCH_ENV] = "1"
    folder = Path(db).parent / f"cli-{Path(db).stem}"
    folder.mkdir(exist_ok=True)
    target = folder / "reader.db"
    if not target.exists():
        os.link(db, target)  # the same archive, in a data dir of its own
    config = folder / "config.toml"
    config.write_text('[general]\nrefresh_on_start = false\nauto_refresh = "off"\n')
    cli_main(["--config", str(config), "--data-dir", str(folder)])


def child_hello() -> None:
    """The baseline: a Textual hello-world that exits on its first paint, measured the same way."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    painted: list[float] = []

    class Hello(Static):
        def render_line(self, y: int):  # type: ignore[no-untyped-def]
            if not painted:
                painted.append(time.time())
                self.app.call_later(self.app.exit)
            return super().render_line(y)

    class HelloApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Hello("Hello, world")

    HelloApp().run(headless=True, size=(140, 40))
    print(f"FIRST_PAINT {painted[0]!r}", flush=True)


def measure(args: list[str]) -> tuple[float, float]:
    """(seconds from launch to first paint, peak RSS in MiB) of one child process.

    The child's stdin and stdout are a pseudo-terminal, as for a person at a terminal: the `reader` command
    refuses to start its TUI without one. (The apps run headless, so nothing but the FIRST_PAINT line is
    written there.)"""
    leader, follower = pty.openpty()
    start = time.time()
    proc = subprocess.Popen([sys.executable, __file__, *args], stdin=follower, stdout=follower)
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child has closed its side of the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    out = b"".join(chunks).decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or "FIRST_PAINT" not in out:
        raise SystemExit(f"child {args} failed ({proc.returncode}): {out[-500:]}")
    painted = float(out.split("FIRST_PAINT", 1)[1].split()[0])
    return painted - start, usage.ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child-reader":
        child_reader(sys.argv[2])
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--child-cli":
        child_cli(sys.argv[2])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child-hello":
        child_hello()
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "reader-bench"))
    opts = ap.parse_args()
    folder = Path(opts.dir)
    folder.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in opts.sizes.split(",")]
    for size in sizes:
        db = folder / f"archive-{size}.db"
        if not db.exists():
            t = time.perf_counter()
            build_archive(db, size)
            print(f"built {size:,}-item archive in {time.perf_counter() - t:.1f} s ({db})")

    rows: list[tuple[str, list[tuple[float, float]]]] = []
    rows.append(("textual hello-world", [measure(["--child-hello"]) for _ in range(opts.runs)]))
    for size in sizes:
        db = folder / f"archive-{size}.db"
        rows.append(
            (f"reader, {size:,} items", [measure(["--child-reader", str(db)]) for _ in range(opts.runs)])
        )
        rows.append(
            (f"`reader` command, {size:,}", [measure(["--child-cli", str(db)]) for _ in range(opts.runs)])
        )

    base = statistics.median(t for t, _ in rows[0][1])
    print(f"\nlaunch -> first headlines painted (median of {opts.runs}), peak RSS (max)")
    print(f"{'case':<26} {'first paint':>12} {'vs hello':>9} {'peak RSS':>10}")
    for name, runs in rows:
        t = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        print(f"{name:<26} {t * 1000:>9.0f} ms {t / base:>8.2f}x {rss:>7.0f} MiB")
    print("\ntargets: first paint < 500 ms with 100,000 items; RSS < 150 MiB")


if __name__ == "__main__":
    main()
