"""The `reader` command: start-up mode first (reader/startmode.py: no cycle collector, a short switch
interval), then the command line runs (reader/cli/commands.py)."""

from __future__ import annotations

from reader.startmode import begin


def main() -> int:
    begin()
    from reader.cli.commands import main as run

    return run()
