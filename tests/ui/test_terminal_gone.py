"""A terminal that goes away without a SIGHUP reaching the app (under `make run`, or a multiplexer that does
not pass it on) ends the app as `q` does, instead of spinning on the dead terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

from uifakes import build_archive


def test_closing_the_terminal_under_the_app_quits_it_and_saves_state(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    build_archive(data / "reader.db")
    config = tmp_path / "config.toml"
    config.write_text('[general]\nrefresh_on_start = false\nauto_refresh = "off"\n')
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")} | {"TERM": "xterm-256color"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reader", "--config", str(config), "--data-dir", str(data)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,  # no controlling terminal to send it a SIGHUP: only the closed pty tells
    )
    os.close(slave)
    try:
        seen = b""
        while b"Tech Policy Press" not in seen:
            ready, _, _ = select.select([master], [], [], 20)
            assert ready, f"the app never painted: {seen[-300:]!r}"
            seen += os.read(master, 65536)
        os.close(master)  # the terminal window closes
        assert proc.wait(timeout=20) == 0  # (a bound for a broken build, not a timing assertion)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (data / "ui-state.json").exists()  # left the way `q` leaves: state saved
