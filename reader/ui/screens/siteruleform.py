"""The site-rule form (`E` on an article): the host a rule covers and its two CSS selectors. The core checks
them after the form closes (as it checks the config's `[sites]`), and a rejected form comes back with the
reason."""

from __future__ import annotations

from collections.abc import Mapping

from reader.frozen import Frozen, value_type
from reader.ui.screens.formscreen import Field, FormScreen


@value_type
class SiteRuleForm(Frozen):
    host: str
    content: str = ""
    remove: str = ""
    existed: bool = False  # the host had a rule (emptying both selectors deletes it)


class SiteRuleFormScreen(FormScreen[SiteRuleForm]):
    """Enter (in any field) saves; Esc cancels."""

    def __init__(self, form: SiteRuleForm, title: str, error: str | None = None) -> None:
        self._existed = form.existed
        fields = (
            Field("rule-host", "Site (covers its subdomains too)", form.host, "example.com"),
            Field(
                "rule-content",
                "The article's element(s): a CSS selector, e.g. article .story-body",
                form.content,
                "(reader mode chooses)",
            ),
            Field(
                "rule-remove",
                "Clutter to drop first: a CSS selector, e.g. .related, .newsletter",
                form.remove,
                "(nothing)",
            ),
        )
        hint = "Enter saves and reads the page again · Tab next field · Esc cancels"
        if form.existed:
            hint += " · both selectors empty: delete the rule"
        super().__init__(title, fields, hint, error, focus="rule-content")

    def submit(self, values: Mapping[str, str]) -> SiteRuleForm:
        return SiteRuleForm(values["rule-host"], values["rule-content"], values["rule-remove"], self._existed)
