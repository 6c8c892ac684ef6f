"""The `reader` command: the cycle collector is paused for the start-up (reader/gcpause.py), then the
command line runs (reader/cli/commands.py)."""

from __future__ import annotations

from reader.gcpause import pause


def main() -> int:
    pause()
    from reader.cli.commands import main as run

    return run()
