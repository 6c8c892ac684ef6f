"""Fetching: the polite HTTP client and its transport, schedules, the poller, full-text prefetch, the fetch lock."""
