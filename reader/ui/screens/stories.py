"""Stories in the TUI: the Stories screen (one row per story, unfolding to its outlets' versions), marking a
whole story read (undo works), and "Also covered by" with a key to step through the other outlets' versions."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Mount
from textual.message import Message
from textual.widgets import Static

from reader.models import Headline, StoryItem, View, ViewKind
from reader.ui.messages import MarkLanded, RefreshFinished
from reader.ui.screens.base import FIRST_PAINT_WAIT, Undo
from reader.ui.screens.topics import TopicActions
from reader.ui.text import safe
from reader.ui.widgets.feeds import FeedList
from reader.ui.widgets.pager import HeadlinePager, Unfolded

if TYPE_CHECKING:  # the Stories screen is imported when it is first opened, not at start-up
    from reader.ui.screens.stories_screen import StoriesPlace, StoriesScreen

__all__ = ["GroupingProgress", "StoryActions"]


class GroupingProgress(Message):
    """Progress of grouping an old archive into stories (from a thread worker)."""

    def __init__(self, done: int, total: int, *, finished: bool = False) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.finished = finished


class StoryActions(TopicActions):
    """What the main screen does with stories: the Stories screen, story marks, unfolding one row of a folded
    view, and other outlets' versions. A story's items are read by thread workers, through the services."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("S", "stories", "Stories", show=False, id="stories"),
        Binding("c", "next_outlet", "Next outlet's version", show=False, id="next_outlet"),
        Binding("T", "save_topic", "Save the search as a topic", show=False, id="save_topic"),
        Binding(
            "F", "fold_stories", "One row per story (+N outlets) / every item", show=False, id="fold_stories"
        ),
        Binding(
            "x", "unfold_story", "Unfold/fold a story's row (folded view)", show=False, id="unfold_story"
        ),
    ]

    # The open item's story, as last read: (item id, its items).
    _outlets: tuple[int, list[StoryItem]] | None = None
    _stories_place: StoriesPlace | None = None  # where the Stories screen was left this session

    # ------------------------------------------------------------------ folded views

    def action_toggle_read(self) -> None:
        """In a folded view a row stands for its story: m marks the whole story (u undoes). A row shown
        beneath an unfolded story stands for itself."""
        target = self._target() if self.view.fold_stories else None
        if target is None or self._is_child_row(target[0]):
            super().action_toggle_read()
            return
        item = self.item(target[0])
        if item is None:
            return
        self._mark_story_of(item.id, item.feed_id, not item.read)

    def _is_child_row(self, item_id: int) -> bool:
        return any(h.id == item_id for rows in self.unfolded.values() for h in rows)

    @work(thread=True, group="story-mark", exit_on_error=False, description="reading the story to mark")
    def _mark_story_of(self, item_id: int, feed_id: int, read: bool) -> None:
        story_id = self.services.story_of(item_id)
        items = self.services.story_items(story_id) if story_id is not None else []
        if not items:
            items = [StoryItem(item_id, feed_id, "", "", None, self.settings.now(), not read)]
        self.app.call_from_thread(self._mark_items, items, read)

    def action_fold_stories(self) -> None:
        """Fold each story into its newest item ("+N" counts the other outlets, "(N)" its own outlet's versions),
        or unfold."""
        fold = not self.view.fold_stories
        current = self.headlines.highlighted
        self.set_view(replace(self.view, fold_stories=fold), keep_item=current.id if current else None)
        key = self.key_for("unfold_story")
        self.status.set_notice(f"One row per story ({key} unfolds one)" if fold else "Every item")

    def action_unfold_story(self) -> None:
        """Show the highlighted story's other items beneath its row (indented), or fold them back."""
        if not self.view.fold_stories:
            self.status.set_notice(
                f"Every item is shown: {self.key_for('fold_stories')} folds each story first"
            )
            return
        pager = self.headlines.pager
        unfolded = pager.unfolded_at(self.headlines.cursor)
        if unfolded is not None:
            del self.unfolded[unfolded.lead]
            self._show_unfolding(pager.display_index(unfolded.base), unfolded.base)
            return
        current = self.headlines.highlighted
        if current is None:
            return
        self._read_unfolded(current.id)

    @work(thread=True, group="story-unfold", exit_on_error=False, description="reading the story's items")
    def _read_unfolded(self, item_id: int) -> None:
        story_id = self.services.story_of(item_id)
        rows = self.services.story_headlines(story_id) if story_id is not None else []
        self.app.call_from_thread(self._unfolded, item_id, [h for h in rows if h.id != item_id])

    def _unfolded(self, item_id: int, rows: list[Headline]) -> None:
        current = self.headlines.highlighted
        if current is None or current.id != item_id or not self.view.fold_stories:
            return  # the reader moved on while it was read
        if not rows:
            self.status.set_notice("No other item has this story")
            return
        self.unfolded[item_id] = rows
        self._show_unfolding(self.headlines.cursor, self.headlines.pager.base_index(self.headlines.cursor))
        self.status.set_notice(f"{len(rows)} more from the story ({self.key_for('unfold_story')} folds)")

    def _show_unfolding(self, lead_row: int, base: int) -> None:
        """The list with the story's rows unfolded (or folded), the highlight on the story's row where it was
        on screen. Nothing is read again: the view's pages and count stay, only the inserted rows change
        (the other unfolded stories keep their places)."""
        row = lead_row - round(self.headlines.scroll_offset.y)
        old = self.headlines.pager
        kept = [u for u in old.unfolded if u.lead in self.unfolded]
        lead = next((lead for lead in self.unfolded if all(u.lead != lead for u in kept)), None)
        if lead is not None:
            kept.append(Unfolded(base, lead, self.unfolded[lead]))
        pager = old.with_unfolded(kept)
        index = min(pager.display_index(base), max(0, pager.total - 1))
        self.headlines.set_pager(pager, index, keep_screen_row=max(0, row))
        self._show_view_status()
        self._remember()

    def folded_row_of(self, pager: HeadlinePager, item_id: int) -> int | None:
        """The row standing for `item_id`'s story now that a newer item of it took its place."""
        story_id = self.store.story_of(item_id)
        if story_id is None:
            return None
        for it in reversed(self.store.story_items(story_id)):  # newest first: the row is usually the first
            index = self.index_in_list(pager, it.id)
            if index is not None:
                return index
        return None

    @on(Mount)
    def _group_old_items(self) -> None:
        """An archive from before stories existed is grouped in the background, with progress."""
        self.group_archive()

    @work(thread=True, group="stories", exit_on_error=False, description="grouping stories")
    def group_archive(self) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(GroupingProgress(done, total))

        if not self.services.stories_grouped():
            return  # turned off in the config: the items stay as they are
        self.first_paint.wait(FIRST_PAINT_WAIT)  # after the first paint: grouping is CPU work
        if not self.services.thread_store().ungrouped_count():
            return
        done = self.services.group_pending(progress)
        self.post_message(GroupingProgress(max(done, 0), max(done, 0), finished=True))
        self.post_counts(self._count_generation, self._count_basis())  # the stories' counts changed

    @on(GroupingProgress)
    def _on_grouping_progress(self, event: GroupingProgress) -> None:
        if event.finished:
            if not self.polling:
                self.status.set_activity("")
        elif not self.polling:
            self.status.set_activity(f"Grouping stories {event.done:,}/{event.total:,}")

    # ------------------------------------------------------------------ the Stories screen

    @on(FeedList.StoriesRequested)
    def _on_stories_requested(self, event: FeedList.StoriesRequested) -> None:
        event.stop()
        self.action_stories()

    def action_stories(self) -> None:
        """The Stories screen, where it was left this session (the filter, the stories shown, the row)."""
        changed = False  # marks or undos made there: the headlines and topic counts behind it are re-read

        def mark(story_id: int, read: bool) -> None:
            nonlocal changed
            changed = True
            self.mark_story(story_id, read)

        def undo() -> None:
            nonlocal changed
            changed = True
            self.action_undo()

        from reader.ui.screens.stories_screen import StoriesScreen

        screen = StoriesScreen(
            self.services, self.settings.now, mark, undo, self.pending, self._stories_place
        )

        def opened(item_id: int | None) -> None:
            self._stories_place = screen.place
            if changed:
                self.reload_headlines()
                self.recount_topics()
            if item_id is not None:
                self.open_story_item(item_id)

        self.app.push_screen(screen, opened)

    def _stories_screen(self) -> StoriesScreen | None:
        from reader.ui.screens.stories_screen import StoriesScreen

        screen = self.app.screen
        return screen if isinstance(screen, StoriesScreen) else None

    @on(RefreshFinished)
    def _refresh_stories_screen(self, event: RefreshFinished) -> None:
        """New items joined stories: the open Stories screen reads its rows again (the highlight stays)."""
        screen = self._stories_screen()
        if screen is not None:
            screen.load("window", count=True)

    @on(MarkLanded)
    def _story_marks_landed(self, event: MarkLanded) -> None:
        if self.unfolded and event.mark.field == "read":
            for rows in self.unfolded.values():
                for n, h in enumerate(rows):
                    if h.id in event.mark.ids:
                        rows[n] = replace(h, read=event.mark.value)

    # ------------------------------------------------------------------ story marks

    def mark_story(self, story_id: int, read: bool) -> None:
        """Mark every item of a story read (or unread); one undo step puts them back. The story's items are
        read by a worker; the screen shows the marks at once and the one writer stores them."""
        self._mark_story(story_id, read)

    @work(thread=True, group="story-mark", exit_on_error=False, description="reading the story to mark")
    def _mark_story(self, story_id: int, read: bool) -> None:
        items = self.services.story_items(story_id)
        self.app.call_from_thread(self._mark_items, items, read)

    def _mark_items(self, items: list[StoryItem], read: bool) -> None:
        targets = [(it.id, it.feed_id) for it in items if self._is_read(it) != read]
        if not targets:
            self.status.set_notice(f"Every item of the story is {'read' if read else 'unread'} already")
            return
        self._set_read(targets, read)
        ids = tuple(i for i, _ in targets)
        what = f"marked {len(ids)} item{'s' if len(ids) != 1 else ''} of the story {'read' if read else 'unread'}"
        self.undo_stack.append(Undo("read", ids, read, what, tuple(f for _, f in targets)))
        self.status.set_notice(what[0].upper() + what[1:] + " (u undoes)")

    def _is_read(self, it: StoryItem) -> bool:
        """An item's read state with the marks still on their way to the store."""
        pending = self.pending.read(it.id)
        return it.read if pending is None else pending

    # ------------------------------------------------------------------ other outlets' versions

    def open_story_item(self, item_id: int) -> None:
        """Show an item wherever it is: in the current view when it is there, else in All."""
        index = self.index_in_list(self.headlines.pager, item_id)
        if index is None and self.view.fold_stories:
            index = self._unfold_to(item_id)  # another outlet's version: beneath its story's row
        if index is None:
            self.set_view(View(kind=ViewKind.ALL, unread_only=False, fold_stories=self.view.fold_stories))
            if self.view.fold_stories:
                index = self._unfold_to(item_id)
        if index is None:
            index = self.index_in_list(self.headlines.pager, item_id)
        if index is not None:
            self.headlines.move_to(index)
        item = self.item(item_id)
        if item is not None:
            headline = Headline(
                id=item.id,
                feed_id=item.feed_id,
                feed_title=item.feed_title,
                title=item.title,
                link=item.link,
                date=item.sort_date,
                read=item.read,
                saved=item.saved,
            )
            self.open_headline(headline)

    def _unfold_to(self, item_id: int) -> int | None:
        """In a folded view: unfold the row of `item_id`'s story so the item shows beneath it; its list row."""
        pager = self.headlines.pager
        row = self.folded_row_of(pager, item_id)
        lead = pager.get(row) if row is not None else None
        if row is None or lead is None:
            return None
        if lead.id != item_id and lead.id not in self.unfolded:
            story_id = self.store.story_of(item_id)
            rows = self.store.story_headlines(story_id) if story_id is not None else []
            self.unfolded[lead.id] = [h for h in rows if h.id != lead.id]
            self._show_unfolding(row, pager.base_index(row))
        return self.index_in_list(self.headlines.pager, item_id)

    def open_headline(self, headline: Headline) -> None:
        super().open_headline(headline)
        if self.open_item is not None and self.open_item.id == headline.id:
            self._read_outlets(headline.id)

    @work(thread=True, group="outlets", exclusive=True, exit_on_error=False, description="reading the story")
    def _read_outlets(self, item_id: int) -> None:
        story_id = self.services.story_of(item_id)
        items = self.services.story_items(story_id) if story_id is not None else []
        self.app.call_from_thread(self._announce_outlets, item_id, items)

    def _outlets_line(self) -> Static:
        """The "Also covered by" line under the article header (mounted the first time it is needed)."""
        found = self.article.query("#article-outlets")
        if found:
            line = found.first()
            assert isinstance(line, Static)
            return line
        line = Static("", id="article-outlets")
        self.article.mount(line, after="#article-header")
        return line

    def _announce_outlets(self, item_id: int, items: list[StoryItem]) -> None:
        if self.open_item is None or self.open_item.id != item_id:
            return  # the reader moved on
        self._outlets = (item_id, items)
        others = [it for it in items if it.id != item_id]
        if not others and not self.article.query("#article-outlets"):
            return
        line = self._outlets_line()
        line.display = bool(others)
        if not others:
            return
        here = self.open_item.feed_id
        names = list(dict.fromkeys(safe(it.feed_title, 40) for it in others if it.feed_id != here))
        same = sum(1 for it in others if it.feed_id == here)
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        if same:
            follow = f"{same} follow-up{'s' if same != 1 else ''} from this feed"
            shown = f"{shown}; {follow}" if shown else follow
        n = next((k for k, it in enumerate(items) if it.id == item_id), 0) + 1
        line.update(
            Content.assemble(
                ("Also covered by: ", "bold"),
                shown,
                (f"  ({n} of {len(items)} · {self.key_for('next_outlet')}: next version)", "$text-muted"),
            )
        )

    def action_next_outlet(self) -> None:
        """Open the next outlet's version of the open story (in story order, wrapping round)."""
        current = self.open_item
        if current is None:
            self.status.set_notice("Open an item first")
            return
        if self._outlets is None or self._outlets[0] != current.id:
            self.status.set_notice("Still reading the story")
            self._read_outlets(current.id)
            return
        ids = [it.id for it in self._outlets[1]]
        if len(ids) < 2:
            self.status.set_notice("No other outlet has this story")
            return
        nxt = ids[(ids.index(current.id) + 1) % len(ids)] if current.id in ids else ids[0]
        self.open_story_item(nxt)
