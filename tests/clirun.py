"""Run the `reader` command against one config and data dir, and get its exit status, stdout and stderr.

`run_cli` runs the command's `main()` in this process: its parsing, config, store, fetching (parse workers
included) and messages are the real ones, without a new interpreter importing everything again for each
command (that cost a third of the suite's time). Tests about the process itself (signals, a terminal, a closed
or full stdout, stdin, the interpreter's exit, `python -m reader`) start a real one with `subprocess.run`.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from unittest import mock


def run_cli(
    config: Path, data: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    proc = run_main(["--config", str(config), "--data-dir", str(data), *args], env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def run_main(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`reader ARGV` through `reader.cli.commands.main` in this process, as the console script runs it (with
    stdin empty and stdout/stderr pipes that are not a terminal); SystemExit (argparse) becomes the status."""
    from reader.cli.commands import main

    with _std_streams() as (out, err), mock.patch.dict(os.environ, {"NO_COLOR": "1", **(env or {})}):
        try:
            status: object = main(argv)
        except SystemExit as exc:
            status = exc.code
    if status is None:
        status = 0
    elif not isinstance(status, int):  # SystemExit("message"): Python prints it and exits 1
        err.write(f"{status}\n")
        status = 1
    return subprocess.CompletedProcess(["reader", *argv], status, _text(out), _text(err))


@contextlib.contextmanager
def _std_streams() -> Iterator[tuple[io.TextIOWrapper, io.TextIOWrapper]]:
    out, err = _pipe(), _pipe()
    stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, out, err
    try:
        yield out, err
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


def _pipe() -> io.TextIOWrapper:
    """A text stream with a `.buffer` (as `export -` writes bytes there), not a terminal, like a pipe."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="\n", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", "replace")
