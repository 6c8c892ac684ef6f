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

import lxml.html
from lxml.html import HtmlElement
from readability import Document

from reader.extract.clean import CLUTTER_WORDS, text_of, word_count

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
# Parts of a table readability may drop while keeping its rows: the caption and the header row.
TABLE_PARTS = frozenset(["caption", "thead", "tbody", "tfoot", "tr"])
# Inline elements put back inside the prose blocks that held them.
INLINE = frozenset(
    ["a", "span", "em", "i", "strong", "b", "abbr", "cite", "mark", "u", "small", "sup", "sub"]
)
PROSE = frozenset(["p", "li", "dd", "dt", "td", "th", "blockquote", "figcaption", *HEADINGS])
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


def attr_words(el: HtmlElement) -> set[str]:
    """Words of the class (and of a short id): what the page says an element is."""
    ident = el.get("id", "")
    attrs = el.get("class", "")[:300] + (" " + ident if len(_ATTR_WORDS.findall(ident[:100])) <= 3 else "")
    return {w.lower() for w in _ATTR_WORDS.findall(attrs)} if len(attrs) > 1 else set()


def _link_density(el: HtmlElement, text: str, skip_fragments: bool = False) -> float:
    """Share of the text in links; with `skip_fragments`, links to a place in the same page don't count."""
    if not text:
        return 1.0
    links = (a for a in el.iter("a") if not (skip_fragments and a.get("href", "").startswith("#")))
    return sum(len(text_of(a)) for a in links) / len(text)


def named_clutter(el: HtmlElement) -> bool:
    """Whether the element's class or id names page furniture (share bars, sidebars, bylines, ...)."""
    return bool(attr_words(el) & (CLUTTER_WORDS | UNLIKELY_WORDS))


def looks_like_content(el: HtmlElement, budget: int, between: bool = False) -> bool:
    """Whether a dropped element is story content worth putting back (and no longer than `budget`).
    `between`: it sits between kept parts of the story, where a heading that is all link (a product or a
    work named in a list of reviews) still titles the section that follows."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if not tag or tag in NEVER:
        return False
    words = attr_words(el)
    if words & (CLUTTER_WORDS | UNLIKELY_WORDS) or hidden_by_class(el):
        return False
    if any(d.tag in NEVER for d in el.iter() if isinstance(d.tag, str)):
        return False
    text = text_of(el)
    if not text or len(text) > budget:
        return False
    density = _link_density(el, text)
    if tag in HEADINGS:
        # A heading linking to its own place in the page (a table of contents' back-link, a permalink
        # mark) is a section title, not a link to elsewhere.
        if density > 0.5 and not between:
            density = _link_density(el, text, skip_fragments=True)
        return word_count(text) <= 25 and (density <= 0.5 or between)
    if tag in ("ul", "ol"):
        return density < 0.5 or (density < PROSE_LIST_DENSITY and _prose_items(el))
    if tag in ("dl", "table", "figure") or tag in TABLE_PARTS:
        return density < 0.5
    if tag in ("p", "blockquote", "pre", "figcaption"):
        return density < 0.3
    if tag in ("div", "section"):
        heading = _heading_box(el, text)
        if heading is not None:
            return looks_like_content(heading, budget, between)
        return _prose_box(el, text, density)
    # Other containers that readability dropped are mostly widgets (players, promos): leave them out.
    return False


# A list of sentences that link their sources may hold this much of its text in links.
PROSE_LIST_DENSITY = 0.75
PROSE_ITEM_WORDS = 4


def _prose_items(el: HtmlElement) -> bool:
    """Whether a list's items are statements that link their sources ('Ana fixed <a>a crash in X</a> when
    Y'), not links with a label: on average the items hold a few words of their own outside the links."""
    items = [li for li in el if li.tag == "li"]
    if len(items) < 1 or len(items) != len([c for c in el if isinstance(c.tag, str)]):
        return False
    plain = 0
    for li in items:
        links = " ".join(text_of(a) for a in li.iter("a"))
        plain += max(0, word_count(text_of(li)) - word_count(links))
    return plain >= PROSE_ITEM_WORDS * len(items)


SENTENCE_END = re.compile(r"[.!?…\"”’»)\]](?:\s|$)")


def _heading_box(el: HtmlElement, text: str) -> HtmlElement | None:
    """The heading a box holds and nothing else (section titles wrapped in their own divs)."""
    headings = [d for d in el.iter(*HEADINGS)]
    if len(headings) != 1 or len(text_of(headings[0])) != len(text):
        return None
    return headings[0]


def _prose_box(el: HtmlElement, text: str, density: float) -> bool:
    """A dropped div that holds only prose (a standfirst, an intro, a box of paragraphs) is story content;
    one holding images, players or lists of links is a widget."""
    if density >= 0.2 or word_count(text) < 15 or SENTENCE_END.search(text) is None:
        return False
    for d in el.iter():
        tag = d.tag if isinstance(d.tag, str) else ""
        if tag in ("img", "picture", "video", "audio", "ul", "ol", "table", "figure") or tag in HEADINGS:
            return False
        if d is not el and tag and named_clutter(d):
            return False  # a box around a byline, a promo or a share bar
    return True


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
        last_kept = max((i for i, c in enumerate(children) if c.get("x") in here), default=-1)
        shapes = {_shape(c) for c in children if c.get("x") in here}
        for position, child in enumerate(children):
            path = child.get("x")
            if path in here:
                anchor = here[path]
                continue
            if path in kept:
                continue
            if child.tag in INLINE and target.tag in PROSE:
                inline = _restore_inline(target, anchor, child, _run_tail(children, position, here, kept))
                if inline is not None:
                    anchor = inline
                    restored += 1
                continue
            between = anchor is not None and position < last_kept
            if not looks_like_content(child, budget, between) and not (
                between and _shape(child) in shapes and _short_line(child, budget)
            ):
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
    return restored + _restore_neighbours(summary, by_path, kept, budget)


