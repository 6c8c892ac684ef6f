"""The topic form: a tracked topic's name and its search (SQLite FTS5 syntax); the core checks both after it
closes (as it checks the config's `[topics]`), and a rejected form comes back with the reason."""

from __future__ import annotations

from collections.abc import Mapping

from reader.frozen import Frozen, value_type
from reader.ui.screens.formscreen import Field, FormScreen


@value_type
class TopicForm(Frozen):
    name: str
    query: str
    replacing: str | None = None  # the topic being edited (None: a new one)


class TopicFormScreen(FormScreen[TopicForm]):
    """Enter (in either field) saves; Esc cancels."""

    def __init__(self, form: TopicForm, title: str, error: str | None = None) -> None:
        self._replacing = form.replacing
        fields = (
            Field("topic-name", "Name (shown in the feed pane)", form.name, "e.g. exports"),
            Field(
                "topic-query",
                'Search over titles and full text, e.g. "export controls" OR "entity list"',
                form.query,
                '"export controls"',
            ),
        )
        super().__init__(title, fields, "Enter saves · Tab next field · Esc cancels", error)

    def submit(self, values: Mapping[str, str]) -> TopicForm:
        return TopicForm(values["topic-name"], values["topic-query"], self._replacing)
