"""Run readability-lxml and put back content its clean-up dropped from inside the main block.

readability-lxml picks the main block well, but its final clean-up drops headings, lists, tables and figure
captions that belong to the story (the "conditional cleaning" of elements with few commas). Asking it to tag
every element with its original path (`xpath=True`) lets us find, under each element it kept, the children it
dropped, and restore those that look like content (text, few links, no clutter words). Our own clutter rules
run afterwards on the restored block.
"""

from __future__ import annotations

import copy
import re

from lxml.html import HtmlElement
from readability import Document

from reader.extract_clean import CLUTTER_WORDS, text_of, word_count

# Never restored: page furniture and interactive parts.
NEVER = frozenset(
    [
        "form",
        "textarea",
        "iframe",
        "nav",
        "button",
        "input",
        "select",
        "header",
        "footer",
        "aside",
        "menu",
        "noscript",
    ]
)
HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
# Words in class/id that readability-lxml treats as unlikely content: respect its judgement for these.
UNLIKELY_WORDS = frozenset(
    [
        "combx",
        "comment",
        "comments",
        "community",
        "disqus",
        "extra",
        "foot",
        "footer",
        "header",
        "menu",
        "remark",
        "rss",
        "shoutbox",
        "sidebar",
        "sponsor",
        "popup",
        "tweet",
        "twitter",
        "pagination",
        "pager",
        "nav",
        "navigation",
        "masthead",
        "widget",
        "outbrain",
        "promo",
        "tags",
        "meta",
        "author",
        "bio",
        "byline",
        "toolbar",
        "tools",
    ]
)
_ATTR_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


class TaggedDocument(Document):  # type: ignore[misc]  # readability ships no type hints
    """A readability Document that numbers every element and keeps a copy of the page as parsed.

    `_html` is readability-lxml 0.9's (pinned) parse step, which summary() calls before scoring. The number
    (attribute `x`, like readability's own xpath option but much cheaper to compute) survives into the
    summary, so each element there can be matched with the original.
    """

    source: HtmlElement | None = None

    def _html(self, force: bool = False) -> HtmlElement:
        fresh = force or self.html is None
        html: HtmlElement = super()._html(force)
        if fresh:
            for number, el in enumerate(html.iter()):
                if isinstance(el.tag, str):
                    el.set("x", str(number))
            self.source = copy.deepcopy(html)
        return html


def _words(el: HtmlElement) -> set[str]:
    ident = el.get("id", "")
    attrs = el.get("class", "")[:300] + (" " + ident if len(_ATTR_WORDS.findall(ident[:100])) <= 3 else "")
    return {w.lower() for w in _ATTR_WORDS.findall(attrs)} if len(attrs) > 1 else set()


def _link_density(el: HtmlElement, text: str) -> float:
    if not text:
        return 1.0
    return sum(len(text_of(a)) for a in el.iter("a")) / len(text)


def looks_like_content(el: HtmlElement, budget: int) -> bool:
    """Whether a dropped element is story content worth putting back (and no longer than `budget`)."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if not tag or tag in NEVER:
        return False
    words = _words(el)
    if words & (CLUTTER_WORDS | UNLIKELY_WORDS):
        return False
    if any(d.tag in NEVER for d in el.iter() if isinstance(d.tag, str)):
        return False
    text = text_of(el)
    if not text or len(text) > budget:
        return False
    density = _link_density(el, text)
    if tag in HEADINGS:
        return word_count(text) <= 25 and density <= 0.5
    if tag in ("ul", "ol", "dl", "table", "figure"):
        return density < 0.5
    if tag in ("p", "blockquote", "pre", "figcaption"):
        return density < 0.3
    # Generic containers that readability dropped are mostly widgets (players, promos): leave them out.
    return False


def restore(summary: HtmlElement, source: HtmlElement | None) -> int:
    """Put back, in place, children of kept elements that readability dropped. Returns how many."""
    if source is None:
        return 0
    by_path = {el.get("x"): el for el in source.iter() if isinstance(el.tag, str) and el.get("x")}
    kept = {el.get("x") for el in summary.iter() if isinstance(el.tag, str) and el.get("x")}
    # What is put back stays smaller than what readability kept: a dropped gallery or link farm larger
    # than the story is not part of it.
    budget = len(text_of(summary)) // 2
    restored = 0
    for target in list(summary.iter()):
        if not isinstance(target.tag, str):
            continue
        here = {child.get("x"): child for child in target if isinstance(child.tag, str) and child.get("x")}
        children = _original_children(target, here, by_path)
        anchor: HtmlElement | None = None  # the last kept child of `target` before the current position
        for child in children:
            path = child.get("x")
            if path in here:
                anchor = here[path]
                continue
            if path in kept or not looks_like_content(child, budget):
                continue
            clone = copy.deepcopy(child)
            clone.tail = None  # readability already turned stray tail text into paragraphs of its own
            if anchor is None:
                target.insert(0, clone)
            else:
                anchor.addnext(clone)
            anchor = clone
            restored += 1
            budget -= len(text_of(clone))
    return restored


def _original_children(
    target: HtmlElement, here: dict[str | None, HtmlElement], by_path: dict[str | None, HtmlElement]
) -> list[HtmlElement]:
    """The children `target` had in the page. For readability's own wrapper (no number), the siblings
    between the first and last element it kept from one parent: subheadings between kept paragraphs."""
    original = by_path.get(target.get("x")) if target.get("x") else None
    if original is not None:
        return [c for c in original if isinstance(c.tag, str)]
    if target.get("x") or not here:
        return []
    parents = {id(p): p for p in (by_path[x].getparent() for x in here if x in by_path) if p is not None}
    if len(parents) != 1:
        return []
    siblings = [c for c in next(iter(parents.values())) if isinstance(c.tag, str)]
    positions = [i for i, c in enumerate(siblings) if c.get("x") in here]
    return siblings[positions[0] : positions[-1] + 1] if positions else []
