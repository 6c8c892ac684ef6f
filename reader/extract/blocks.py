"""Cut a page into text blocks and describe each with features for the learned block scorer.

A *block* is a block-level element together with its own inline content: its text, its inline children
(links, emphasis, spans) and the tails of its children. A `<div>` holding paragraphs is not a block itself
(its paragraphs are), but a `<div>` with loose text is. Every word on the page belongs to exactly one block.

The features describe a block by what generalises across publishers: its length, link and punctuation
density, its tag and the tags and class/id words of its ancestors, whether readability-lxml kept it, how
much of it the page's JSON-LD `articleBody` holds, where it sits relative to the headline, and how much text
its parent and grandparent hold. `scorer.py` turns them into a probability that the block is story text.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from lxml import etree
from lxml.html import HtmlElement

from reader.extract.clean import (
    AD_LABEL,
    COMMENTS_HEADING,
    CONTENT_WORDS,
    CREDIT,
    NOTICE,
    PROMO_HEADING,
    PROMO_LINE,
    PROMPT,
    TEASER_LINE,
    names_clutter_words,
)
from reader.extract.readability_doc import hidden_class_value
from reader.extract.readability_doc import is_hidden as is_hidden_attr

__all__ = ["DENSE", "FEATURE_NAMES", "Block", "block_features", "page_blocks", "shingle_set"]

# Elements that start a new block. Everything else is inline content of the nearest block around it.
BLOCK_TAGS = frozenset(
    [
        "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "li", "dt", "dd",
        "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figcaption", "figure", "td", "th", "caption",
        "address", "details", "summary", "form", "ul", "ol", "dl", "table", "tr", "tbody", "thead", "tfoot",
        "pre", "body", "html", "center", "hgroup", "fieldset", "legend", "menu", "dialog", "picture",
    ]
)  # fmt: skip
# Never hold text a reader sees (parse_page already removed scripts and styles).
SKIP_TAGS = frozenset(
    ["script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "select",
     "option", "input", "textarea", "audio", "video", "head", "title", "meta", "link", "datalist"]
)  # fmt: skip
HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])

# Tags of the block itself.
OWN_TAGS = ("p", "li", "heading", "blockquote", "pre", "td", "figcaption", "div", "dd")
# Ancestor tags (any level).
ANCESTOR_TAGS = (
    "article", "main", "aside", "nav", "footer", "header", "figure", "form", "ul", "ol", "table",
    "blockquote", "section", "dl",
)  # fmt: skip
# Words of class/id attributes, on the block or any ancestor ("anc") and on the block or its parent ("near").
ATTR_WORDS = (
    "article", "body", "content", "story", "text", "post", "entry", "main", "prose", "rich", "paragraph",
    "related", "recommended", "recirc", "more", "promo", "newsletter", "subscribe", "signup", "share",
    "social", "comment", "comments", "footer", "header", "nav", "menu", "sidebar", "rail", "aside", "ad",
    "ads", "advert", "advertisement", "sponsor", "sponsored", "caption", "credit", "byline", "author",
    "meta", "date", "time", "tag", "tags", "topic", "topics", "breadcrumb", "widget", "teaser", "card",
    "list", "headline", "title", "summary", "standfirst", "dek", "paywall", "premium", "hidden", "modal",
    "cookie", "banner", "popup", "video", "gallery", "image", "photo", "media", "embed", "bio", "footnote",
    "note", "info", "toolbar", "print", "email", "button", "link", "links", "trending", "popular", "read",
    "also", "cta", "form", "search", "login", "live", "update", "updates", "blog", "quote", "inline",
    "figure", "container", "wrapper", "section", "block", "module", "component", "slot", "outbrain",
    "taboola", "disclaimer", "copyright", "legal", "contact", "follow", "app", "alert", "notice",
)  # fmt: skip
_ATTR_INDEX = {w: i for i, w in enumerate(ATTR_WORDS)}
_ANC_TAG_INDEX = {t: i for i, t in enumerate(ANCESTOR_TAGS)}
# The tag of the block's parent (the last is "other").
PARENT_TAGS = (
    "div", "section", "article", "main", "li", "td", "blockquote", "figure", "header", "footer", "aside", "body",
    "a", "span", "other",
)  # fmt: skip
TEXT_RULES = (
    ("promo_line", PROMO_LINE),
    ("promo_heading", PROMO_HEADING),
    ("ad_label", AD_LABEL),
    ("teaser_line", TEASER_LINE),
    ("prompt", PROMPT),
    ("credit", CREDIT),
    ("notice", NOTICE),
)
# For the text rules that search the whole text: every match holds one of these words (the text lowered).
# Checking for them first is much cheaper than the search, and most texts hold none. Keep them in step with
# the patterns in clean.py (tests/unit/test_extract_blocks.py pins the patterns they were written for).
RULE_KEYWORDS = {
    "prompt": (
        "sign up", "subscribe", "newsletter", "inbox", "follow", "like us", "join our", "share", "journalism",
        "become a", "download",
    ),
    "credit": (
        "photo", "image", "picture", "illustration", "graphic", "video", "footage", "credit", "source", "foto",
        "bild", "©", "(c)", "getty", "shutterstock", "istock", "reuters/", "afp via",
    ),
    "notice": ("block", "whitelist", "allowlist", "browser", "javascript", "cookie", "by continuing"),
}  # fmt: skip
# Case-insensitive matching takes these for ASCII letters too (İ and ı for i, ſ for s); str.lower() turns İ
# into two characters and leaves ı and ſ alone, so a text holding one of them is searched in full.
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f]")
_BODY_CLASS = re.compile(
    r"(?:^|[\s_-])(?:article|post|entry|story)[-_]?(?:body|content|text)(?:$|[\s_-])|articleBody|storyBody",
    re.I,
)
_WORDS_IN_ATTR = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…\"”’»)\]]$")
_DIGIT = re.compile(r"\d")
_URL = re.compile(r"(?:https?://|www\.)\S+$")
_BOUNDARY = re.compile(f"{PROMO_HEADING.pattern}|{COMMENTS_HEADING.pattern}|{PROMO_LINE.pattern}", re.I)
MAX_ATTR_CHARS = 300
_NONE: frozenset[int] = frozenset()


_PIPE_OR_BULLET = re.compile("[|•·»›]")


def _feature_names() -> tuple[str, ...]:
    names = [
        "bias",
        "log_words",
        "words_lt4",
        "words_lt10",
        "words_ge25",
        "link_density",
        "all_link",
        "sentence_end",
        "commas_per_word",
        "periods_per_word",
        "digit_share",
        "upper_start",
        "title_case_share",
        "pipe_or_bullet",
        "depth",
        "position",
        "position_sq",
        "before_headline",
        "is_headline",
        "same_as_title",
        "log_units_after_headline",
        "readability_kept",
        "readability_page_share",
        "json_ld_present",
        "json_ld_share",
        "json_ld_parent_share",
        "parent_log_words",
        "parent_share",
        "parent_link_density",
        "parent_long_blocks",
        "grand_log_words",
        "grand_share",
        "grand_long_blocks",
        "container_share",
        "in_container",
        "in_body_class",
        "hidden",
        "prev_log_words",
        "next_log_words",
        "prev_link_density",
        "next_link_density",
        "prev_readability",
        "next_readability",
        "same_parent_as_prev",
        "same_parent_as_next",
        "near_clutter_class",
        "anc_clutter_class",
        "before_first_json_ld",
        "after_last_json_ld",
        "boundaries_before",
        "caps_share",
        "url_only",
    ]
    names += [f"tag_{t}" for t in OWN_TAGS]
    names += [f"anc_{t}" for t in ANCESTOR_TAGS]
    names += [f"rule_{name}" for name, _ in TEXT_RULES]
    names += [f"parent_{t}" for t in PARENT_TAGS]
    names += [f"anc_attr_{w}" for w in ATTR_WORDS]
    names += [f"near_attr_{w}" for w in ATTR_WORDS]
    return tuple(names)


FEATURE_NAMES = _feature_names()
_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}
_TAG0 = _INDEX["tag_p"]
DENSE = _TAG0  # features before this index are real-valued; from it on they are 0/1
_ANC0 = _INDEX[f"anc_{ANCESTOR_TAGS[0]}"]
_RULE0 = _INDEX[f"rule_{TEXT_RULES[0][0]}"]
_PARENT0 = _INDEX[f"parent_{PARENT_TAGS[0]}"]
_ANC_ATTR0 = _INDEX[f"anc_attr_{ATTR_WORDS[0]}"]
_NEAR_ATTR0 = _INDEX[f"near_attr_{ATTR_WORDS[0]}"]
# Per text rule: its feature index, its pattern, and a pattern of its keywords (or None) for lowered text.
_RULE_CHECKS = tuple(
    (
        _RULE0 + j,
        rule,
        re.compile("|".join(map(re.escape, RULE_KEYWORDS[name]))) if name in RULE_KEYWORDS else None,
    )
    for j, (name, rule) in enumerate(TEXT_RULES)
)


_T = TypeVar("_T")


class _once(Generic[_T]):  # used as a decorator, like functools.cached_property
    """functools.cached_property without its lock (Python 3.11 takes one on every first read, and a page
    reads three of these on tens of thousands of blocks): computed on the first read, then a plain
    attribute of the instance."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _once[_T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...

    def __get__(self, obj: object, owner: type | None = None) -> _T | _once[_T]:
        if obj is None:
            return self
        value = self.compute(obj)
        obj.__dict__[self.name] = value
        return value


