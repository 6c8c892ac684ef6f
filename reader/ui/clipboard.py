"""Copying text: OSC 52 through the terminal (works over ssh, but many terminals ignore it, silently), plus
the local clipboard tool when there is one. Says honestly whether the copy may not have happened."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping

TOOL_TIMEOUT = 2.0

# Terminals known to accept OSC 52 clipboard writes, by the variables they set.
_YES_VARS = ("KITTY_WINDOW_ID", "WEZTERM_PANE", "WT_SESSION", "GHOSTTY_RESOURCES_DIR", "ALACRITTY_SOCKET")
_YES_PROGRAMS = ("iTerm.app", "WezTerm", "ghostty", "vscode", "kitty", "Tabby")
_YES_TERMS = ("kitty", "alacritty", "foot", "wezterm", "ghostty", "contour")


def osc52_support(env: Mapping[str, str], tmux_set_clipboard: str | None = None) -> bool | None:
    """True when the terminal is known to take OSC 52, False when known to ignore it, None when unknown.
    `tmux_set_clipboard` is tmux's `set-clipboard` option when running inside tmux."""
    if env.get("TMUX"):
        # tmux drops an application's OSC 52 unless set-clipboard is "on" (its default is "external").
        if tmux_set_clipboard is not None and tmux_set_clipboard != "on":
            return False
    elif env.get("STY"):
        return False  # GNU screen does not pass OSC 52 on
    term = env.get("TERM", "").lower()
    program = env.get("TERM_PROGRAM", "")
    if program == "Apple_Terminal" or term == "linux":
        return False
    if any(env.get(v) for v in _YES_VARS) or program in _YES_PROGRAMS or any(t in term for t in _YES_TERMS):
        return True
    if env.get("VTE_VERSION"):
        return False  # GNOME Terminal, Tilix, Terminator and the other VTE terminals ignore it
    return None


def _tool(env: Mapping[str, str]) -> list[str] | None:
    """The local clipboard command, when one fits this session (never over ssh: that is another machine's)."""
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        return None
    candidates: list[list[str]] = []
    if sys.platform == "darwin":
        candidates.append(["pbcopy"])
    if env.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if env.get("DISPLAY"):
        candidates += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    for command in candidates:
        if shutil.which(command[0]):
            return command
    return None


def copy_with_tool(text: str, env: Mapping[str, str]) -> str | None:
    """Copy with the local clipboard tool; its name on success, None when there is none or it failed.
    Blocking (a thread worker)."""
    command = _tool(env)
    if command is None:
        return None
    try:
        subprocess.run(
            command,
            input=text.encode("utf-8"),
            check=True,
            timeout=TOOL_TIMEOUT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return command[0]


def tmux_set_clipboard(env: Mapping[str, str]) -> str | None:
    """tmux's set-clipboard option, when inside tmux and it answers. Blocking (a thread worker)."""
    if not env.get("TMUX") or not shutil.which("tmux"):
        return None
    try:
        done = subprocess.run(
            ["tmux", "show-options", "-gv", "set-clipboard"],
            capture_output=True,
            timeout=TOOL_TIMEOUT,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.decode("utf-8", "replace").strip() or None


def copy_report(
    what: str, tool: str | None, support: bool | None, env: Mapping[str, str]
) -> tuple[str, bool]:
    """The status line after a copy, and whether it warns (the copy may not have happened)."""
    if tool is not None:
        return f"{what} copied", False
    if support is True:
        return f"{what} copied (through the terminal)", False
    if env.get("TMUX") and support is False:
        return (
            f"{what} sent to the terminal, but tmux may have ignored it (tmux: set -g set-clipboard on)",
            True,
        )
    if support is False:
        return f"{what} sent to the terminal, which may have ignored it (no OSC 52 support)", True
    return f"{what} sent to the terminal's clipboard (OSC 52); some terminals ignore it", True
