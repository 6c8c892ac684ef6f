"""The readability pass, pure and blocking: page HTML -> clean Markdown `Article`, with quality signals.

Pipeline: bytes -> text (charset from header, <meta>, detection) -> bounded tree and metadata (with JSON-LD
`articleBody`) -> the page cut into text blocks -> each block scored by a learned model (`score.py`, weights
in `weights.py`, trained by `benchmarks/train_extract.py`) from features that include the candidates
(readability-lxml's main block, the page's article containers, the JSON-LD text) -> the kept blocks rebuilt
as a tree -> our clutter clean-up -> Markdown and plain text -> quality check, falling back to the feed's own
content when the page's text looks thin or wrong.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import replace

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from reader.errors import ExtractError
from reader.extract import weights
from reader.extract.analyse import analyse
from reader.extract.assemble import assemble
from reader.extract.blocks import DENSE, FEATURE_NAMES
from reader.extract.clean import clean_article, labels_what_follows
from reader.extract.decode import MAX_BYTES, cap_bytes, cap_text, decode_page, sniff_binary
from reader.extract.edges import trim_edges
from reader.extract.markdown import UNSAFE, Rendered, render, safe_block
from reader.extract.meta import Meta, json_ld_blocks, page_meta
from reader.extract.prepare import parse_page
from reader.extract.score import choose, predict
from reader.extract.site_rules import apply_rule, versioned
from reader.extract.trees import Tree
from reader.models import Article, Item, SiteRule
from reader.textsafe import clean_block, clean_text

__all__ = [
    "EXTRACTOR_VERSION",
    "article_from_feed",
    "extract",
    "extract_text",
    "feed_html_to_markdown",
    "html_to_text",
]

# Bump when a change would give a different article for the same page: the store re-extracts on a change.
EXTRACTOR_VERSION = "10"

MIN_WORDS = 50  # fewer words than this and the page's text "looks thin"
MAX_LINK_DENSITY = 0.5  # more of the text in links than this and it is a link list, not an article
FEED_RATIO = 2.0  # the feed's content this many times longer than the page's text: extraction went wrong
WORDS_PER_MINUTE = 230

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_READABILITY_KEPT = FEATURE_NAMES.index("readability_kept")
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)

# readability logs every failure with a traceback at ERROR level; we report failures ourselves.
logging.getLogger("readability.readability").setLevel(logging.CRITICAL)


def count_words(text: str) -> int:
    """Words in text; CJK text (written without spaces) counts one word per two characters."""
    words = len(_WORD.findall(text))
    if _CJK.search(text) is None:
        return words
    cjk_runs = len(_CJK_RUN.findall(text))
    return words - cjk_runs + sum(max(1, len(run) // 2) for run in _CJK_RUN.findall(text))


def sanitize_tree(root: HtmlElement) -> None:
    """Clean text that entities (&#27;) put into the tree, so the clean-up can move text around safely."""
    for el in root.iter():
        if el.text and UNSAFE.search(el.text):
            el.text = clean_block(el.text)
        if el.tail and UNSAFE.search(el.tail):
            el.tail = clean_block(el.tail)


def _parse_document(text: str) -> HtmlElement | None:
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None


def _parse_fragment(html: str) -> HtmlElement | None:
    doc = _parse_document(f"<html><body><div>{html}</div></body></html>")
    if doc is None:
        return None
    body = doc.find("body")
    return body if body is not None else doc


# The scorer's stage-one and stage-two weights, its trees and the features they test (see score.predict)
Model = tuple[Sequence[float], Sequence[float], Sequence[Tree], Sequence[int]]


def _scored_block(page: HtmlElement, meta: Meta, model: Model | None = None) -> HtmlElement | None:
    """The blocks the learned scorer chooses (see `score.choose`), as one tree."""
    blocks = analyse(page, meta)
    if not blocks:
        return None
    dense = [b.features[:DENSE] for b in blocks]
    stage1, stage2, trees, tree_features = (
        model if model is not None else (weights.STAGE1, weights.STAGE2, weights.TREES, weights.TREE_FEATURES)
    )
    probs = predict(dense, [b.active for b in blocks], stage1, stage2, trees, tree_features)
    chosen = choose(
        probs,
        [b.words for b in blocks],
        [b.hidden for b in blocks],
        [bool(b.features[_READABILITY_KEPT]) for b in blocks],
        [b.text for b in blocks],
        containers=[int(b.in_container) + int(b.in_body_class) for b in blocks],
    )
    if not chosen:
        return None
    # Labels such as "Read more:" or "3 Comments" between the chosen blocks go in too: the clean-up drops
    # them along with the links or comments after them, which the scorer may have kept.
    first, last = chosen[0], chosen[-1]
    taken = set(chosen)
    labels = [
        i
        for i in range(first, last)
        if i not in taken and blocks[i].words <= 12 and labels_what_follows(blocks[i].element, blocks[i].text)
    ]
    root = assemble(blocks, [blocks[i] for i in sorted(taken.union(labels))])
    sanitize_tree(root)
    return root


def _reading_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE)) if words else 0


