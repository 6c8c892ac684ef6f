"""Which image widget this terminal gets (textual-image), chosen without asking the terminal anything.

textual-image asks the terminal on import (Sixel? the Kitty graphics protocol? the cell size in pixels?),
reading the answer from stdin. It is imported when the viewer first opens, long after Textual took stdin
over: an answer would go to Textual as keystrokes and the question would wait out its timeout. So the
terminal is told apart by its environment instead, the cell size comes from the terminal's window-size ioctl
(no reply to wait for), and textual-image is imported while standard output says it is not a terminal
(its questions are skipped).

`READER_IMAGES` = kitty | sixel | halfcell picks one by hand.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.widget import Widget

PROTOCOLS = ("kitty", "sixel", "halfcell")
DEFAULT_CELL = (10, 20)  # pixels per cell when the terminal does not say (textual-image's own default)
_SIXEL_PROGRAMS = ("wezterm", "iterm.app", "mintty", "contour", "konsole", "rio")
_SIXEL_TERMS = ("foot", "mlterm", "contour", "yaft", "wezterm")
_import_lock = threading.Lock()


def image_protocol(environ: Mapping[str, str]) -> str:
    """ "kitty" (the Kitty graphics protocol), "sixel", or "halfcell" (coloured half blocks: any terminal)."""
    chosen = environ.get("READER_IMAGES", "").strip().lower()
    if chosen in PROTOCOLS:
        return chosen
    if environ.get("TMUX") or environ.get("STY"):
        return "halfcell"  # tmux and screen pass neither protocol through by default
    term = environ.get("TERM", "").lower()
    program = environ.get("TERM_PROGRAM", "").lower()
    if (
        term == "xterm-kitty"
        or environ.get("KITTY_WINDOW_ID")
        or program == "ghostty"
        or term == "xterm-ghostty"
    ):
        return "kitty"
    if program in _SIXEL_PROGRAMS or term.startswith(_SIXEL_TERMS) or environ.get("KONSOLE_VERSION"):
        return "sixel"
    if environ.get("WT_SESSION"):  # Windows Terminal draws Sixel since 1.22
        return "sixel"
    return "halfcell"


def cell_pixels() -> tuple[int, int]:
    """(width, height) of one character cell in pixels, from the window-size ioctl; the default if unknown."""
    try:
        import fcntl
        import struct
        import termios

        stream = sys.__stdout__
        if stream is None or not stream.isatty():
            return DEFAULT_CELL
        packed = fcntl.ioctl(stream.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
        rows, cols, width, height = struct.unpack("HHHH", packed)
    except (ImportError, OSError, ValueError):
        return DEFAULT_CELL
    if not (rows and cols and width and height):
        return DEFAULT_CELL  # tmux and many others leave the pixel size 0
    return max(1, width // cols), max(1, height // rows)


class _NotATerminal:
    """Standard output as it is, except that it says it is no terminal (see the module's docstring)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def image_widget(environ: Mapping[str, str] | None = None) -> tuple[Callable[..., Widget], str]:
    """The textual-image widget class for this terminal, and the protocol's name. Imports textual-image and
    Pillow (call it from a worker thread: the import takes a moment)."""
    protocol = image_protocol(os.environ if environ is None else environ)
    with _import_lock:
        from textual_image import _terminal

        if not hasattr(_terminal.get_cell_size, "_result"):
            _terminal.get_cell_size._result = _terminal.CellSize(*cell_pixels())  # type: ignore[attr-defined]
        real = sys.__stdout__
        if real is not None and "textual_image.widget" not in sys.modules:
            sys.__stdout__ = _NotATerminal(real)  # type: ignore[assignment,misc]
        try:
            import textual_image.widget as widgets
        finally:
            sys.__stdout__ = real  # type: ignore[misc]
    classes: dict[str, Callable[..., Widget]] = {
        "kitty": widgets.TGPImage,
        "sixel": widgets.SixelImage,
        "halfcell": widgets.HalfcellImage,
    }
    return classes[protocol], protocol
