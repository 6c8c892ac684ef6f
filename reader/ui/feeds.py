"""The feed pane: the All / Unread / Saved views, tags as groups, feeds with unread counts and failure marks."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.models import Feed, View, ViewKind
from reader.ui.headlines import fit
from reader.ui.text import safe

FAIL_MARK = "!"


@dataclass(frozen=True)
class _Row:
    option_id: str
    label: str
    count: int
    indent: int = 0
    failing: bool = False
    heading: bool = False


def option_id_for(view: View) -> str:
    """The feed pane row that stands for a view (search and filters don't change which row)."""
    if view.kind is ViewKind.FEED:
        return f"feed:{view.feed_id}"
    if view.kind is ViewKind.TAG:
        return f"tag:{view.tag}"
    return str(view.kind.value)


def view_for_option(option_id: str) -> View:
    kind, _, rest = option_id.partition(":")
    if kind == "feed":
        return View(kind=ViewKind.FEED, feed_id=int(rest.partition("@")[0]))
    if kind == "tag":
        return View(kind=ViewKind.TAG, tag=rest)
    return View(kind=ViewKind(kind))


class FeedList(OptionList):
    """Views, tags and feeds. Moving the highlight asks the screen to show that view."""

    DEFAULT_CSS = """
    FeedList {
        & > .feed-list--count { color: $text-muted; }
        & > .feed-list--failing { color: $error; text-style: bold; }
        & > .feed-list--heading { text-style: bold; }
        &:nocolor > .option-list--option-highlighted { text-style: reverse; }
    }
    """
    COMPONENT_CLASSES = {"feed-list--count", "feed-list--failing", "feed-list--heading"}

    class ViewChosen(Message):
        """The user moved to a feed-pane row; `focus_headlines` when they pressed Enter on it."""

        def __init__(self, view: View, focus_headlines: bool) -> None:
            super().__init__()
            self.view = view
            self.focus_headlines = focus_headlines

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[_Row | None] = []

    def set_feeds(self, feeds: list[Feed], saved_count: int, current: View) -> None:
        """Rebuild (or, when the rows are the same, relabel) the pane, keeping the highlighted row."""
        rows = self._build_rows(feeds, saved_count)
        same_shape = [r.option_id if r else None for r in rows] == [
            r.option_id if r else None for r in self._rows
        ]
        self._rows = rows
        if same_shape:
            for row in rows:
                if row is not None:
                    self.replace_option_prompt(row.option_id, self._prompt(row))
            return
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(Option(self._prompt(r), id=r.option_id) if r else None for r in rows)
            self.show_view(current)

    def show_view(self, view: View) -> None:
        """Highlight the row for `view` without announcing a change."""
        wanted = option_id_for(view)
        for index, row in enumerate(self._rows):
            if row is not None and (row.option_id == wanted or row.option_id.startswith(wanted + "@")):
                with self.prevent(OptionList.OptionHighlighted):
                    self.highlighted = index
                return

    @staticmethod
    def _build_rows(feeds: list[Feed], saved_count: int) -> list[_Row | None]:
        unread = sum(f.unread_count for f in feeds)
        rows: list[_Row | None] = [
            _Row("all", "All", unread),
            _Row("unread", "Unread", unread),
            _Row("saved", "Saved", saved_count),
            None,
        ]
        tags = sorted({t for f in feeds for t in f.tags}, key=str.casefold)
        for tag in tags:
            members = [f for f in feeds if tag in f.tags]
            rows.append(_Row(f"tag:{tag}", tag, sum(f.unread_count for f in members), heading=True))
            rows.extend(
                _Row(f"feed:{f.id}@{tag}", f.display_title, f.unread_count, 1, bool(f.last_error))
                for f in members
            )
        untagged = [f for f in feeds if not f.tags]
        if tags and untagged:
            rows.append(None)
        rows.extend(
            _Row(f"feed:{f.id}", f.display_title, f.unread_count, 0, bool(f.last_error)) for f in untagged
        )
        return rows

    def _prompt(self, row: _Row) -> Content:
        # Options have one cell of padding each side; a prompt wider than that would wrap.
        width = max(10, (self.scrollable_content_region.width or 30) - 3)
        count = str(row.count) if row.count else ""
        mark = FAIL_MARK if row.failing else " "
        label_w = width - 2 * row.indent - 2 - cell_len(count) - 1
        label = fit(safe(row.label, 200), label_w)
        label_style = "bold" if row.heading else ""
        return Content.assemble(
            "  " * row.indent,
            (mark, "$error bold" if row.failing else ""),
            " ",
            (label, label_style),
            " ",
            (count, "$text-muted"),
        )

    def on_resize(self, event: events.Resize) -> None:
        for row in self._rows:
            if row is not None:
                self.replace_option_prompt(row.option_id, self._prompt(row))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.ViewChosen(view_for_option(event.option.id), False))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.ViewChosen(view_for_option(event.option.id), True))
