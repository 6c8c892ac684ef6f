"""Start-up without the cycle collector.

Start-up makes hundreds of thousands of objects that live as long as the process (modules, classes, the
widgets of the first screen), and CPython's collector walks all of them again and again while they are made:
at the TUI's start that was about a quarter of the time from mount to the first headline on screen. The
`reader` command pauses the collector before its imports (`pause`); the TUI resumes it once the first screen
is on the terminal, every other command once its work starts (`resume`). Resuming first moves everything made
so far into the permanent generation (`gc.freeze`): those objects are never scanned again, which also keeps
later collections short.

Only the command's entry point pauses: the reader used as a library, or in tests, keeps the collector as it
found it (`resume` does nothing when `pause` was not called).
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