@dataclass(eq=False)
class Block:
    """One block: the element, its own text, and facts the features are built from."""

    element: HtmlElement
    text: str
    words: int
    link_chars: int
    chars: int
    tag: str
    depth: int
    anc_tags: tuple[bool, ...]  # for each of ANCESTOR_TAGS: whether an ancestor has that tag
    anc_attrs: frozenset[int]
    near_attrs: frozenset[int]
    in_container: bool
    in_body_class: bool
    hidden: bool
    near_clutter: bool = False  # the block's or its parent's class/id names clutter (clean.CLUTTER_WORDS)
    anc_clutter: bool = False  # ... or any ancestor's
    features: list[float] = field(default_factory=list)

    @_once
    def ancestors(self) -> tuple[HtmlElement, ...]:
        """The element's ancestors, nearest first."""
        return tuple(self.element.iterancestors())

    @_once
    def parent(self) -> HtmlElement:
        parent = self.element.getparent()
        return parent if parent is not None else self.element

    @_once
    def grand(self) -> HtmlElement:
        grand = self.parent.getparent()
        return grand if grand is not None else self.parent

    active: list[int] = field(default_factory=list)  # indexes (from DENSE on) of the 0/1 features that are 1


@functools.lru_cache(maxsize=8192)
def _attr_facts(cls: str, ident: str) -> tuple[frozenset[int], bool, bool, bool]:
    """What an element's class and id say: indexes (in ATTR_WORDS) of their words, whether they name clutter
    (`clean.names_clutter`), whether they hide the element, whether they name an article body. Pages repeat a
    few class values many times, so this is cached; so are the class's and the id's own facts, since a
    class value comes back with other ids (and no word of the class and the id can run into the other)."""
    c_found, c_clutter, c_content, hidden_class, body_class = _class_facts(cls)
    i_found, i_clutter, i_content, id_is_short = _id_facts(ident)
    # clean._attr_words takes the id's words only when the id is short (a long one is a slug); the one case
    # where it takes no words at all (class and id shorter than two characters) names no clutter either.
    clutter = (c_clutter or (id_is_short and i_clutter)) and not (c_content or (id_is_short and i_content))
    return c_found | i_found, clutter, hidden_class, body_class


