"""Run the real `reader` command in a child process against one config and data dir (no traceback allowed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(
    config: Path, data: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    cmd = [sys.executable, "-m", "reader", "--config", str(config), "--data-dir", str(data), *args]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=full_env, timeout=60, stdin=subprocess.DEVNULL
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc
