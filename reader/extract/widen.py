"""Widen readability's main block to the page's own article container when it marks one.

readability-lxml scores paragraphs and keeps the best box of them, which is often only part of the story:
the slideshow caption above the text, a table or a reference list between sections, the figures of a photo
essay. Pages that mark their article (`<article>`, `<main>`, `role="main"`, `itemprop="articleBody"`, or
classes such as `article-body`, `entry-content`, `story-body`) say where the story ends. When the smallest
such container holds everything readability kept, we rebuild the block in the container's own structure:
readability's (restored) elements where it kept them, and the container's other parts that look like story
content (the judge `restore` uses) around them, in page order. Widening never drops what readability kept.
Without a marked container, when readability kept parts of several boxes (the steps of a how-to, each in
its own box), only the gaps between the kept parts are filled, from the innermost box holding them all,
and photos and captions stay out.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

from lxml.html import HtmlElement

from reader.extract.clean import text_of, word_count
from reader.extract.restore import SENTENCE_END, attr_words, is_hidden, looks_like_content, named_clutter

__all__ = ["widen"]

# class/id values that name the article's body (whole words between - or _, or camelCase joined).
_BODY_CLASS = re.compile(
    r"(?:^|[\s_-])(?:article|post|entry|story)[-_]?(?:body|content|text)(?:$|[\s_-])|articleBody|storyBody",
    re.I,
)
# Boxes whose parts are judged one by one when the box as a whole does not look like content.
BOXES = frozenset(["div", "section", "figure", "span"])
# Words in class/id of the lines around a story that are not the story: its date, signature, credits.
FURNITURE_WORDS = frozenset(
    ["date", "dateline", "time", "timestamp", "published", "updated", "signature", "sig", "credit", "credits"]
)
# Not added to the gaps between kept parts outside a marked article container: photos and their captions.
GAP_SKIP = frozenset(["figure", "figcaption", "caption", "picture", "img"])
# A container this many times longer than readability's block is a page section, not one article.
MAX_GROWTH = 3.0
# A container with more of its text in links than this is a list of teasers, not an article.
MAX_LINK_SHARE = 0.35


def _enough_text(el: HtmlElement, parent: HtmlElement) -> bool:
    """A paragraph added from outside readability's block reads as a sentence, unless it is a caption
    (a line on a date or a label alone is page furniture)."""
    if el.tag not in ("p", "div", "section", "span") or parent.tag in ("figure", "figcaption"):
        return True
    text = text_of(el)
    return word_count(text) >= 8 and SENTENCE_END.search(text) is not None


def _is_container(el: HtmlElement) -> bool:
    if el.tag in ("article", "main") or el.get("role") == "main":
        return True
    if el.get("itemprop") == "articleBody":
        return True
    cls = el.get("class")
    return bool(cls) and _BODY_CLASS.search(cls[:300]) is not None


def _top_kept(
    summary: HtmlElement, by_x: dict[str | None, HtmlElement], split: bool = False
) -> list[HtmlElement]:
    """The elements readability kept (they carry their page number `x`) that no other kept one holds.
    With `split`, "holds" means in the page: readability appends the siblings it keeps into its best
    element, whatever their parent in the page."""
    tops: list[HtmlElement] = []

    def walk(el: HtmlElement, holder: HtmlElement | None) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            source = by_x.get(child.get("x")) if child.get("x") else None
            if source is None:
                walk(child, holder)
            elif holder is None or not _holds(holder, source):
                tops.append(child)
                if split:
                    walk(child, source)
            else:
                walk(child, holder)

    walk(summary, None)
    return tops


def _holds(ancestor: HtmlElement, el: HtmlElement) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _container(
    by_x: dict[str | None, HtmlElement], tops: list[HtmlElement], kept_chars: int, marked: bool = True
) -> tuple[HtmlElement | None, bool]:
    """The smallest marked container holding every element readability kept, when it holds more; or
    (`marked` False), when the kept elements come from different boxes, the innermost box holding them
    all (to fill the gaps between them only). The flag says whether the container is a marked one."""
    sources = [src for src in (by_x.get(t.get("x")) for t in tops) if src is not None]
    if not sources or len(sources) != len(tops):
        return None, False
    # Ancestors shared by all kept elements, innermost first.
    shared = [a for a in sources[0].iterancestors() if isinstance(a.tag, str)]
    for s in sources[1:]:
        ancestors = {id(a) for a in s.iterancestors()}
        shared = [a for a in shared if id(a) in ancestors]
    for anc in shared if marked else ():
        if anc.tag in ("body", "html"):
            break
        if not _is_container(anc):
            continue
        text = text_of(anc)
        if len(text) <= kept_chars + 40:
            return None, False  # readability already has the whole container
        if len(text) > kept_chars * MAX_GROWTH or _link_heavy(anc, text):
            return None, False
        return anc, True
    parents = {id(s.getparent()) for s in sources}
    if not marked and len(parents) > 1 and shared and shared[0].tag not in ("body", "html"):
        text = text_of(shared[0])
        if len(text) <= kept_chars * MAX_GROWTH and not _link_heavy(shared[0], text):
            return shared[0], False
    return None, False


def _link_heavy(el: HtmlElement, text: str) -> bool:
    return sum(len(text_of(a)) for a in el.iter("a")) > len(text) * MAX_LINK_SHARE


def _ancestors(by_x: dict[str | None, HtmlElement], xs: Iterable[str | None]) -> set[str | None]:
    """The numbers of the page elements that hold any of the elements numbered `xs`."""
    found: set[str | None] = set()
    for x in xs:
        el = by_x.get(x)
        node = el.getparent() if el is not None else None
        while node is not None and node.get("x") not in found:
            found.add(node.get("x"))
            node = node.getparent()
    return found


def _shell(el: HtmlElement) -> HtmlElement:
    """A copy of the element alone: same tag and attributes, no text, no children."""
    shell: HtmlElement = el.makeelement(el.tag, dict(el.attrib))
    return shell


def widen(summary: HtmlElement, page: HtmlElement) -> int:
    """Rebuild `summary` (readability's restored block) in place within the page's marked article
    container, adding the container's content readability dropped. Returns how many elements were added."""
    kept_chars = len(text_of(summary))
    if kept_chars == 0:
        return 0
    by_x = {el.get("x"): el for el in page.iter() if isinstance(el.tag, str) and el.get("x")}
    tops = _top_kept(summary, by_x)
    if not tops:
        return 0
    box, marked = _container(by_x, tops, kept_chars)
    if box is None:
        tops = _top_kept(summary, by_x, split=True)
        box, marked = _container(by_x, tops, kept_chars, marked=False)
    if box is None:
        return 0
    placed = {t.get("x"): t for t in tops}
    in_summary = {el.get("x") for el in summary.iter() if isinstance(el.tag, str) and el.get("x")}
    holders = _ancestors(by_x, placed)  # rebuilt as shells around the kept elements, not judged
    holds_kept = _ancestors(by_x, in_summary)  # hold something readability kept: never copied whole
    # Past readability's last element come the byline box, "originally published at", tags and promos:
    # only what sits before or between the kept parts is added.
    last = max((int(x) for x in in_summary if x and x.isdigit()), default=-1)
    # In a box the page does not mark as the article, only the gaps between the kept parts are filled.
    first = -1 if marked else min((int(x) for x in in_summary if x and x.isdigit()), default=-1)
    budget = kept_chars
    added = 0
    used: set[str | None] = set()

    def build(src: HtmlElement, out: HtmlElement) -> None:
        nonlocal budget, added
        for child in src:
            if not isinstance(child.tag, str):
                continue
            x = child.get("x")
            if x is None or not x.isdigit() or int(x) > last or is_hidden(child):
                continue
            if int(x) < first and x not in holders:
                continue
            if x in placed:
                if x not in used:
                    clone = copy.deepcopy(placed[x])  # copied: the summary stays whole until we commit
                    for inner in [d for d in clone.iterdescendants() if d.get("x") in placed]:
                        inner.drop_tree()  # another top readability nested here: placed where it stands
                    out.append(clone)
                    used.add(x)
            elif x in holders:
                shell = _shell(child)
                out.append(shell)
                build(child, shell)
            elif x in in_summary or x in holds_kept:
                continue  # readability kept this elsewhere in its block
            elif child.tag == "h1" or attr_words(child) & FURNITURE_WORDS:
                continue  # the headline (shown as the title) and the lines about the story
            elif not marked and (child.tag in GAP_SKIP or attr_words(child) & {"caption", "credit"}):
                continue  # between kept boxes the page does not mark as the article: no figures
            elif looks_like_content(child, budget) and _enough_text(child, src):
                clone = copy.deepcopy(child)
                clone.tail = None
                out.append(clone)
                budget -= len(text_of(clone))
                added += 1
            elif child.tag in BOXES and not named_clutter(child):
                # A box that is not content as a whole (a slideshow, a figure with its player) may still
                # hold captions and paragraphs: judge its parts.
                shell = _shell(child)
                build(child, shell)
                if len(shell):
                    out.append(shell)

    root = _shell(box)
    build(box, root)
    if len(used) != len(placed):
        return 0  # not every kept element found its place: keep readability's block as it is
    for child in list(summary):
        summary.remove(child)
    summary.text = None
    summary.append(root)
    return added
