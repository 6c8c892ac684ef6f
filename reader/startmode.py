"""Start-up mode: the cycle collector paused, and threads handed the interpreter lock at once.

Start-up makes hundreds of thousands of objects that live as long as the process (modules, classes, the
widgets of the first screen), and CPython's collector walks all of them again and again while they are made:
at the TUI's start that was about a quarter of the time from mount to the first headline on screen.
Resuming first moves everything made so far into the permanent generation (`gc.freeze`): those objects are
never scanned again, which also keeps later collections short.

Meanwhile the main thread is busy, and other threads that have a short step to take wait for the
interpreter lock for Python's switch interval (5 ms) each time: Textual's output thread, with the first
screen written and ready to go to the terminal (measured: 5.6-7.8 ms from the frame queued to the frame on
the terminal, 0.5-2 ms with a 0.2 ms interval), and the thread that reads the first page of headlines
(reader/ui/first_page.py). So the interval is 0.2 ms until the start-up ends.

A command's one batch of work (`reader fetch`'s poll) runs with young collections 140 times rarer
(`batch`), and so do the parse workers: a first poll of 10,000 items made 130 collections, 25-30 ms of its
main process's CPU, and freed nothing that the end of the process would not (same peak RSS with the
collector off).

The `reader` command begins the mode before its imports (`begin`); the TUI ends it once the first screen is
on the terminal, every other command once its work starts (`end`). Only the command's entry point begins it:
the reader used as a library, or in tests, keeps the collector and the interval as it found them (`end`
does nothing when `begin` was not called).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_INTERVAL = 0.0002  # seconds
BATCH_YOUNG = 100_000  # allocations between young collections in a batch (CPython's default: 700)

_begun = False
_interval = 0.005  # the interval to put back


def begin() -> None:
    global _begun, _interval
    if gc.isenabled():
        gc.disable()
        _begun = True
        _interval = sys.getswitchinterval()
        sys.setswitchinterval(min(_interval, SWITCH_INTERVAL))


def end() -> None:
    global _begun
    if _begun:
        _begun = False
        gc.freeze()
        gc.enable()
        sys.setswitchinterval(_interval)


@contextmanager
def batch() -> Iterator[None]:
    """Young collections every `BATCH_YOUNG` allocations instead of 700, for one batch of work."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, BATCH_YOUNG), middle, old)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)