def _article(
    rendered: Rendered,
    meta: Meta | None,
    *,
    source: str,
    thin_reason: str | None,
    note: str | None,
    title: str | None = None,
) -> Article:
    text = safe_block(rendered.text)  # clean_block, skipped when nothing needs cleaning
    words = count_words(text)
    return Article(
        title=clean_text(title if title is not None else (meta.title if meta else None), 300) or None,
        byline=clean_text(meta.byline, 200) or None if meta else None,
        published=meta.published if meta else None,
        markdown=safe_block(rendered.markdown),
        text=text,
        word_count=words,
        reading_minutes=_reading_minutes(words),
        link_density=round(rendered.link_chars / rendered.text_chars, 3) if rendered.text_chars else 0.0,
        thin=thin_reason is not None,
        thin_reason=clean_text(thin_reason, 300) or None,
        extractor_version=EXTRACTOR_VERSION,
        source="feed" if source == "feed" else "page",
        note=clean_text(note, 500) or None,
    )


def _render_feed(content_html: str | None, base_url: str | None) -> Rendered:
    root = _parse_fragment(content_html) if content_html and content_html.strip() else None
    if root is None:
        return Rendered("", "", 0, 0)
    sanitize_tree(root)
    clean_article(root)
    return render(root, base_url)


def article_from_feed(content_html: str | None, title: str | None, url: str | None, note: str) -> Article:
    """The fallback article built from a feed item's own HTML content (same clean-up and Markdown)."""
    rendered = _render_feed(content_html, url)
    return _article(rendered, None, source="feed", thin_reason=note, note=note, title=title)


def item_article(item: Item, note: str | None) -> Article:
    """An item's own feed content as an Article (the pane's fallback when there is no full text)."""
    html = item.content or item.summary or ""
    if not html:
        return Article(
            title=item.title,
            byline=item.author,
            published=item.published,
            markdown="*This item has no text in the feed.*",
            text="",
            word_count=0,
            reading_minutes=0,
            thin=True,
            source="feed",
            note=note,
            extractor_version=EXTRACTOR_VERSION,
        )
    article = article_from_feed(html, item.title, item.link, note or "")
    return replace(
        article, byline=article.byline or item.author, published=article.published or item.published
    )


def feed_html_to_markdown(html: str | None, base_url: str | None = None) -> str:
    """Markdown for a feed summary or content (cleaned up like a page's main block)."""
    return clean_block(_render_feed(html, base_url).markdown)


def html_to_text(html: str | None) -> str:
    """Plain text for a feed summary or content: paragraphs separated by blank lines, no markup."""
    return clean_block(_render_feed(html, None).text)


