"""The terminal driver: Textual's Linux driver, except that a terminal that goes away ends the app.

Under a wrapper that does not pass SIGHUP on (`make run`, some multiplexers), a closed terminal shows up
only as end of input or an I/O error on it. Textual's input loop then spins on the empty reads (a full
core, forever) or dies with a traceback. Here either one ends the app the way `q` does: state saved, marks
stored. (The loop follows textual 8.2.8's `LinuxDriver.run_input_thread`; Textual is pinned.)
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from reader.ui.messages import TerminalGone


class ReaderDriver(LinuxDriver):
    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        try:
            while not self.exit_event.is_set():
                ready = selector.select(0.1)
                for _key, mask in ready:
                    if not mask & selectors.EVENT_READ:
                        continue
                    try:
                        data = os.read(self.fileno, 1024 * 4)
                    except OSError as exc:  # EIO: the terminal's other end is closed
                        self._gone(f"terminal read failed: {exc.strerror}")
                        return
                    if not data:  # end of input: nobody will ever type here again
                        self._gone("end of input")
                        return
                    for event in parser.feed(decode(data)):
                        self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass

    def _gone(self, reason: str) -> None:
        self._app.post_message(TerminalGone(reason))
