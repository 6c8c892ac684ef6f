"""One sync: log in, push the outbox, pull subscriptions, items and state (then push what matching queued).

Local-first: the archive is the truth on this machine and a sync only adds to it. Any failure is one SyncError
naming the server and the reason; what was done before it is kept, and the outbox keeps every change not yet
sent, so the next sync picks up where this one stopped.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from reader import USER_AGENT
from reader.config.sync import SyncSettings
from reader.errors import SyncAuthError, SyncError
from reader.store.feeds import Store
from reader.sync.client import GReaderClient
from reader.sync.pull import PullReport, pull
from reader.sync.push import push


@dataclass
class SyncReport:
    host: str
    sent: int = 0
    pull: PullReport | None = None
    pending: int = 0
    account_changed: bool = False
    muted: int = 0  # new items [mute] rules marked read
    elapsed: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the user."""
        parts = [f"Synced with {self.host}"]
        if self.sent:
            parts.append(f"sent {self.sent} change{'s' if self.sent != 1 else ''}")
        p = self.pull
        if p is not None:
            parts.append(f"{p.new_items} new item{'s' if p.new_items != 1 else ''}")
            if self.muted:
                parts.append(f"{self.muted} muted")
            if p.matched:
                parts.append(f"{p.matched} matched with the archive")
            changed = p.read_changed + p.saved_changed
            if changed:
                parts.append(f"{changed} marked from the server")
            if p.feeds_added:
                parts.append(f"{p.feeds_added} feed{'s' if p.feeds_added != 1 else ''} added")
            if p.feeds_removed:
                parts.append(f"{p.feeds_removed} feed{'s' if p.feeds_removed != 1 else ''} removed")
        if self.pending:
            parts.append(f"{self.pending} change{'s' if self.pending != 1 else ''} still waiting")
        return ", ".join(parts) + f" ({self.elapsed:.1f} s)."


def run_sync(
    store: Store,
    settings: SyncSettings,
    *,
    push_only: bool = False,
    full: bool = False,
    env: Mapping[str, str] | None = None,
    user_agent: str = USER_AGENT,
    transport: httpx.BaseTransport | None = None,
) -> SyncReport:
    """Push, then pull (unless `push_only`). Raises SyncError (SyncAuthError for a refused login)."""
    start = time.monotonic()
    report = SyncReport(host=settings.host)
    if settings.warning:
        report.warnings.append(settings.warning)
    try:
        password = settings.resolve_password(env)
        report.account_changed = store.bind_sync_account(settings.account)
        with GReaderClient(
            settings.url,
            settings.user,
            password,
            timeout=settings.timeout,
            user_agent=user_agent,
            transport=transport,
            ca_file=settings.ca_file,
        ) as client:
            client.login()
            pushed = push(store, client)
            report.sent = pushed.sent
            report.warnings.extend(pushed.refused)
            if not push_only:
                report.pull = pull(store, client, full=full)
                report.warnings.extend(report.pull.warnings)
                if report.pull.queued:  # local state an archive had before sync: send it now
                    report.sent += push(store, client).sent
    except SyncAuthError as exc:
        raise SyncAuthError(f"sync with {settings.host} failed: {exc}") from None
    except SyncError as exc:
        raise SyncError(f"sync with {settings.host} failed: {exc}") from None
    report.pending = store.pending_changes()
    report.elapsed = time.monotonic() - start
    return report
