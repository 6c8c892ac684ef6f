"""Site rules (`[sites]` in the config): the user's own word on where a site's article is, for the pages the
learned reader mode gets wrong. A rule names a host (and so its subdomains) and CSS selectors: `remove`
drops elements from the page first (a newsletter box, a related-links rail), `content` picks the element(s)
that hold the article. What a rule picks goes through the same clean-up, rendering and safety as the
automatic choice; when `content` matches nothing with text on a page, reader mode chooses as usual and the
article says so.

Importing this module loads no HTML stack: lxml's selector machinery is imported when a rule is checked or
applied.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from reader.models import SiteRule

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = [
    "MAX_SELECTOR",
    "apply_rule",
    "check_selector",
    "is_current",
    "rule_for",
    "rule_version",
    "versioned",
]

MAX_SELECTOR = 500  # characters; a selector is a line a person writes


def rule_for(rules: Sequence[SiteRule], url: str | None) -> SiteRule | None:
    """The rule for the page at `url`: the one whose host is the URL's host or the nearest domain above it
    (a rule for example.com covers www.example.com, unless www.example.com has its own)."""
    if not rules or not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    best: SiteRule | None = None
    for rule in rules:
        if (host == rule.host or host.endswith("." + rule.host)) and (
            best is None or len(rule.host) > len(best.host)
        ):
            best = rule
    return best


def rule_version(rule: SiteRule) -> str:
    """A short digest of what the rule says: stored with the article, so a changed rule re-extracts it."""
    text = f"{rule.content or ''}\x00{rule.remove or ''}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def versioned(extractor_version: str, rule: SiteRule | None) -> str:
    """The version an article extracted under `rule` carries: the extractor's, plus the rule's digest."""
    return extractor_version if rule is None else f"{extractor_version}+{rule_version(rule)}"


def is_current(stored: str, extractor_version: str, rules: Sequence[SiteRule], url: str | None) -> bool:
    """Whether an article stored with version `stored` is what the extractor and today's rules would give
    for the page at `url`: same extractor, and made under a rule still in force (or under none, when no
    rule covers the page's address)."""
    base, _, digest = stored.partition("+")
    if base != extractor_version:
        return False
    if digest:
        return any(rule_version(rule) == digest for rule in rules)
    return rule_for(rules, url) is None


@lru_cache(maxsize=64)
def _compiled(selector: str) -> Any:
    from lxml.cssselect import CSSSelector

    return CSSSelector(selector, translator="html")


def check_selector(selector: str) -> str | None:
    """None when `selector` is a CSS selector lxml can run; else what is wrong with it, in a few words."""
    from cssselect import SelectorError

    if not selector.strip():
        return "is empty (a CSS selector such as 'article .story-body')"
    if len(selector) > MAX_SELECTOR:
        return f"is longer than {MAX_SELECTOR} characters"
    try:
        _compiled(selector)
    except SelectorError as exc:
        return f"is not a CSS selector lxml can use: {exc}"
    return None


def apply_rule(root: HtmlElement, rule: SiteRule) -> tuple[HtmlElement | None, str | None]:
    """Apply `rule` to the page `root` (its `remove` elements are dropped in place). Returns the article's
    elements, copied in page order under one <div>, when `content` matches elements with text; else None
    and, when `content` was given, a note saying it matched nothing."""
    if rule.remove:
        for el in _compiled(rule.remove)(root):
            if el.getparent() is not None and el.tag not in ("html", "body"):
                el.drop_tree()
    if not rule.content:
        return None, None
    # The matches come in page order: one inside an element already taken is part of it. Each element is
    # walked once (taken elements' subtrees are disjoint), so a selector such as `*` stays linear.
    inside: set[HtmlElement] = set()
    outermost = []
    for el in _compiled(rule.content)(root):
        if el not in inside:
            outermost.append(el)
            inside.update(el.iterdescendants())
    with_text = [el for el in outermost if el.text_content().strip()]
    if not with_text:
        return (
            None,
            f"The site rule for {rule.host} found no article on this page; reader mode chose the text.",
        )
    from lxml.html import Element

    block = Element("div")
    for el in with_text:
        part = copy.deepcopy(el)
        part.tail = None
        block.append(part)
    return block, None
