"""Tracked topics in the TUI: saving a search as a topic (`T`), editing or deleting the user's own topics (the
feed-pane keys `e` and `D` on a topic), and keeping the topics' unread counts current after marks and polls.
Topics the config file's `[topics]` defines are read-only here, and say so. Every read and write of topics
runs in a thread worker, through the services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message

from reader.errors import TopicInputError
from reader.models import Topic, View, ViewKind
from reader.store.items import fts_query
from reader.ui.messages import MarkLanded, RefreshFinished
from reader.ui.screens.reading import ReadingScreen
from reader.ui.text import safe

if TYPE_CHECKING:  # the topic form is imported when it is first opened
    from reader.ui.screens.topicform import TopicForm


class TopicChanged(Message):
    """A topic was saved, edited or deleted (`topic`), or the change was refused (`error`)."""

    def __init__(self, op: str, form: TopicForm | None, topic: Topic | None, error: str | None) -> None:
        super().__init__()
        self.op = op
        self.form = form
        self.topic = topic
        self.error = error


class TopicsCounted(Message):
    """The topics with their unread counts and the unread stories' count, read by a worker."""

    def __init__(self, topics: list[Topic], stories_unread: int) -> None:
        super().__init__()
        self.topics = topics
        self.stories_unread = stories_unread


class TopicActions(ReadingScreen):
    """Save, edit and delete topics; recount them."""

    def topic_target(self) -> Topic | None:
        """The topic an edit or delete applies to: the feed pane's highlighted row when the pane has focus,
        else the topic shown."""
        name: str | None = None
        if self.feed_list.has_focus:
            option = self.feed_list.highlighted_option
            if option is not None and option.id and option.id.startswith("topic:"):
                name = option.id.partition(":")[2]
        elif self.view.kind is ViewKind.TOPIC:
            name = self.view.topic
        return next((t for t in self.feed_list.topics if t.name == name), None) if name else None

    def _config_topic(self, topic: Topic, what: str) -> None:
        self.status.set_notice(
            f"Topic {safe(topic.name, 40)} comes from the config file's [topics]: {what} it there",
            error=True,
        )

    # ------------------------------------------------------------------ save / edit / delete

    def action_save_topic(self, form: TopicForm | None = None, error: str | None = None) -> None:
        """Save the current search as a tracked topic (a virtual feed in the feed pane)."""
        from reader.ui.screens.topicform import TopicForm

        if form is None:
            search = self.view.search
            query = fts_query(search) if search else None
            if query is None:
                self.status.set_notice(
                    f"Search first ({self.key_for('search')}), then {self.key_for('save_topic')} saves it"
                )
                return
            form = TopicForm("", query)
        self._topic_form(form, "Save the search as a topic", error)

    def edit_topic(self, topic: Topic) -> None:
        from reader.ui.screens.topicform import TopicForm

        if topic.origin == "config":
            self._config_topic(topic, "edit")
            return
        self._topic_form(TopicForm(topic.name, topic.query, topic.name), f"Edit topic {safe(topic.name, 40)}")

    def _topic_form(self, form: TopicForm, title: str, error: str | None = None) -> None:
        from reader.ui.screens.topicform import TopicFormScreen

        def done(result: TopicForm | None) -> None:
            if result is not None:
                self._change_topic("save", result)

        self.app.push_screen(TopicFormScreen(form, title, error), done)

    def delete_topic(self, topic: Topic) -> None:
        from reader.ui.screens.topicform import TopicForm

        if topic.origin == "config":
            self._config_topic(topic, "remove")
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._change_topic("delete", TopicForm(topic.name, topic.query, topic.name))

        detail = f"Search: {safe(topic.query, 200)}\nIts items stay; only the saved search goes."
        from reader.ui.screens.confirm import ConfirmScreen  # (loaded when first asked)

        self.app.push_screen(ConfirmScreen(f"Delete the topic {safe(topic.name, 60)}?", detail), done)

    @work(thread=True, group="topics", exit_on_error=False, description="saving the topic")
    def _change_topic(self, op: str, form: TopicForm) -> None:
        try:
            if op == "delete":
                assert form.replacing is not None
                topic = self.services.delete_topic(form.replacing)
            else:
                topic = self.services.save_topic(form.name, form.query, replacing=form.replacing)
        except TopicInputError as exc:
            self.post_message(TopicChanged(op, form, None, str(exc)))
            return
        self.post_message(TopicChanged(op, form, topic, None))

    @on(TopicChanged)
    def _on_topic_changed(self, event: TopicChanged) -> None:
        if event.error is not None:
            self.status.set_notice(safe(event.error, 200), error=True)
            if event.op == "save" and event.form is not None:
                title = "Save the search as a topic" if event.form.replacing is None else "Edit the topic"
                self._topic_form(event.form, title, safe(event.error, 300))  # again, with the reason
            return
        topic, form = event.topic, event.form
        assert topic is not None and form is not None
        shown = self.view.kind is ViewKind.TOPIC and self.view.topic == form.replacing
        if event.op == "delete":
            self.feed_list.topics = [t for t in self.feed_list.topics if t.name != topic.name]
            if shown:
                self.set_view(View(unread_only=self.view.unread_only))
            self.status.set_notice(f"Deleted topic {safe(topic.name, 40)}")
        else:
            self.feed_list.topics = sorted(
                [t for t in self.feed_list.topics if t.name not in (topic.name, form.replacing)] + [topic],
                key=lambda t: t.name,
            )
            if form.replacing is None or shown:
                self.set_view(View(kind=ViewKind.TOPIC, topic=topic.name, topic_query=topic.query))
            verb = "Saved" if form.replacing is None else "Changed"
            self.status.set_notice(f"{verb} topic {safe(topic.name, 40)}")
        self.feed_list.set_feeds(self._feeds, self._saved_count, self.view)
        self.recount_topics()

    # ------------------------------------------------------------------ counts

    def recount_topics(self) -> None:
        """The topics' and stories' unread counts, read off the UI thread (after marks land, after polls)."""
        self._count_topics()

    @work(
        thread=True, group="topic-counts", exclusive=True, exit_on_error=False, description="counting topics"
    )
    def _count_topics(self) -> None:
        self.post_message(TopicsCounted(self.services.topics(), self.services.story_count(unread_only=True)))

    @on(TopicsCounted)
    def _on_topics_counted(self, event: TopicsCounted) -> None:
        if self.pending.reads():
            return  # more marks on their way: the count after they land is the one to show
        self.feed_list.topics, self.feed_list.stories_unread = event.topics, event.stories_unread
        self.feed_list.set_feeds(self._feeds, self._saved_count, self.view)

    @on(MarkLanded)
    def _recount_after_mark(self, event: MarkLanded) -> None:
        if event.mark.field == "read":
            self.recount_topics()

    @on(RefreshFinished)
    def _announce_topics(self, event: RefreshFinished) -> None:
        """A topic's new matches, announced once after the poll that brought them."""
        for name, count in event.summary.topic_matches:
            self.notify(f"{safe(name, 60)}: {count} new", title="Topic", markup=False, timeout=8)
        error = event.summary.notify_error
        if error and not self._notify_error_told:
            self._notify_error_told = True
            self.notify(safe(error, 200), severity="warning", markup=False, timeout=10)
