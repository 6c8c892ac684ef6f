"""Which image widget a terminal gets: told apart by its environment, never by asking it (see reader/ui/picture.py)."""

from __future__ import annotations

import sys

import pytest

from reader.ui.picture import image_protocol, image_widget


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, "kitty"),
        ({"TERM": "xterm-ghostty", "TERM_PROGRAM": "ghostty"}, "kitty"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "sixel"),
        ({"TERM": "foot"}, "sixel"),
        ({"TERM": "xterm-256color", "KONSOLE_VERSION": "230804"}, "sixel"),
        ({"TERM": "xterm-256color", "WT_SESSION": "x"}, "sixel"),
        ({"TERM": "xterm-256color"}, "halfcell"),
        ({"TERM": "screen-256color", "TMUX": "/tmp/tmux-0/default,1,0", "KITTY_WINDOW_ID": "1"}, "halfcell"),
        ({"TERM": "xterm-256color", "READER_IMAGES": "Sixel"}, "sixel"),
        ({"TERM": "xterm-kitty", "READER_IMAGES": "halfcell"}, "halfcell"),
        ({"TERM": "xterm-kitty", "READER_IMAGES": "nonsense"}, "kitty"),
        ({}, "halfcell"),
    ],
)
def test_the_terminal_is_told_apart_by_its_environment(environ: dict[str, str], expected: str) -> None:
    assert image_protocol(environ) == expected


def test_loading_the_widget_leaves_standard_output_as_it_was() -> None:
    before = sys.__stdout__
    widget, protocol = image_widget({"READER_IMAGES": "halfcell"})
    assert sys.__stdout__ is before
    assert protocol == "halfcell" and widget.__name__ == "HalfcellImage"  # type: ignore[attr-defined]
