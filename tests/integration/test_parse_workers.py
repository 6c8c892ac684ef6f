"""The parse workers (reader/fetch/workers.py): how they start, and what a forked worker must not inherit.

Each case runs in a fresh interpreter (one thread, as `reader fetch` is when its first poll starts), so the
workers are forked, as they are there."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from feedbuild import rss

PRELUDE = """
import asyncio, os, signal, sys, threading
from datetime import UTC, datetime
from reader.fetch.workers import ParseWorkers
BODY = bytes.fromhex(sys.argv[1])
HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}
"""


def run(script: str) -> subprocess.CompletedProcess[str]:
    code = PRELUDE + textwrap.dedent(script)
    return subprocess.run(
        [sys.executable, "-c", code, rss(3).hex()],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_a_single_threaded_process_forks_its_workers_and_they_parse() -> None:
    out = run(
        """
        async def main():
            workers = ParseWorkers(2)
            workers.start()
            ctx = workers.pool._mp_context.get_start_method()
            parsed = await workers.parse(BODY, "http://127.0.0.1/f", HEADERS, datetime.now(UTC), timeout=30)
            await workers.aclose()
            print(ctx, len(parsed.items))
        asyncio.run(main())
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["fork", "3"]


def test_with_other_threads_running_the_workers_come_from_a_fork_server() -> None:
    out = run(
        """
        stop = threading.Event()
        threading.Thread(target=stop.wait, daemon=True).start()  # as the TUI has threads
        async def main():
            workers = ParseWorkers(1)
            parsed = await workers.parse(BODY, "http://127.0.0.1/f", HEADERS, datetime.now(UTC), timeout=30)
            ctx = workers.pool._mp_context.get_start_method()
            await workers.aclose()
            print(ctx, len(parsed.items))
        asyncio.run(main())
        stop.set()
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["forkserver", "3"]


def test_a_forked_worker_does_not_write_out_the_parents_buffered_output() -> None:
    # stdout is a pipe here, so "before" sits in the parent's buffer when the workers are forked; a worker
    # would write its copy of that buffer out when it exits, had it not been flushed before the fork.
    out = run(
        """
        print("before")
        async def main():
            workers = ParseWorkers(2)
            workers.start()
            await workers.parse(BODY, "http://127.0.0.1/f", HEADERS, datetime.now(UTC), timeout=30)
            await workers.aclose()
        asyncio.run(main())
        print("after")
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["before", "after"]


def test_a_terminated_worker_does_not_signal_the_parents_event_loop() -> None:
    # A parse past its time limit ends its worker with SIGTERM. A forked worker still had the event loop's
    # SIGTERM handler and wake-up pipe: the signal reached the parent's loop and stopped its fetch.
    out = run(
        """
        got = []
        async def main():
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGTERM, lambda: got.append("SIGTERM"))
            workers = ParseWorkers(1)
            workers.start()
            pool = workers.pool
            await workers.parse(BODY, "http://127.0.0.1/f", HEADERS, datetime.now(UTC), timeout=30)
            (process,) = pool._processes.values()
            process.terminate()
            await asyncio.to_thread(process.join)
            # Whatever the dying worker wrote to the wake-up pipe is there now: let the loop read it.
            for _ in range(5):
                await asyncio.sleep(0)
            await workers.aclose()
            print(process.exitcode, got)
        asyncio.run(main())
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "-15 []"


def test_a_worker_collects_young_objects_as_a_batch_does() -> None:
    """Young collections every BATCH_YOUNG allocations in the workers (reader/startmode.py)."""
    out = run(
        """
        import gc
        from reader.startmode import BATCH_YOUNG
        async def main():
            workers = ParseWorkers(1)
            workers.start()
            worker = workers.pool.submit(gc.get_threshold).result(timeout=30)
            await workers.aclose()
            print(worker[0] == BATCH_YOUNG, gc.get_threshold()[0] != BATCH_YOUNG)
        asyncio.run(main())
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]