def extract(
    html: str | bytes,
    url: str | None,
    *,
    headers_charset: str | None = None,
    feed_content: str | None = None,
    model: Model | None = None,
    rule: SiteRule | None = None,
) -> Article:
    """Turn a page into an Article, falling back to `feed_content` when the page's text looks thin.
    `model`: the scorer's weights instead of the shipped ones (cross-validation in the training script).
    `rule`: the user's site rule for the page (see `site_rules`): the article's version then names it.

    Raises ExtractError when the data is not an HTML page (PDF, images, binary), or when the page holds
    no readable text and there is no feed content to show instead.
    """
    article = _extract(html, url, headers_charset, feed_content, model, rule)
    if rule is None:
        return article
    return replace(article, extractor_version=versioned(EXTRACTOR_VERSION, rule))


def _extract(
    html: str | bytes,
    url: str | None,
    headers_charset: str | None,
    feed_content: str | None,
    model: Model | None,
    rule: SiteRule | None,
) -> Article:
    notes: list[str] = []
    if isinstance(html, bytes | bytearray):
        data, cut = cap_bytes(bytes(html))
        text = decode_page(data, headers_charset)[0]
    else:
        kind = sniff_binary(html)
        if kind is not None:
            raise ExtractError(f"not an HTML page: looks like {kind}")
        text, cut = cap_text(html)
    if cut:
        notes.append(f"The page was larger than {MAX_BYTES // 1_000_000} MB; only the start was read.")
    text = text.replace("\x00", "")  # the rest of the control characters are cleaned in the tree

    if not text.strip():
        return _fallback(feed_content, None, url, "The page was empty.", notes, None)
    source, trimmed = parse_page(text)
    if source is None:
        return _fallback(feed_content, None, url, "The page was empty.", notes, None)
    if trimmed and not cut:
        notes.append("The page was too large to read whole; only the start was read.")
    meta = page_meta(source, json_ld_blocks(text))
    picked, rule_note = apply_rule(source, rule) if rule is not None else (None, None)
    if rule_note:
        notes.append(rule_note)
    if picked is not None:
        sanitize_tree(picked)
        block: HtmlElement | None = picked
    else:
        block = _scored_block(source, meta, model)
    if block is None:
        return _fallback(feed_content, meta, url, "No article text was found on the page.", notes, None)
    clean_article(block, meta.title)
    trim_edges(block, meta.title)
    rendered = render(block, url)
    words = count_words(rendered.text)
    density = rendered.link_chars / rendered.text_chars if rendered.text_chars else 0.0
    feed_words = count_words(_render_feed(feed_content, url).text) if feed_content else 0

    reason = None
    if words == 0:
        reason = "No article text was found on the page."
    elif words < MIN_WORDS:
        reason = f"Full text looked thin ({words} words)."
    elif density > MAX_LINK_DENSITY:
        reason = f"Full text was mostly links ({density:.0%} of its text)."
    elif feed_words > words * FEED_RATIO:
        reason = f"Full text ({words} words) was much shorter than the feed's content ({feed_words} words)."
    if reason is None:
        return _article(rendered, meta, source="page", thin_reason=None, note=" ".join(notes) or None)
    if feed_words > words or words == 0:
        return _fallback(feed_content, meta, url, reason, notes, rendered)
    return _article(rendered, meta, source="page", thin_reason=reason, note=" ".join([reason, *notes]))


def _fallback(
    feed_content: str | None,
    meta: Meta | None,
    url: str | None,
    reason: str,
    notes: list[str],
    rendered: Rendered | None,
) -> Article:
    """The feed's content when it has text; else what the page gave, or ExtractError when that is nothing."""
    feed = _render_feed(feed_content, url) if feed_content else None
    if feed is not None and count_words(feed.text):
        note = " ".join([reason.rstrip(".") + "; showing the feed's content.", *notes])
        return _article(feed, meta, source="feed", thin_reason=reason, note=note)
    if rendered is not None and count_words(rendered.text):
        return _article(rendered, meta, source="page", thin_reason=reason, note=" ".join([reason, *notes]))
    raise ExtractError(f"no readable text: {reason.rstrip('.').lower()}")


def extract_text(html: str, model: Model | None = None) -> str:
    """Adapter for the extraction evaluator: page HTML -> the article's plain text ('' when there is none)."""
    try:
        return extract(html, None, model=model).text
    except ExtractError:
        return ""
