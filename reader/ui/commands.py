"""Command palette: every reader action by name with what it does, a few actions without a key, every theme."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

# What each action does, as the palette says it (by action name; the binding's description is the name).
ACTION_HELP: dict[str, str] = {
    "down": "Move down in the focused pane",
    "up": "Move up in the focused pane",
    "open": "Open the highlighted headline in the article pane",
    "page_down": "Page the article down; at its end, go on to the next unread item",
    "page_up": "Page the article up",
    "next_unread": "Open the next unread item below",
    "prev_unread": "Open the previous unread item above",
    "toggle_source": "Switch the open item between the page's full text and the feed's own text",
    "toggle_saved": "Save the item (kept forever, with its full text) or unsave it",
    "toggle_read": "Mark the item read or unread",
    "mark_view_read": "Mark every item in this view read (u undoes)",
    "undo": "Undo the last mark",
    "open_browser": "Open the item's link in the web browser",
    "copy_link": "Copy the item's link to the clipboard",
    "search": "Search titles and text in this view, or in every feed",
    "filter_unread": "Show only unread items in this view, or all again",
    "zen": "Show only the article, centred (Esc returns)",
    "refresh": "Refresh this feed (or tag) now",
    "refresh_all": "Refresh every feed now",
    "next_pane": "Move focus to the next pane",
    "previous_pane": "Move focus to the previous pane",
    "feed_health": "Each feed's status, address, last error and when it is next polled",
    "back": "Leave focus mode or the search, or go back to the headlines",
    "add_feed": "Subscribe to a feed by its address, with a title and tags of your own",
    "rename_feed": "Give the selected feed a title of your own; on a topic, edit its name and search",
    "retag_feed": "Change the selected feed's tags",
    "remove_feed": "Unsubscribe from the selected feed (its saved items are kept); on a topic, delete it",
    "save_page": "Save a web page by its address, with its full text, though no feed carries it",
    "site_rule": "Tell reader mode where the open article's site keeps its text (CSS selectors), and read it again",
    "cycle_sort": "Sort this view newest first, oldest first, or by feed",
    "mark_menu": "Mark read everything above or below the highlighted item, or older than a given age",
    "open_link_n": "Open link number N of the article (type the number)",
    "copy_link_n": "Copy link number N of the article (type the number)",
    "view_image": "See image N of the article in the reader (type the number; none when there is one image)",
    "shrink_headlines": "Make the headline pane shorter",
    "grow_headlines": "Make the headline pane taller",
    "narrow_article": "Make the article text narrower",
    "widen_article": "Make the article text wider",
    "stories": "The same news from several feeds, one row per story, over the whole archive",
    "next_outlet": "Open the next outlet's version of the open story",
    "save_topic": "Save the current search as a tracked topic (a live virtual feed)",
    "fold_stories": "Show one row per story (+N other outlets) in every view, or every item again",
    "unfold_story": "Show the highlighted story's other items beneath its row, or fold them back",
}

# Palette entries without a key of their own: (name, what it does, screen action).
EXTRA_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Search everything", "Search titles and text in every feed, whatever view is shown", "search_all"),
    ("Mark above read", "Mark read every item above the highlighted one in this view", "mark_above"),
    ("Mark below read", "Mark read every item below the highlighted one in this view", "mark_below"),
    ("Mark older read…", "Mark read the items in this view older than an age you type", "mark_older"),
)


class ReaderCommands(Provider):
    """Lists the main screen's actions (named by their binding descriptions) and the themes."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from reader.ui.screens.main import MainScreen
        from reader.ui.screens.stories import StoryActions

        app = self.app
        out: list[tuple[str, str, Callable[[], object]]] = []
        main = next((s for s in app.screen_stack if isinstance(s, MainScreen)), None)
        if main is not None:
            seen: set[str] = set()
            for spec in [*MainScreen.BINDINGS, *StoryActions.BINDINGS]:
                if isinstance(spec, Binding) and spec.description and spec.action not in seen:
                    seen.add(spec.action)
                    help_text = ACTION_HELP.get(spec.action, spec.description)
                    out.append((spec.description, help_text, partial(main.run_action, spec.action)))
            for name, help_text, action in EXTRA_COMMANDS:
                out.append((name, help_text, partial(main.run_action, action)))
        for name in sorted(app.available_themes):
            out.append(
                (
                    f"Theme: {name}",
                    "Switch the colour theme (remembered)",
                    partial(setattr, app, "theme", name),
                )
            )
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            if not name.startswith("Theme:"):
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