@functools.lru_cache(maxsize=8192)
def _class_facts(cls: str) -> tuple[frozenset[int], bool, bool, bool, bool]:
    """A class value's ATTR_WORDS indexes; whether its words name clutter and content (as in
    `clean.names_clutter`); whether it hides the element; whether it names an article body."""
    head = cls[:MAX_ATTR_CHARS]
    words = {w.lower() for w in _WORDS_IN_ATTR.findall(head)}
    body_class = bool(cls) and _BODY_CLASS.search(head) is not None
    return (*_word_facts(words), hidden_class_value(cls), body_class)


@functools.lru_cache(maxsize=8192)
def _id_facts(ident: str) -> tuple[frozenset[int], bool, bool, bool]:
    """An id's ATTR_WORDS indexes; whether its words name clutter and content; whether it is short enough
    (three words or fewer in its first 100 characters) for `clean.names_clutter` to read it."""
    head = _WORDS_IN_ATTR.findall(ident[:100])
    found = _word_facts({w.lower() for w in head})[0]
    words = {w.lower() for w in _WORDS_IN_ATTR.findall(ident)} if len(ident) > 100 else None
    _, clutter, content = _word_facts(words) if words is not None else _word_facts({w.lower() for w in head})
    return found, clutter, content, len(head) <= 3


