"""Startup benchmark: launch -> first headline on screen in a real terminal (tmux 120x40), and the UI's RSS.

Builds an archive of 100,000 items (cached under a temp dir between runs), then runs, in tmux panes of
120x40 on a private tmux server, side by side in the same run:

- a Textual hello-world app (the baseline: the least any Textual app can do),
- the whole `reader` command (config, services, store, app) over the archive.

Each run is timed from just before the pane's command starts to the first `capture-pane` that shows the
expected text (the hello line; a headline of the archive), polled every few milliseconds; nothing inside
the measured program is changed or hooked. RSS (VmHWM, peak) is read from /proc for the pane's process at
that moment.

    python benchmarks/startup.py [--runs 5] [--size 100000] [--dir /tmp/reader-bench] [--first-launch]

The reader keeps the styles it parsed in its cache directory (reader/ui/stylecache.py), as a user's second
and later launches find them; `--first-launch` deletes them before each run (a first launch, or the first
after an upgrade of Textual).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FEEDS = 100
SOCKET = f"reader-bench-{os.getpid()}"
HELLO = """
from textual.app import App, ComposeResult
from textual.widgets import Static

class Hello(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("Hello, world")

Hello().run()
"""


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


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"tmux {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def rss_mib(pid: int) -> float:
    """Peak resident set (VmHWM) of `pid` and its children in the pane, in MiB."""
    total = 0.0
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    kids = [int(x) for x in out.split()]
    return kids + [g for k in kids for g in children(k)]


def measure(command: str, marker: str, env: dict[str, str]) -> tuple[float, float]:
    """(seconds from launch to `marker` on screen, RSS in MiB of the UI process at that moment)."""
    name = f"run{time.monotonic_ns()}"
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    start = time.perf_counter()
    tmux("new-window", "-d", "-t", "bench:", "-n", name, f"exec env {exports} {command}")
    target = f"bench:{name}"
    deadline = start + 30
    polls = 0
    try:
        while True:
            screen = tmux("capture-pane", "-p", "-t", target)
            if marker in screen:
                elapsed = time.perf_counter() - start
                break
            polls += 1
            if polls % 25 == 0 and tmux("display-message", "-p", "-t", target, "#{pane_dead}").strip() == "1":
                raise SystemExit(f"{command!r} exited before showing {marker!r}:\n{screen.strip()}")
            if time.perf_counter() > deadline:
                raise SystemExit(f"{command!r}: {marker!r} never appeared; screen:\n{screen}")
            time.sleep(0.002)
        pid = int(tmux("display-message", "-p", "-t", target, "#{pane_pid}").strip())
        # The UI process (the pane's process is `env`, exec'd into the program; the reader may fork workers).
        rss = rss_mib(pid)
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-window", "-t", target], capture_output=True)
    return elapsed, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / f"reader-startup-{os.getuid()}"))
    ap.add_argument(
        "--first-launch", action="store_true", help="no parsed styles kept from an earlier launch"
    )
    opts = ap.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed: the benchmark runs both apps in a real terminal")
    folder = Path(opts.dir)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"archive-{opts.size}.db"
    if not db.exists():
        t = time.perf_counter()
        build_archive(db, opts.size)
        print(f"built {opts.size:,}-item archive in {time.perf_counter() - t:.1f} s ({db})")

    # The reader's data dir: the archive (hard-linked), a config with no polling (nothing but the archive).
    data = folder / f"data-{opts.size}"
    data.mkdir(exist_ok=True)
    target = data / "reader.db"
    if not target.exists():
        os.link(db, target)
    for stale in ("ui-state.json", "pending-marks.json"):
        (data / stale).unlink(missing_ok=True)
    config = data / "config.toml"
    config.write_text('[general]\nrefresh_on_start = false\nauto_refresh = "off"\n')
    hello = folder / "hello.py"
    hello.write_text(HELLO)

    python = sys.executable
    # Byte-compile the package as `pip install` does: with an editable install and PYTHONDONTWRITEBYTECODE
    # set, every launch would compile the reader's sources again (and Textual's are compiled already).
    env_compile = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "reader")], check=True, env=env_compile)
    reader = Path(python).with_name("reader")
    reader_cmd = (
        f"{shlex.quote(str(reader))} --config {shlex.quote(str(config))} --data-dir {shlex.quote(str(data))}"
    )
    hello_cmd = f"{shlex.quote(python)} {shlex.quote(str(hello))}"
    env = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
    marker = "Headline 0 of feed 0"

    subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)
    tmux("new-session", "-d", "-s", "bench", "-x", "120", "-y", "40", "sleep 3600")
    tmux("set-option", "-g", "default-size", "120x40")
    tmux("set-option", "-g", "remain-on-exit", "on")
    try:
        # One of each first, unmeasured: the same disk cache for both.
        measure(hello_cmd, "Hello, world", env)
        measure(reader_cmd, marker, env)
        hello_runs: list[tuple[float, float]] = []
        reader_runs: list[tuple[float, float]] = []
        for _ in range(opts.runs):  # interleaved, so both see the same machine load
            hello_runs.append(measure(hello_cmd, "Hello, world", env))
            if opts.first_launch:
                (data / "cache" / "styles.pickle").unlink(missing_ok=True)
            reader_runs.append(measure(reader_cmd, marker, env))
            (data / "ui-state.json").unlink(missing_ok=True)
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)

    base = statistics.median(t for t, _ in hello_runs)
    print(
        f"\nlaunch -> first text on screen in tmux 120x40 (median of {opts.runs}), RSS at that moment (max)"
    )
    print(f"{'case':<48} {'first paint':>12} {'vs hello':>9} {'RSS':>9}")
    launch = ", first launch" if opts.first_launch else ""
    for name, runs in (
        ("textual hello-world", hello_runs),
        (f"`reader`, {opts.size:,} items{launch}", reader_runs),
    ):
        t = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        print(f"{name:<48} {t * 1000:>9.0f} ms {t / base:>8.2f}x {rss:>6.0f} MiB")
    print("\ntargets (issue 8): `reader` <= 1.3x the hello-world; UI RSS <= 150 MB")


if __name__ == "__main__":
    main()
