"""Candidates and features for one parsed page: readability-lxml's choice, the page's own containers and its
JSON-LD `articleBody`, turned into per-block features (see `blocks.py`) for the learned scorer."""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement
from readability.readability import Unparseable

from reader.extract.blocks import Block, block_features, page_blocks
from reader.extract.meta import Meta
from reader.extract.readability_doc import TaggedDocument

__all__ = ["analyse", "number_elements", "readability_kept"]


def number_elements(page: HtmlElement) -> None:
    """Number every element in document order (attribute `x`), so readability's output maps back."""
    for number, el in enumerate(page.iter()):
        el.set("x", str(number))


def readability_kept(page: HtmlElement) -> set[str]:
    """The `x` numbers of the elements readability-lxml keeps in its main block (empty when it fails)."""
    try:
        summary = TaggedDocument(page).summary(html_partial=True)
    except (Unparseable, ValueError, etree.LxmlError):
        return set()
    if not summary or not summary.strip():
        return set()
    try:
        fragment = etree.fromstring(summary.encode("utf-8"), etree.HTMLParser(encoding="utf-8"))
    except (etree.LxmlError, ValueError):
        return set()
    if fragment is None:
        return set()
    return {x for el in fragment.iter() if (x := el.get("x")) is not None}


def analyse(page: HtmlElement, meta: Meta) -> list[Block]:
    """The page's blocks with their features filled in. Numbers the page's elements (attribute `x`)."""
    number_elements(page)
    kept = readability_kept(page)
    body = page.find("body")
    blocks = page_blocks(body if body is not None else page)
    block_features(blocks, title=meta.title, kept=kept, json_ld_body=meta.article_body)
    return blocks
