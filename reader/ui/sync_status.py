"""What the status bar says about the [sync] server: one short label from the waiting changes and the last sync."""

from __future__ import annotations


def sync_label(pending: int, error: str | None, synced: bool) -> tuple[str, bool]:
    """(text, is_error). Offline or refused: "sync failed", with the changes kept for the next sync."""
    waiting = f"{pending:,} waiting" if pending else ""
    if error:
        return ("sync failed · " + waiting if waiting else "sync failed"), True
    if waiting:
        return f"sync: {waiting}", False
    return ("synced" if synced else ""), False
