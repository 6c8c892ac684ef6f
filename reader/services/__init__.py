"""What the CLI and the TUI ask of the core, in one object (`ReaderServices`): stores, polling and sync
(`core.py`), articles, site rules and images (`reading.py`), feed-list changes and bulk marks (`managing.py`),
stories and topics (`stories.py`). The UI depends on it through `reader.ui.protocol.Services`."""

from reader.services.core import FetchSummary, ReaderServices
from reader.services.stories import StoryCalls

__all__ = ["FetchSummary", "ReaderServices", "StoryCalls"]
