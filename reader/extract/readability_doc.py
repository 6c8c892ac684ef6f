"""readability-lxml over a tree we parsed and bounded ourselves: its main block is one of the candidates the
block scorer weighs (feature `readability_kept`), and its hidden-element checks are shared.
"""

from __future__ import annotations

import copy
import re

import lxml.html
import readability.readability
from lxml.html import HtmlElement
from readability import Document
from readability.readability import REGEXES

__all__ = ["TaggedDocument", "hidden_by_class", "hidden_class_value", "is_hidden"]


class TaggedDocument(Document):  # type: ignore[misc]  # readability ships no type hints
    """A readability Document over a tree we parsed (and bounded) ourselves, with cheaper internals.

    Give it the page from `extract_prepare.parse_page`, whose elements carry their document-order number in
    attribute `x` (like readability's own xpath option, much cheaper to compute). The number survives into
    the summary, so each element there can be matched with the original for `restore`.

    Overrides of readability-lxml 0.9 internals (pinned), each doing the same job faster:
    `_parse` copies our tree instead of parsing and running lxml's Cleaner again (scripts, styles, links and
    comments are already gone; links are made absolute when rendering); `get_link_density` measures text
    without three regex passes per call; `transform_misused_divs_into_paragraphs` decides "holds a block"
    from one bottom-up pass instead of serialising every div's children (quadratic in the depth);
    `remove_unlikely_candidates` matches each distinct class/id value once, not once per element;
    `get_preserved_elements` tests each element once as a quote's lead, not once per div inside it;
    `class_weight` matches each class/id value once.
    """

    def __init__(self, tree: HtmlElement) -> None:
        super().__init__(tree)
        self._tree = tree
        self._weights: dict[str, int] = {}  # class_weight of each class/id value seen

    def _parse(self, input: HtmlElement) -> HtmlElement:  # readability's signature
        doc = copy.deepcopy(self._tree)  # summary() may parse twice (its "ruthless" retry) and mutates
        # Only an element with one of these attributes can be hidden (see is_hidden, hidden_by_class); pages
        # repeat their class values, each judged once.
        hidden = []
        by_class: dict[str, bool] = {}
        for el in doc.xpath("//*[@hidden or @style or @class]"):
            if is_hidden(el):
                hidden.append(el)
                continue
            cls = el.get("class")
            if cls:
                verdict = by_class.get(cls)
                if verdict is None:
                    verdict = by_class[cls] = hidden_class_value(cls)
                if verdict:
                    hidden.append(el)
        for el in hidden:
            if el.getparent() is not None:
                el.drop_tree()
        return doc

    def remove_unlikely_candidates(self) -> None:
        # readability matches its patterns on "<class> <id>"; no pattern can match a space, so a match lies in
        # the class or in the id, and each distinct value is matched once (pages repeat their class values).
        seen: dict[str, tuple[bool, bool]] = {"": (False, False)}
        # Elements inside one already removed need no test: removing them changes nothing in the page.
        gone: set[HtmlElement] = set()
        for elem in self.html.findall(".//*"):
            if gone and elem.getparent() in gone:
                gone.add(elem)
                continue
            cls, ident = elem.get("class", ""), elem.get("id", "")
            if not cls and not ident:
                continue  # readability: len("<class> <id>") < 2
            c = seen.get(cls) or seen.setdefault(cls, _unlikely_words(cls))
            i = seen.get(ident) or seen.setdefault(ident, _unlikely_words(ident))
            if (
                (c[0] or i[0])
                and not (c[1] or i[1])
                and elem.tag not in ("html", "body")
                and not elem.xpath("ancestor-or-self::pre | ancestor-or-self::code")
                and not elem.xpath(
                    "descendant-or-self::main | descendant-or-self::article | descendant-or-self::math"
                )
            ):
                elem.drop_tree()
                gone.add(elem)

    def get_preserved_elements(self, node: HtmlElement) -> dict[HtmlElement, bool]:
        allowed = {elem: True for elem in self.tags(node, "ul") if self.is_toc_list(elem)}
        # readability's is_quote_lead tests the div and each of its ancestors, for every div: each element
        # is tested once here (nothing changes the tree meanwhile).
        leads: dict[HtmlElement, bool] = {}

        def quote_lead(lead: HtmlElement) -> bool:
            found = leads.get(lead)
            if found is None:
                following = lead.getnext()
                if following is None or not following.findall(".//blockquote"):
                    found = False
                else:
                    lead_text = _clean(lead.text_content() or "")
                    found = len(lead_text) >= self.min_text_length and lead_text.endswith(":")
                leads[lead] = found
            return found

        allowed.update(
            {
                elem: True
                for elem in self.tags(node, "div", "section")
                if any(quote_lead(lead) for lead in (elem, *elem.iterancestors()))
            }
        )
        return allowed

    def class_weight(self, e: HtmlElement) -> int:
        if self.positive_keywords or self.negative_keywords:
            return int(super().class_weight(e))
        return self._value_weight(e.get("class", None)) + self._value_weight(e.get("id", None))

    def _value_weight(self, value: str | None) -> int:
        """readability's class_weight of one class or id value (-25 negative, +25 positive), once per value."""
        if not value:
            return 0
        weight = self._weights.get(value)
        if weight is None:
            weight = self._weights[value] = (-25 if _NEGATIVE.search(value) else 0) + (
                25 if _POSITIVE.search(value) else 0
            )
        return weight

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


