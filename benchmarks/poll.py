"""Benchmark the poller against a loopback feed farm (and newsboat, when installed, as the baseline).

    python benchmarks/poll.py [--feeds 200] [--items 50] [--latency-ms 50] [--no-newsboat]

Prints: first poll wall time, items/s, items stored; re-poll (all 304) wall time and share of conditional
requests; peak RSS of this process and of the parse workers. With newsboat on PATH, runs `newsboat -x reload`
(reload-threads 16) on the same farm three times from an empty cache, once more with a warm cache, and prints
the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from farm import feed_urls  # noqa: E402

from reader.fetch.poller import Poller, PollSettings  # noqa: E402
from reader.fetch.settings import ClientSettings  # noqa: E402
from reader.store.feeds import Store  # noqa: E402


def start_farm(feeds: int, items: int, latency_ms: float) -> tuple[subprocess.Popen[str], int]:
    args = ["--feeds", str(feeds), "--items", str(items), "--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "farm.py"), *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise SystemExit("the farm did not start")
    return proc, int(json.loads(line)["port"])


def vm_hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


async def run_ours(
    urls: list[str], db: Path, workers: int | None, max_conn: int | None = None
) -> dict[str, float]:
    store = Store.open(db)
    for u in urls:
        store.add_feed(u)
    feeds = store.feeds()
    client = ClientSettings(max_connections=max_conn) if max_conn else ClientSettings()
    settings = PollSettings(client, parse_workers=workers)
    poller = Poller(store, settings, writer_store=lambda: Store.open(db))
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        first = await poller.poll(feeds)
        t_first, cpu_first = time.perf_counter() - t0, time.process_time() - c0
        stored = store.count()
        feeds = store.feeds()
        t0 = time.perf_counter()
        second = await poller.poll(feeds)
        t_second = time.perf_counter() - t0
        pool = poller._pool
        worker_pids = list(getattr(pool, "_processes", {}) or {})
        worker_kib = [vm_hwm_kib(pid) for pid in worker_pids]
        worker_cpu = sum(cpu_seconds(pid) for pid in worker_pids)
    finally:
        await poller.aclose()
        store.close()
    failures = len(first.failures) + len(second.failures)
    return {
        "first": t_first,
        "stored": stored,
        "new": first.new_items,
        "second": t_second,
        "requests2": second.requests,
        "conditional2": second.conditional_requests,
        "not_modified2": second.not_modified,
        "failures": failures,
        "workers_kib": sum(worker_kib),
        "worker_max_kib": max(worker_kib, default=0),
        "nworkers": len(worker_kib),
        "cpu_first": cpu_first,
        "worker_cpu": worker_cpu,
    }


def run_newsboat(urls: list[str], tmp: Path, fresh: bool) -> float:
    home = tmp / "nb"
    if fresh and home.exists():
        shutil.rmtree(home)
    home.mkdir(exist_ok=True)
    (home / "urls").write_text("\n".join(urls) + "\n")
    (home / "config").write_text("reload-threads 16\nshow-read-feeds yes\n")
    env = {**os.environ, "HOME": str(home)}
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(key, None)
    cmd = ["newsboat", "-u", str(home / "urls"), "-c", str(home / "cache.db"), "-C", str(home / "config")]
    t0 = time.perf_counter()
    subprocess.run([*cmd, "-x", "reload"], env=env, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--workers", type=int, default=None, help="parse processes (default: one per core)")
    ap.add_argument(
        "--max-connections", type=int, default=None, help="global concurrency (default: config's)"
    )
    ap.add_argument("--no-newsboat", action="store_true")
    args = ap.parse_args()

    farm, port = start_farm(args.feeds, args.items, args.latency_ms)
    try:
        urls = feed_urls(port, args.feeds)
        with tempfile.TemporaryDirectory() as tmpdir:
            tmp = Path(tmpdir)
            r = asyncio.run(run_ours(urls, tmp / "reader.db", args.workers, args.max_connections))
            self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            total = args.feeds * args.items
            print(f"farm: {args.feeds} feeds x {args.items} items, {args.latency_ms:g} ms latency, 50 hosts")
            print(
                f"reader first poll : {r['first']:.2f} s, {r['new'] / r['first']:,.0f} items/s, "
                f"{r['stored']:,}/{total:,} items stored, {r['failures']:.0f} failures"
            )
            print(
                f"  CPU             : main {r['cpu_first']:.2f} s in the first poll, "
                f"parse workers {r['worker_cpu']:.2f} s over both polls; load {os.getloadavg()[0]:.1f}"
            )
            share = r["conditional2"] / r["requests2"] if r["requests2"] else 0.0
            print(
                f"reader re-poll    : {r['second']:.2f} s, {r['not_modified2']:.0f}/{r['requests2']:.0f} "
                f"answered 304, {share:.0%} conditional"
            )
            print(
                f"peak RSS          : main {self_kib / 1024:.0f} MB + {r['nworkers']:.0f} parse workers "
                f"{r['workers_kib'] / 1024:.0f} MB (largest {r['worker_max_kib'] / 1024:.0f} MB) = "
                f"{(self_kib + r['workers_kib']) / 1024:.0f} MB (workers via /proc VmHWM: they are forkserver children; "
                f"RUSAGE_CHILDREN, reaped children only: {children_kib / 1024:.0f} MB)"
            )
            if not args.no_newsboat and shutil.which("newsboat"):
                cold = [run_newsboat(urls, tmp, fresh=True) for _ in range(3)]
                warm = run_newsboat(urls, tmp, fresh=False)
                print(f"newsboat first    : {', '.join(f'{t:.2f}' for t in cold)} s (reload-threads 16)")
                print(f"newsboat re-poll  : {warm:.2f} s")
                best = min(cold)
                print(
                    f"ratio             : first poll {r['first'] / best:.2f}x newsboat's best, "
                    f"re-poll {r['second'] / warm:.2f}x"
                )
            elif not args.no_newsboat:
                print("newsboat not on PATH: no baseline (apt-get install newsboat)")
    finally:
        farm.terminate()
        farm.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