def _word_facts(words: set[str]) -> tuple[frozenset[int], bool, bool]:
    """Of a class or id value's (lower-case) words: their ATTR_WORDS indexes, whether they name clutter and
    whether they name content (the two tests of `clean.names_clutter`)."""
    found = frozenset(index for w in words if (index := _ATTR_INDEX.get(w)) is not None)
    return found, names_clutter_words(words), not words.isdisjoint(CONTENT_WORDS)


def _is_container_tag(el: HtmlElement, tag: str) -> bool:
    return tag in ("article", "main") or el.get("role") == "main" or el.get("itemprop") == "articleBody"


def _is_container(el: HtmlElement, tag: str) -> bool:
    if _is_container_tag(el, tag):
        return True
    cls = el.get("class")
    return bool(cls) and _BODY_CLASS.search(cls[:MAX_ATTR_CHARS]) is not None


def _fold(text: str) -> str:
    """Whitespace runs folded to one space, ends stripped (str.split's whitespace is the regex's `\\s`)."""
    return " ".join(text.split())


def page_blocks(root: HtmlElement) -> list[Block]:
    """The page's text blocks in document order (one iterative pass; any depth is safe)."""
    blocks: list[Block] = []
    # Per open block element: [element, text parts, link chars]; text flows to the innermost open block.
    stack: list[tuple[HtmlElement, list[str], list[int], int]] = []
    order: dict[HtmlElement, int] = {}
    depth = 0
    # For each open element: whether it or an element around it has each of ANCESTOR_TAGS.
    anc_stack: list[tuple[bool, ...]] = [(False,) * len(ANCESTOR_TAGS)]
    attr_stack: list[frozenset[int]] = []
    attr_counts: dict[int, int] = {}
    container_depth = 0
    body_class_depth = 0
    hidden_depth = 0
    clutter_depth = 0
    link_depth = 0
    flags: list[tuple[bool, bool, bool, bool]] = []

    def add_text(text: str | None) -> None:
        if text and stack:
            stack[-1][1].append(text)
            if link_depth:
                stack[-1][2][0] += len(text.strip())

    # The few elements a role/itemprop makes a container, and those a hidden/style attribute hides.
    containers = set(root.xpath("descendant-or-self::*[@role='main' or @itemprop='articleBody']"))
    hidden = {el for el in root.xpath("descendant-or-self::*[@hidden or @style]") if is_hidden_attr(el)}
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):
            tag = ""
        if event == "start":
            if not tag or tag in SKIP_TAGS:
                walker.skip_subtree()
                # iterwalk still sends "end" for a skipped element: mark it so the end is ignored.
                continue
            cls, ident = el.get("class"), el.get("id")
            if cls is None and ident is None:
                ids, is_clutter, hidden_class, body_class = _NONE, False, False, False
            else:
                ids, is_clutter, hidden_class, body_class = _attr_facts(cls or "", ident or "")
            is_container = body_class or tag in ("article", "main") or el in containers
            is_hidden = hidden_class or el in hidden
            is_body_class = is_container and tag not in ("article", "main")
            container_depth += is_container
            body_class_depth += is_body_class
            hidden_depth += is_hidden
            clutter_depth += is_clutter
            flags.append((is_container, is_body_class, is_hidden, is_clutter))
            attr_stack.append(ids)
            for i in ids:
                attr_counts[i] = attr_counts.get(i, 0) + 1
            if tag == "a":
                link_depth += 1
            if tag in BLOCK_TAGS:
                order[el] = len(order)
                stack.append((el, [el.text or ""], [len((el.text or "").strip()) if link_depth else 0], 0))
            else:
                add_text(el.text)
                if tag == "br":
                    add_text(" ")
            depth += 1
            if tag in _ANC_TAG_INDEX:
                bits = list(anc_stack[-1])
                bits[_ANC_TAG_INDEX[tag]] = True
                anc_stack.append(tuple(bits))
        else:
            if not tag or tag in SKIP_TAGS:
                if el is not root:
                    add_text(el.tail)
                continue
            depth -= 1
            if tag in _ANC_TAG_INDEX:
                anc_stack.pop()
            ids = attr_stack.pop()
            for i in ids:
                attr_counts[i] -= 1
                if not attr_counts[i]:
                    del attr_counts[i]
            is_container, is_body_class, is_hidden, is_clutter = flags.pop()
            if tag == "a":
                link_depth -= 1
            if tag in BLOCK_TAGS and stack and stack[-1][0] is el:
                _, parts, links, _ = stack.pop()
                text = _fold("".join(parts))
                if text:
                    parent_ids = attr_stack[-1] if attr_stack else frozenset()
                    parent_clutter = bool(flags) and flags[-1][3]
                    blocks.append(
                        Block(
                            element=el,
                            text=text,
                            words=len(_WORD.findall(text)),
                            link_chars=links[0],
                            chars=len(text),
                            tag=tag,
                            depth=depth,
                            anc_tags=anc_stack[-1],
                            anc_attrs=frozenset(attr_counts) | ids,
                            near_attrs=ids | parent_ids,
                            in_container=container_depth > 0,
                            in_body_class=body_class_depth > 0,
                            hidden=hidden_depth > 0,
                            near_clutter=is_clutter or parent_clutter,
                            anc_clutter=clutter_depth > 0,
                        )
                    )
            container_depth -= is_container
            body_class_depth -= is_body_class
            hidden_depth -= is_hidden
            clutter_depth -= is_clutter
            if el is not root and el.tail:
                add_text(" " + el.tail if tag in BLOCK_TAGS else el.tail)
    blocks.sort(key=lambda b: order[b.element])
    return blocks


