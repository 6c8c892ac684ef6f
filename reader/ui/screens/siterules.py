"""Site rules in the TUI: `E` on an article opens the rule for its site (the CSS selectors of the article and
of clutter to drop); saving it reads the page again under the rule, so the reader sees at once what the rule
gives. Rules from the config file's `[sites]` are read-only here, and say so. Reads and writes run in thread
workers, through the services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message

from reader.errors import SiteRuleError
from reader.models import Item, SiteRule
from reader.ui.screens.reading import ReadingScreen, is_web_link
from reader.ui.text import safe

if TYPE_CHECKING:  # the form is imported when it is first opened
    from reader.fetch.site_rules import RuleChoice
    from reader.ui.screens.siteruleform import SiteRuleForm


class SiteRuleFound(Message):
    """The rule covering the open item's page, read by a worker."""

    def __init__(self, item: Item, choice: RuleChoice) -> None:
        super().__init__()
        self.item = item
        self.choice = choice


class SiteRuleChanged(Message):
    """A rule was saved (`rule`) or deleted (None), or refused (`error`)."""

    def __init__(self, item: Item, form: SiteRuleForm, rule: SiteRule | None, error: str | None) -> None:
        super().__init__()
        self.item = item
        self.form = form
        self.rule = rule
        self.error = error


class SiteRuleActions(ReadingScreen):
    """Edit the open article's site rule, then show the page read under it."""

    def action_site_rule(self) -> None:
        item = self.open_item
        if item is None:
            self.status.set_notice("Open an item first: its site's rule is edited from its article")
            return
        if not is_web_link(item.link):
            self.status.set_notice("This item has no web page: there is no site to give a rule")
            return
        self._find_rule(item)

    @work(thread=True, group="site-rules", exit_on_error=False, description="reading the site's rule")
    def _find_rule(self, item: Item) -> None:
        assert item.link is not None
        self.post_message(SiteRuleFound(item, self.services.site_rule_for(item.link)))

    @on(SiteRuleFound)
    def _on_rule_found(self, event: SiteRuleFound) -> None:
        from reader.ui.screens.siteruleform import SiteRuleForm

        choice = event.choice
        if choice.from_config and choice.rule is not None:
            where = safe(self.services.config_file() or "the config file", 80)
            self.status.set_notice(
                f"The rule for {safe(choice.rule.host, 60)} is in {where} ([sites]): change it there",
                error=True,
            )
            return
        rule = choice.rule
        form = SiteRuleForm(
            choice.host,
            (rule.content or "") if rule else "",
            (rule.remove or "") if rule else "",
            rule is not None,
        )
        self._rule_form(event.item, form)

    def _rule_form(self, item: Item, form: SiteRuleForm, error: str | None = None) -> None:
        from reader.ui.screens.siteruleform import SiteRuleFormScreen

        def done(result: SiteRuleForm | None) -> None:
            if result is not None:
                self._save_rule(item, result)

        title = f"Reader-mode rule for {safe(form.host, 60)}" if form.host else "Reader-mode rule"
        self.app.push_screen(SiteRuleFormScreen(form, title, error), done)

    @work(thread=True, group="site-rules", exit_on_error=False, description="saving the site's rule")
    def _save_rule(self, item: Item, form: SiteRuleForm) -> None:
        try:
            rule = self.services.save_site_rule(form.host, form.content, form.remove)
        except SiteRuleError as exc:
            self.post_message(SiteRuleChanged(item, form, None, str(exc)))
            return
        self.post_message(SiteRuleChanged(item, form, rule, None))

    @on(SiteRuleChanged)
    def _on_rule_changed(self, event: SiteRuleChanged) -> None:
        if event.error is not None:
            self.status.set_notice(safe(event.error, 200), error=True)
            self._rule_form(event.item, event.form, safe(event.error, 300))  # again, with the reason
            return
        host = safe(event.form.host.strip().lower(), 60)
        if event.rule is None:
            self.status.set_notice(f"Deleted the rule for {host}; reading the page again")
        else:
            self.status.set_notice(f"Saved the rule for {host}; reading the page again")
        item = self.open_item
        if item is not None and item.id == event.item.id:
            self.article.show_loading(item)
            self.open_article = None
            self.page_article = None
            self.load_article(item, page=True)
