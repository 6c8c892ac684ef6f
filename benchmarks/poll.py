"""Benchmark the poller against a loopback feed farm (and newsboat, when installed, as the baseline).

    python benchmarks/poll.py [--feeds 200] [--items 50] [--latency-ms 50] [--runs 5] [--no-newsboat]

Prints: first poll wall time, items/s, items stored; re-poll (all 304) wall time and share of conditional
requests; peak RSS of this process and of the parse workers (the poller in this process).

Then, with newsboat on PATH, WHOLE COMMANDS side by side on the same farm, in turn (ours, newsboat, ours, ...),
`--runs` times each, medians and the median of the pairwise ratios:
- first poll: `reader fetch --all --no-fulltext` on an empty data directory vs `newsboat -x reload`
  (reload-threads 16) on an empty cache;
- all-304 re-poll: the same two commands with their stores already filled (every feed answers 304).
`reader` runs with its byte code compiled (as an installed package has it).
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


def start_farm(
    feeds: int, items: int, latency_ms: float, titles: str | None = None
) -> tuple[subprocess.Popen[str], int]:
    args = ["--feeds", str(feeds), "--items", str(items), "--latency-ms", str(latency_ms)]
    if titles:
        args += ["--titles", titles]
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
        pool = poller.workers.pool
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


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, timeout=600, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(
            f"{cmd[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}"
        )
    return elapsed


def whole_commands(urls: list[str], tmp: Path, runs: int) -> None:
    """`reader fetch` and `newsboat -x reload` as whole processes, alternated, first poll and all-304."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "reader")],
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    config = tmp / "whole.toml"
    config.write_text('[fulltext]\npolicy = "off"\n' + "".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls))
    reader_cmd = [sys.executable, "-m", "reader", "--config", str(config)]
    home = tmp / "nb-whole"
    home.mkdir(exist_ok=True)
    (home / "urls").write_text("\n".join(urls) + "\n")
    (home / "config").write_text("reload-threads 16\nshow-read-feeds yes\n")
    nb_env = {**env, "HOME": str(home)}
    nb_cmd = ["newsboat", "-u", str(home / "urls"), "-c", str(home / "cache.db"), "-C", str(home / "config")]

    def ours(data: Path) -> float:
        return timed([*reader_cmd, "--data-dir", str(data), "fetch", "--all", "--no-fulltext", "-q"], env)

    def newsboat() -> float:
        return timed([*nb_cmd, "-x", "reload"], nb_env)

    first_a: list[float] = []
    first_b: list[float] = []
    for n in range(runs):
        data = tmp / f"whole-data-{n}"
        first_a.append(ours(data))
        for f in home.glob("cache.db*"):
            f.unlink()
        first_b.append(newsboat())
    # Both stores are now full: every feed answers 304 from here on.
    warm = tmp / f"whole-data-{runs - 1}"
    ours(warm)
    newsboat()
    again_a: list[float] = []
    again_b: list[float] = []
    for _ in range(runs):
        again_a.append(ours(warm))
        again_b.append(newsboat())
    for label, a, b in (("first poll", first_a, first_b), ("all-304 re-poll", again_a, again_b)):
        ratios = [x / y for x, y in zip(a, b, strict=True)]
        print(
            f"whole command, {label:<16}: reader {median(a):.2f} s, newsboat {median(b):.2f} s (medians of "
            f"{runs}); reader/newsboat {median(ratios):.2f}x (median of pairs, range "
            f"{min(ratios):.2f}-{max(ratios):.2f}); load {os.getloadavg()[0]:.1f}"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--workers", type=int, default=None, help="parse processes (default: one per core)")
    ap.add_argument(
        "--max-connections", type=int, default=None, help="global concurrency (default: config's)"
    )
    ap.add_argument("--runs", type=int, default=5, help="whole-command runs of each program")
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
                f"{(self_kib + r['workers_kib']) / 1024:.0f} MB (workers via /proc VmHWM, read before they exit; "
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
                    f"re-poll {r['second'] / warm:.2f}x (the poller in this process vs newsboat's command)"
                )
                whole_commands(urls, tmp, args.runs)
            elif not args.no_newsboat:
                print("newsboat not on PATH: no baseline (apt-get install newsboat)")
    finally:
        farm.terminate()
        farm.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
