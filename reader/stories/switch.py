"""A switch for measuring what story grouping costs: READER_STORIES=off in the environment (read once, at
import) turns it off everywhere, in the parse workers (no story terms) and in the store (no grouping: items stay
without a story until a re-grouping). For `benchmarks/stories.py poll`, which compares the two in separate
processes; not a user setting."""

from __future__ import annotations

import os

ENABLED = os.environ.get("READER_STORIES", "") != "off"
