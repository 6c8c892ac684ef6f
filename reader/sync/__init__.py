"""Sync with a Google Reader API server, local-first: the outbox, push, pull and matching (see engine.py)."""
