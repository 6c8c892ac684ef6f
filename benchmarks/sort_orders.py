"""What the TUI's sort orders cost on a large archive: a page of headlines, an item's position and the next
unread item, for "oldest" and "by feed" beside the default "newest" (the baseline), in the same process.

    python benchmarks/sort_orders.py [--size 100000] [--dir /tmp/reader-bench-sort]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from startup import build_archive

from reader.models import SORT_ORDERS, View
from reader.store.feeds import Store


def timed(fn: Callable[[], object], runs: int = 7) -> float:
    """Median milliseconds of `runs` calls."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(store: Store, view: View, unread: View, middle: int, size: int) -> tuple[float, ...]:
    return (
        timed(lambda: store.headlines(view, 0, 200)),
        timed(lambda: store.headlines(view, size // 2, 200)),
        timed(lambda: store.position(view, middle)),
        timed(lambda: store.next_unread(view, middle, 1)),
        timed(lambda: store.headlines(unread, 0, 200)),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--dir", default="/tmp/reader-bench-sort")
    args = ap.parse_args()
    db = Path(args.dir) / f"archive-{args.size}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    if not db.exists():
        build_archive(db, args.size)
    with Store.open(db) as store:
        print(f"{args.size:,} items; median ms of 7 runs (newest first is the baseline)")
        print("position and next unread are taken from the item halfway down the view, in its order")
        print(
            f"{'order':<8} {'first page':>11} {'deep page':>10} {'position':>9} {'next unread':>12} {'unread view':>12}"
        )
        for order in SORT_ORDERS:
            view = View(order=order)
            unread = View(order=order, unread_only=True)
            middle = store.headlines(view, args.size // 2, 1)[0].id  # halfway down in this order
            row = measure(store, view, unread, middle, args.size)
            print(
                f"{order:<8} "
                + " ".join(f"{v:>{w}.1f}" for v, w in zip(row, (11, 10, 9, 12, 12), strict=True))
            )


if __name__ == "__main__":
    main()