_UNLIKELY = REGEXES["unlikelyCandidatesRe"]
_MAYBE_CANDIDATE = REGEXES["okMaybeItsACandidateRe"]
_NEGATIVE = REGEXES["negativeRe"]
_POSITIVE = REGEXES["positiveRe"]
# The same patterns for lowered text (they are plain lists of lower-case words: see _unlikely_words).
_UNLIKELY_LOWER = re.compile(_UNLIKELY.pattern)
_MAYBE_CANDIDATE_LOWER = re.compile(_MAYBE_CANDIDATE.pattern)


def _unlikely_words(value: str) -> tuple[bool, bool]:
    """Whether a class or id value matches readability's "unlikely" pattern, and its "maybe a candidate" one.

    Both are lists of lower-case words matched ignoring case, which the same words find in the lowered value
    several times faster; except where case-insensitive matching takes a non-ASCII letter for an ASCII one
    that str.lower() does not turn into it (İ and ı for i, ſ for s): such a value is matched as readability
    does."""
    if "\u0130" in value or "\u0131" in value or "\u017f" in value:
        return _UNLIKELY.search(value) is not None, _MAYBE_CANDIDATE.search(value) is not None
    lowered = value.lower()
    return _UNLIKELY_LOWER.search(lowered) is not None, _MAYBE_CANDIDATE_LOWER.search(lowered) is not None


def _no_description(*_args: object, **_kwargs: object) -> str:
    return ""


# readability-lxml formats its debug messages before calling log.debug, describing elements (and keeping
# every described element of the last page alive in a module-level dict); we never log them.
readability.readability.describe = _no_description
readability.readability.text_content = _no_description

_readability_clean = readability.readability.clean
_SPACE_RUN = re.compile(r"\s{255,}")
# readability's three patterns, each only tried where a run of whitespace starts: the first two match a
# whole run or nothing in it, so they find the same matches, without trying every position of a long run
# (quadratic in its length: a third of the time of a Wikipedia page).
_LONG_RUN = re.compile(r"(?<!\s)\s{255,}")
_NEWLINE_RUN = re.compile(r"(?<!\s)\s*\n\s*")
_TABS_OR_SPACES = re.compile(r"\t|[ \t]{2,}")


def _clean(text: str) -> str:
    """readability's `clean` (whitespace runs shortened, runs around a newline made one newline, tabs and
    runs of spaces one space, ends stripped), skipping its three substitutions where none can change a thing
    (most paragraphs' text)."""
    if "\n" in text or "\t" in text or "  " in text or (len(text) >= 255 and _SPACE_RUN.search(text)):
        text = _LONG_RUN.sub(" " * 255, text)
        text = _NEWLINE_RUN.sub("\n", text)
        text = _TABS_OR_SPACES.sub(" ", text)
    return text.strip()


# readability measures every paragraph and candidate with `clean` (same result, faster).
readability.readability.clean = _clean

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
    return hidden_class_value(el.get("class"))


def hidden_class_value(cls: str | None) -> bool:
    """`hidden_by_class` for a class attribute's value."""
    if not cls:
        return False
    return not HIDDEN_CLASSES.isdisjoint(cls.lower().split())


def _text_len(el: HtmlElement) -> int:
    """Length of the text with whitespace runs folded (what readability's text_length measures)."""
    return len(" ".join(el.text_content().split()))


def _holds_block(root: HtmlElement) -> dict[HtmlElement, bool]:
    """For each element: whether it or anything inside it is a block (one pass, children before parents)."""
    blocky: dict[HtmlElement, bool] = {}
    holds: set[HtmlElement] = set()  # the elements with a child that is or holds a block
    by_tag: dict[str, bool] = {}
    for el in reversed(list(root.iter())):
        tag = el.tag if isinstance(el.tag, str) else ""
        own = by_tag.get(tag)
        if own is None:
            own = by_tag[tag] = bool(tag and _BLOCK_PREFIX.match(tag))
        if own or el in holds:
            blocky[el] = True
            parent = el.getparent()
            if parent is not None:
                holds.add(parent)
        else:
            blocky[el] = False
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