def shingle_set(text: str, size: int = 4) -> set[tuple[str, ...]]:
    tokens = [t.lower() for t in _WORD.findall(text)]
    if len(tokens) < size:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def _share_in(text: str, reference: set[tuple[str, ...]]) -> float:
    shingles = shingle_set(text)
    if not shingles:
        return 0.0
    return sum(1 for s in shingles if s in reference) / len(shingles)


_log1p = math.log1p  # of counts (never negative)


def _norm_title(text: str | None) -> str:
    return " ".join(_WORD.findall((text or "").lower()))


def block_features(
    blocks: list[Block],
    *,
    title: str | None,
    kept: set[str],
    json_ld_body: str | None,
) -> None:
    """Fill each block's `features` (in FEATURE_NAMES order).

    `kept`: the `x` numbers of the elements readability-lxml kept; `json_ld_body`: the page's JSON-LD
    `articleBody` text, or None.
    """
    n = len(blocks)
    if not n:
        return
    total_words = sum(b.words for b in blocks) or 1
    reference = shingle_set(json_ld_body) if json_ld_body else set()
    title_norm = _norm_title(title)
    title_words = title_norm.count(" ") + 1 if title_norm else 0
    parent_words: dict[HtmlElement, int] = {}
    parent_links: dict[HtmlElement, int] = {}
    parent_chars: dict[HtmlElement, int] = {}
    parent_long: dict[HtmlElement, int] = {}
    parent_ld: dict[HtmlElement, float] = {}
    grand_words: dict[HtmlElement, int] = {}
    grand_long: dict[HtmlElement, int] = {}
    container_words: dict[HtmlElement, int] = {}
    shares: list[float] = []
    containers: list[HtmlElement | None] = []
    is_container: dict[HtmlElement, bool] = {}  # blocks share their ancestors: each is judged once
    anc_active: dict[tuple[bool, ...], list[int]] = {}  # and a page has few sets of ancestor tags
    for b in blocks:
        share = _share_in(b.text, reference) if reference else 0.0
        shares.append(share)
        parent, grand = b.parent, b.grand
        parent_words[parent] = parent_words.get(parent, 0) + b.words
        parent_links[parent] = parent_links.get(parent, 0) + b.link_chars
        parent_chars[parent] = parent_chars.get(parent, 0) + b.chars
        parent_ld[parent] = parent_ld.get(parent, 0.0) + share * b.words
        grand_words[grand] = grand_words.get(grand, 0) + b.words
        if b.words >= 25:
            parent_long[parent] = parent_long.get(parent, 0) + 1
            grand_long[grand] = grand_long.get(grand, 0) + 1
        container = _nearest_container(b, is_container)
        containers.append(container)
        if container is not None:
            container_words[container] = container_words.get(container, 0) + b.words
    is_kept = [b.element.get("x") in kept for b in blocks]
    kept_words = sum(b.words for b, k in zip(blocks, is_kept, strict=True) if k)
    headline = _headline_index(blocks, title_norm)
    kept_at = [i for i, b in enumerate(blocks) if b.words >= 8 and is_kept[i]]
    ld_at = [i for i, b in enumerate(blocks) if b.words >= 8 and shares[i] >= 0.5]
    boundaries = _boundaries(blocks, kept_at[0] if kept_at else 0)
    for i, b in enumerate(blocks):
        f = [0.0] * len(FEATURE_NAMES)
        words = b.words
        text = b.text
        density = min(1.0, b.link_chars / b.chars) if b.chars else 0.0
        tokens = _WORD.findall(text)
        f[0] = 1.0
        f[1] = _log1p(words)
        f[2] = float(words < 4)
        f[3] = float(words < 10)
        f[4] = float(words >= 25)
        f[5] = density
        f[6] = float(density > 0.9)
        f[7] = float(_SENTENCE_END.search(text) is not None)
        f[8] = min(1.0, text.count(",") / max(words, 1))
        f[9] = min(1.0, text.count(".") / max(words, 1))
        f[10] = len(_DIGIT.findall(text)) / max(len(text), 1)
        f[11] = float(text[:1].isupper())
        f[12] = sum([t[0].isupper() for t in tokens]) / max(len(tokens), 1)
        f[13] = float(_PIPE_OR_BULLET.search(text) is not None)
        f[14] = min(b.depth, 40) / 40
        f[15] = i / n
        f[16] = (i / n) ** 2
        f[17] = float(headline is not None and i < headline)
        f[18] = float(headline == i)
        # The title's words, lowered, joined by spaces: the text needs as many words (lower() keeps every
        # character's \w-ness but İ's, which it turns into two characters).
        f[19] = float(
            bool(title_norm)
            and (words == title_words or "\u0130" in text)
            and _norm_title(text) == title_norm
        )
        f[20] = _log1p(i - headline) if headline is not None and i > headline else 0.0
        f[21] = float(is_kept[i])
        f[22] = kept_words / total_words
        f[23] = float(bool(reference))
        f[24] = shares[i]
        parent, grand = b.parent, b.grand
        f[25] = parent_ld[parent] / max(parent_words[parent], 1)
        f[26] = _log1p(parent_words[parent])
        f[27] = parent_words[parent] / total_words
        f[28] = parent_links[parent] / max(parent_chars[parent], 1)
        f[29] = _log1p(parent_long.get(parent, 0))
        f[30] = _log1p(grand_words[grand])
        f[31] = grand_words[grand] / total_words
        f[32] = _log1p(grand_long.get(grand, 0))
        container = containers[i]
        f[33] = container_words[container] / total_words if container is not None else 0.0
        f[34] = float(b.in_container)
        f[35] = float(b.in_body_class)
        f[36] = float(b.hidden)
        prev = blocks[i - 1] if i else None
        nxt = blocks[i + 1] if i + 1 < n else None
        f[37] = _log1p(prev.words) if prev else 0.0
        f[38] = _log1p(nxt.words) if nxt else 0.0
        f[39] = prev.link_chars / prev.chars if prev and prev.chars else 0.0
        f[40] = nxt.link_chars / nxt.chars if nxt and nxt.chars else 0.0
        f[41] = float(prev is not None and is_kept[i - 1])
        f[42] = float(nxt is not None and is_kept[i + 1])
        f[43] = float(prev is not None and prev.parent is parent)
        f[44] = float(nxt is not None and nxt.parent is parent)
        f[45] = float(b.near_clutter)
        f[46] = float(b.anc_clutter)
        f[47] = float(bool(ld_at) and i < ld_at[0])
        f[48] = float(bool(ld_at) and i > ld_at[-1])
        f[49] = _log1p(boundaries[i])
        head = text[:200]
        letters = sum(map(str.isalpha, head))
        f[50] = sum(map(str.isupper, head)) / letters if letters >= 12 else 0.0
        f[51] = float(words <= 12 and _URL.match(text) is not None)
        tag = "heading" if b.tag in HEADINGS else b.tag
        if tag in ("th",):
            tag = "td"
        elif tag in ("dt",):
            tag = "dd"
        elif tag not in OWN_TAGS:
            tag = "div"
        active = [_TAG0 + OWN_TAGS.index(tag)]
        anc = anc_active.get(b.anc_tags)
        if anc is None:
            anc = anc_active[b.anc_tags] = [_ANC0 + j for j, has in enumerate(b.anc_tags) if has]
        active += anc
        if words <= 40:
            active += _rule_hits(text)
        ptag = b.parent.tag if isinstance(b.parent.tag, str) else ""
        active.append(_PARENT0 + (PARENT_TAGS.index(ptag) if ptag in PARENT_TAGS else len(PARENT_TAGS) - 1))
        active += [_ANC_ATTR0 + a for a in b.anc_attrs]
        active += [_NEAR_ATTR0 + a for a in b.near_attrs]
        for j in active:
            f[j] = 1.0
        b.features = f
        b.active = active


