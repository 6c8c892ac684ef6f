"""The first screen's reads, started as the screen is made: the view's row count and its first page.

With a large archive they are the start-up's only long reads (a folded view of 100,000 items counts its
stories: a few milliseconds of SQLite). Started on a thread of their own when the screen is built, they run
on the other core while Textual builds and styles the widgets; the screen takes them when it first fills
the headline list, or reads them itself when the view changed meanwhile or the thread failed. (Start-up
mode, reader/startmode.py, hands this thread the interpreter lock at once between its steps.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from reader.models import Headline, View
from reader.store.feeds import Store

WAIT = 5.0  # seconds to wait for the thread before reading on the UI thread (its reads never wait on locks)


class FirstPage:
    def __init__(self, open_store: Callable[[], Store], view: View, limit: int) -> None:
        self.view = view
        self._result: tuple[int, list[Headline]] | None = None
        self._thread = threading.Thread(
            target=self._read, args=(open_store, limit), name="reader-first-page", daemon=True
        )
        self._thread.start()

    def _read(self, open_store: Callable[[], Store], limit: int) -> None:
        try:
            store = open_store()
            try:
                total = store.count(self.view)
                self._result = (total, store.headlines(self.view, 0, limit, total=total))
            finally:
                store.close()
        except Exception:  # the screen reads them itself, and reports what goes wrong
            self._result = None

    def take(self, view: View) -> tuple[int, list[Headline]] | None:
        """(rows in `view`, its first rows), when they were read for this very view; else None."""
        if view != self.view:
            return None
        self._thread.join(WAIT)
        return None if self._thread.is_alive() else self._result
