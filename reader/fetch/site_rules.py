"""Site rules as the reader keeps them: the config file's `[sites]` (read-only here) and those saved from the
TUI (in the store). The config's rule wins for a host it names. See `reader/extract/site_rules.py` for what a
rule does to a page."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from reader.config.sites import check_host
from reader.errors import SiteRuleError
from reader.extract.site_rules import check_selector, rule_for
from reader.frozen import Frozen, value_type
from reader.models import SiteRule
from reader.store.feeds import Store

__all__ = ["RuleChoice", "rule_choice", "rules_in_force", "save_rule"]


@value_type
class RuleChoice(Frozen):
    """The rule that covers a page (None: none), the host a new rule would name, and whether the rule is
    the config file's."""

    rule: SiteRule | None
    host: str
    from_config: bool


def rules_in_force(configured: Sequence[SiteRule], store: Store) -> tuple[SiteRule, ...]:
    """The config's rules, then those saved from the TUI for hosts the config does not name."""
    hosts = {rule.host for rule in configured}
    return (*configured, *(rule for rule in store.site_rules() if rule.host not in hosts))


def rule_choice(configured: Sequence[SiteRule], store: Store, url: str) -> RuleChoice:
    rule = rule_for(rules_in_force(configured, store), url)
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        host = ""
    return RuleChoice(rule, rule.host if rule else host, rule is not None and rule in configured)


def save_rule(
    configured: Sequence[SiteRule],
    store: Store,
    host: str,
    content: str,
    remove: str,
    *,
    config_path: str | None = None,
) -> SiteRule | None:
    """Save the user's rule for `host` (both selectors empty: delete the host's rule; None is returned).
    Raises SiteRuleError saying what is wrong, or that the config file holds the host's rule."""
    host = host.strip().lower().rstrip(".")
    problem = check_host(host)
    if problem:
        raise SiteRuleError(f"The site {problem}")
    if any(rule.host == host for rule in configured):
        where = config_path or "the config file"
        raise SiteRuleError(f"The rule for {host} is in {where} ([sites]): change it there")
    content, remove = content.strip(), remove.strip()
    for name, selector in (("content", content), ("remove", remove)):
        problem = check_selector(selector) if selector else None
        if problem:
            raise SiteRuleError(f"The {name} selector {problem}")
    if not content and not remove:
        store.delete_site_rule(host)
        return None
    rule = SiteRule(host=host, content=content or None, remove=remove or None)
    store.save_site_rule(rule)
    return rule
