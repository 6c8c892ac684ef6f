"""Feed health: each feed's last status, error, failure count, and when it is next due and why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.models import Feed
from reader.ui.text import relative_age, safe, short_duration


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "—"
    if moment > now:
        ahead = short_duration(int((moment - now).total_seconds()))
        return "now" if ahead == "now" else "in " + ahead
    ago = relative_age(moment, now)
    return "just now" if ago == "now" else ago + " ago"


class FeedHealthScreen(ModalScreen[None]):
    """Feeds, failing ones first: each with its address, status, timing and the whole last error, wrapped to
    the width (80 columns too); then the feeds no longer polled that still hold items, each saying why. Feed
    text goes in as plain strings, never as markup."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="health.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="health.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="health.up"),
    ]

    def __init__(self, feeds: list[Feed], now: Callable[[], datetime], default_interval: int = 1800) -> None:
        super().__init__()
        self._default_interval = default_interval
        polled = [f for f in feeds if f.active]
        self._feeds = sorted(
            polled, key=lambda f: (not f.last_error, -f.failures, f.display_title.casefold())
        )
        self._idle = sorted((f for f in feeds if not f.active), key=lambda f: f.display_title.casefold())
        self._now = now

    def compose(self) -> ComposeResult:
        failing = sum(1 for f in self._feeds if f.last_error)
        summary = (
            f"{len(self._feeds)} feeds, {failing} failing"
            if failing
            else f"{len(self._feeds)} feeds, all well"
        )
        if self._idle:
            summary += f"; {len(self._idle)} not polled"
        now = self._now()
        with Vertical(id="health-box"):
            yield Static(
                Content.assemble(
                    ("Feed health", "bold"), "   ", (summary, "$text-muted"), ("   Esc closes", "$text-muted")
                )
            )
            with VerticalScroll(id="health-list", can_focus=True):
                if not self._feeds:
                    yield Static(Content("No feeds yet: a adds one."), classes="health-feed")
                for feed in self._feeds:
                    heading, details = feed_block(feed, now, self._default_interval)
                    with Vertical(classes="health-feed"):
                        yield Static(heading)
                        yield Static(details, classes="health-details")
                if self._idle:
                    yield Static(Content.styled("Not polled (their items stay listed)", "bold"))
                for feed in self._idle:
                    heading, details = idle_block(feed)
                    with Vertical(classes="health-feed"):
                        yield Static(heading)
                        yield Static(details, classes="health-details")

    def on_mount(self) -> None:
        self.query_one("#health-list").focus()

    def action_scroll(self, step: int) -> None:
        box = self.query_one("#health-list", VerticalScroll)
        box.scroll_to(y=box.scroll_y + step * 2, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


def status_text(f: Feed) -> str:
    if f.last_status is not None:
        return "file read" if f.url.startswith("file:") and f.last_status == 200 else f"HTTP {f.last_status}"
    return "never fetched" if f.last_fetched is None else "no reply"


def feed_block(f: Feed, now: datetime, default_interval: int = 1800) -> tuple[Content, Content]:
    """One feed's entry: its mark and title; then (indented, wrapped) its address, status, failures and
    timing, and the whole last error."""
    failing = bool(f.last_error)
    heading = Content.assemble(
        ("! " if failing else "✓ ", "bold $error" if failing else "$success"),
        (safe(f.display_title, 300), "bold"),
    )
    facts = [status_text(f)]
    if f.failures:
        facts.append(f"{f.failures} failure{'s' if f.failures != 1 else ''} in a row")
    facts.append(f"every {short_duration(f.poll_interval or default_interval)}")
    facts.append(f"fetched {_when(f.last_fetched, now)}")
    due = _when(f.next_due, now)
    why = safe(f.due_reason, 120)
    facts.append(f"next {due}" + (f" ({why})" if why else ""))
    parts: list[str | tuple[str, str]] = [(safe(f.url, 2048), "$text-muted"), "\n", " · ".join(facts)]
    if failing:
        parts += ["\n", ("Error: " + safe(f.last_error, 4000), "$error")]
    return heading, Content.assemble(*parts)


def idle_block(f: Feed) -> tuple[Content, Content]:
    """A feed no longer polled: its title, then its address, its items and why it is not polled."""
    heading = Content.assemble(("- ", "$text-muted"), (safe(f.display_title, 300), "bold $text-muted"))
    parts: list[str | tuple[str, str]] = []
    if f.origin != "pages":  # (the collection's address is no page's)
        parts += [(safe(f.url, 2048), "$text-muted"), "\n"]
    if f.item_count:  # (0: not counted yet; a feed not polled is listed only while it holds items)
        parts.append(f"{f.item_count:,} item{'s' if f.item_count != 1 else ''}, {f.unread_count:,} unread · ")
    parts.append(f.not_polled_reason or "")
    return heading, Content.assemble(*parts)
