"""Sync benchmark: `reader sync` as a whole command against a loopback Google Reader server (tests/greader_server.py,
FreshRSS's behaviour) carrying 100 feeds and 10,000 items.

Measures, each as the wall-clock time of a fresh `python -m reader ... sync` process:
  - the first pull of all 10,000 items into an empty archive (target <= 15 s), and
  - a sync with nothing new (median of several runs; target <= 0.5 s),
next to a baseline measured the same way in the same run: `reader list --limit 1` (start-up, config and
database, no network).

    python benchmarks/sync.py [--feeds 100] [--items 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    server = GReaderServer(password=PASSWORD).start()
    try:
        populate(server, args.feeds, args.items)
        with tempfile.TemporaryDirectory(prefix="reader-sync-bench-") as tmp:
            config = Path(tmp) / "config.toml"
            config.write_text(f'[sync]\nurl = "{server.url}"\nuser = "reader"\n')
            config.chmod(0o600)
            env = {**os.environ, "READER_SYNC_PASSWORD": PASSWORD}
            # As installed: with bytecode caches (this sandbox sets PYTHONDONTWRITEBYTECODE, which makes every
            # process recompile every module it imports).
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
                env.pop(name, None)
            base = [
                sys.executable,
                "-m",
                "reader",
                "--config",
                str(config),
                "--data-dir",
                str(Path(tmp) / "d"),
            ]

            timed([*base, "list", "--limit", "1"], env)  # warm-up: writes the bytecode caches
            timed([sys.executable, "-c", "import reader.sync.engine, reader.cli.sync"], env)
            CPU.clear()
            first, out = timed([*base, "sync"], env)
            print(f"server: {args.feeds} feeds, {len(server.items)} items (loopback, FreshRSS behaviour)")
            print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            print(
                f"first pull   reader sync            {first:6.2f} s wall, {CPU[0]:5.2f} s CPU  (target <= 15 s)"
            )
            print(f"             {out}")
            before = len(server.log)
            noop, noop_cpu = runs([*base, "sync"], env, args.runs)
            calls = (len(server.log) - before) / args.runs
            baseline, base_cpu = runs([*base, "list", "--limit", "1"], env, args.runs)
            print(
                f"nothing new  reader sync            {statistics.median(noop):6.3f} s wall, {noop_cpu:5.3f} s CPU  "
                f"(target <= 0.5 s; median of {args.runs}, min {min(noop):.3f}; {calls:.0f} requests each)"
            )
            print(
                f"baseline     reader list --limit 1  {statistics.median(baseline):6.3f} s wall, {base_cpu:5.3f} s CPU  "
                f"(start-up, config, database; no network; min {min(baseline):.3f})"
            )
            print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