def _shape(el: HtmlElement) -> tuple[str, str, str]:
    """What an element looks like in the page's markup: its tag, class and inline style."""
    return (el.tag if isinstance(el.tag, str) else "", el.get("class", ""), el.get("style", ""))


def _short_line(el: HtmlElement, budget: int) -> bool:
    """A short paragraph ('They both took one.') readability dropped for its length: plain text, in the
    same markup as the paragraphs kept around it (checked by the caller)."""
    if el.tag not in ("div", "p", "section") or named_clutter(el) or hidden_by_class(el):
        return False
    text = text_of(el)
    if not text or len(text) > min(budget, 300):
        return False
    for d in el.iter():
        tag = d.tag if isinstance(d.tag, str) else ""
        if tag in NEVER or tag in ("img", "picture", "video", "audio", "ul", "ol", "table", "figure"):
            return False
    return _link_density(el, text) < 0.3


def _run_tail(
    children: list[HtmlElement], position: int, here: dict[str | None, HtmlElement], kept: set[str | None]
) -> str:
    """The text that followed `children[position]` up to the next element readability kept: its tail and
    the tails of the dropped inline elements right after it. Dropping them all glued all of it to the text
    before the first (a paragraph with several glossary or tooltip links loses every one of them)."""
    parts = [children[position].tail or ""]
    for sib in children[position + 1 :]:
        x = sib.get("x")
        if x in here or x in kept or sib.tag not in INLINE:
            break
        parts.append(sib.tail or "")
    return "".join(parts)


def _restore_inline(
    target: HtmlElement, anchor: HtmlElement | None, child: HtmlElement, tail: str
) -> HtmlElement | None:
    """Put back a link or span readability dropped from the middle of a sentence (for its class: 'popup',
    'tooltip'...). Dropping it glued `tail` (the text after it, see `_run_tail`) to the text before it,
    which tells where it was."""
    text = text_of(child)
    if not text or len(text) > 300 or any(isinstance(d.tag, str) and d.tag in NEVER for d in child.iter()):
        return None
    before = (target.text if anchor is None else anchor.tail) or ""
    if not before.endswith(tail) or not (before[: len(before) - len(tail)].strip() or tail.strip()):
        return None  # not where we think it was, or not inside running text
    clone = copy.deepcopy(child)
    clone.tail = tail  # holds the text after the dropped elements that follow, until they are put back
    rest = before[: len(before) - len(tail)]
    if anchor is None:
        target.text = rest
        target.insert(0, clone)
    else:
        anchor.tail = rest
        anchor.addnext(clone)
    return clone


def _restore_neighbours(
    summary: HtmlElement, by_path: dict[str | None, HtmlElement], kept: set[str | None], budget: int
) -> int:
    """When readability kept one box whose box is just a wrapper around it, the story often goes on in
    the wrapper's siblings (a standfirst and the first paragraphs before a "read more" box, say): put back
    the prose siblings next to the wrapper, from the nearest outwards, up to the first that is not prose."""
    wrapper = next((el for el in summary.iter() if not el.get("x") and any(c.get("x") for c in el)), None)
    if wrapper is None:
        return 0
    tops = [c for c in wrapper if isinstance(c.tag, str) and c.get("x") in by_path]
    if not tops:
        return 0
    parents = {id(p): p for p in (by_path[c.get("x")].getparent() for c in tops) if p is not None}
    if len(parents) != 1:
        return 0
    box = next(iter(parents.values()))
    if box.getparent() is None or box.tag in ("body", "html", "article", "main"):
        return 0
    kept_chars = sum(len(text_of(c)) for c in tops)
    if kept_chars == 0 or len(text_of(box)) > kept_chars * 1.3:
        return 0  # the box holds much more than what was kept: readability chose within it on purpose
    restored = 0
    for direction in ("before", "after"):
        siblings = list(box.itersiblings(preceding=direction == "before"))
        insert_at = tops[0] if direction == "before" else tops[-1]
        for sib in siblings:
            if not isinstance(sib.tag, str) or sib.get("x") in kept:
                break
            text = text_of(sib)
            if len(text) < 10 and sib.find(".//img") is None:
                continue  # an empty slot (an ad, a spacer) between the paragraphs
            if not looks_like_content(sib, budget) or (sib.tag in HEADINGS and direction == "after"):
                break
            clone = copy.deepcopy(sib)
            clone.tail = None
            if direction == "before":
                insert_at.addprevious(clone)
            else:
                insert_at.addnext(clone)
            insert_at = clone
            restored += 1
            budget -= len(text)
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
