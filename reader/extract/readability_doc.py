"""readability-lxml over a tree we parsed and bounded ourselves: its main block is one of the candidates the
block scorer weighs (feature `readability_kept`), and its hidden-element checks are shared.
"""

from __future__ import annotations

import copy
import re

import lxml.html
from lxml.html import HtmlElement
from readability import Document

__all__ = ["TaggedDocument", "hidden_by_class", "is_hidden"]


class TaggedDocument(Document):  # type: ignore[misc]  # readability ships no type hints
    """A readability Document over a tree we parsed (and bounded) ourselves, with cheaper internals.

    Give it the page from `extract_prepare.parse_page`, whose elements carry their document-order number in
    attribute `x` (like readability's own xpath option, much cheaper to compute). The number survives into
    the summary, so each element there can be matched with the original for `restore`.

    Overrides of readability-lxml 0.9 internals (pinned), each doing the same job faster:
    `_parse` copies our tree instead of parsing and running lxml's Cleaner again (scripts, styles, links and
    comments are already gone; links are made absolute when rendering); `get_link_density` measures text
    without three regex passes per call; `transform_misused_divs_into_paragraphs` decides "holds a block"
    from one bottom-up pass instead of serialising every div's children (quadratic in the depth).
    """

    def __init__(self, tree: HtmlElement) -> None:
        super().__init__(tree)
        self._tree = tree

    def _parse(self, input: HtmlElement) -> HtmlElement:  # readability's signature
        doc = copy.deepcopy(self._tree)  # summary() may parse twice (its "ruthless" retry) and mutates
        hidden = [
            el for el in doc.iter() if isinstance(el.tag, str) and (is_hidden(el) or hidden_by_class(el))
        ]
        for el in hidden:
            if el.getparent() is not None:
                el.drop_tree()
        return doc

    def get_link_density(self, elem: HtmlElement) -> float:
        links = sum(_text_len(a) for a in elem.iter("a"))
        return links / max(_text_len(elem), 1)

    def transform_misused_divs_into_paragraphs(self) -> None:
        blocky = _holds_block(self.html)
        for div in list(self.html.iter("div")):
            if not any(blocky.get(child, False) for child in div):
                div.tag = "p"
        for div in list(self.html.iter("div")):
            _wrap_loose_inline(div, blocky)


HIDDEN_CLASSES = frozenset(
    ["hidden", "hide", "is-hidden", "invisible", "d-none", "visually-hidden", "sr-only", "screen-reader-text"]
)
_HIDDEN_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)"
)
# readability-lxml: a div holding any of these (its pattern matches tag-name prefixes: "p" covers "picture")
# is a container, not a paragraph.
_BLOCK_PREFIX = re.compile(r"(?:blockquote|dl|div|img|ol|p|pre|table|ul)", re.I)
_INLINE = frozenset(
    ["a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong", "sub", "sup", "u"]
)


def is_hidden(el: HtmlElement) -> bool:
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    return bool(style) and _HIDDEN_STYLE.search(style) is not None


def hidden_by_class(el: HtmlElement) -> bool:
    """Whether a class name says the element is not shown (a list of topics kept for scripts, text for
    screen readers). Only for what we put back: readability's own choice stands."""
    cls = el.get("class")
    return bool(cls) and not HIDDEN_CLASSES.isdisjoint(cls.lower().split())


def _text_len(el: HtmlElement) -> int:
    """Length of the text with whitespace runs folded (what readability's text_length measures)."""
    return len(" ".join(el.text_content().split()))


def _holds_block(root: HtmlElement) -> dict[HtmlElement, bool]:
    """For each element: whether it or anything inside it is a block (one pass, children before parents)."""
    blocky: dict[HtmlElement, bool] = {}
    for el in reversed(list(root.iter())):
        tag = el.tag if isinstance(el.tag, str) else ""
        blocky[el] = bool(tag and _BLOCK_PREFIX.match(tag)) or any(blocky.get(c, False) for c in el)
    return blocky


def _new_p() -> HtmlElement:
    p: HtmlElement = lxml.html.Element("p")
    return p


def _wrap_loose_inline(div: HtmlElement, blocky: dict[HtmlElement, bool]) -> None:
    """Text and runs of inline elements directly in a div that holds blocks become paragraphs of their own."""
    children = list(div)
    paragraph: HtmlElement | None = None
    if div.text and div.text.strip():
        paragraph = _new_p()
        paragraph.text = div.text
        div.text = None
        div.insert(0, paragraph)
    for child in children:
        if child.tag == "br" or child.tag not in _INLINE or blocky.get(child, True):
            paragraph = None
            continue
        if paragraph is None:
            paragraph = _new_p()
            child.addprevious(paragraph)
        paragraph.append(child)
    for pos, child in reversed(list(enumerate(div))):
        if child.tail and child.tail.strip():
            p = _new_p()
            p.text = child.tail
            child.tail = None
            div.insert(pos + 1, p)
        if child.tag == "br":
            child.drop_tree()
