"""Sync benchmark: `reader sync` as a whole command against a loopback Google Reader server (tests/greader_server.py,
FreshRSS's behaviour) carrying 100 feeds and 10,000 items.

Measures, each as the wall-clock time of a fresh `python -m reader ... sync` process:
  - the first pull of all 10,000 items into an empty archive (target <= 15 s), and
  - a sync with nothing new (median of several runs; target <= 0.5 s),
next to a baseline measured the same way in the same run: `reader list --limit 1` (start-up, config and
database, no network).

    python benchmarks/sync.py [--feeds 100] [--items 10000] [--runs 5] [--freshrss TREE]

With --freshrss, the same against a real FreshRSS 1.24.3 tree on loopback (../shared/tools/freshrss), which first
fetches the feeds from a loopback farm (about 4 minutes for 100 feeds of 100 items here).
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from greader_server import GReaderServer  # noqa: E402

PASSWORD = "reader-api-pw"


def populate(server: GReaderServer, feeds: int, items: int) -> None:
    per_feed = items // feeds
    body = "<p>" + "Some words of summary text about policy and technology. " * 15 + "</p>"
    for f in range(feeds):
        fid = server.add_feed(f"https://feed{f}.example/rss", f"Feed number {f}", label=f"Folder {f % 7}")
        for n in range(per_feed):
            server.add_item(
                fid,
                f"Headline {n} of feed {f}: something about policy and technology",
                f"https://feed{f}.example/posts/{n}",
                read=n % 3 == 0,
                starred=n % 50 == 0,
                content=body,
            )


CPU: list[float] = []  # CPU seconds (user + system) of each measured child, beside its wall time


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[3:])} failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, proc.stdout.strip()


def runs(cmd: list[str], env: dict[str, str], n: int) -> tuple[list[float], float]:
    """Wall times of n runs, and the median CPU time of the child."""
    CPU.clear()
    walls = [timed(cmd, env)[0] for _ in range(n)]
    return walls, statistics.median(CPU)


def measure(api_url: str, label: str, runs_n: int, requests: Callable[[], int] | None = None) -> None:
    """First pull into an empty archive, then syncs with nothing new, beside `reader list --limit 1`."""
    with tempfile.TemporaryDirectory(prefix="reader-sync-bench-") as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(f'[sync]\nurl = "{api_url}"\nuser = "reader"\n')
        config.chmod(0o600)
        env = {**os.environ, "READER_SYNC_PASSWORD": PASSWORD}
        # As installed: with bytecode caches (this sandbox sets PYTHONDONTWRITEBYTECODE, which makes every
        # process recompile every module it imports).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env.pop(name, None)
        data = str(Path(tmp) / "d")
        base = [sys.executable, "-m", "reader", "--config", str(config), "--data-dir", data]

        timed([*base, "list", "--limit", "1"], env)  # warm-up: writes the bytecode caches
        timed([sys.executable, "-c", "import reader.sync.engine, reader.cli.sync"], env)
        CPU.clear()
        first, out = timed([*base, "sync"], env)
        print(f"server: {label}")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(
            f"first pull   reader sync            {first:6.2f} s wall, {CPU[0]:5.2f} s CPU  (target <= 15 s)"
        )
        print(f"             {out}")
        before = requests() if requests else 0
        noop, noop_cpu = runs([*base, "sync"], env, runs_n)
        calls = f"; {(requests() - before) / runs_n:.0f} requests each" if requests else ""
        baseline, base_cpu = runs([*base, "list", "--limit", "1"], env, runs_n)
        print(
            f"nothing new  reader sync            {statistics.median(noop):6.3f} s wall, {noop_cpu:5.3f} s CPU  "
            f"(target <= 0.5 s; median of {runs_n}, min {min(noop):.3f}{calls})"
        )
        print(
            f"baseline     reader list --limit 1  {statistics.median(baseline):6.3f} s wall, {base_cpu:5.3f} s CPU  "
            f"(start-up, config, database; no network; min {min(baseline):.3f})"
        )
        print(f"load average after: {os.getloadavg()[0]:.1f}")


def freshrss(tree: str, feeds: int, items: int, runs_n: int) -> None:
    """The same against a real FreshRSS (slow to set up: it fetches every feed from a loopback farm first)."""
    from httpserver import LoopbackServer

    farm = LoopbackServer().start()
    now = datetime.now(UTC)
    per_feed = items // feeds
    urls = []
    for f in range(feeds):
        body = "".join(
            f"<item><title>Headline {n} of feed {f}</title><link>https://feed{f}.example/posts/{n}</link>"
            f"<guid>https://feed{f}.example/posts/{n}</guid>"
            f"<pubDate>{format_datetime(now - timedelta(minutes=7 * n + f))}</pubDate>"
            f"<description>{'Some words of summary text. ' * 15}</description></item>"
            for n in range(per_feed)
        )
        doc = (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {f}</title>{body}</channel></rss>'
        )
        urls.append(farm.serve(f"/f{f}.xml", doc.encode()))
    script = ROOT.parent / "shared/tools/freshrss/start-freshrss.sh"
    with tempfile.TemporaryDirectory(prefix="reader-sync-bench-fr-") as work:
        opml = Path(work) / "subs.opml"
        opml.write_text(
            '<?xml version="1.0"?><opml version="2.0"><body><outline text="Tests">'
            + "".join(f'<outline type="rss" text="F{i}" xmlUrl="{u}"/>' for i, u in enumerate(urls))
            + "</outline></body></opml>"
        )
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "FRESHRSS_SRC": tree, "FRESHRSS_OPML": str(opml), "FRESHRSS_NO_APT": "1"}
        instance = str(Path(work) / "instance")
        start = time.perf_counter()
        subprocess.run(
            ["bash", str(script), "start", instance, str(port)], env=env, check=True, capture_output=True
        )
        print(f"FreshRSS fetched {feeds} feeds in {time.perf_counter() - start:.0f} s")
        try:
            measure(
                f"http://127.0.0.1:{port}/api/greader.php", f"FreshRSS 1.24.3 ({tree}), {feeds} feeds", runs_n
            )
        finally:
            subprocess.run(["bash", str(script), "stop", instance], env=env, capture_output=True)
            farm.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--freshrss", metavar="TREE", help="also against a real FreshRSS tree (minutes to set up)"
    )
    args = ap.parse_args()

    server = GReaderServer(password=PASSWORD).start()
    try:
        populate(server, args.feeds, args.items)
        label = f"{args.feeds} feeds, {len(server.items)} items (loopback test server, FreshRSS behaviour)"
        measure(server.url, label, args.runs, lambda: len(server.log))
    finally:
        server.stop()
    if args.freshrss:
        print()
        freshrss(args.freshrss, args.feeds, args.items, args.runs)


if __name__ == "__main__":
    main()