def _rule_hits(text: str) -> list[int]:
    """The feature indexes of the TEXT_RULES that match the text (keywords first, see RULE_KEYWORDS)."""
    if _FOLDS_TO_ASCII.search(text) is not None:
        return [index for index, rule, _ in _RULE_CHECKS if rule.search(text)]
    lowered = text.lower()
    return [
        index
        for index, rule, keywords in _RULE_CHECKS
        if (keywords is None or keywords.search(lowered) is not None) and rule.search(text)
    ]


def _boundaries(blocks: list[Block], start: int) -> list[int]:
    """For each block, how many short blocks that close a story ("Related stories", "3 Comments", "Read more")
    come after `start` and before it."""
    out = []
    seen = 0
    for i, b in enumerate(blocks):
        out.append(seen)
        if i >= start and b.words <= 8 and _BOUNDARY.match(b.text):
            seen += 1
    return out


def _nearest_container(b: Block, memo: dict[HtmlElement, bool]) -> HtmlElement | None:
    if not b.in_container:
        return None
    for a in b.ancestors:
        found = memo.get(a)
        if found is None:
            found = memo[a] = _is_container(a, a.tag.lower() if isinstance(a.tag, str) else "")
        if found:
            return a
    return None


def _headline_index(blocks: Iterable[Block], title_norm: str) -> int | None:
    """The block holding the page's headline: the h1 that matches the title, else the first h1."""
    first_h1 = None
    for i, b in enumerate(blocks):
        if b.tag == "h1":
            if title_norm and _norm_title(b.text) == title_norm:
                return i
            if first_h1 is None:
                first_h1 = i
    return first_h1
