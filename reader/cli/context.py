"""What every command gets: the parsed arguments' world (services, an open store, config, paths) and `fail`."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from reader.config.model import Config
from reader.locations import Locations
from reader.services import ReaderServices
from reader.store.feeds import Store


@dataclass
class Context:
    services: ReaderServices
    store: Store
    config: Config
    locations: Locations


def fail(message: str, status: int) -> int:
    """Print one `reader: ...` line on stderr and return `status` (the command's exit status)."""
    print(f"reader: {message}", file=sys.stderr)
    return status
