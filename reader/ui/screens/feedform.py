"""The add-a-feed form: address, title and tags; the core validates (as `reader add` does) after it closes."""

from __future__ import annotations

from collections.abc import Mapping

from reader.frozen import Frozen, value_type
from reader.ui.screens.formscreen import Field, FormScreen


@value_type
class FeedForm(Frozen):
    url: str
    title: str = ""
    tags: str = ""  # comma-separated
    interval: str = ""  # e.g. "2h"; empty: the default
    fulltext: str = ""  # off | on-open | prefetch; empty: the default


EXAMPLE_URL = "https://example.org/feed.xml"
INTERVAL_LABEL = "Poll every (optional, e.g. 2h; the default otherwise)"
FULLTEXT_LABEL = "Full text: off, on-open or prefetch (optional)"


class FeedFormScreen(FormScreen[FeedForm]):
    """Enter (in any field) subscribes; Esc cancels. A rejected form comes back with the reason shown."""

    def __init__(self, form: FeedForm | None = None, error: str | None = None) -> None:
        form = form or FeedForm("")
        fields = (
            Field("form-url", "Address (https://…, or a file: ./feed.xml)", form.url, EXAMPLE_URL),
            Field("form-title", "Title (optional: the feed's own title otherwise)", form.title),
            Field("form-tags", "Tags (optional, separated by commas)", form.tags, "e.g. privacy, eu"),
            Field("form-interval", INTERVAL_LABEL, form.interval, "e.g. 2h"),
            Field("form-fulltext", FULLTEXT_LABEL, form.fulltext, "the default policy"),
        )
        super().__init__("Add a feed", fields, "Enter subscribes · Tab next field · Esc cancels", error)

    def submit(self, values: Mapping[str, str]) -> FeedForm | None:
        if not values["form-url"].strip():
            self.show_error("Type the feed's address first.", "form-url")
            return None
        return FeedForm(
            values["form-url"],
            values["form-title"],
            values["form-tags"],
            values["form-interval"].strip(),
            values["form-fulltext"].strip(),
        )
