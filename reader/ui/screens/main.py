"""The main screen: feeds, headlines and article panes, and the mediator between them, the store and workers."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from reader.errors import ReaderError
from reader.models import View, ViewKind
from reader.ui.messages import RefreshFinished, RefreshProgress
from reader.ui.protocol import PollSummary
from reader.ui.screens.base import FIRST_PAINT_WAIT
from reader.ui.screens.layout import LayoutScreen
from reader.ui.screens.siterules import SiteRuleActions
from reader.ui.screens.stories import StoryActions
from reader.ui.text import safe

MIN_AUTO_REFRESH = 5.0  # seconds: the soonest an automatic poll follows another


class MainScreen(LayoutScreen, StoryActions, SiteRuleActions):
    """The main screen: its key bindings, view actions (search, filter, focus mode), refreshing and worker failures."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "down", "Down", show=False, id="down"),
        Binding("k,up", "up", "Up", show=False, id="up"),
        Binding("enter", "open", "Open", id="open"),
        Binding("space", "page_down", "Page down, then next unread", show=False, id="page_down"),
        Binding("b", "page_up", "Page up", show=False, id="page_up"),
        Binding("n", "next_unread", "Next unread", id="next_unread"),
        Binding("p", "prev_unread", "Previous unread", show=False, id="prev_unread"),
        Binding("t", "toggle_source", "Full text/feed text", show=False, id="toggle_source"),
        Binding("s", "toggle_saved", "Save", id="toggle_saved"),
        Binding("m", "toggle_read", "Read/unread", show=False, id="toggle_read"),
        Binding("A", "mark_view_read", "Mark view read", show=False, id="mark_view_read"),
        Binding("u", "undo", "Undo", show=False, id="undo"),
        Binding("o", "open_browser", "Open link", show=False, id="open_browser"),
        Binding("y", "copy_link", "Copy link", show=False, id="copy_link"),
        Binding("slash", "search", "Search", id="search"),
        Binding("f", "filter_unread", "Unread only", show=False, id="filter_unread"),
        Binding("z", "zen", "Focus mode", show=False, id="zen"),
        Binding("r", "refresh", "Refresh feed", show=False, id="refresh"),
        Binding("R", "refresh_all", "Refresh all", id="refresh_all"),
        Binding("tab", "next_pane", "Next pane", show=False, id="next_pane"),
        Binding("shift+tab", "previous_pane", "Previous pane", show=False, id="previous_pane"),
        Binding("H,exclamation_mark", "feed_health", "Feed health", show=False, id="feed_health"),
        Binding("escape", "back", "Back", show=False, id="back"),
        # Feeds, sorting, marking many, numbered links, layout (reader/ui/screens/managing.py, layout.py).
        Binding("a", "add_feed", "Add feed", show=False, id="add_feed"),
        Binding("e", "rename_feed", "Rename feed / edit topic", show=False, id="rename_feed"),
        Binding("number_sign", "retag_feed", "Retag feed", show=False, id="retag_feed"),
        Binding("D", "remove_feed", "Remove feed / delete topic", show=False, id="remove_feed"),
        Binding("P", "save_page", "Save a web page", show=False, id="save_page"),
        Binding("E", "site_rule", "Reader-mode rule for the site", show=False, id="site_rule"),
        Binding("O", "cycle_sort", "Sort order", show=False, id="cycle_sort"),
        Binding("M", "mark_menu", "Mark read above/below/older", show=False, id="mark_menu"),
        Binding("l", "open_link_n", "Open link N", show=False, id="open_link_n"),
        Binding("Y", "copy_link_n", "Copy link N", show=False, id="copy_link_n"),
        Binding("i", "view_image", "View image N", show=False, id="view_image"),
        Binding("minus", "shrink_headlines", "Shorter headline pane", show=False, id="shrink_headlines"),
        Binding(
            "plus,equals_sign", "grow_headlines", "Taller headline pane", show=False, id="grow_headlines"
        ),
        Binding("less_than_sign", "narrow_article", "Narrower article", show=False, id="narrow_article"),
        Binding("greater_than_sign", "widen_article", "Wider article", show=False, id="widen_article"),
    ]

    def on_mount(self) -> None:
        self.headlines.now = self.settings.now
        if not self._view_exists(self.view):
            self.view = View(fold_stories=self.view.fold_stories)
        self.replay_pending()
        self._load_headlines(restore_id=self._restore_item)
        self.headlines.focus()
        self.call_after_refresh(self.mount_footer)
        # Feed counts are grouped queries over the whole archive: a worker counts them after the first paint.
        self.refresh_feeds()
        if self.settings.refresh_on_start:
            self.call_after_refresh(self.refresh_due)
        elif self.settings.sync:  # sync at start-up even when feeds wait for their schedule
            self.call_after_refresh(lambda: self.start_poll([], due_only=True))
        self._auto_timer: Timer | None = None
        self._schedule_auto_refresh()
        self.set_interval(30, self.show_updated)  # keeps "updated 2m ago" true

    def action_back(self) -> None:
        if self.zen:
            self.action_zen()
        elif self.view.search:
            self.clear_search()
        elif self.feeds_open or not self.headlines.has_focus:
            self.open_feeds(False)
            self.headlines.focus()

    # ------------------------------------------------------------------ feeds and topics

    def action_rename_feed(self) -> None:
        """`e` renames the selected feed; on a topic (its row in the feed pane, or its view) it edits it."""
        topic = self.topic_target()
        if topic is not None:
            self.edit_topic(topic)
        else:
            super().action_rename_feed()

    def action_remove_feed(self) -> None:
        """`D` unsubscribes from the selected feed; on a topic it deletes the topic (after asking)."""
        topic = self.topic_target()
        if topic is not None:
            self.delete_topic(topic)
        else:
            super().action_remove_feed()

    # ------------------------------------------------------------------ views

    def action_filter_unread(self) -> None:
        """Unread only, or everything again, staying on the highlighted item (the one being read stays
        listed while the filter is on)."""
        current = self.headlines.highlighted
        self.set_view(
            replace(self.view, unread_only=not self.view.unread_only),
            keep_item=current.id if current is not None else None,
        )

    def action_zen(self) -> None:
        zen = self.zen = not self.zen
        for pane in (self.feed_list, self.headlines, *self.query("#footer")):
            pane.set_class(zen, "-zen-hidden")
        self.status.set_class(zen, "-zen")
        _center(self.article, zen)
        if zen:
            if self.open_item is None and self.headlines.highlighted is not None:
                self.open_headline(self.headlines.highlighted)
            self.article.focus()
        else:
            self.headlines.focus()
        self.on_zen_changed(zen)

    def action_feed_health(self) -> None:
        from reader.ui.screens.health import FeedHealthScreen  # its DataTable is not needed at start-up

        # Fresh fetch state; the item counts in hand (counted off this thread) for the feeds not polled.
        counted = {f.id: f for f in self._feeds}
        feeds = [
            f if f.active or f.id not in counted else counted[f.id]
            for f in self.store.feeds(include_inactive=True)
        ]
        self.app.push_screen(FeedHealthScreen(feeds, self.settings.now, self.settings.default_interval))

    # ------------------------------------------------------------------ refreshing

    def _schedule_auto_refresh(self) -> None:
        """The next automatic poll: when the first feed falls due (its own interval, server hints, backoff),
        and at the latest `auto_refresh` from now. A feed polled every minute is polled every minute, not
        at the next `auto_refresh` tick after it fell due."""
        every = self.settings.auto_refresh
        if not every:
            return
        delay = float(every)
        dues = [f.next_due for f in self._feeds if f.active and f.next_due is not None]
        if dues:
            until_due = (min(dues) - self.settings.now()).total_seconds() + 1  # a second past due
            delay = min(delay, max(MIN_AUTO_REFRESH, until_due))
        if self._auto_timer is not None:
            self._auto_timer.stop()
        self._auto_timer = self.set_timer(delay, self._tick_auto_refresh)

    def after_feeds_counted(self) -> None:
        self._schedule_auto_refresh()  # from the feeds' schedules as now counted

    def _tick_auto_refresh(self) -> None:
        if self.polling:
            self._schedule_auto_refresh()
        else:
            self.refresh_due()

    def refresh_due(self) -> None:
        """Poll the feeds whose schedule (interval, server hints, backoff) says they are due."""
        self.start_poll(None, due_only=True)

    def action_refresh(self) -> None:
        if self.view.kind is ViewKind.FEED and self.view.feed_id is not None:
            self._refresh_feed(self.view.feed_id)
        elif self.view.kind is ViewKind.TAG:
            self.start_poll([f.id for f in self.store.feeds() if self.view.tag in f.tags])
        elif (headline := self.headlines.highlighted) is not None:
            self._refresh_feed(headline.feed_id)
        else:
            self.start_poll(None)

    def _refresh_feed(self, feed_id: int) -> None:
        """Poll one feed; one no longer polled is not asked for anything (the poll would skip it): say why."""
        feed = next((f for f in self._feeds if f.id == feed_id), None)
        if feed is not None and feed.not_polled_reason is not None:
            self.status.set_notice(f"{safe(feed.display_title, 60)} is not polled: {feed.not_polled_reason}")
            return
        self.start_poll([feed_id])

    def action_refresh_all(self) -> None:
        self.start_poll(None)

    def start_poll(self, feed_ids: list[int] | None, *, due_only: bool = False) -> None:
        if self.polling:
            if not due_only:
                self.status.set_notice("Already refreshing")
            return
        self.polling = True
        self._poll_new = 0
        self._poll_due_only = due_only
        self.status.set_activity("Refreshing…")
        self.poll(feed_ids, due_only)

    @work(thread=True, group="poll", exit_on_error=False, description="refreshing feeds")
    def poll(self, feed_ids: list[int] | None, due_only: bool = False) -> None:
        def progress(done: int, total: int, new_items: int) -> None:
            self.post_message(RefreshProgress(done, total, new_items))

        self.first_paint.wait(FIRST_PAINT_WAIT)  # a poll at start-up: the headlines are on screen first
        self.post_message(RefreshFinished(self.services.poll(feed_ids, progress, due_only=due_only)))

    @on(RefreshProgress)
    def _on_poll_progress(self, event: RefreshProgress) -> None:
        new = f" · {event.new_items} new" if event.new_items else ""
        self.status.set_activity(f"Refreshing {event.done}/{event.total}{new}")
        if event.new_items > self._poll_new:
            self._poll_new = event.new_items
            self.reload_headlines()
            self.refresh_feeds()

    @on(RefreshFinished)
    def _on_poll_finished(self, event: RefreshFinished) -> None:
        summary = event.summary
        self.polling = False
        self.status.set_activity("")
        self._on_synced(summary)
        if summary.total and not summary.offline and len(summary.failures) < summary.total:
            self.last_update = self.settings.now()
        self.reload_headlines()
        self.refresh_feeds()
        self._schedule_auto_refresh()
        if summary.busy:
            self.status.set_notice("Another fetch is running; its items appear here as they arrive")
            return
        if summary.failures and summary.total == 1:
            # One feed refreshed on its own: say which and why, not "offline" (the others may be fine).
            title, _url, reason = summary.failures[0]
            self.status.set_notice(
                f"Couldn't refresh {safe(title, 40)}: {safe(reason, 80)} (H: details)", error=True
            )
            return
        if summary.offline:
            self.status.set_notice("Offline: feeds can't be reached; showing the archive", error=True)
            if not self._offline_told:
                self._offline_told = True
                self.notify("Feeds can't be reached right now. Reading from the archive.", markup=False)
            return
        self._offline_told = False
        if summary.total == 0 and self._poll_due_only:
            self.status.set_notice("")  # nothing was due: nothing to say
            return
        parts = [f"{summary.new_items} new" if summary.new_items else "No new items"]
        if summary.muted:
            parts.append(f"{summary.muted} muted")
        if summary.failures:
            parts.append(f"{len(summary.failures)} of {summary.total} feeds failed (H: details)")
        self.status.set_notice(" · ".join(parts), error=bool(summary.failures))

    def _on_synced(self, summary: PollSummary) -> None:
        if not summary.sync:
            return
        for warning in summary.sync_warnings:
            if warning not in self._sync_warned:  # once per session
                self._sync_warned.add(warning)
                self.notify(safe(warning, 300), markup=False, severity="warning", timeout=10)
        if summary.sync_error and summary.sync_error != self.sync_error:
            # Once per failure, not per refresh; offline is said by the feeds' own notice.
            self.notify(f"{safe(summary.sync_error, 300)}. Changes are kept.", markup=False, timeout=8)
        self.sync_error = summary.sync_error
        self._synced = summary.sync_error is None
        self.show_sync_status()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures surface: a notification naming what failed (never markup)."""
        worker = event.worker
        if event.state is not WorkerState.ERROR:
            return
        if worker.group == "poll":
            self.polling = False
            self.status.set_activity("")
        if worker.group == "counts":
            self._counting = False  # the next change counts again
        error = worker.error
        reason = str(error) if isinstance(error, ReaderError) else f"{type(error).__name__}: {error}"
        what = worker.description or worker.name or "a background task"
        self.notify(f"Failed {what}: {safe(reason, 300)}", markup=False, severity="error", timeout=8)
        if worker.group == "article" and self.open_item is not None and self.open_article is None:
            self.show_feed_text(
                self.open_item, "Couldn't get the full text; showing the feed's text.", retry=True
            )


def _center(article: Widget, zen: bool) -> None:
    """Focus mode's article: centred, without the focus edge. Inline styles, not a class: a class change
    restyles every block of the article under it (tens of milliseconds for a long one)."""
    styles = article.styles
    if zen:
        styles.align_horizontal = "center"
        styles.padding = (0, 1)
        styles.border_left = ("none", "transparent")
    else:
        for rule in ("align_horizontal", "padding", "border_left"):
            styles.clear_rule(rule)
        article.refresh(layout=True)
